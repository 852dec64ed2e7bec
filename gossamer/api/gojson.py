"""JSON as Go's ``encoding/json`` reads and writes it: API requests and responses,
notification bodies.

Decoding follows ``json.Decoder.Decode`` (go-openapi's JSON consumer, Go 1.19):
one value is read and anything after it is ignored; a syntax error carries the
scanner's exact wording (``invalid character 'x' after array element``); input
that ends inside the value is ``unexpected EOF``, input with no value at all is
``EOF``. Strings are decoded as Go does: each invalid UTF-8 byte and each lone
surrogate escape becomes U+FFFD. Objects keep their key order and duplicate
keys (:class:`JSONObject`), numbers keep their text (:class:`JSONNumber`),
because Go's struct decoding depends on both.

Encoding follows go-openapi's JSON producer (``SetEscapeHTML(false)``, newline
at the end), ``json.Marshal`` (HTML-escaped), which error bodies and models
with their own ``MarshalJSON`` go through, and ``json.NewEncoder(w).Encode``
(HTML-escaped, newline at the end), which every notification body goes
through (Go 1.19 in the 0.25.0 release). Besides HTML escaping they all write
U+2028/U+2029 as ``\\u2028``/``\\u2029`` and, as Go before 1.22 does,
backspace and form feed as ``\\u0008``/``\\u000c``. Text with lone surrogates
(undecodable bytes) is written as Go writes the bytes it stands for.

Pure functions; they run on the caller's thread (the HTTP event loop, a
notifier's loop) and share only thread-safe msgspec encoders. Only bad or
unusual request bodies reach the decoder, so it favours exactness over speed.
"""

from __future__ import annotations

import codecs
import re
from typing import Any

import msgspec

from gossamer.gostrconv import go_quote

__all__ = [
    "GoEOF",
    "GoSyntaxError",
    "JSONNumber",
    "JSONObject",
    "UnexpectedEOF",
    "decode",
    "encode_compact",
    "encode_line",
    "encode_response",
    "go_kind",
    "go_text",
    "marshal",
]

MAX_DEPTH = 10000  # encoding/json maxNestingDepth
_WS = b" \t\r\n"
_DIGITS = b"0123456789"
_HEX = b"0123456789abcdefABCDEF"
_PLAIN_STRING = re.compile(rb'"([^"\\\x00-\x1f]*)"')
_ESCAPE = re.compile(rb"\\(?:u([0-9a-fA-F]{4})|(.))", re.DOTALL)
_SIMPLE_ESCAPES = {b"b": "\b", b"f": "\f", b"n": "\n", b"r": "\r", b"t": "\t",
                   b"\\": "\\", b"/": "/", b'"': '"'}  # fmt: skip
_LITERALS = {ord("t"): (b"true", True), ord("f"): (b"false", False), ord("n"): (b"null", None)}


def _go_replace(error: UnicodeError) -> tuple[str, int]:
    """Go's ``utf8.DecodeRune`` reads a bad sequence one byte at a time: one U+FFFD each."""
    assert isinstance(error, UnicodeDecodeError)
    return "\ufffd", error.start + 1


codecs.register_error("gossamer-go-utf8", _go_replace)


def go_text(raw: bytes) -> str:
    """Bytes as a Go string converted to text: every invalid UTF-8 byte is U+FFFD."""
    return raw.decode("utf-8", "gossamer-go-utf8")


class GoSyntaxError(ValueError):
    """A ``*json.SyntaxError``: the message is Go's, e.g. ``invalid character 'g' ...``."""


class UnexpectedEOF(ValueError):
    """``io.ErrUnexpectedEOF``: the input ended inside a value."""

    def __init__(self) -> None:
        super().__init__("unexpected EOF")


class GoEOF(ValueError):
    """``io.EOF``: the input holds no value at all (empty or only white space)."""

    def __init__(self) -> None:
        super().__init__("EOF")


class JSONObject(list[tuple[str, Any]]):
    """A JSON object as its ``(key, value)`` pairs, in order, duplicates kept."""


class JSONNumber(str):
    """A JSON number, as its literal text."""


