"""Loading ``alertmanager.yml``: the top level, ``global``, time intervals, templates.

``parse_config`` follows Alertmanager 0.25's ``config.Load``: strict decoding
of the whole document (each object checking itself as it is decoded), then
``Config.UnmarshalYAML``'s cross-object checks in Alertmanager's order, so the
first error reported is the one Alertmanager would report.

Runs wherever the config is (re)loaded (startup, SIGHUP, ``/-/reload``); it
only reads the file and never touches shared state, so a failure leaves the
running config untouched.
"""

from __future__ import annotations

import os.path
import re
from typing import Any

from gossamer import timeinterval as ti
from gossamer.config import yamlnode as y
from gossamer.config.httpconfig import http_config, with_directory
from gossamer.config.notifiers import host_port, secret_url, url
from gossamer.config.receivers import decode_receiver, finish_receivers
from gossamer.config.routes import decode_inhibit_rule, decode_route
from gossamer.config.scalars import parse_prom_duration
from gossamer.config.structure import Config, GlobalConfig, RouteConfig
from gossamer.errors import ConfigError


def _duration(d: y.Decoder, node: y.Node) -> float:
    """A ``model.Duration`` value (not a pointer): null is zero."""
    return 0.0 if y.is_null(node) else parse_prom_duration(y.string(d, node))


def _global_url(d: y.Decoder, node: y.Node) -> str:
    return url(d, node) or ""


def _global_secret_url(d: y.Decoder, node: y.Node) -> str:
    return secret_url(d, node) or ""


_GLOBAL_FIELDS: dict[str, y.Converter] = {
    "resolve_timeout": _duration,
    "http_config": http_config,
    **dict.fromkeys(
        [
            "smtp_from",
            "smtp_hello",
            "smtp_auth_username",
            "smtp_auth_password",
            "smtp_auth_password_file",
            "smtp_auth_secret",
            "smtp_auth_identity",
            "slack_api_url_file",
            "opsgenie_api_key",
            "opsgenie_api_key_file",
            "wechat_api_secret",
            "wechat_api_corp_id",
            "victorops_api_key",
            "victorops_api_key_file",
        ],
        y.string,
    ),
    "smtp_smarthost": host_port,
    "smtp_require_tls": y.boolean,
    "slack_api_url": _global_secret_url,
    **dict.fromkeys(
        [
            "pagerduty_url",
            "opsgenie_api_url",
            "wechat_api_url",
            "victorops_api_url",
            "telegram_api_url",
            "webex_api_url",
        ],
        _global_url,
    ),
}


def _decode_global(d: y.Decoder, node: y.Node) -> GlobalConfig | None:
    if y.is_null(node):
        return None
    raw = d.plain(node, "config.plain", _GLOBAL_FIELDS)
    if raw is None:
        return None
    if raw.get("http_config") is None:
        raw.pop("http_config", None)
    return GlobalConfig(**raw)


# --- time intervals ----------------------------------------------------------


def _ranges(parse: Any, into: str) -> y.Converter:
    def convert(d: y.Decoder, node: y.Node) -> tuple[ti.InclusiveRange, ...] | None:
        def item(dd: y.Decoder, n: y.Node) -> ti.InclusiveRange | None:
            try:
                return parse(y.string(dd, n)) if not y.is_null(n) else ti.InclusiveRange(0, 0)
            except ValueError as exc:
                raise ConfigError(str(exc)) from None

        items = y.seq_of(d, node, into, item)
        return None if items is None else tuple(i for i in items if i is not None)

    return convert


def _time_range(d: y.Decoder, node: y.Node) -> ti.TimeRange | None:
    raw = d.plain(
        node, "timeinterval.yamlTimeRange", {"start_time": y.string, "end_time": y.string}
    )
    if raw is None:
        return None
    try:
        return ti.parse_time_range(raw.get("start_time", ""), raw.get("end_time", ""))
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def _times(d: y.Decoder, node: y.Node) -> tuple[ti.TimeRange, ...] | None:
    items = y.seq_of(d, node, "[]timeinterval.TimeRange", _time_range)
    return None if items is None else tuple(i for i in items if i is not None)


