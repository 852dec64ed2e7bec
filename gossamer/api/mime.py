"""Media types as go-openapi checks them: Go's ``mime.ParseMediaType`` and its
``Accept`` negotiation (``middleware.NegotiateContentType``). Pure functions."""

from __future__ import annotations

__all__ = ["MimeError", "negotiates_json", "parse_media_type"]

_TSPECIALS = frozenset('()<>@,;:\\"/[]?=')
_HTTP_SEPARATORS = frozenset(' \t"(),/:;<=>?@[]\\{}')
_OFFER = "application/json"


class MimeError(ValueError):
    """A ``mime`` package error; ``str()`` is Go's text (``mime: no media type``)."""


def _is_token_char(c: str) -> bool:
    return " " < c < "\x7f" and c not in _TSPECIALS


def _consume_token(v: str) -> tuple[str, str]:
    i = 0
    while i < len(v) and _is_token_char(v[i]):
        i += 1
    return v[:i], v[i:]


def parse_media_type(v: str) -> str:
    """The lower-cased media type of a Content-Type value; MimeError as Go words it."""
    base = v.split(";", 1)[0]
    media = base.lower().strip()
    _check_disposition(media)
    rest = v[len(base) :]
    seen: set[str] = set()
    while rest:
        rest = rest.lstrip()
        if not rest:
            break
        key, rest_after = _consume_param(rest)
        if key == "":
            if rest.strip() == ";":
                break  # a trailing semicolon is fine
            raise MimeError("mime: invalid media parameter")
        if key in seen:
            raise MimeError("mime: duplicate parameter name")
        seen.add(key)
        rest = rest_after
    return media


def _check_disposition(s: str) -> None:
    kind, rest = _consume_token(s)
    if kind == "":
        raise MimeError("mime: no media type")
    if rest == "":
        return
    if not rest.startswith("/"):
        raise MimeError("mime: expected slash after first token")
    subtype, rest = _consume_token(rest[1:])
    if subtype == "":
        raise MimeError("mime: expected token after slash")
    if rest != "":
        raise MimeError("mime: unexpected content after media subtype")


def _consume_param(v: str) -> tuple[str, str]:
    """Go's ``consumeMediaParam``: ``("", v)`` when no parameter can be read."""
    rest = v.lstrip()
    if not rest.startswith(";"):
        return "", v
    name, rest = _consume_token(rest[1:].lstrip())
    if name == "":
        return "", v
    rest = rest.lstrip()
    if not rest.startswith("="):
        return "", v
    rest = rest[1:].lstrip()
    value, after = _consume_value(rest)
    if value == "" and after == rest:
        return "", v
    return name.lower(), after


def _consume_value(v: str) -> tuple[str, str]:
    if v == "":
        return "", ""
    if v[0] != '"':
        return _consume_token(v)
    out: list[str] = []
    i = 1
    while i < len(v):
        c = v[i]
        if c == '"':
            return "".join(out), v[i + 1 :]
        if c == "\\" and i + 1 < len(v) and v[i + 1] in _TSPECIALS:
            out.append(v[i + 1])
            i += 2
            continue
        if c in "\r\n":
            return "", v
        out.append(c)
        i += 1
    return "", v


# Accept negotiation -------------------------------------------------------------


def _accept_specs(values: list[str]) -> list[tuple[str, float]]:
    """go-openapi's ``header.ParseAccept``: (media range, quality) pairs."""
    specs: list[tuple[str, float]] = []
    for s in values:
        while True:
            value, s = _token_slash(s)
            if value == "":
                break
            q = 1.0
            s = s.lstrip(" \t\r\n")
            if s.startswith(";"):
                s = s[1:].lstrip(" \t\r\n")
                while not s.startswith("q=") and s != "" and not s.startswith(","):
                    s = s[1:].lstrip(" \t\r\n")
                if s.startswith("q="):
                    q, s = _quality(s[2:])
                    if q < 0:
                        break
            specs.append((value, q))
            s = s.lstrip(" \t\r\n")
            if not s.startswith(","):
                break
            s = s[1:].lstrip(" \t\r\n")
    return specs


def _token_slash(s: str) -> tuple[str, str]:
    i = 0
    while i < len(s) and (s[i] == "/" or (" " < s[i] < "\x7f" and s[i] not in _HTTP_SEPARATORS)):
        i += 1
    return s[:i], s[i:]


def _quality(s: str) -> tuple[float, str]:
    if s[:1] not in ("0", "1"):
        return -1.0, ""
    q, s = float(s[0]), s[1:]
    if not s.startswith("."):
        return q, s
    s = s[1:]
    i = 0
    while i < len(s) and s[i].isascii() and s[i].isdigit():
        i += 1
    if i:
        q += int(s[:i]) / 10**i
    return q, s[i:]


def negotiates_json(accept: list[str], default: str) -> bool:
    """Whether ``NegotiateContentType`` picks an offer (the only offer is JSON).

    ``default`` is the request's own Content-Type when it has a body, else ``""``.
    """
    specs = _accept_specs(accept)
    if not specs:
        return True
    best, best_q, best_wild = default, -1.0, 3
    for value, q in specs:
        if q == 0.0 or q < best_q:
            continue
        if value == "*/*":
            if q > best_q or best_wild > 2:
                best, best_q, best_wild = _OFFER, q, 2
        elif value.endswith("/*"):
            if _OFFER.startswith(value[:-1]) and (q > best_q or best_wild > 1):
                best, best_q, best_wild = _OFFER, q, 1
        elif value == _OFFER and (q > best_q or best_wild > 0):
            best, best_q, best_wild = _OFFER, q, 0
    return best != ""
