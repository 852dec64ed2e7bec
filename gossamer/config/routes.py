"""Decoding ``route`` (recursive), ``inhibit_rules[]`` and label-matcher fields (config.md §3-4)."""

from __future__ import annotations

from typing import Any

from gossamer.config import yamlnode as y
from gossamer.config.scalars import is_label_name, parse_prom_duration
from gossamer.config.structure import InhibitRule, RouteConfig
from gossamer.errors import ConfigError, MatcherError
from gossamer.matchers import Matcher, MatchType, new_matcher, parse_matchers, sort_matchers

PLAIN = "config.plain"


def _prom_duration(d: y.Decoder, node: y.Node) -> float | None:
    """A ``*model.Duration``: null leaves it unset (inherit)."""
    return None if y.is_null(node) else parse_prom_duration(y.string(d, node))


def _matcher(name: str, kind: MatchType, value: str) -> Matcher:
    try:
        return new_matcher(name, kind, value)
    except MatcherError as exc:
        raise ConfigError(str(exc)) from None


def match_re(d: y.Decoder, node: y.Node) -> dict[str, str] | None:
    """``MatchRegexps``: every value must compile anchored; names must be label names."""
    if y.is_null(node):
        return None
    out: dict[str, str | None] = {}
    for key, key_node, value_node in d.pairs(node, "config.plain"):
        if key in out:
            d.errors.append(f'line {y.line_of(key_node)}: key "{key}" already set in map')
            continue
        if y.is_null(value_node):
            out[key] = None
            continue
        pattern = y.string(d, value_node)
        _matcher(key, MatchType.REGEX, pattern)
        out[key] = pattern
    for key, value in out.items():
        if not is_label_name(key):
            raise ConfigError(f'invalid label name "{key}"')
        if value is None:
            raise ConfigError(f'invalid regexp value for "{key}"')
    return {k: v for k, v in out.items() if v is not None}


def matchers(d: y.Decoder, node: y.Node) -> list[Matcher] | None:
    """``Matchers``: a list of matcher strings (0.25 parser), sorted."""
    lines = y.string_list(d, node)
    if lines is None:
        return None
    parsed: list[Matcher] = []
    for line in lines:
        try:
            parsed.extend(parse_matchers(line))
        except MatcherError as exc:
            raise ConfigError(str(exc)) from None
    return sort_matchers(parsed)


def _check_match_names(match: dict[str, str] | None) -> None:
    for key in match or {}:
        if not is_label_name(key):
            raise ConfigError(f'invalid label name "{key}"')


def merged_matchers(
    match: dict[str, str] | None, regex: dict[str, str] | None, new: list[Matcher] | None
) -> list[Matcher]:
    """match (``=``) + match_re (``=~ ^(?:re)$``, as ``Regexp.String()``) + matchers, sorted."""
    out = [_matcher(k, MatchType.EQUAL, v) for k, v in (match or {}).items()]
    out += [_matcher(k, MatchType.REGEX, f"^(?:{v})$") for k, v in (regex or {}).items()]
    out += new or []
    return sort_matchers(out)


def _routes(d: y.Decoder, node: y.Node) -> list[RouteConfig] | None:
    items = y.seq_of(d, node, "[]*config.Route", decode_route)
    return None if items is None else [r for r in items if r is not None]


_ROUTE_FIELDS: dict[str, y.Converter] = {
    "receiver": y.string,
    "group_by": y.string_list,
    "match": y.string_map,
    "match_re": match_re,
    "matchers": matchers,
    "mute_time_intervals": y.string_list,
    "active_time_intervals": y.string_list,
    "continue": y.boolean,
    "routes": _routes,
    "group_wait": _prom_duration,
    "group_interval": _prom_duration,
    "repeat_interval": _prom_duration,
}


