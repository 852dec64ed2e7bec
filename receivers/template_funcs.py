"""Alertmanager 0.25's template function map, and Go's ``fmt`` for template values.

``FUNCS`` is exactly ``template.DefaultFuncs`` of 0.25 (``toUpper toLower title
join match reReplaceAll safeHtml stringSlice``), plus Go-exact ``index``,
``slice``, ``len`` and ``printf`` in place of the engine's builtins (a missing
map key indexes to ``""``, slicing keeps the Go type, errors and ``%`` verbs
read as Go's). Functions added later (``trimSpace``, ``date``, ``tz``,
``since``, ``humanizeDuration``, ``toJson``...) are unknown, so a template
using them fails to parse, as in 0.25.

Everything here is pure and runs on the rendering caller's thread. A function
fails with :class:`FuncError` (the engine reports ``error calling <func>:
...``) or, for an argument of the wrong Go type, :class:`ArgumentTypeError`.
"""

from __future__ import annotations

import dataclasses
import functools
import unicodedata
from collections.abc import Callable
from typing import Any

from gotime import Month, Weekday
from gotpl import HTML, GoFormatSpec, TemplateExecutionError
from gotpl.runtime.gofmt import sprintf

from gossamer.errors import MatcherError
from gossamer.matchers import compile_regex

__all__ = [
    "FUNCS",
    "ArgumentTypeError",
    "FuncError",
    "StringSlice",
    "format_string",
    "go_format",
    "go_quote",
    "string_arg",
    "string_list",
    "to_lower",
    "to_upper",
    "title",
    "type_name",
]

V = GoFormatSpec("v", "", None, None)
_ESCAPES = {"\a": r"\a", "\b": r"\b", "\f": r"\f", "\n": r"\n", "\r": r"\r", "\t": r"\t"}
_ESCAPES |= {"\v": r"\v", "\\": r"\\", '"': r"\""}
_PRIMITIVE_TYPES = {bool: "bool", int: "int", float: "float64", str: "string"}

# -- Go's fmt, for the values templates print ---------------------------------------------


def type_name(value: object) -> str:
    """The Go type name of a template value (``%T`` and error messages)."""
    go_type = getattr(type(value), "_GO_TYPE", None)
    if go_type:
        return str(go_type)
    if value is None:
        return "<nil>"
    if isinstance(value, HTML):
        return "template.HTML"
    if isinstance(value, Month | Weekday):
        return f"time.{type(value).__name__}"
    for kind, name in _PRIMITIVE_TYPES.items():
        if isinstance(value, kind):
            return name
    return "[]interface {}" if isinstance(value, list | tuple) else type(value).__name__


def go_quote(text: str, *, ascii_only: bool = False) -> str:
    """``strconv.Quote`` (``QuoteToASCII`` with ``ascii_only``)."""
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ch.isprintable() and not (ascii_only and code > 0x7E):
            out.append(ch)
        elif code < 0x80:
            out.append(f"\\x{code:02x}")
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


def format_string(text: str, spec: GoFormatSpec) -> str:
    """Go's ``fmt`` of one string operand (``%s %v %q %x %X``, flags, width, precision)."""
    verb, flags = spec.verb, spec.flags
    if verb in ("s", "v"):
        out = text if spec.precision is None else text[: spec.precision]
    elif verb == "q":
        text = text if spec.precision is None else text[: spec.precision]
        if "#" in flags and "`" not in text and all(c == "\t" or c.isprintable() for c in text):
            out = f"`{text}`"
        else:
            out = go_quote(text, ascii_only="+" in flags)
    elif verb in ("x", "X"):
        raw = text.encode()[: spec.precision]
        prefix = ("0X" if verb == "X" else "0x") if "#" in flags else ""
        pairs = [f"{b:02X}" if verb == "X" else f"{b:02x}" for b in raw]
        out = " ".join(prefix + p for p in pairs) if " " in flags else prefix + "".join(pairs)
    else:
        return f"%!{verb}(string={text})"
    pad = (spec.width or 0) - len(out)
    if pad <= 0:
        return out
    if "-" in flags:
        return out + " " * pad
    return ("0" if "0" in flags else " ") * pad + out