def go_kind(value: Any) -> str:
    """The JSON kind as Go's ``UnmarshalTypeError`` names it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, JSONNumber):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, JSONObject):
        return "object"
    return "array"


def _quote_char(c: int) -> str:
    """encoding/json ``quoteChar``: the byte as a rune, quoted with single quotes."""
    if c == ord("'"):
        return "'\\''"
    if c == ord('"'):
        return "'\"'"
    return "'" + go_quote(chr(c))[1:-1] + "'"


def _invalid(c: int, context: str) -> GoSyntaxError:
    return GoSyntaxError(f"invalid character {_quote_char(c)} {context}")


def decode(data: bytes) -> Any:
    """The first JSON value in ``data``; raises GoSyntaxError, UnexpectedEOF or GoEOF."""
    i = _skip_ws(data, 0)
    if i == len(data):
        raise GoEOF()
    return _Parser(data).value(i)


def _skip_ws(data: bytes, i: int) -> int:
    n = len(data)
    while i < n and data[i] in _WS:
        i += 1
    return i


class _Parser:
    """An iterative parser mirroring the states of Go's ``encoding/json`` scanner."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.n = len(data)

    def _at(self, i: int) -> int:
        """The byte at ``i`` after white space; UnexpectedEOF when the input ends."""
        i = _skip_ws(self.data, i)
        if i >= self.n:
            raise UnexpectedEOF()
        return i

    def value(self, i: int) -> Any:
        stack: list[list[Any]] = []  # [container, pending key]
        context = "looking for beginning of value"
        while True:
            i = self._at(i)
            c = self.data[i]
            if c in b"{[":
                if len(stack) >= MAX_DEPTH:
                    raise _invalid(c, "exceeded max depth")
                container: list[Any] = JSONObject() if c == ord("{") else []
                stack.append([container, None])
                i = self._at(i + 1)
                close = self.data[i]
                if close == (ord("}") if c == ord("{") else ord("]")):
                    value, i = stack.pop()[0], i + 1
                elif c == ord("{"):
                    i = self._key(stack[-1], i)
                    context = "looking for beginning of value"
                    continue
                else:
                    continue
            else:
                value, i = self._scalar(i, context)
            while True:  # a value ended: attach it and read the separator after it
                if not stack:
                    return value
                frame = stack[-1]
                if isinstance(frame[0], JSONObject):
                    frame[0].append((frame[1], value))
                else:
                    frame[0].append(value)
                i = self._at(i)
                c = self.data[i]
                is_object = isinstance(frame[0], JSONObject)
                if c == ord(","):
                    if is_object:
                        i = self._key(frame, self._at(i + 1))
                    else:
                        i += 1
                    context = "looking for beginning of value"
                    break
                if c == (ord("}") if is_object else ord("]")):
                    value, i = stack.pop()[0], i + 1
                    continue
                raise _invalid(
                    c, "after object key:value pair" if is_object else "after array element"
                )

    def _key(self, frame: list[Any], i: int) -> int:
        """Read ``"key" :`` at ``i`` into ``frame``; the index after the colon."""
        if self.data[i] != ord('"'):
            raise _invalid(self.data[i], "looking for beginning of object key string")
        frame[1], i = self._string(i)
        i = self._at(i)
        if self.data[i] != ord(":"):
            raise _invalid(self.data[i], "after object key")
        return i + 1

    def _scalar(self, i: int, context: str) -> tuple[Any, int]:
        c = self.data[i]
        if c == ord('"'):
            return self._string(i)
        if c == ord("-") or c in _DIGITS:
            return self._number(i)
        if c in _LITERALS:
            return self._literal(i)
        raise _invalid(c, context)

    def _literal(self, i: int) -> tuple[Any, int]:
        word, value = _LITERALS[self.data[i]]
        name = word.decode()
        for j in range(1, len(word)):
            if i + j >= self.n:
                raise UnexpectedEOF()
            if self.data[i + j] != word[j]:
                raise _invalid(self.data[i + j], f"in literal {name} (expecting {chr(word[j])!r})")
        return value, i + len(word)

    def _digits(self, i: int) -> int:
        while i < self.n and self.data[i] in _DIGITS:
            i += 1
        return i

    def _need(self, i: int) -> int:
        if i >= self.n:
            raise UnexpectedEOF()
        return self.data[i]

    def _number(self, start: int) -> tuple[JSONNumber, int]:
        i = start
        if self.data[i] == ord("-"):
            i += 1
            if self._need(i) not in _DIGITS:
                raise _invalid(self.data[i], "in numeric literal")
        i = i + 1 if self.data[i] == ord("0") else self._digits(i)
        if i < self.n and self.data[i] == ord("."):
            if self._need(i + 1) not in _DIGITS:
                raise _invalid(self.data[i + 1], "after decimal point in numeric literal")
            i = self._digits(i + 1)
        if i < self.n and self.data[i] in b"eE":
            i += 1
            if self._need(i) in b"+-":
                i += 1
            if self._need(i) not in _DIGITS:
                raise _invalid(self.data[i], "in exponent of numeric literal")
            i = self._digits(i)
        return JSONNumber(self.data[start:i].decode()), i

    def _string(self, i: int) -> tuple[str, int]:
        plain = _PLAIN_STRING.match(self.data, i)
        if plain is not None:
            return go_text(plain.group(1)), plain.end()
        j = i + 1
        while True:
            c = self._need(j)
            if c == ord('"'):
                return _unquote(self.data[i + 1 : j]), j + 1
            if c < 0x20:
                raise _invalid(c, "in string literal")
            j = self._escape(j + 1) if c == ord("\\") else j + 1

    def _escape(self, j: int) -> int:
        """Check the escape after a backslash at ``j - 1``; the index after it."""
        c = self._need(j)
        if c == ord("u"):
            for k in range(j + 1, j + 5):
                if self._need(k) not in _HEX:
                    raise _invalid(self.data[k], "in \\u hexadecimal character escape")
            return j + 5
        if bytes([c]) in _SIMPLE_ESCAPES:
            return j + 1
        raise _invalid(c, "in string escape code")