def _location(d: y.Decoder, node: y.Node) -> str | None:
    if y.is_null(node):
        return None
    name = y.string(d, node)
    try:
        ti.load_location(name)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    return name


_ENTRY_FIELDS: dict[str, y.Converter] = {
    "times": _times,
    "weekdays": _ranges(ti.parse_weekday_range, "[]timeinterval.WeekdayRange"),
    "days_of_month": _ranges(ti.parse_day_of_month_range, "[]timeinterval.DayOfMonthRange"),
    "months": _ranges(ti.parse_month_range, "[]timeinterval.MonthRange"),
    "years": _ranges(ti.parse_year_range, "[]timeinterval.YearRange"),
    "location": _location,
}


def _entry(d: y.Decoder, node: y.Node) -> ti.TimeIntervalEntry:
    if y.is_null(node):
        return ti.TimeIntervalEntry()
    return ti.TimeIntervalEntry(**d.fields(node, "timeinterval.TimeInterval", _ENTRY_FIELDS))


def _named_intervals(mute: bool) -> y.Converter:
    label = "mute time interval" if mute else "time interval"

    def one(d: y.Decoder, node: y.Node) -> ti.TimeInterval | None:
        if y.is_null(node):
            return ti.TimeInterval(name="", deprecated_mute=mute)
        raw = d.plain(
            node,
            "config.plain",
            {
                "name": y.string,
                "time_intervals": lambda dd, n: y.seq_of(
                    dd, n, "[]timeinterval.TimeInterval", _entry
                ),
            },
        )
        if raw is None:
            return None
        if not raw.get("name"):
            raise ConfigError(f"missing name in {label}")
        return ti.TimeInterval(raw["name"], tuple(raw.get("time_intervals") or ()), mute)

    def convert(d: y.Decoder, node: y.Node) -> list[ti.TimeInterval] | None:
        items = y.seq_of(d, node, "[]config.TimeInterval", one)
        return None if items is None else [i for i in items if i is not None]

    return convert


# --- top level ---------------------------------------------------------------


def _inhibit_rules(d: y.Decoder, node: y.Node) -> list[Any] | None:
    return y.seq_of(d, node, "[]*config.InhibitRule", decode_inhibit_rule)


def _receivers(d: y.Decoder, node: y.Node) -> list[Any] | None:
    return y.seq_of(d, node, "[]*config.Receiver", decode_receiver)


_CONFIG_FIELDS: dict[str, y.Converter] = {
    "global": _decode_global,
    "route": lambda d, n: None if y.is_null(n) else decode_route(d, n),
    "inhibit_rules": _inhibit_rules,
    "receivers": _receivers,
    "templates": y.string_list,
    "mute_time_intervals": _named_intervals(True),
    "time_intervals": _named_intervals(False),
}

_AT_MOST_ONE = (
    ("slack_api_url", "slack_api_url_file"),
    ("opsgenie_api_key", "opsgenie_api_key_file"),
    ("victorops_api_key", "victorops_api_key_file"),
    ("smtp_auth_password", "smtp_auth_password_file"),
)


def parse_config(text: str, base_dir: str = ".") -> Config:
    """Parse and validate ``alertmanager.yml`` text; relative paths resolve against ``base_dir``.

    Raises :class:`ConfigError` with Alertmanager's message (``yaml: unmarshal
    errors:\\n  line N: ...`` for type errors and unknown or repeated keys).
    """
    root = y.compose(text)
    if y.is_null(root):
        raise ConfigError("no route provided in config")
    assert root is not None
    d = y.Decoder()
    raw = d.plain(root, "config.plain", _CONFIG_FIELDS)
    d.raise_collected()
    assert raw is not None
    config = _validate(raw, base_dir, text)
    if config.route.continue_:
        raise ConfigError("cannot have continue in root route")
    return config


