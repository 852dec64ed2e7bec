"""Strict YAML decoding with ``gopkg.in/yaml.v2`` semantics on top of PyYAML's composer.

Alertmanager reads its config with ``yaml.UnmarshalStrict``. What matters for
accepting exactly the same files:

* scalars are resolved with YAML 1.1 rules as yaml.v2 does them (``y``/``on``
  are booleans, ``0x1f`` is an int); a quoted scalar is always a string, and
  any scalar may be read into a string field;
* unknown keys and repeated keys are *type errors*: they are collected (with
  ``line N:``) and reported together, and the object containing them skips its
  own validation, as Go's ``UnmarshalYAML`` methods do;
* a validation error raised by an object's checks aborts at once.

:class:`Decoder` carries the collected type errors; converters take
``(decoder, node)`` and return Python values.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from typing import Any

import yaml

from gossamer.errors import ConfigError

Node = yaml.Node
Converter = Callable[["Decoder", Node], Any]

STR, SEQ, MAP = "!!str", "!!seq", "!!map"
_BOOLS = {
    **dict.fromkeys(
        ["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"], True
    ),
    **dict.fromkeys(
        ["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"], False
    ),
}
_NULLS = {"", "~", "null", "Null", "NULL"}
_FLOATS = {
    ".nan": math.nan,
    ".NaN": math.nan,
    ".NAN": math.nan,
    **dict.fromkeys([".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"], math.inf),
    **dict.fromkeys(["-.inf", "-.Inf", "-.INF"], -math.inf),
}
_MAP_HINT = set("yYnNtTfFoO~")
_NUM_HINT = set("+-0123456789")
_YAML_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
_TIMESTAMP = re.compile(
    r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
    r"([Tt ][0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(\.[0-9]*)?(Z|[-+][0-9]{1,2}(:[0-9]{2})?)?)?\Z"
)
_GO_INT = re.compile(
    r"([-+]?)(?:0[xX]([0-9a-fA-F]+)|0[bB]([01]+)|0[oO]([0-7]+)|0([0-7]+)|([1-9][0-9]*|0))\Z"
)


def _go_parse_int(text: str) -> int | None:
    """``strconv.ParseInt(s, 0, 64)`` then ``ParseUint`` on underscore-free text."""
    m = _GO_INT.match(text)
    if m is None:
        return None
    sign, hexa, binary, octal_o, octal, decimal = m.groups()
    if hexa:
        value = int(hexa, 16)
    elif binary:
        value = int(binary, 2)
    elif octal_o or octal:
        value = int(octal_o or octal, 8)
    else:
        value = int(decimal)
    value = -value if sign == "-" else value
    return value if -(1 << 63) <= value < (1 << 64) else None


def resolve_plain(text: str) -> tuple[str, Any]:
    """yaml.v2 ``resolve("", text)``: the short tag and value of an untagged plain scalar."""
    hint = text[:1]
    if text in _NULLS:
        return "!!null", None
    if hint in _MAP_HINT or hint in _NUM_HINT or hint == ".":
        if text in _BOOLS:
            return "!!bool", _BOOLS[text]
        if text in _FLOATS:
            return "!!float", _FLOATS[text]
    if hint == "." and "_" not in text:
        try:
            return "!!float", float(text)
        except ValueError:
            return STR, text
    if hint in _NUM_HINT:
        if _TIMESTAMP.match(text):
            return "!!timestamp", text
        plain = text.replace("_", "")
        number = _go_parse_int(plain)
        if number is not None:
            return "!!int", number
        if _YAML_FLOAT.match(plain):
            return "!!float", float(plain)
    return STR, text


def is_null(node: Node | None) -> bool:
    """Whether yaml.v2 treats the node as null (skipping custom unmarshalers)."""
    if node is None:
        return True
    if not isinstance(node, yaml.ScalarNode):
        return node.tag == "tag:yaml.org,2002:null"
    return node.style is None and node.value in _NULLS


def short_tag(node: Node) -> str:
    """The tag yaml.v2 would name in a type error (``!!str``, ``!!seq`` ...)."""
    if isinstance(node, yaml.SequenceNode):
        return SEQ
    if isinstance(node, yaml.MappingNode):
        return MAP
    if getattr(node, "style", None) is None:
        return resolve_plain(node.value)[0]
    return STR


def line_of(node: Node) -> int:
    return int(node.start_mark.line) + 1


class Decoder:
    """Collects yaml.v2 type errors while converters walk the node tree."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def mark(self) -> int:
        return len(self.errors)

    def failed_since(self, mark: int) -> bool:
        return len(self.errors) > mark

    def type_error(self, node: Node, into: str) -> None:
        """``line N: cannot unmarshal !!tag `value` into <Go type>``."""
        tag = short_tag(node)
        value = ""
        if tag not in (SEQ, MAP):
            text = str(node.value)
            value = f" `{text[:7]}...`" if len(text) > 10 else f" `{text}`"
        self.errors.append(f"line {line_of(node)}: cannot unmarshal {tag}{value} into {into}")

    def raise_collected(self) -> None:
        if self.errors:
            raise ConfigError("yaml: unmarshal errors:\n  " + "\n  ".join(self.errors))

    def pairs(self, node: Node, type_name: str) -> Iterator[tuple[str, Node, Node]]:
        """Key/value nodes of a mapping (``<<`` merges applied); type error otherwise."""
        if not isinstance(node, yaml.MappingNode):
            self.type_error(node, type_name)
            return
        _flatten_merges(node)
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else ""
            yield key, key_node, value_node

    def fields(self, node: Node, type_name: str, spec: dict[str, Converter]) -> dict[str, Any]:
        """Decode a Go struct: known keys through their converters, unknown/repeated keys are errors."""
        out: dict[str, Any] = {}
        seen: set[str] = set()
        for key, key_node, value_node in self.pairs(node, type_name):
            if key not in spec:
                self.errors.append(
                    f"line {line_of(key_node)}: field {key} not found in type {type_name}"
                )
                continue
            if key in seen:
                self.errors.append(
                    f"line {line_of(key_node)}: field {key} already set in type {type_name}"
                )
                continue
            seen.add(key)
            out[key] = spec[key](self, value_node)
        return out

    def plain(
        self, node: Node, type_name: str, spec: dict[str, Converter]
    ) -> dict[str, Any] | None:
        """:meth:`fields`, or ``None`` if any type error arose inside (skip validation, like Go)."""
        mark = self.mark()
        out = self.fields(node, type_name, spec)
        return None if self.failed_since(mark) else out


