"""URL checks with Go's ``net/url.Parse`` rules, as go-swagger's ``uri`` format uses."""

from __future__ import annotations

import re

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*\Z")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def go_url_parse_error(raw: str) -> str | None:
    """Why Go's ``url.Parse`` rejects ``raw``, or None when it accepts it."""
    if _CONTROL.search(raw):
        return "invalid control character in URL"
    rest = raw.split("#", 1)[0]
    if ":" in rest:
        scheme, _, after = rest.partition(":")
        if scheme == "":
            return "missing protocol scheme"
        if "/" not in scheme and "?" not in scheme:
            if not _SCHEME.match(scheme):
                return "first path segment in URL cannot contain colon"
            rest = after
        elif ":" in rest.split("/", 1)[0]:
            return "first path segment in URL cannot contain colon"
    if _BAD_ESCAPE.search(raw.split("?", 1)[0]):
        return "invalid URL escape"
    return None