def _validate(raw: dict[str, Any], base_dir: str, text: str) -> Config:
    """``Config.UnmarshalYAML`` after the plain decode, in Alertmanager's order."""
    g = raw.get("global") or GlobalConfig()
    for inline, file in _AT_MOST_ONE:
        if getattr(g, inline) and getattr(g, file):
            raise ConfigError(f"at most one of {inline} & {file} must be configured")
    g = GlobalConfig(**{**_struct_dict(g), "http_config": with_directory(g.http_config, base_dir)})
    receivers = finish_receivers(raw.get("receivers") or [], g, base_dir)
    route = raw.get("route")
    if route is None:
        raise ConfigError("no routes provided")
    _check_root(route)
    names = {r.name for r in receivers}
    _check_receivers(route, names)
    intervals = _interval_map(raw.get("mute_time_intervals") or [], raw.get("time_intervals") or [])
    _check_time_intervals(route, intervals)
    return Config(
        global_=g,
        route=route,
        inhibit_rules=raw.get("inhibit_rules") or [],
        receivers=receivers,
        time_intervals=intervals,
        templates=_resolve_templates(raw.get("templates") or [], base_dir),
        original_text=text,
    )


def _struct_dict(s: Any) -> dict[str, Any]:
    return {f: getattr(s, f) for f in s.__struct_fields__}


def _check_root(route: RouteConfig) -> None:
    if not route.receiver:
        raise ConfigError("root route must specify a default receiver")
    if route.matchers:
        raise ConfigError("root route must not have any matchers")
    if route.mute_time_intervals:
        raise ConfigError("root route must not have any mute time intervals")
    if route.active_time_intervals:
        raise ConfigError("root route must not have any active time intervals")


def _check_receivers(route: RouteConfig, names: set[str]) -> None:
    for child in route.routes:
        _check_receivers(child, names)
    if route.receiver and route.receiver not in names:
        raise ConfigError(f'undefined receiver "{route.receiver}" used in route')


def _interval_map(
    mute: list[ti.TimeInterval], plain: list[ti.TimeInterval]
) -> dict[str, ti.TimeInterval]:
    out: dict[str, ti.TimeInterval] = {}
    for interval in mute + plain:
        if interval.name in out:
            label = "mute time interval" if interval.deprecated_mute else "time interval"
            raise ConfigError(f'{label} "{interval.name}" is not unique')
        out[interval.name] = interval
    return out


def _check_time_intervals(route: RouteConfig, intervals: dict[str, ti.TimeInterval]) -> None:
    for child in route.routes:
        _check_time_intervals(child, intervals)
    for name in route.active_time_intervals + route.mute_time_intervals:
        if name not in intervals:
            raise ConfigError(f'undefined time interval "{name}" used in route')


_GLOB_CLASS = re.compile(r"\[\^?\]?([^\]\\]|\\.)*\]")


def _check_glob(pattern: str) -> None:
    """Go ``filepath.Glob``'s syntax check (``ErrBadPattern``) for character classes/escapes."""
    rest = _GLOB_CLASS.sub("", pattern.replace("\\\\", ""))
    if "[" in rest or rest.endswith("\\"):
        raise ConfigError(f"syntax error in pattern: {pattern}")


def _resolve_templates(globs: list[str], base_dir: str) -> list[str]:
    out = []
    for pattern in globs:
        _check_glob(pattern)
        if pattern and not os.path.isabs(pattern):
            pattern = os.path.normpath(os.path.join(base_dir, pattern))
        out.append(pattern)
    return out


def load_config_file(path: str) -> Config:
    """Read and parse a config file; relative paths inside resolve against its directory."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"open {path}: {exc.strerror if isinstance(exc, OSError) else exc}"
        ) from None
    return parse_config(text, os.path.dirname(path) or ".")
