"""A YAML emitter that writes what Go's ``gopkg.in/yaml.v2`` (libyaml's emitter) writes.

Only what Alertmanager's config marshalling produces is supported: block
mappings and (indentless) block sequences, flow sequences for ``,flow``
fields, ``{}``/``[]`` for empty collections, and scalars. Scalar styles
follow yaml.v2: a string that would read back as another type (``"y"``,
``"1:5"``, ``""``) is double-quoted, a string with a newline is a literal
block, and libyaml's analysis downgrades plain to single- or double-quoted;
long plain and quoted scalars are folded at column 80.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from gossamer.config.yamlnode import resolve_plain

BEST_WIDTH = 80
BEST_INDENT = 2
_BASE60 = re.compile(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?\Z")
_BREAKS = "\r\n\x85\u2028\u2029"
_FIRST_INDICATORS = set("#,[]{}&*!|>'\"%@`")
_FLOW_INDICATORS = set(",?[]{}")
_ESCAPES = {
    0x00: "0",
    0x07: "a",
    0x08: "b",
    0x09: "t",
    0x0A: "n",
    0x0B: "v",
    0x0C: "f",
    0x0D: "r",
    0x1B: "e",
    0x22: '"',
    0x5C: "\\",
    0x85: "N",
    0xA0: "_",
    0x2028: "L",
    0x2029: "P",
}


class Flow(list[Any]):
    """A sequence rendered in flow style (``[a, b]``), as yaml.v2 does for ``,flow`` fields."""


class FlowMap(dict[str, Any]):
    """A mapping rendered in flow style (``{a: b}``); everything inside it is flow too."""


def _printable(ch: str) -> bool:
    c = ord(ch)
    return (
        c == 0x0A
        or 0x20 <= c <= 0x7E
        or 0xA0 <= c <= 0xD7FF
        or (0xE000 <= c <= 0xFFFD and c != 0xFEFF)
    )


def _blankz(text: str, i: int) -> bool:
    return i >= len(text) or text[i] in " \t" or text[i] in _BREAKS


class _Analysis:
    """libyaml's ``yaml_emitter_analyze_scalar`` flags."""

    def __init__(self, text: str) -> None:
        self.multiline = False
        self.flow_plain = self.block_plain = self.single = self.block = True
        if not text:
            self.flow_plain = self.block = False
            return
        flow_ind, block_ind = self._indicators(text)
        special = any(not _printable(ch) for ch in text)
        breaks = any(ch in _BREAKS for ch in text)
        lead = text[0] in " " or text[0] in _BREAKS
        trail = text[-1] == " " or text[-1] in _BREAKS
        space_break = bool(re.search("[ ][" + _BREAKS + "]", text))
        break_space = bool(re.search("[" + _BREAKS + "][ ]", text))
        self.multiline = breaks
        if lead or trail:
            self.flow_plain = self.block_plain = False
        if text[-1] == " ":
            self.block = False
        if break_space:
            self.flow_plain = self.block_plain = self.single = False
        if space_break or special:
            self.flow_plain = self.block_plain = self.single = self.block = False
        if breaks:
            self.flow_plain = self.block_plain = False
        if flow_ind:
            self.flow_plain = False
        if block_ind:
            self.block_plain = False

    @staticmethod
    def _indicators(text: str) -> tuple[bool, bool]:
        flow = block = text.startswith(("---", "..."))
        preceded_by_ws = True
        for i, ch in enumerate(text):
            followed_by_ws = _blankz(text, i + 1)
            if i == 0:
                if ch in _FIRST_INDICATORS:
                    flow = block = True
                if ch in "?:":
                    flow = True
                    block = block or followed_by_ws
                if ch == "-" and followed_by_ws:
                    flow = block = True
            else:
                if ch in _FLOW_INDICATORS:
                    flow = True
                if ch == ":":
                    flow = True
                    block = block or followed_by_ws
                if ch == "#" and preceded_by_ws:
                    flow = block = True
            preceded_by_ws = _blankz(text, i)
        return flow, block


def _requested_style(text: str) -> str:
    """yaml.v2 ``encoder.stringv``: literal, plain, or double-quoted."""
    tag, _ = resolve_plain(text)
    can_plain = tag == "!!str" and not (
        text[:1] in "+-0123456789" and ":" in text and _BASE60.match(text) is not None
    )
    if "\n" in text:
        return "|"
    return "" if can_plain else '"'