def decode_route(d: y.Decoder, node: y.Node) -> RouteConfig | None:
    """One route node (``Route.UnmarshalYAML``); children are decoded and checked first."""
    if y.is_null(node):
        # Alertmanager 0.25 panics on a null child route; refuse it cleanly.
        raise ConfigError(f"line {y.line_of(node)}: empty entry in routes")
    raw = d.plain(node, PLAIN, _ROUTE_FIELDS)
    if raw is None:
        return None
    _check_match_names(raw.get("match"))
    group_by, group_by_all = _group_by(raw.get("group_by"))
    for name, value in (
        ("group_interval", raw.get("group_interval")),
        ("repeat_interval", raw.get("repeat_interval")),
    ):
        if value == 0:
            raise ConfigError(f"{name} cannot be zero")
    return RouteConfig(
        receiver=raw.get("receiver") or None,
        group_by=group_by or None,
        group_by_all=group_by_all,
        group_wait=raw.get("group_wait"),
        group_interval=raw.get("group_interval"),
        repeat_interval=raw.get("repeat_interval"),
        continue_=raw.get("continue", False),
        matchers=merged_matchers(raw.get("match"), raw.get("match_re"), raw.get("matchers")),
        mute_time_intervals=raw.get("mute_time_intervals") or [],
        active_time_intervals=raw.get("active_time_intervals") or [],
        routes=raw.get("routes") or [],
        group_by_raw=raw.get("group_by"),
        match_raw=raw.get("match"),
        match_re_raw=raw.get("match_re"),
        matchers_raw=raw.get("matchers"),
    )


def _group_by(names: list[str] | None) -> tuple[list[str], bool]:
    labels: list[str] = []
    wildcard = False
    for name in names or ():
        if name == "...":
            wildcard = True
        elif not is_label_name(name):
            raise ConfigError(f'invalid label name "{name}" in group_by list')
        else:
            labels.append(name)
    if labels and wildcard:
        raise ConfigError(
            "cannot have wildcard group_by (`...`) and other other labels at the same time"
        )
    if len(set(labels)) != len(labels):
        duplicate = next(n for i, n in enumerate(labels) if n in labels[:i])
        raise ConfigError(f'duplicated label "{duplicate}" in group_by')
    return labels, wildcard


def _label_names(d: y.Decoder, node: y.Node) -> list[str] | None:
    """``model.LabelNames``: every element is checked as it is decoded."""
    names = y.string_list(d, node, "model.LabelNames")
    for name in names or ():
        if not is_label_name(name):
            raise ConfigError(f'"{name}" is not a valid label name')
    return names


_INHIBIT_FIELDS: dict[str, y.Converter] = {
    "source_match": y.string_map,
    "source_match_re": match_re,
    "source_matchers": matchers,
    "target_match": y.string_map,
    "target_match_re": match_re,
    "target_matchers": matchers,
    "equal": _label_names,
}


def decode_inhibit_rule(d: y.Decoder, node: y.Node) -> InhibitRule | None:
    """One ``inhibit_rules[]`` entry (``InhibitRule.UnmarshalYAML``)."""
    if y.is_null(node):
        # amtool 0.25 accepts a null rule, but the 0.25 daemon panics on it at startup.
        raise ConfigError(f"line {y.line_of(node)}: empty entry in inhibit_rules")
    raw: dict[str, Any] | None = d.plain(node, PLAIN, _INHIBIT_FIELDS)
    if raw is None:
        return None
    _check_match_names(raw.get("source_match"))
    _check_match_names(raw.get("target_match"))
    return InhibitRule(
        source_matchers=merged_matchers(
            raw.get("source_match"), raw.get("source_match_re"), raw.get("source_matchers")
        ),
        target_matchers=merged_matchers(
            raw.get("target_match"), raw.get("target_match_re"), raw.get("target_matchers")
        ),
        equal=raw.get("equal") or [],
        source_match_raw=raw.get("source_match"),
        source_match_re_raw=raw.get("source_match_re"),
        source_matchers_raw=raw.get("source_matchers"),
        target_match_raw=raw.get("target_match"),
        target_match_re_raw=raw.get("target_match_re"),
        target_matchers_raw=raw.get("target_matchers"),
    )