def go_format(value: object, spec: GoFormatSpec) -> str:
    """Go's ``printValue``: the verb applies to every leaf of a struct, map or
    slice; ``%T`` names the type; ``%+v`` adds field names, ``%#v`` Go syntax."""
    if spec.verb == "T":
        return format_string(type_name(value), dataclasses.replace(spec, verb="s"))
    sharp = spec.verb == "v" and "#" in spec.flags
    fields: tuple[str, ...] | None = getattr(type(value), "_STRUCT_FIELDS", None)
    if fields is not None:
        # A pointer to a struct prints as &{...} (the only pointer: *template.Data).
        amp = "&" if getattr(type(value), "_POINTER", False) else ""
        parts = [go_format(getattr(value, f), spec) for f in fields]
        if sharp or (spec.verb == "v" and "+" in spec.flags):
            parts = [f"{f}:{p}" for f, p in zip(fields, parts, strict=True)]
        if sharp:
            return amp + type_name(value).lstrip("*") + "{" + ", ".join(parts) + "}"
        return amp + "{" + " ".join(parts) + "}"
    if isinstance(value, dict):
        items = [f"{go_format(k, spec)}:{go_format(value[k], spec)}" for k in sorted(value)]
        if sharp:
            return type_name(value) + "{" + ", ".join(items) + "}"
        return "map[" + " ".join(items) + "]"
    if isinstance(value, list | tuple):
        items = [go_format(v, spec) for v in value]
        if sharp:
            return type_name(value) + "{" + ", ".join(items) + "}"
        return "[" + " ".join(items) + "]"
    if isinstance(value, str):
        return go_quote(value) if sharp else format_string(value, spec)
    own = getattr(value, "__go_format__", None)
    if own is not None:
        return str(own(spec))
    return format_string(str(value), spec)


class StringSlice(list):  # type: ignore[type-arg]
    """Go ``[]string``: ``KV.Names``, ``stringSlice``; it has no fields or methods."""

    __slots__ = ()
    _GO_TYPE = "[]string"

    def __go_format__(self, spec: GoFormatSpec) -> str:
        return go_format(self, spec)

    def __str__(self) -> str:
        return go_format(self, V)

    def __gotemplate_lookup__(self, name: str) -> object:
        raise no_field(name, self)


# -- arguments, checked as Go's reflect-based calls check them ----------------------------


class FuncError(Exception):
    """An error a template function returns; the engine reports it as Go does,
    ``error calling <func>: <message>`` (argument type errors have no prefix)."""


def no_field(name: str, value: object) -> TemplateExecutionError:
    return TemplateExecutionError(f"can't evaluate field {name} in type {type_name(value)}")


class ArgumentTypeError(TemplateExecutionError):
    """Argument ``index`` of ``function`` has the wrong Go type (Go checks this
    before calling, so the message has no ``error calling`` prefix)."""

    def __init__(self, want: str, value: object, index: int) -> None:
        super().__init__(f"wrong type for value; expected {want}; got {type_name(value)}")
        self.want = want
        self.index = index
        self.function = ""


def string_arg(value: object, index: int = 0) -> str:
    """A ``string`` parameter: only a Go string fits (not HTML, not a number)."""
    if type(value) is str:
        return value
    raise ArgumentTypeError("string", value, index)


def string_list(value: object, index: int = 0) -> list[str]:
    """A ``[]string`` parameter."""
    if isinstance(value, StringSlice) or (
        type(value) is list and all(type(v) is str for v in value)
    ):
        return list(value)  # type: ignore[arg-type]
    raise ArgumentTypeError("[]string", value, index)


