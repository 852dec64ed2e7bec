"""Logging: go-kit style logfmt and JSON lines from loguru records."""

from __future__ import annotations

import io
import json
import re
import sys
from collections.abc import Iterator

import pytest
from loguru import logger

from gossamer.errors import ConfigError
from gossamer.logs import node_logger, setup_logging

TS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\Z")


@pytest.fixture(autouse=True)
def _restore_loguru() -> Iterator[None]:
    """Give loguru back its default stderr handler after each test."""
    yield
    logger.remove()
    logger.add(sys.stderr)


def capture(level: str = "debug", fmt: str = "logfmt") -> io.StringIO:
    sink = io.StringIO()
    setup_logging(level, fmt, sink)
    return sink


def logfmt_pairs(line: str) -> list[tuple[str, str]]:
    """Split a logfmt line into (key, raw value) pairs, quoted values kept quoted."""
    return re.findall(r'([^ =]+)=("(?:[^"\\]|\\.)*"|[^ \n]*)', line)


def test_logfmt_line_starts_with_ts_caller_level_then_context_then_msg() -> None:
    """A logfmt line reads ts, caller, level, node, component, msg, then other fields."""
    sink = capture()
    node_logger("n1").bind(component="dispatcher").info("Flushing", receiver="team-x")
    keys = [key for key, _ in logfmt_pairs(sink.getvalue())]
    assert keys == ["ts", "caller", "level", "node", "component", "msg", "receiver"]


def test_logfmt_ts_is_utc_milliseconds_and_caller_is_the_logging_line() -> None:
    """ts is promlog's UTC millisecond stamp; caller is file:line of the logging call."""
    sink = capture()
    logger.info("hello")
    line_no = sys._getframe().f_lineno - 1
    pairs = dict(logfmt_pairs(sink.getvalue()))
    assert TS.match(pairs["ts"])
    assert pairs["caller"] == f"test_logs.py:{line_no}"
    assert pairs["level"] == "info"
    assert pairs["msg"] == "hello"


@pytest.mark.parametrize(
    ("value", "rendered"),
    [
        ("plain", "plain"),
        ("two words", '"two words"'),
        ("a=b", '"a=b"'),
        ('say "hi"', '"say \\"hi\\""'),
        ("line\nbreak", '"line\\nbreak"'),
        ("", ""),
        ("null", '"null"'),
        (None, "null"),
        (True, "true"),
        (False, "false"),
        (42, "42"),
        (1.5, "1.5"),
        (ValueError("bad input"), '"bad input"'),
        ("<nil>", "<nil>"),
    ],
)
def test_logfmt_values_are_quoted_only_when_needed(value: object, rendered: str) -> None:
    """Values are written as go-logfmt writes them: bare unless they need quotes."""
    sink = capture()
    logger.bind(field=value).info("m")
    assert sink.getvalue().rstrip("\n").endswith(f" field={rendered}")


def test_message_with_spaces_is_quoted_and_markup_is_kept_verbatim() -> None:
    """Messages are data: quotes when needed, and loguru colour tags are not interpreted."""
    sink = capture()
    logger.info("<red>not a colour</red>")
    assert 'msg="<red>not a colour</red>"' in sink.getvalue()


def test_each_record_is_one_line_even_with_a_traceback() -> None:
    """An exception becomes a quoted exception= field on the same line."""
    sink = capture()
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logger.exception("failed")
    lines = sink.getvalue().splitlines()
    assert len(lines) == 1
    pairs = dict(logfmt_pairs(lines[0]))
    assert pairs["level"] == "error"
    assert "RuntimeError: boom" in json.loads(pairs["exception"])


def test_extra_field_named_like_a_fixed_field_is_prefixed() -> None:
    """A bound field called msg or ts never overwrites the real one."""
    sink = capture()
    logger.bind(msg="shadow", ts="then").info("real")
    pairs = logfmt_pairs(sink.getvalue())
    assert ("msg", "real") in pairs
    assert ("extra.msg", "shadow") in pairs
    assert ("extra.ts", "then") in pairs