def _unquote(raw: bytes) -> str:
    """A string body with escapes, as Go's ``unquote``: a surrogate escape not paired
    with the escape right after it becomes U+FFFD."""
    out: list[str] = []
    pos = 0
    escapes = list(_ESCAPE.finditer(raw))
    k = 0
    while k < len(escapes):
        m = escapes[k]
        out.append(go_text(raw[pos : m.start()]))
        pos, k = m.end(), k + 1
        if m.group(1) is None:
            out.append(_SIMPLE_ESCAPES[m.group(2)])
            continue
        code = int(m.group(1), 16)
        if not 0xD800 <= code < 0xE000:
            out.append(chr(code))
            continue
        low = _low_surrogate(escapes[k] if k < len(escapes) else None, pos)
        if code < 0xDC00 and low is not None:
            out.append(chr(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)))
            pos, k = escapes[k].end(), k + 1
        else:
            out.append("\ufffd")
    out.append(go_text(raw[pos:]))
    return "".join(out)


def _low_surrogate(m: re.Match[bytes] | None, pos: int) -> int | None:
    """The low surrogate escaped by ``m`` if it starts right at ``pos``."""
    if m is None or m.start() != pos or m.group(1) is None:
        return None
    code = int(m.group(1), 16)
    return code if 0xDC00 <= code < 0xE000 else None


# Encoding ---------------------------------------------------------------------
#
# msgspec already writes what Go writes (compact, ``/`` and DEL as they are,
# other control bytes as lower-case ``\u00XX``) but for the escapes patched
# on its output below. "deterministic" sorts dict keys in code-point order,
# which is UTF-8 byte order and so Go's, and keeps Struct fields in their
# declared order.

_ENCODER = msgspec.json.Encoder(order="deterministic")
_AS_ORDERED = msgspec.json.Encoder()  # for builtins already put in order
_ALWAYS = ((b"\xe2\x80\xa8", b"\\u2028"), (b"\xe2\x80\xa9", b"\\u2029"))
_HTML = ((b"<", b"\\u003c"), (b">", b"\\u003e"), (b"&", b"\\u0026"))
# Scan escape pairs left to right so that an escaped backslash followed by a
# literal "b" (the bytes \\b) is never mistaken for the escape \b.
_SHORT_ESCAPE = re.compile(rb"\\[\\bf]")
_GO_SHORT = {b"\\\\": b"\\\\", b"\\b": b"\\u0008", b"\\f": b"\\u000c"}
_SURROGATE = re.compile("[\ud800-\udfff]")
#: An undecodable byte as ``surrogateescape`` keeps it.
_BAD_BYTE = re.compile("[\udc80-\udcff]")
#: Any other lone surrogate: a code point that Go turns into U+FFFD on the way in.
_BAD_CODE_POINT = re.compile("[\ud800-\udc7f\udd00-\udfff]")


