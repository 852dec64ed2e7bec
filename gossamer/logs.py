"""Logging: loguru records written as Alertmanager (go-kit) writes them, logfmt or JSON.

``setup_logging`` runs once at start-up, on the main thread; it replaces every loguru
handler with one that renders each record as a single line::

    ts=2026-11-24T19:19:29.047Z caller=dispatch.py:123 level=info node=n1 component=dispatcher msg="Flushing" receiver=team-x

Fields come from ``logger.bind(...)`` and from keyword arguments of the logging call;
``node`` and ``component`` (``CONTEXT_KEYS``) go before ``msg``, the rest after it in
the order they were given. Loguru formats the message with the keyword arguments
(``str.format``), so a message logged with keyword arguments must not contain braces;
bind fields instead when it might. JSON lines hold the same fields, keys sorted, as
go-kit's JSON logger does.

Rendering runs in the logging thread, under loguru's handler lock. A field value that
cannot be rendered never loses the line: JSON falls back to ``str()`` of every value.
"""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TextIO

import msgspec
from loguru import logger

from gossamer.errors import ConfigError

if TYPE_CHECKING:
    from loguru import Logger, Message, Record

__all__ = ["CONTEXT_KEYS", "LOG_FORMATS", "LOG_LEVELS", "node_logger", "setup_logging"]

#: Values of ``--log.level``, as Alertmanager's promlog accepts them.
LOG_LEVELS = ("debug", "info", "warn", "error")
#: Values of ``--log.format``.
LOG_FORMATS = ("logfmt", "json")
#: Fields that name where a line comes from; logfmt puts them before ``msg``.
CONTEXT_KEYS = ("node", "component")

_LOGURU_LEVELS = {"debug": "DEBUG", "info": "INFO", "warn": "WARNING", "error": "ERROR"}
_RESERVED = frozenset({"ts", "caller", "level", "msg", "exception"})


def _level_name(number: int) -> str:
    """Go-kit's level for a loguru level number (TRACE is debug, SUCCESS info, CRITICAL error)."""
    if number < 20:
        return "debug"
    if number < 30:
        return "info"
    return "warn" if number < 40 else "error"


def _timestamp(moment: datetime) -> str:
    """Promlog's timestamp: UTC, milliseconds, ``Z``."""
    utc = moment.astimezone(UTC)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"


def _fields(record: Record) -> dict[str, Any]:
    """The line's fields in logfmt order; an extra field named like a fixed one gets ``extra.``."""
    extra = record["extra"]
    fields: dict[str, Any] = {
        "ts": _timestamp(record["time"]),
        "caller": f"{record['file'].name}:{record['line']}",
        "level": _level_name(record["level"].no),
    }
    fields.update((key, extra[key]) for key in CONTEXT_KEYS if key in extra)
    fields["msg"] = record["message"]
    for key, value in extra.items():
        if key not in CONTEXT_KEYS:
            fields[f"extra.{key}" if key in _RESERVED else key] = value
    if record["exception"] is not None:
        kind, error, trace = record["exception"]
        fields["exception"] = "".join(traceback.format_exception(kind, error, trace)).rstrip()
    return fields


def _logfmt_key(key: str) -> str:
    return "".join("_" if ch <= " " or ch in '="' else ch for ch in key) or "_"


def _logfmt_value(value: Any) -> str:
    """Go-kit/go-logfmt's value text: quoted when it holds a space, ``=``, ``"`` or a control."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = value if isinstance(value, str) else str(value)
    if text == "null" or any(ch <= " " or ch in '="\ufffd' for ch in text):
        return json.dumps(text, ensure_ascii=False)
    return text


def _logfmt_line(record: Record) -> str:
    """One record as a logfmt line (no newline)."""
    return " ".join(f"{_logfmt_key(k)}={_logfmt_value(v)}" for k, v in _fields(record).items())


def _json_line(record: Record) -> str:
    """One record as a JSON object with sorted keys (no newline)."""
    fields = _fields(record)
    try:
        data = msgspec.json.encode(fields, enc_hook=str, order="sorted")
    except (TypeError, ValueError):  # e.g. a dict field with tuple keys
        data = msgspec.json.encode({k: str(v) for k, v in fields.items()}, order="sorted")
    return data.decode()


_RENDERERS: dict[str, Callable[[Record], str]] = {"logfmt": _logfmt_line, "json": _json_line}


def _stream_sink(stream: TextIO, render: Callable[[Record], str]) -> Callable[[Message], None]:
    """A loguru sink that writes ``render(record)`` and a newline to ``stream``."""

    def sink(message: Message) -> None:
        stream.write(render(message.record) + "\n")
        stream.flush()

    return sink


def setup_logging(level: str, fmt: str, sink: TextIO | None = None) -> None:
    """Send loguru's records at ``level`` and above to ``sink`` (default: ``sys.stderr``).

    ``level`` is one of ``LOG_LEVELS`` (``warn`` is loguru's WARNING), ``fmt`` one of
    ``LOG_FORMATS``. Replaces every loguru handler: call it once per process, before
    the nodes start. Raises ``ConfigError`` for an unknown level or format.
    """
    if level not in _LOGURU_LEVELS:
        raise ConfigError(f"unrecognized log level {level!r} (one of: {', '.join(LOG_LEVELS)})")
    if fmt not in _RENDERERS:
        raise ConfigError(f"unrecognized log format {fmt!r} (one of: {', '.join(LOG_FORMATS)})")
    logger.remove()
    logger.add(
        _stream_sink(sys.stderr if sink is None else sink, _RENDERERS[fmt]),
        level=_LOGURU_LEVELS[level],
        # The sink renders the record itself; an empty dynamic format spares loguru
        # formatting the message and traceback a second time.
        format=lambda _record: "",
        colorize=False,
        backtrace=False,
        diagnose=False,
    )


def node_logger(node_name: str, **fields: Any) -> Logger:
    """A logger whose lines carry ``node=<node_name>`` and ``fields``.

    Only binds: handlers stay as ``setup_logging`` left them, so several nodes can
    share one process (as in the in-process cluster tests) and still be told apart.
    """
    return logger.bind(node=node_name, **fields)
