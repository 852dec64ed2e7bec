"""``Config.to_yaml``: the config as Alertmanager 0.25 marshals it (``config.original`` in ``/api/v2/status``).

Go struct field order, ``omitempty`` rules and ``MarshalYAML`` methods are
reproduced per struct: secrets become ``<secret>``, durations use their Go
``String()`` forms, time-interval ranges their ``MarshalText`` forms. Like the
running Alertmanager, email configs of receivers used by a route show the
``To``/``From``/``Subject`` headers its email notifier adds when it is built.
"""

from __future__ import annotations

from typing import Any

from gossamer import timeinterval as ti
from gossamer.config import model as m
from gossamer.config.emit import Flow, FlowMap, emit
from gossamer.config.httpconfig import TLS_VERSIONS
from gossamer.config.scalars import SECRET, format_prom_duration
from gossamer.config.structure import Config, GlobalConfig, InhibitRule, RouteConfig
from gossamer.matchers import Matcher

Doc = dict[str, Any]
DEFAULT_EMAIL_SUBJECT = '{{ template "email.default.subject" . }}'


def secret(value: str) -> str | None:
    return SECRET if value else None


def put(doc: Doc, key: str, value: Any) -> None:
    """``omitempty``: skip None, "", False, 0, and empty collections."""
    if (
        value is None
        or value == ""
        or value is False
        or (isinstance(value, int) and value == 0 and not isinstance(value, bool))
    ):
        return
    if isinstance(value, (list, dict, tuple)) and not value:
        return
    doc[key] = value


def sorted_map(values: dict[str, Any] | None) -> dict[str, Any]:
    return {k: values[k] for k in sorted(values or {}, key=_go_key_less)} if values else {}


class _GoKey:
    """A sort key implementing yaml.v2 ``keyList.Less`` for string keys."""

    def __init__(self, key: str) -> None:
        self.key = key

    def __lt__(self, other: _GoKey) -> bool:
        return _go_less(self.key, other.key)


def _go_key_less(key: str) -> _GoKey:
    return _GoKey(key)


def _go_less(a: str, b: str) -> bool:
    for i in range(min(len(a), len(b))):
        if a[i] == b[i]:
            continue
        al, bl = a[i].isalpha(), b[i].isalpha()
        if al and bl:
            return a[i] < b[i]
        if al or bl:
            return bl
        an = bn = 0
        if a[i] == "0" or b[i] == "0":
            j = i - 1
            while j >= 0 and a[j].isdigit():
                if a[j] != "0":
                    an = bn = 1
                    break
                j -= 1
        ai = i
        while ai < len(a) and a[ai].isdigit():
            an = an * 10 + int(a[ai])
            ai += 1
        bi = i
        while bi < len(b) and b[bi].isdigit():
            bn = bn * 10 + int(b[bi])
            bi += 1
        if an != bn:
            return an < bn
        if ai != bi:
            return ai < bi
        return a[i] < b[i]
    return len(a) < len(b)


# --- http_config -------------------------------------------------------------


def tls_doc(t: m.TLSConfig) -> Doc | None:
    if t == m.TLSConfig():
        return None
    doc: Doc = {}
    for key in ("ca_file", "cert_file", "key_file", "server_name"):
        put(doc, key, getattr(t, key))
    doc["insecure_skip_verify"] = t.insecure_skip_verify
    put(doc, "min_version", TLS_VERSIONS.get(t.min_version))
    put(doc, "max_version", TLS_VERSIONS.get(t.max_version))
    return doc


def http_doc(c: m.HTTPClientConfig) -> Doc:
    doc: Doc = {}
    if c.basic_auth is not None:
        b = c.basic_auth
        basic: Doc = {}
        put(basic, "username", b.username)
        put(basic, "password", secret(b.password))
        put(basic, "password_file", b.password_file)
        doc["basic_auth"] = basic
    if c.authorization is not None:
        a = c.authorization
        auth: Doc = {}
        put(auth, "type", a.type)
        put(auth, "credentials", secret(a.credentials))
        put(auth, "credentials_file", a.credentials_file)
        doc["authorization"] = auth
    if c.oauth2 is not None:
        doc["oauth2"] = _oauth2(c.oauth2)
    put(doc, "bearer_token", secret(c.bearer_token))
    put(doc, "bearer_token_file", c.bearer_token_file)
    put(doc, "proxy_url", c.proxy_url)
    put(
        doc,
        "proxy_connect_header",
        {k: [SECRET] * len(v) for k, v in sorted_map(dict(c.proxy_connect_header)).items()},
    )
    put(doc, "tls_config", tls_doc(c.tls_config))
    doc["follow_redirects"] = c.follow_redirects
    doc["enable_http2"] = c.enable_http2
    return doc


def _oauth2(o: m.OAuth2) -> Doc:
    doc: Doc = {
        "client_id": o.client_id,
        "client_secret": secret(o.client_secret),
        "client_secret_file": o.client_secret_file,
    }
    put(doc, "scopes", list(o.scopes))
    doc["token_url"] = o.token_url
    put(doc, "endpoint_params", sorted_map(o.endpoint_params))
    put(doc, "proxy_url", o.proxy_url)
    put(doc, "tls_config", tls_doc(o.tls_config))
    return doc


