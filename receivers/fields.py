"""Small pieces the integrations share, each a copy of an Alertmanager helper.

* ``truncate_runes``: ``notify.Truncate`` (0.25): keep ``n - 1`` runes and add
  ``…`` (U+2026); with ``n <= 3`` keep ``n`` runes and no marker.
* ``key_hash``: ``notify.Key.Hash()``, the sha256 hex of the group key that
  PagerDuty, OpsGenie, VictorOps and SNS use as dedup key / alias / entity id.
* ``Renderer``: ``notify.TmplText``/``TmplHTML``, template rendering with
  monadic error handling: after the first failure every later field renders
  as ``""`` and the notifier reports that first error.
* ``go_url``: what Go's ``url.URL`` does when an integration appends to the
  path of a configured URL and sets a query (``u.Path += ...; u.String()``).
* ``go_query``: ``url.Values.Encode`` (keys sorted, ``QueryEscape``);
  ``wire_url`` keeps such a URL byte for byte on its way through the HTTP client.
* ``go_quote``: ``fmt``'s ``%q`` for error texts.
* ``read_secret``: a ``*_file`` secret read at send time, as 0.25 reads them.

Everything here is pure and runs on the caller's thread, except
``read_secret`` which reads in a worker thread.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import urllib.parse
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol, cast

import yarl
from loguru import logger

from gossamer.errors import NotifyError
from gossamer.gostrconv import go_quote
from receivers.payload import Data

__all__ = [
    "Renderer",
    "Templates",
    "go_os_error",
    "go_query",
    "go_trim_space",
    "go_quote",
    "go_url",
    "key_hash",
    "read_secret",
    "redact_url_error",
    "truncate_runes",
    "wire_url",
]

ELLIPSIS = "\u2026"
# url.URL.EscapedPath: unreserved characters plus the sub-delimiters Go keeps in paths.
_PATH_SAFE = "$&+,/:;=@"


def truncate_runes(text: str, limit: int) -> tuple[str, bool]:
    """``notify.Truncate(s, n)``: ``(text, False)`` when it fits, else the cut text."""
    if len(text) <= limit:
        return text, False
    if limit <= 3:
        return text[:limit], True
    return text[: limit - 1] + ELLIPSIS, True


def key_hash(group_key: str) -> str:
    """``notify.Key.Hash()``: sha256 of the group key, lower-case hex."""
    return hashlib.sha256(group_key.encode("utf-8", "surrogateescape")).hexdigest()


class Templates(Protocol):
    """The template engine (``receivers.templating.Templates``): Go ``text/template``
    and ``html/template`` over Alertmanager's template set. Both raise on failure; the
    exception's ``partial`` is the output written before it."""

    def text(self, source: str, data: Data) -> str: ...

    def html(self, source: str, data: Data) -> str: ...


class Renderer:
    """Alertmanager's ``notify.TmplText``/``TmplHTML`` for one notification.

    Fields render in turn (``text``, ``html``; calling the renderer is ``text``).
    After the first failure every later field renders as ``""`` without running,
    ``error`` keeps that failure and ``check`` raises it. The failing field
    itself renders as the output written before the failure, which Go's
    ``ExecuteTextString`` returns next to its error (Telegram sends it).
    Each failure is logged with its template, and with the receiver,
    integration and field when they are given. Runs on the caller's thread
    (the notifier's event loop).
    """

    def __init__(
        self,
        templates: Templates | None,
        data: Data,
        *,
        receiver: str = "",
        integration: str = "",
    ) -> None:
        self.templates = templates
        self.data = data
        self.receiver = receiver
        self.integration = integration
        self.error: Exception | None = None

    def __repr__(self) -> str:
        return f"<Renderer {self.integration} receiver={self.receiver!r} error={self.error!r}>"

    def __call__(self, source: str, field: str = "") -> str:
        """``text(source, field)``."""
        return self.text(source, field)

    def text(self, source: str, field: str = "") -> str:
        """Render ``source`` with Go ``text/template`` (``""`` after an earlier failure)."""
        return self._render(source, field, html=False)

    def html(self, source: str, field: str = "") -> str:
        """Render ``source`` with Go ``html/template`` (``""`` after an earlier failure)."""
        return self._render(source, field, html=True)

    def execute(
        self, source: str, field: str = "", *, html: bool = False
    ) -> tuple[str, Exception | None]:
        """Render regardless of earlier failures, without keeping the error:
        ``(output, error or None)``, as Go's ``ExecuteTextString``/``ExecuteHTMLString``."""
        if source == "":  # Go returns "" for an empty template without parsing it
            return "", None
        if self.templates is None:
            return "", LookupError("no template engine is configured")
        try:
            render = self.templates.html if html else self.templates.text
            return render(source, self.data), None
        except Exception as exc:  # the engine's errors are the user's template errors
            context = {"receiver": self.receiver, "integration": self.integration, "field": field}
            logger.bind(component="notifier").warning(
                "Template rendering failed",
                **{k: v for k, v in context.items() if v},
                template=source,
                err=str(exc),
            )
            partial = getattr(exc, "partial", "")
            return (partial if isinstance(partial, str) else ""), exc

    def _render(self, source: str, field: str, *, html: bool) -> str:
        if self.error is not None:
            return ""
        output, error = self.execute(source, field, html=html)
        if error is not None:
            self.error = error
        return output

    def check(self, wrap: str | None = None) -> None:
        """Raise the first failure as a final ``NotifyError`` (``<wrap>: <err>``)."""
        if self.error is None:
            return
        message = str(self.error) if wrap is None else f"{wrap}: {self.error}"
        raise NotifyError(message, retryable=False) from self.error