class _Emitter:
    def __init__(self) -> None:
        self.out: list[str] = []
        self.column = 0
        self.whitespace = True
        self.indention = True

    # -- low level (libyaml put/write_indent/write_indicator) --
    def put(self, text: str) -> None:
        self.out.append(text)
        self.column += len(text)

    def newline(self) -> None:
        self.out.append("\n")
        self.column = 0

    def write_indent(self, indent: int) -> None:
        if (
            not self.indention
            or self.column > indent
            or (self.column == indent and not self.whitespace)
        ):
            self.newline()
        if self.column < indent:
            self.put(" " * (indent - self.column))
        self.whitespace = self.indention = True

    def indicator(self, text: str, need_ws: bool, is_ws: bool, is_indention: bool) -> None:
        if need_ws and not self.whitespace:
            self.put(" ")
        self.put(text)
        self.whitespace = is_ws
        self.indention = self.indention and is_indention

    # -- structure --
    def mapping(self, items: Mapping[str, Any], indent: int) -> None:
        for key, value in items.items():
            self.write_indent(indent)
            self.scalar(key, indent + BEST_INDENT, simple_key=True)
            self.indicator(":", False, False, False)
            self.node(value, indent, in_mapping=True)

    def sequence(self, items: list[Any], indent: int) -> None:
        for item in items:
            self.write_indent(indent)
            self.indicator("-", True, False, True)
            self.node(item, indent, in_mapping=False)

    def node(self, value: Any, indent: int, in_mapping: bool) -> None:
        child = indent + BEST_INDENT
        if isinstance(value, (Flow, FlowMap)) or (isinstance(value, (list, dict)) and not value):
            self.flow(value, child)
        elif isinstance(value, dict):
            self.mapping(value, child)
        elif isinstance(value, list):
            self.sequence(value, indent if in_mapping else child)
        else:
            self.scalar(value, child)

    def flow(self, value: Any, indent: int) -> None:
        """A flow collection whose items sit at libyaml indent ``indent``."""
        is_map = isinstance(value, dict)
        self.indicator("{" if is_map else "[", True, True, False)
        for i, item in enumerate(value):
            if i:
                self.indicator(",", False, False, False)
            if self.column > BEST_WIDTH:
                self.write_indent(indent)
            if is_map:
                self.scalar(item, indent + BEST_INDENT, simple_key=True, flow=True)
                self.indicator(":", False, False, False)
                item = value[item]
            if isinstance(item, (list, dict)):
                self.flow(item, indent + BEST_INDENT)
            else:
                self.scalar(item, indent + BEST_INDENT, flow=True)
        self.indicator("}" if is_map else "]", False, False, False)

    # -- scalars --
    def scalar(self, value: Any, indent: int, simple_key: bool = False, flow: bool = False) -> None:
        if value is None or isinstance(value, (bool, int)):
            text = (
                "null"
                if value is None
                else str(value).lower()
                if isinstance(value, bool)
                else str(value)
            )
            self.plain(text, indent, not simple_key)
            return
        text = str(value)
        style = self._style(text, simple_key, flow)
        if style == "":
            self.plain(text, indent, not simple_key)
        elif style == "'":
            self.single(text, indent, not simple_key)
        elif style == "|":
            self.literal(text, indent)
        else:
            self.double(text, indent, not simple_key)

    @staticmethod
    def _style(text: str, simple_key: bool, flow: bool) -> str:
        """libyaml ``select_scalar_style`` applied to yaml.v2's requested style."""
        a = _Analysis(text)
        style = _requested_style(text)
        if simple_key and a.multiline:
            return '"'
        if style == "":
            if (flow and not a.flow_plain) or (not flow and not a.block_plain):
                style = "'"
            if not text and (flow or simple_key):
                style = "'"
        if style == "'" and not a.single:
            style = '"'
        if style == "|" and (not a.block or flow or simple_key):
            style = '"'
        return style

    def plain(self, text: str, indent: int, allow_breaks: bool) -> None:
        if not self.whitespace:
            self.put(" ")
        spaces = False
        for i, ch in enumerate(text):
            if ch == " ":
                next_space = i + 1 < len(text) and text[i + 1] == " "
                if allow_breaks and not spaces and self.column > BEST_WIDTH and not next_space:
                    self.write_indent(indent)
                else:
                    self.put(ch)
                spaces = True
            else:
                self.put(ch)
                self.indention = False
                spaces = False
        self.whitespace = self.indention = False

    def single(self, text: str, indent: int, allow_breaks: bool) -> None:
        self.indicator("'", True, False, False)
        spaces = False
        last = len(text) - 1
        for i, ch in enumerate(text):
            if ch == " ":
                next_space = i < last and text[i + 1] == " "
                if (
                    allow_breaks
                    and not spaces
                    and self.column > BEST_WIDTH
                    and 0 < i < last
                    and not next_space
                ):
                    self.write_indent(indent)
                else:
                    self.put(ch)
                spaces = True
            else:
                self.put("''" if ch == "'" else ch)
                self.indention = False
                spaces = False
        self.indicator("'", False, False, False)
        self.whitespace = self.indention = False

    def double(self, text: str, indent: int, allow_breaks: bool) -> None:
        self.indicator('"', True, False, False)
        spaces = False
        last = len(text) - 1
        for i, ch in enumerate(text):
            code = ord(ch)
            if not _printable(ch) or code == 0xFEFF or ch in _BREAKS or ch in '"\\':
                self.put("\\" + _escape(code))
                spaces = False
            elif ch == " ":
                if allow_breaks and not spaces and self.column > BEST_WIDTH and 0 < i < last:
                    self.write_indent(indent)
                    if text[i + 1] == " ":
                        self.put("\\")
                else:
                    self.put(ch)
                spaces = True
            else:
                self.put(ch)
                spaces = False
        self.indicator('"', False, False, False)
        self.whitespace = self.indention = False

    def literal(self, text: str, indent: int) -> None:
        self.indicator("|", True, False, False)
        if text[:1] in (" ", "\n"):
            self.indicator(str(BEST_INDENT), False, False, False)
        if not text.endswith("\n"):
            self.indicator("-", False, False, False)
        elif text == "\n" or text.endswith("\n\n"):
            self.indicator("+", False, False, False)
        self.newline()
        self.indention = self.whitespace = True
        breaks = True
        for ch in text:
            if ch == "\n":
                self.newline()
                self.indention = breaks = True
            else:
                if breaks:
                    self.write_indent(indent)
                    breaks = False
                self.put(ch)
                self.indention = False


def _escape(code: int) -> str:
    if code in _ESCAPES:
        return _ESCAPES[code]
    if code <= 0xFF:
        return f"x{code:02X}"
    if code <= 0xFFFF:
        return f"u{code:04X}"
    return f"U{code:08X}"


def emit(document: Mapping[str, Any]) -> str:
    """Render a mapping (values: dict, list, :class:`Flow`, str, int, bool, None) as yaml.v2 would."""
    if not document:
        return "{}\n"
    e = _Emitter()
    e.mapping(document, 0)
    if e.column:
        e.newline()
    return "".join(e.out)