def _int_arg(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise FuncError(f"cannot index slice/array with type {type_name(value)}")


# -- strings: Go's strings.ToUpper/ToLower and x/text/cases Title -------------------------

# Go maps rune by rune with the simple (one-rune) mappings; Python's full
# mappings differ only where they expand, listed here (checked against
# Unicode by tests/test_templating.py). Any other expanding rune stays as it is.
_UPPER_SIMPLE = {chr(c): chr(c + 8) for r in (0x1F80, 0x1F90, 0x1FA0) for c in range(r, r + 8)}
_UPPER_SIMPLE |= {"\u1fb3": "\u1fbc", "\u1fc3": "\u1fcc", "\u1ff3": "\u1ffc"}
_LOWER_SIMPLE = {"\u0130": "i"}
_SIGMA = "\u03a3"


def to_upper(text: object) -> str:
    """``strings.ToUpper``."""
    s = string_arg(text)
    upper = s.upper()
    if len(upper) == len(s):  # no rune expanded: full and simple mappings agree
        return upper
    return "".join(u if len(u := c.upper()) == 1 else _UPPER_SIMPLE.get(c, c) for c in s)


def to_lower(text: object) -> str:
    """``strings.ToLower`` (no final-sigma rule, ``İ`` becomes ``i``)."""
    s = string_arg(text)
    if _SIGMA not in s:
        lower = s.lower()
        if len(lower) == len(s):
            return lower
    return "".join(lo if len(lo := c.lower()) == 1 else _LOWER_SIMPLE.get(c, c) for c in s)


# x/text/cases collapses Unicode word-break classes into three (gen.go):
# MidLetter, MidNumLet and Single_Quote are "mid"; ALetter, Hebrew_Letter,
# Numeric, Extend, ExtendNumLet, Format and ZWJ are "letter"; all else breaks.
_MID = frozenset(
    ":\u00b7\u0387\u055f\u05f4\u2027\ufe13\ufe55\uff1a.\u2018\u2019\u2024\ufe52\uff07\uff0e'"
)
_LETTER_CATEGORIES = frozenset({"Mn", "Me", "Mc", "Pc", "Cf", "Nd"})
# Letters that are not ALetter: ideographs, kana and scripts of Line_Break=SA.
_NOT_ALETTER = (
    (0x0E00, 0x0EFF), (0x1000, 0x109F), (0x1780, 0x17FF), (0x1950, 0x1AAF),
    (0x3040, 0x30FF), (0x31F0, 0x31FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF),
    (0xA9E0, 0xA9FF), (0xAA60, 0xAADF), (0xF900, 0xFAFF), (0xFF66, 0xFF9F),
    (0x20000, 0x3FFFF),
)  # fmt: skip
_CASE_IGNORABLE = frozenset({"Mn", "Me", "Cf", "Lm", "Sk"})


def _is_cased(c: str) -> bool:
    return c.islower() or c.isupper() or c.istitle()


def _is_break(c: str) -> bool:
    if c in _MID or c == "\u202f":
        return False
    category = unicodedata.category(c)
    if category in _LETTER_CATEGORIES:
        return c in "\u200b\u200c" or "\uff10" <= c <= "\uff19"  # not Format; not Numeric
    if category[0] == "L" or category == "Nl":
        code = ord(c)
        return any(lo <= code <= hi for lo, hi in _NOT_ALETTER)
    return True


def _final_sigma(s: str, i: int) -> str:
    """Inside a word, ``Σ`` lowers to ``ς`` unless a cased letter follows
    (case-ignorable runes skipped), as x/text/cases' finalSigma does."""
    for c in s[i + 1 : i + 31]:
        if c in _MID or unicodedata.category(c) in _CASE_IGNORABLE:
            continue
        return "\u03c3" if _is_cased(c) else "\u03c2"
    return "\u03c2"


def title(text: object) -> str:
    """``cases.Title(language.AmericanEnglish).String``: the first cased rune of
    each word title-cased, the rest lower-cased (``o'neil`` -> ``O'neil``)."""
    s = string_arg(text)
    out: list[str] = []
    in_word = prev_mid = False
    for i, c in enumerate(s):
        mid = c in _MID
        if prev_mid and mid:
            in_word = False
        if _is_cased(c):
            if not in_word:
                out.append(c.title())
                in_word = True
            else:
                out.append(_final_sigma(s, i) if c == _SIGMA else c.lower())
        else:
            out.append(c)
            if _is_break(c):
                in_word = False
        prev_mid = mid
    return "".join(out)


# -- regular expressions (Go's regexp, RE2 syntax) ----------------------------------------


#: Go's ``regexp.Compile`` for ``match``/``reReplaceAll``; a template compiles the same
#: pattern for every notification, so the compiled RE2 objects (immutable) are kept.
_compile = functools.lru_cache(maxsize=256)(compile_regex)


def match(pattern: object, text: object) -> bool:
    """``regexp.MatchString``: unanchored search."""
    p, s = string_arg(pattern), string_arg(text, 1)
    try:
        rx = _compile(p)
    except MatcherError as exc:
        raise FuncError(str(exc)) from None
    return rx.search(s) is not None


def re_replace_all(pattern: object, repl: object, text: object) -> str:
    """``regexp.MustCompile(pattern).ReplaceAllString(text, repl)``."""
    p, r, s = string_arg(pattern), string_arg(repl, 1), string_arg(text, 2)
    try:
        rx = _compile(p)
    except MatcherError as exc:  # MustCompile panics; text/template reports the panic
        raise FuncError(f"regexp: Compile({_backquote(p)}): {exc}") from None
    out: list[str] = []
    last = pos = 0
    while pos <= len(s):
        m = rx.search(s, pos)
        if m is None:
            break
        start, end = m.span()
        out.append(s[last:start])
        # Go skips an empty match right after the previous match.
        if end > last or start == 0:
            out.append(_expand(rx, m, r))
        last = end
        pos = pos + 1 if pos + 1 > end else end
    out.append(s[last:])
    return "".join(out)


def _backquote(s: str) -> str:
    return f"`{s}`" if "`" not in s else go_quote(s)


def _expand(rx: Any, m: Any, template: str) -> str:
    """Go's ``Regexp.Expand``: ``$1``, ``${1}``, ``$name``, ``${name}``, ``$$``."""
    out: list[str] = []
    while template:
        before, dollar, template = template.partition("$")
        out.append(before)
        if not dollar:
            break
        if template.startswith("$"):
            out.append("$")
            template = template[1:]
            continue
        name, rest = _extract(template)
        if name is None:
            out.append("$")
            continue
        template = rest
        group: int | str | None = None
        if name.isdigit() and name.isascii() and (name == "0" or name[0] != "0"):
            group = int(name) if int(name) <= rx.groups else None
        elif name in rx.groupindex:
            group = name
        if group is not None:
            out.append(m.group(group) or "")
    return "".join(out)


def _extract(template: str) -> tuple[str | None, str]:
    brace = template.startswith("{")
    body = template[1:] if brace else template
    i = 0
    while i < len(body) and (body[i].isalpha() or body[i] == "_" or _is_digit(body[i])):
        i += 1
    if i == 0 or (brace and body[i : i + 1] != "}"):
        return None, template
    return body[:i], body[i + 1 if brace else i :]


def _is_digit(c: str) -> bool:
    return unicodedata.category(c) == "Nd"


# -- the rest of the map ------------------------------------------------------------------


class _FmtString(str):
    """A plain string argument of ``printf``, formatted by :func:`format_string`
    (the engine's own formatting of strings misses ``% x`` and ``%.2v``)."""

    __slots__ = ()

    def __go_format__(self, spec: GoFormatSpec) -> str:
        return go_format(str(self), spec)

    def __go_format_value__(self, kind: str, mode: str, *, nested: bool) -> str:
        return "string" if kind == "type" else str(self)


def printf(fmt: object, *args: object) -> str:
    """Go's ``printf`` (``fmt.Sprintf``)."""
    return str(sprintf(string_arg(fmt), *(_FmtString(a) if type(a) is str else a for a in args)))


def join(sep: object, items: object) -> str:
    """``strings.Join`` with the separator first, so that it pipes."""
    return string_arg(sep).join(string_list(items, 1))


def safe_html(text: object) -> HTML:
    """``html/template.HTML``: trusted markup, not escaped by HTML templates."""
    return HTML(string_arg(text))


def string_slice(*items: object) -> StringSlice:
    """``stringSlice "a" "b"``: a ``[]string``."""
    return StringSlice(string_arg(item, i) for i, item in enumerate(items))


def go_index(item: object, *indexes: object) -> object:
    """Go's ``index``: a missing map key gives the zero value ``""``."""
    if item is None:
        raise FuncError("index of untyped nil")
    for index in indexes:
        if isinstance(item, dict):
            key = index if type(index) is str else _key_error(index)
            item = item.get(key, "")
        elif isinstance(item, list | tuple | str):
            seq = item.encode() if isinstance(item, str) else item
            x = _int_arg(index)
            if x == len(seq):  # Go's bounds check lets len through; reflect then panics
                kind = "string" if isinstance(item, str) else "slice"
                raise FuncError(f"reflect: {kind} index out of range")
            if not 0 <= x < len(seq):
                raise FuncError(f"index out of range: {x}")
            item = seq[x]
        else:
            raise FuncError(f"can't index item of type {type_name(item)}")
    return item


def _key_error(index: object) -> str:
    raise FuncError(f"value has type {type_name(index)}; should be string")


def go_slice(item: object, *indexes: object) -> object:
    """Go's ``slice``: ``x[i:j]`` (``x[i:j:k]`` for lists), keeping ``x``'s type."""
    if len(indexes) > 3:
        raise FuncError(f"too many slice indexes: {len(indexes)}")
    if not isinstance(item, list | tuple | str):
        raise FuncError(f"can't slice item of type {type_name(item)}")
    if isinstance(item, str) and len(indexes) == 3:
        raise FuncError("cannot 3-index slice a string")
    seq = item.encode() if isinstance(item, str) else item
    idx = [_int_arg(i) for i in indexes]
    bounds = [0, len(seq), len(seq)]
    bounds[: len(idx)] = idx
    for x in idx:
        if not 0 <= x <= len(seq):
            raise FuncError(f"index out of range: {x}")
    if bounds[0] > bounds[1] or bounds[1] > bounds[2]:
        raise FuncError(f"invalid slice index: {bounds[0]} > {bounds[1]}")
    part = seq[bounds[0] : bounds[1]]
    if isinstance(item, str):
        return bytes(part).decode("utf-8", "replace")  # type: ignore[arg-type]
    return type(item)(part) if type(item) is not list else list(part)


def go_len(item: object) -> int:
    """Go's ``len``: bytes of a string, elements of a slice or map."""
    if isinstance(item, str):
        return len(item.encode())
    if isinstance(item, list | tuple | dict):
        return len(item)
    raise FuncError(f"len of type {type_name(item)}")


def _named(name: str, function: Callable[..., object]) -> Callable[..., object]:
    """``function`` under its Go name, which its argument type errors report."""

    @functools.wraps(function)
    def call(*args: object) -> object:
        try:
            return function(*args)
        except ArgumentTypeError as exc:
            exc.function = exc.function or name
            raise

    return call


_GO_FUNCS: dict[str, Callable[..., object]] = {
    "toUpper": to_upper,
    "toLower": to_lower,
    "title": title,
    "join": join,
    "match": match,
    "reReplaceAll": re_replace_all,
    "safeHtml": safe_html,
    "stringSlice": string_slice,
    # Go builtins, replaced for Go's results on our types:
    "index": go_index,
    "slice": go_slice,
    "printf": printf,
    "len": go_len,
}
FUNCS = {name: _named(name, function) for name, function in _GO_FUNCS.items()}