_MERGER = yaml.SafeLoader("")


def _flatten_merges(node: yaml.MappingNode) -> None:
    if any(k.tag == "tag:yaml.org,2002:merge" for k, _ in node.value):
        try:
            _MERGER.flatten_mapping(node)
        except yaml.MarkedYAMLError as exc:
            raise ConfigError(f"yaml: {exc.problem}") from None


# --- scalar converters -------------------------------------------------------


def string(d: Decoder, node: Node, into: str = "string") -> str:
    """Any scalar into a Go ``string`` (null -> ``""``)."""
    if not isinstance(node, yaml.ScalarNode):
        d.type_error(node, into)
        return ""
    if is_null(node):
        return ""
    return str(node.value)


def boolean(d: Decoder, node: Node) -> bool:
    if isinstance(node, yaml.ScalarNode):
        if is_null(node):
            return False
        if node.style is None:
            tag, value = resolve_plain(node.value)
            if tag == "!!bool":
                return bool(value)
    d.type_error(node, "bool")
    return False


def _number(node: Node) -> float | int | None:
    if not isinstance(node, yaml.ScalarNode) or node.style is not None:
        return None
    tag, value = resolve_plain(node.value)
    if tag == "!!int":
        return int(value)
    if tag == "!!float" and math.isfinite(value):
        return float(value)
    return None


def int64(d: Decoder, node: Node) -> int:
    if is_null(node):
        return 0
    value = _number(node)
    if value is None or not -(1 << 63) <= value < (1 << 63):
        d.type_error(node, "int64")
        return 0
    return int(value)


def uint64(d: Decoder, node: Node) -> int:
    if is_null(node):
        return 0
    value = _number(node)
    if value is None or not 0 <= value < (1 << 64) or (isinstance(value, int) and value < 0):
        d.type_error(node, "uint64")
        return 0
    return int(value)


def string_list(d: Decoder, node: Node, into: str = "[]string") -> list[str] | None:
    """A Go ``[]string``; ``None`` when null (Go's nil slice)."""
    if is_null(node):
        return None
    if not isinstance(node, yaml.SequenceNode):
        d.type_error(node, into)
        return None
    return [string(d, item) for item in node.value]


def string_map(d: Decoder, node: Node) -> dict[str, str] | None:
    """A Go ``map[string]string``; repeated keys are errors; ``None`` when null."""
    if is_null(node):
        return None
    out: dict[str, str] = {}
    for key, key_node, value_node in d.pairs(node, "map[string]string"):
        if not isinstance(key_node, yaml.ScalarNode):
            d.type_error(key_node, "string")
            continue
        if key in out:
            d.errors.append(f'line {line_of(key_node)}: key "{key}" already set in map')
            continue
        out[key] = string(d, value_node)
    return out


def seq_of(d: Decoder, node: Node, into: str, item: Converter) -> list[Any] | None:
    """A Go slice decoded element-wise; ``None`` when null."""
    if is_null(node):
        return None
    if not isinstance(node, yaml.SequenceNode):
        d.type_error(node, into)
        return None
    return [item(d, element) for element in node.value]


def compose(text: str) -> Node | None:
    """The first YAML document's node tree (yaml.v2 ignores later documents)."""
    try:
        documents = yaml.compose_all(text, Loader=yaml.SafeLoader)
        return next(iter(documents), None)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f"line {mark.line + 1}: " if mark is not None else ""
        raise ConfigError(f"yaml: {line}{exc.problem}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"yaml: {exc}") from None