# --- global, route, inhibit rules --------------------------------------------

_GLOBAL_SECRETS = {
    "smtp_auth_password",
    "smtp_auth_secret",
    "slack_api_url",
    "opsgenie_api_key",
    "wechat_api_secret",
    "victorops_api_key",
}


def _global(g: GlobalConfig) -> Doc:
    doc: Doc = {
        "resolve_timeout": format_prom_duration(g.resolve_timeout),
        "http_config": http_doc(g.http_config),
    }
    for key in GlobalConfig.__struct_fields__[2:]:
        value = getattr(g, key)
        if key == "smtp_require_tls":
            doc[key] = value
        elif key in _GLOBAL_SECRETS:
            put(doc, key, secret(value))
        else:
            put(doc, key, value)
    return doc


def _matcher_strings(ms: list[Matcher] | None) -> list[str] | None:
    return None if ms is None else [str(x) for x in ms]


def _route(r: RouteConfig) -> Doc:
    doc: Doc = {}
    put(doc, "receiver", r.receiver)
    put(doc, "group_by", r.group_by_raw)
    put(doc, "match", sorted_map(r.match_raw))
    put(doc, "match_re", {k: v or None for k, v in sorted_map(r.match_re_raw).items()})
    put(doc, "matchers", _matcher_strings(r.matchers_raw))
    put(doc, "mute_time_intervals", r.mute_time_intervals)
    put(doc, "active_time_intervals", r.active_time_intervals)
    doc["continue"] = r.continue_
    put(doc, "routes", [_route(child) for child in r.routes])
    for key in ("group_wait", "group_interval", "repeat_interval"):
        value = getattr(r, key)
        if value is not None:
            doc[key] = format_prom_duration(value)
    return doc


def _inhibit(rule: InhibitRule) -> Doc:
    doc: Doc = {}
    for side in ("source", "target"):
        put(doc, f"{side}_match", sorted_map(getattr(rule, f"{side}_match_raw")))
        regex = sorted_map(getattr(rule, f"{side}_match_re_raw"))
        put(doc, f"{side}_match_re", {k: v or None for k, v in regex.items()})
        put(doc, f"{side}_matchers", _matcher_strings(getattr(rule, f"{side}_matchers_raw")))
    put(doc, "equal", rule.equal)
    return doc


# --- time intervals ----------------------------------------------------------


def _entry(e: ti.TimeIntervalEntry) -> Doc:
    doc: Doc = {}
    if e.times:
        doc["times"] = [
            {"start_time": ti.format_time(t.start_minute), "end_time": ti.format_time(t.end_minute)}
            for t in e.times
        ]
    if e.weekdays:
        doc["weekdays"] = Flow(ti.format_weekdays(r) for r in e.weekdays)
    for key in ("days_of_month", "months", "years"):
        ranges = getattr(e, key)
        if ranges:
            doc[key] = Flow(ti.format_range(r) for r in ranges)
    if e.location is not None:
        doc["location"] = e.location or "UTC"
    return doc


def _intervals(intervals: list[ti.TimeInterval]) -> list[Doc]:
    """Named intervals, with yaml.v2's leaking ``flow`` flag reproduced.

    yaml.v2 sets its ``flow`` flag for a ``,flow`` field and only clears it in
    the next mapping or sequence it writes; ``location`` (a scalar) is the last
    field of an entry, so after an entry with a location the next entry (or
    the next named interval) comes out in flow style.
    """
    out: list[Doc] = []
    leak = False
    for interval in intervals:
        flow_named, leak = leak, False
        entries: list[Doc] = []
        for entry in interval.entries:
            doc = _entry(entry)
            entries.append(FlowMap(doc) if leak else doc)
            leak = entry.location is not None
        named = {"name": interval.name, "time_intervals": entries}
        out.append(FlowMap(named) if flow_named else named)
    return out


# --- document ----------------------------------------------------------------


def _route_receivers(route: RouteConfig) -> set[str]:
    names = {route.receiver} if route.receiver else set()
    for child in route.routes:
        names |= _route_receivers(child)
    return names


def render_config(config: Config) -> str:
    """The whole document, byte for byte as Alertmanager 0.25's ``Config.String()``."""
    from gossamer.config.render_receivers import render_receiver

    active = _route_receivers(config.route)
    doc: Doc = {"global": _global(config.global_), "route": _route(config.route)}
    put(doc, "inhibit_rules", [_inhibit(rule) for rule in config.inhibit_rules])
    put(doc, "receivers", [render_receiver(r, r.name in active) for r in config.receivers])
    doc["templates"] = list(config.templates)
    intervals = list(config.time_intervals.values())
    put(doc, "mute_time_intervals", _intervals([i for i in intervals if i.deprecated_mute]))
    put(doc, "time_intervals", _intervals([i for i in intervals if not i.deprecated_mute]))
    return emit(doc)
