"""Alertmanager 0.25's template function map.

``FUNCS`` is exactly ``template.DefaultFuncs`` of 0.25 (``toUpper toLower title
join match reReplaceAll safeHtml stringSlice``), plus Go-exact ``index``,
``slice``, ``len`` and ``printf`` in place of the engine's builtins (a missing
map key indexes to ``""``, slicing keeps the Go type, errors and ``%`` verbs
read as Go's). Functions added later (``trimSpace``, ``date``, ``tz``,
``since``, ``humanizeDuration``, ``toJson``...) are unknown, so a template
using them fails to parse, as in 0.25. Go's case mapping is in
``receivers.template_case``, Go's ``fmt`` and argument checks in
``receivers.template_values``.

Everything here is pure and runs on the rendering caller's thread. A function
fails with :class:`FuncError` (the engine reports ``error calling <func>:
...``) or, for an argument of the wrong Go type, :class:`ArgumentTypeError`.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable
from typing import Any

from gotpl import HTML, GoFormatSpec
from gotpl.runtime.gofmt import sprintf

from gossamer.errors import MatcherError
from gossamer.gostrconv import go_quote
from gossamer.matchers import compile_regex
from receivers.template_case import title, to_lower, to_upper
from receivers.template_values import (
    ArgumentTypeError,
    StringSlice,
    go_format,
    string_arg,
    string_list,
    type_name,
)

__all__ = ["FUNCS", "FuncError"]

# -- errors and the index arguments of index and slice ------------------------------------


class FuncError(Exception):
    """An error a template function returns; the engine reports it as Go does,
    ``error calling <func>: <message>`` (argument type errors have no prefix)."""


def _int_arg(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise FuncError(f"cannot index slice/array with type {type_name(value)}")


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