def go_query(pairs: Iterable[tuple[str, str | bytes]]) -> str:
    """``url.Values.Encode``: keys sorted (stable for repeated keys), ``QueryEscape``d.

    A ``bytes`` value is escaped byte for byte (Go strings may hold cut UTF-8).
    """
    ordered = sorted(pairs, key=lambda kv: kv[0].encode("utf-8", "surrogateescape"))
    return "&".join(f"{_query_escape(k)}={_query_escape(v)}" for k, v in ordered)


def _query_escape(text: str | bytes) -> str:
    raw = text if isinstance(text, bytes) else text.encode("utf-8", "surrogateescape")
    return urllib.parse.quote_plus(raw, safe="")


def wire_url(url: str) -> str:
    """``url`` as Go puts it on the wire: exactly as built (``go_url``/``go_query``).

    ``HTTPClient.request`` parses a ``str`` with yarl's default requoting, which
    rewrites escapes Go keeps (``%3A`` in a query becomes ``:``, ``%21`` in a path
    ``!``). Handing it an already-encoded ``yarl.URL`` (which yarl passes through
    unchanged) keeps the bytes. URLs with a password stay strings: the client's
    error texts mask the password by string replacement.
    """
    parsed = yarl.URL(url, encoded=True)
    if parsed.raw_password is not None:
        return url
    return cast(str, parsed)


def go_url(base: str, path_suffix: str = "", query: Iterable[tuple[str, str]] | None = None) -> str:
    """``u := base.Copy(); u.Path += path_suffix; u.RawQuery = query; u.String()``.

    ``base`` is a URL that already passed config validation. Go keeps the
    decoded path and escapes it again when printing, so escapes in ``base``'s
    path may come out differently (``%41`` reads ``A``); the query of ``base``
    is replaced when ``query`` is given, else kept as written.
    """
    parts = urllib.parse.urlsplit(base)
    path = urllib.parse.unquote(parts.path, errors="surrogateescape") + path_suffix
    escaped = urllib.parse.quote(path.encode("utf-8", "surrogateescape"), safe=_PATH_SAFE)
    if parts.netloc and escaped and not escaped.startswith("/"):
        escaped = "/" + escaped
    raw_query = parts.query if query is None else go_query(query)
    out = f"{parts.scheme}://{parts.netloc}{escaped}" if parts.scheme else escaped
    if raw_query or (query is None and base.split("#")[0].endswith("?")):
        out += "?" + raw_query
    if parts.fragment:
        out += "#" + parts.fragment
    return out


def redact_url_error(exc: NotifyError, method: str, url: str) -> NotifyError:
    """``notify.RedactURL``: the URL of a ``*url.Error`` text becomes ``<redacted>``
    (``Post "<redacted>": <cause>``), for URLs that carry secrets."""
    message = str(exc)
    prefix = f'{method[:1].upper()}{method[1:].lower()} "'
    end = message.find('": ', len(prefix)) if message.startswith(prefix) else -1
    if end != -1:
        text = f"{prefix}<redacted>{message[end:]}"
    else:
        text = message.replace(url, "<redacted>")
    return NotifyError(text, retryable=exc.retryable)


def go_os_error(op: str, path: str, exc: OSError) -> str:
    """Go's ``*fs.PathError`` text: ``open /x: no such file or directory``."""
    return f"{op} {path}: {(exc.strerror or str(exc)).lower()}"


#: Go's ``unicode.IsSpace`` (Python's ``str.strip`` would also drop U+001C..U+001F).
_GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"


def go_trim_space(text: str) -> str:
    """``strings.TrimSpace``."""
    return text.strip(_GO_SPACE)


def _read(path: str) -> str:
    return Path(path).read_text(encoding="utf-8", errors="replace")


async def read_secret(
    base_dir: str | os.PathLike[str], path: str, wrap: str, *, trim: bool = True
) -> str:
    """The content of a ``*_file`` secret (trimmed unless told), read in a worker thread.

    Raises a final ``NotifyError`` worded ``<wrap>: open <path>: <reason>``
    (Alertmanager 0.25 reads these files on every notification).
    """
    full = str(Path(base_dir) / path)
    try:
        content = await asyncio.to_thread(_read, full)
        return go_trim_space(content) if trim else content
    except OSError as exc:
        op = "read" if isinstance(exc, IsADirectoryError) else "open"
        raise NotifyError(f"{wrap}: {go_os_error(op, full, exc)}", retryable=False) from exc
