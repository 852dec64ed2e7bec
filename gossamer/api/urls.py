"""URLs and paths with Go's ``net/url`` and ``path`` rules.

* ``generatorURL`` must pass go-openapi's ``uri`` format, which is
  ``url.ParseRequestURI`` succeeding: an absolute URI or an absolute path, no
  fragment splitting, a valid host and ``%`` escapes (go-openapi/strfmt).
* Paths are cleaned and escaped as ``net/http`` does for redirects and for
  go-openapi's "path ... was not found" message.

Pure functions, safe on any thread.
"""

from __future__ import annotations

import re

__all__ = [
    "clean_path",
    "escape_path",
    "escaped_path",
    "go_url_parse_error",
    "is_request_uri",
    "path_clean",
    "unescape_path",
]

_SCHEME_CHARS = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*")
_HOST_OK = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~!$&'()*+,;=:[]<>\""
)
_USERINFO_OK = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._:~!$&'()*+,;=%@"
)
_HEX = frozenset("0123456789abcdefABCDEF")
_PATH_SAFE = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~$&+,/:;=@"
)


class _URLError(ValueError):
    pass


# The common shape, ``scheme://host[:port][/path][?query]``, which Go always
# accepts; anything else is checked rule by rule.
_PLAIN_URL = re.compile(
    r"[A-Za-z][A-Za-z0-9+.\-]*://[A-Za-z0-9\-._~!$&'()*+,;=]*(?::[0-9]*)?"
    r"(?:/[^?%\x00-\x1f\x7f]*)?(?:\?[^\x00-\x1f\x7f]*)?\Z"
)


def is_request_uri(raw: str) -> bool:
    """Whether Go's ``url.ParseRequestURI(raw)`` succeeds."""
    return _PLAIN_URL.match(raw) is not None or go_url_parse_error(raw) is None


def go_url_parse_error(raw: str) -> str | None:
    """Why ``url.ParseRequestURI`` rejects ``raw`` (Go's message), or None."""
    try:
        _parse_request_uri(raw.encode("utf-8", "surrogatepass").decode("latin-1"))
    except _URLError as exc:
        return str(exc)
    return None


def _parse_request_uri(raw: str) -> None:
    if any(c < " " or c == "\x7f" for c in raw):
        raise _URLError("net/url: invalid control character in URL")
    if raw == "":
        raise _URLError("empty url")
    if raw == "*":
        return
    scheme, rest = _get_scheme(raw)
    if rest.endswith("?") and rest.count("?") == 1:
        rest = rest[:-1]
    else:
        rest = rest.split("?", 1)[0]
    if not rest.startswith("/"):
        if scheme:
            return  # an opaque URI such as mailto:a or x:y
        raise _URLError("invalid URI for request")
    if scheme and rest.startswith("//"):
        authority, slash, path = rest[2:].partition("/")
        _parse_authority(authority)
        rest = slash + path
    _unescape(rest, host=False)


def _get_scheme(raw: str) -> tuple[str, str]:
    m = _SCHEME_CHARS.match(raw)
    if raw.startswith(":"):
        raise _URLError("missing protocol scheme")
    if m is not None and raw[m.end() : m.end() + 1] == ":":
        return m.group(), raw[m.end() + 1 :]
    return "", raw


def _parse_authority(authority: str) -> None:
    userinfo, at, host = authority.rpartition("@")
    _parse_host(host)
    if at and not set(userinfo) <= _USERINFO_OK:
        raise _URLError("net/url: invalid userinfo")
    if at:
        for part in userinfo.split(":", 1):
            _unescape(part, host=False)


def _parse_host(host: str) -> None:
    if host.startswith("["):
        end = host.rfind("]")
        if end < 0:
            raise _URLError("missing ']' in host")
        _check_port(host[end + 1 :])
        zone = host.find("%25", 0, end)
        if zone >= 0:
            _unescape(host[:zone], host=True)
            _unescape(host[zone:end], host=True, zone=True)
            _unescape(host[end:], host=True)
            return
    elif ":" in host:
        _check_port(host[host.rfind(":") :])
    _unescape(host, host=True)


def _check_port(port: str) -> None:
    """Go's ``validOptionalPort``: empty, or a colon and digits."""
    if port and (port[0] != ":" or not all("0" <= c <= "9" for c in port[1:])):
        raise _URLError(f"invalid port {port!r} after host")


def _unescape(s: str, host: bool, zone: bool = False) -> None:
    """Go's ``unescape`` checks: well-formed ``%XX``; in hosts, only allowed bytes."""
    i = 0
    while i < len(s):
        c = s[i]
        if c == "%":
            if i + 2 >= len(s) or s[i + 1] not in _HEX or s[i + 2] not in _HEX:
                raise _URLError(f"invalid URL escape {s[i : i + 3]!r}")
            byte = int(s[i + 1 : i + 3], 16)
            if host and not zone and byte < 0x80 and s[i : i + 3] != "%25":
                raise _URLError(f"invalid URL escape {s[i : i + 3]!r}")
            if zone and s[i : i + 3] != "%25" and byte != 0x20 and chr(byte) not in _HOST_OK:
                raise _URLError(f"invalid URL escape {s[i : i + 3]!r}")
            i += 3
            continue
        if host and c < "\x80" and c not in _HOST_OK:
            raise _URLError(f"invalid character {c!r} in host name")
        i += 1


def clean_path(p: str) -> str:
    """net/http's ``cleanPath``: Go's ``path.Clean`` with a leading ``/`` and the trailing ``/`` kept."""
    if p == "":
        return "/"
    if not p.startswith("/"):
        p = "/" + p
    cleaned = path_clean(p)
    if p.endswith("/") and cleaned != "/":
        cleaned += "/"
    return cleaned


def path_clean(p: str) -> str:
    """Go's ``path.Clean`` for a rooted path (``//`` collapses, unlike ``posixpath``)."""
    parts: list[str] = []
    for part in p.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts:
                parts.pop()
            continue
        parts.append(part)
    return "/" + "/".join(parts)


def escape_path(path: str) -> str:
    """Go's ``url.PathEscape``-like ``escape(path, encodePath)``: upper-case ``%XX``."""
    out = []
    for byte in path.encode("utf-8", "surrogateescape"):
        ch = chr(byte)
        out.append(ch if ch in _PATH_SAFE else f"%{byte:02X}")
    return "".join(out)


def escaped_path(raw_path: str, path: str) -> str:
    """Go's ``URL.EscapedPath``: the raw path when it is validly encoded, else ``path`` escaped."""
    return raw_path if _valid_encoded(raw_path) else escape_path(path)


def unescape_path(raw_path: str) -> str | None:
    """The request path with ``%XX`` decoded (bytes kept as ``surrogateescape``);
    None for a malformed escape, which Go's server answers with 400."""
    out = bytearray()
    data = raw_path.encode("latin-1", "replace")
    i = 0
    while i < len(data):
        if data[i] == 0x25:  # %
            hexa = data[i + 1 : i + 3].decode("latin-1")
            if len(hexa) < 2 or not set(hexa) <= _HEX:
                return None
            out.append(int(hexa, 16))
            i += 3
        else:
            out.append(data[i])
            i += 1
    return out.decode("utf-8", "surrogateescape")


def _valid_encoded(s: str) -> bool:
    """Go's ``validEncoded(s, encodePath)``."""
    return all(c in _PATH_SAFE or c in "!'()*[]%" for c in s)