def _go_string(text: str) -> bytes:
    """``text`` as a JSON string the way Go writes the string it stands for.

    Go strings are bytes. An invalid UTF-8 byte (held here as its
    ``surrogateescape`` surrogate) comes out as the escape ``\\ufffd``
    (``encodeState.string``); a surrogate code point never reaches Go's
    encoder as such (``string(rune)``, ``%c`` and the JSON decoder make it
    U+FFFD first), so it comes out as U+FFFD itself.
    """
    text = _BAD_CODE_POINT.sub("\ufffd", text)
    parts = [_AS_ORDERED.encode(piece)[1:-1] for piece in _BAD_BYTE.split(text)]
    return b'"' + b"\\ufffd".join(parts) + b'"'


def _go_key(text: str) -> bytes:
    """The bytes Go sorts a map key by."""
    return _BAD_CODE_POINT.sub("\ufffd", text).encode("utf-8", "surrogateescape")


def _go_strings(value: Any) -> Any:
    """Builtins with every string holding a surrogate (which msgspec cannot
    encode) written out as raw JSON."""
    if isinstance(value, str):
        return msgspec.Raw(_go_string(value)) if _SURROGATE.search(value) else value
    if isinstance(value, dict):
        if any(_SURROGATE.search(k) for k in value):
            return _go_object(value)
        return {k: _go_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_go_strings(v) for v in value]
    return value


def _go_object(mapping: dict[str, Any]) -> msgspec.Raw:
    """A map with a surrogate in a key, written here (msgspec keys must be
    encodable text), keys in Go's byte order."""
    members = [
        _go_string(k) + b":" + _AS_ORDERED.encode(_go_strings(v))
        for k, v in sorted(mapping.items(), key=lambda kv: _go_key(kv[0]))
    ]
    return msgspec.Raw(b"{" + b",".join(members) + b"}")


def _go_json(obj: Any, escape_html: bool) -> bytes:
    try:
        out = _ENCODER.encode(obj)
    except UnicodeEncodeError:  # a lone surrogate somewhere: the slow path
        builtins = msgspec.to_builtins(obj, builtin_types=(msgspec.Raw,), order="deterministic")
        out = _AS_ORDERED.encode(_go_strings(builtins))
    for plain, escaped in _HTML + _ALWAYS if escape_html else _ALWAYS:
        if plain in out:
            out = out.replace(plain, escaped)
    if b"\\b" in out or b"\\f" in out:
        out = _SHORT_ESCAPE.sub(lambda m: _GO_SHORT[m.group()], out)
    return out


def encode_compact(obj: Any) -> bytes:
    """Go's JSON of ``obj`` without HTML escaping: map keys sorted, U+2028/U+2029
    escaped, ``\\b``/``\\f`` written as ``\\u0008``/``\\u000c``."""
    return _go_json(obj, escape_html=False)


def encode_response(obj: Any) -> bytes:
    """go-openapi's JSON producer: ``json.Encoder`` with ``SetEscapeHTML(false)``, plus ``\\n``."""
    return _go_json(obj, escape_html=False) + b"\n"


def marshal(obj: Any) -> bytes:
    """Go's ``json.Marshal``: also ``<``, ``>``, ``&`` escaped. go-openapi's error bodies and
    every model with a generated ``MarshalJSON`` (``gettableAlert``) come out this way."""
    return _go_json(obj, escape_html=True)


def encode_line(obj: Any) -> bytes:
    """``json.NewEncoder(w).Encode(obj)``: ``marshal(obj)`` plus ``\\n``. Alertmanager
    writes every webhook and integration request body this way."""
    return _go_json(obj, escape_html=True) + b"\n"