@pytest.mark.parametrize(
    ("level", "shown"),
    [
        # TRACE sits below DEBUG in loguru; --log.level=debug is Alertmanager's lowest.
        ("debug", ["debug", "info", "success", "warning", "error", "critical"]),
        ("info", ["info", "success", "warning", "error", "critical"]),
        ("warn", ["warning", "error", "critical"]),
        ("error", ["error", "critical"]),
    ],
)
def test_level_filter_keeps_the_level_and_above(level: str, shown: list[str]) -> None:
    """--log.level drops lower levels; warn means loguru's WARNING."""
    sink = capture(level)
    for name in ["trace", "debug", "info", "success", "warning", "error", "critical"]:
        getattr(logger, name)(name)
    messages = [dict(logfmt_pairs(line))["msg"] for line in sink.getvalue().splitlines()]
    assert messages == shown


@pytest.mark.parametrize(
    ("method", "level"),
    [("debug", "debug"), ("info", "info"), ("success", "info"), ("warning", "warn"),
     ("error", "error"), ("critical", "error")],
)  # fmt: skip
def test_loguru_levels_map_to_go_kit_level_names(method: str, level: str) -> None:
    """Only debug, info, warn and error appear as level values."""
    sink = capture()
    getattr(logger, method)("m")
    assert dict(logfmt_pairs(sink.getvalue()))["level"] == level


def test_json_line_is_one_object_with_sorted_keys_and_native_values() -> None:
    """JSON output: one object per line, keys sorted like go-kit, numbers stay numbers."""
    sink = capture(fmt="json")
    node_logger("n2", component="silences").warning("GC done", removed=3, ok=True, note=None)
    lines = sink.getvalue().splitlines()
    assert len(lines) == 1
    obj = json.loads(lines[0])
    assert list(obj) == sorted(obj)
    assert obj["level"] == "warn" and obj["msg"] == "GC done"
    assert obj["node"] == "n2" and obj["component"] == "silences"
    assert obj["removed"] == 3 and obj["ok"] is True and obj["note"] is None
    assert TS.match(obj["ts"]) and obj["caller"].startswith("test_logs.py:")


def test_json_renders_unencodable_values_as_text() -> None:
    """Objects JSON cannot hold are written as their str(), never dropping the line."""
    sink = capture(fmt="json")
    logger.bind(err=ValueError("nope"), weird={(1, 2): "tuple key"}).info("m")
    obj = json.loads(sink.getvalue())
    assert obj["err"] == "nope"
    assert obj["weird"] == "{(1, 2): 'tuple key'}"


def test_json_exception_is_a_field() -> None:
    """A traceback goes into the exception key."""
    sink = capture(fmt="json")
    logger.opt(exception=KeyError("k")).error("lookup failed")
    assert "KeyError" in json.loads(sink.getvalue())["exception"]


def test_node_loggers_in_one_process_are_told_apart() -> None:
    """Two nodes sharing the process log through one sink with their own node field."""
    sink = capture()
    node_logger("a").info("x")
    node_logger("b", component="cluster").info("y")
    nodes = [dict(logfmt_pairs(line))["node"] for line in sink.getvalue().splitlines()]
    assert nodes == ["a", "b"]


def test_setup_logging_replaces_earlier_handlers() -> None:
    """Calling setup_logging again moves output instead of duplicating it."""
    first = capture()
    second = capture()
    logger.info("once")
    assert first.getvalue() == ""
    assert len(second.getvalue().splitlines()) == 1


@pytest.mark.parametrize(
    ("level", "fmt"), [("trace", "logfmt"), ("INFO", "logfmt"), ("info", "xml")]
)
def test_unknown_level_or_format_is_a_config_error(level: str, fmt: str) -> None:
    """Bad level or format names are refused with a message naming the value."""
    with pytest.raises(ConfigError, match="unrecognized log"):
        setup_logging(level, fmt, io.StringIO())
