"""Command-line flags: Alertmanager 0.25's flags, parsed as its kingpin parser parses them."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import msgspec
import pytest

from gossamer import ALERTMANAGER_COMPAT_VERSION, __version__
from gossamer.errors import GossamerError
from gossamer.flag_parser import FlagError, help_text, info_text, parse_flags, version_text
from gossamer.flag_values import parse_duration, parse_go_duration
from gossamer.flags import Flags

MiB = 1024 * 1024
MIN_INT64 = -(2**63)
AM_BINARY = "prometheus-alertmanager"

# --- defaults ---


def test_no_arguments_gives_upstream_defaults() -> None:
    """With no flags every field holds Alertmanager's upstream (not Debian's) default."""
    flags = parse_flags([])
    assert flags == Flags()
    assert flags.config_file == "alertmanager.yml"
    assert flags.storage_path == "data/"
    assert flags.data_retention == 120 * 3600
    assert flags.web_listen_address == [":9093"]
    assert flags.cluster_listen_address == "0.0.0.0:9094"
    assert flags.cluster_peer == []
    assert flags.cluster_reconnect_timeout == 6 * 3600
    assert flags.web_max_body_bytes == 16 * MiB
    assert (flags.log_level, flags.log_format) == ("info", "logfmt")


def help_rows(text: str) -> list[tuple[str, str | None]]:
    """(long name, default text or None) for each flag listed in kingpin-style help."""
    rows = []
    for match in re.finditer(r"^  (?:-\w, |    )--([\w.-]+)(?:=(\S+))?", text, re.MULTILINE):
        rows.append((match[1], match[2]))
    return rows


def field_of(name: str) -> str:
    return {"web.max-request-body-bytes": "web_max_body_bytes"}.get(
        name, name.replace(".", "_").replace("-", "_")
    )


def test_every_default_shown_in_help_parses_to_the_field_default() -> None:
    """Help and the Flags struct agree: passing the shown default changes nothing."""
    for name, shown in help_rows(help_text()):
        if shown is None or shown.isupper():
            continue  # boolean flag, or a placeholder such as WEB.EXTERNAL-URL
        text = json.loads(shown) if shown.startswith('"') else shown
        parsed = parse_flags([f"--{name}={text}"])
        assert getattr(parsed, field_of(name)) == getattr(Flags(), field_of(name)), name


# --- values that parse ---

VALID = [
    (["--config.file=am.yml"], "config_file", "am.yml"),
    (["--config.file", "am.yml"], "config_file", "am.yml"),
    (["--config.file="], "config_file", ""),
    (["--config.file=a=b"], "config_file", "a=b"),
    (["--storage.path", "/var/lib/gossamer"], "storage_path", "/var/lib/gossamer"),
    (["--data.retention=1.5h"], "data_retention", 5400.0),
    (["--data.retention=1h30m"], "data_retention", 5400.0),
    (["--data.retention=0"], "data_retention", 0.0),
    (["--data.maintenance-interval=-1s"], "data_maintenance_interval", -1.0),
    (["--alerts.gc-interval=+2m"], "alerts_gc_interval", 120.0),
    (["--web.timeout=300ms"], "web_timeout", 0.3),
    (["--web.timeout=.5s"], "web_timeout", 0.5),
    (["--web.timeout=1.s"], "web_timeout", 1.0),
    (["--web.timeout=1\u00b5s"], "web_timeout", 1e-6),
    (["--web.timeout=2us"], "web_timeout", 2e-6),
    (["--cluster.reconnect-timeout=6h0m0s"], "cluster_reconnect_timeout", 21600.0),
    (["--cluster.probe-timeout", "250ms"], "cluster_probe_timeout", 0.25),
    (["--web.get-concurrency=8"], "web_get_concurrency", 8),
    (["--web.get-concurrency=-1"], "web_get_concurrency", -1),
    (["--web.get-concurrency=1.9"], "web_get_concurrency", 1),
    (["--web.get-concurrency=-1.9"], "web_get_concurrency", -1),
    (["--web.get-concurrency=1e3"], "web_get_concurrency", 1000),
    (["--web.get-concurrency=1_000"], "web_get_concurrency", 1000),
    (["--web.get-concurrency=+5"], "web_get_concurrency", 5),
    (["--web.get-concurrency=0x1p4"], "web_get_concurrency", 16),
    (["--web.get-concurrency=inf"], "web_get_concurrency", MIN_INT64),
    (["--web.get-concurrency=nan"], "web_get_concurrency", MIN_INT64),
    (["--web.get-concurrency=1e19"], "web_get_concurrency", MIN_INT64),
    (["--web.max-request-body-bytes=1048576"], "web_max_body_bytes", MiB),
    (["--web.max-request-body-bytes=512KiB"], "web_max_body_bytes", 512 * 1024),
    (["--web.max-request-body-bytes=16MB"], "web_max_body_bytes", 16 * MiB),
    (["--web.max-request-body-bytes=1GiB"], "web_max_body_bytes", 1024 * MiB),
    (["--web.external-url=http://am.example/prefix"], "web_external_url", "http://am.example/prefix"),
    (["--web.route-prefix=/"], "web_route_prefix", "/"),
    (["--web.ui-path=/srv/ui"], "web_ui_path", "/srv/ui"),
    (["--cluster.listen-address="], "cluster_listen_address", ""),
    (["--cluster.advertise-address=10.0.0.1:9094"], "cluster_advertise_address", "10.0.0.1:9094"),
    (["--cluster.tls-config=tls.yml"], "cluster_tls_config", "tls.yml"),
    (["--cluster.gossip-listen-address=0.0.0.0:9095"], "cluster_gossip_listen_address", "0.0.0.0:9095"),
    (["--cluster.gossip-advertise-address=h:9095"], "cluster_gossip_advertise_address", "h:9095"),
    (["--cluster.key-file=node.key"], "cluster_key_file", "node.key"),
    (["--log.level=debug"], "log_level", "debug"),
    (["--log.level=warn"], "log_level", "warn"),
    (["--log.level=error"], "log_level", "error"),
    (["--log.format=json"], "log_format", "json"),
    (["--web.systemd-socket"], "web_systemd_socket", True),
    (["--no-web.systemd-socket"], "web_systemd_socket", False),
    (["--cluster.allow-insecure-public-advertise-address-discovery"],
     "cluster_allow_insecure_public_advertise_address_discovery", True),
    (["--web.listen-address=:1"], "web_listen_address", [":1"]),
    (["--web.listen-address=:1", "--web.listen-address", "[::1]:2"], "web_listen_address", [":1", "[::1]:2"]),
    (["--cluster.peer=a:9094", "--cluster.peer", "b:9094"], "cluster_peer", ["a:9094", "b:9094"]),
    (["--cluster.peer="], "cluster_peer", [""]),
]  # fmt: skip


@pytest.mark.parametrize(("argv", "field", "expected"), VALID)
def test_valid_value_is_parsed_like_the_binary(
    argv: list[str], field: str, expected: object
) -> None:
    """Each accepted spelling yields the value Alertmanager would use."""
    value = getattr(parse_flags(argv), field)
    if isinstance(expected, float):
        assert value == pytest.approx(expected)
    else:
        assert value == expected


def test_many_flags_combine_and_leave_the_rest_at_defaults() -> None:
    """Flags given together each land in their own field."""
    flags = parse_flags(["--config.file", "x.yml", "--cluster.peer=p:1", "--log.format=json"])
    expected = {"config_file": "x.yml", "cluster_peer": ["p:1"], "log_format": "json"}
    assert flags == msgspec.structs.replace(Flags(), **expected)


# --- values and arguments that are refused ---

INVALID = [
    (["--foo"], "unknown long flag '--foo'"),
    (["--foo=1"], "unknown long flag '--foo'"),
    (["---foo"], "unknown long flag '---foo'"),
    (["--=x"], "unknown long flag '--'"),
    (["--no-config.file"], "unknown long flag '--no-config.file'"),
    (["-x"], "unknown short flag '-x'"),
    (["-"], "unknown short flag '-'"),
    (["-hx"], "unknown short flag '-x'"),
    (["--config.file"], "expected argument for flag '--config.file'"),
    (["--config.file", "--storage.path=d"], "expected argument for flag '--config.file'"),
    (["--config.file", "-"], "expected argument for flag '--config.file'"),
    (["--web.get-concurrency", "-1"], "expected argument for flag '--web.get-concurrency'"),
    (["positional"], "unexpected positional"),
    (["--", "--foo"], "unexpected --foo"),
    (["--log.level=info", "extra"], "unexpected extra"),
    (["--web.systemd-socket=false"], "unexpected false (flag '--web.systemd-socket' takes no value)"),
    (["--help=false"], "unexpected false (flag '--help' takes no value)"),
    (["--data.retention=1d"],
     'invalid value "1d" for flag --data.retention: time: unknown unit "d" in duration "1d"'),
    (["--cluster.peer-timeout=5x"],
     'invalid value "5x" for flag --cluster.peer-timeout: time: unknown unit "x" in duration "5x"'),
    (["--web.timeout=1"], 'for flag --web.timeout: time: missing unit in duration "1"'),
    (["--web.timeout=1s1"], 'time: missing unit in duration "1s1"'),
    (["--web.timeout=1H"], 'time: unknown unit "H" in duration "1H"'),
    (["--web.timeout="], 'time: invalid duration ""'),
    (["--web.timeout= 1s"], 'time: invalid duration " 1s"'),
    (["--web.timeout=.s"], 'time: invalid duration ".s"'),
    (["--web.timeout=1h 1m"], 'time: unknown unit "h " in duration "1h 1m"'),
    (["--cluster.reconnect-timeout=99999999999h"], 'time: invalid duration "99999999999h"'),
    (["--web.get-concurrency=x"],
     'invalid value "x" for flag --web.get-concurrency: strconv.ParseFloat: parsing "x": invalid syntax'),
    (["--web.get-concurrency="], 'parsing "": invalid syntax'),
    (["--web.get-concurrency= 5"], 'parsing " 5": invalid syntax'),
    (["--web.get-concurrency=0x10"], 'parsing "0x10": invalid syntax'),
    (["--web.get-concurrency=0b101"], 'parsing "0b101": invalid syntax'),
    (["--web.get-concurrency=1__0"], 'parsing "1__0": invalid syntax'),
    (["--web.get-concurrency=+nan"], 'parsing "+nan": invalid syntax'),
    (["--web.get-concurrency=1e400"], 'parsing "1e400": value out of range'),
    (["--log.level=trace"], 'invalid value "trace" for flag --log.level: unrecognized log level "trace"'),
    (["--log.level=INFO"], 'unrecognized log level "INFO"'),
    (["--log.level="], 'unrecognized log level ""'),
    (["--log.format=xml"], 'invalid value "xml" for flag --log.format: unrecognized log format "xml"'),
    (["--web.max-request-body-bytes=0"], "for flag --web.max-request-body-bytes: want a positive size"),
    (["--web.max-request-body-bytes=16 MiB"], "want a positive size"),
    (["--web.max-request-body-bytes=1TB"], "want a positive size"),
    (["--web.timeout=1s", "--web.timeout=2s"], "flag 'web.timeout' cannot be repeated"),
    (["--config.file=a", "--config.file=b"], "flag 'config.file' cannot be repeated"),
    (["--web.systemd-socket", "--no-web.systemd-socket"], "flag 'web.systemd-socket' cannot be repeated"),
    (["--web.timeout=x", "--log.level=y"], "flag --web.timeout"),
    (["@"], "expected @ file to expand arguments from"),
    (["@/nonexistent/args"], 'failed to open arguments file "/nonexistent/args"'),
]  # fmt: skip


@pytest.mark.parametrize(("argv", "message"), INVALID)
def test_bad_argument_is_a_flag_error_naming_it(argv: list[str], message: str) -> None:
    """Unknown flags, missing values, bad values and positionals raise FlagError."""
    with pytest.raises(FlagError) as caught:
        parse_flags(argv)
    assert message in str(caught.value)


def test_flag_error_is_a_gossamer_error() -> None:
    """FlagError sits in gossamer's one exception hierarchy."""
    assert issubclass(FlagError, GossamerError)


# --- help and version ---

INFO = [
    (["--help"], "help"),
    (["-h"], "help"),
    (["--no-help"], "help"),
    (["--help-long"], "help_long"),
    (["--help-man"], "help_man"),
    (["--version"], "version"),
    (["--no-version"], "version"),
    (["--version", "--foo"], "version"),
    (["--version", "positional"], "version"),
    (["--help", "--version"], "version"),
    (["--version", "--help"], "version"),
    (["--web.timeout=x", "--version"], "version"),
    (["--help", "--web.timeout=x"], "help"),
    (["--config.file=a", "--config.file=b", "--help"], "help"),
]


@pytest.mark.parametrize(("argv", "field"), INFO)
def test_help_and_version_win_as_in_kingpin(argv: list[str], field: str) -> None:
    """--version beats any later error; help beats bad values; the rest stay default."""
    flags = parse_flags(argv)
    assert flags == msgspec.structs.replace(Flags(), **{field: True})


@pytest.mark.parametrize(
    "argv",
    [["--help", "--foo"], ["--foo", "--version"], ["positional", "--version"], ["--help", "x"]],
)
def test_structural_error_before_version_or_with_help_still_fails(argv: list[str]) -> None:
    """Kingpin reports unknown flags and stray arguments even when help was asked for."""
    with pytest.raises(FlagError):
        parse_flags(argv)


def test_info_text_gives_help_or_version_or_nothing() -> None:
    """info_text says what to print instead of running, if anything."""
    assert info_text(parse_flags(["--version"])) == version_text()
    assert info_text(parse_flags(["-h"]), "am") == help_text("am")
    assert info_text(parse_flags(["--help-man"])) == help_text()
    assert info_text(parse_flags([])) is None


def test_help_lists_every_flag_with_a_description() -> None:
    """--help starts with usage, lists every visible flag once, and ends with a blank line."""
    text = help_text("gossamer")
    assert text.startswith("usage: gossamer [<flags>]\n\nFlags:\n")
    assert text.endswith("\n\n")
    names = [name for name, _ in help_rows(text)]
    assert len(names) == len(set(names))
    public_fields = set(Flags.__struct_fields__) - {"help_long", "help_man"}
    assert {field_of(name) for name in names} == public_fields
    assert "--help-long" in text and "--help-man" not in names


def test_help_lines_fit_eighty_columns_and_notes_mark_gossamer_flags() -> None:
    """Descriptions wrap at 80 columns; gossamer's own flags say so."""
    text = help_text()
    for line in text.splitlines():
        assert len(line) <= 80 or line.rstrip().startswith("--"), line
    for name in ["web.max-request-body-bytes", "cluster.gossip-listen-address", "cluster.key-file"]:
        block = text.split(f"--{name}=", 1)[1].split("\n      --", 1)[0]
        assert "[gossamer only" in block, name


def test_version_names_gossamer_and_the_alertmanager_it_replaces() -> None:
    """--version prints gossamer's version and the compatible Alertmanager release."""
    text = version_text()
    assert text.startswith(f"gossamer, version {__version__} ")
    assert ALERTMANAGER_COMPAT_VERSION in text.splitlines()[0]
    assert "python version:" in text and "platform:" in text


def test_flags_are_frozen() -> None:
    """Parsed flags cannot be changed after start-up."""
    with pytest.raises(AttributeError):
        parse_flags([]).config_file = "x"  # type: ignore[misc]


# --- @file arguments ---


def test_at_file_supplies_arguments_one_per_line(tmp_path: Path) -> None:
    """@path reads arguments from a file, skipping # lines, as kingpin does."""
    args = tmp_path / "args"
    args.write_text("# flags for node a\n--config.file\nwith space.yml\r\n--cluster.peer=b:9094\n")
    flags = parse_flags([f"@{args}", "--cluster.peer=c:9094"])
    assert flags.config_file == "with space.yml"
    assert flags.cluster_peer == ["b:9094", "c:9094"]


def test_at_file_may_name_another_but_not_loop_forever(tmp_path: Path) -> None:
    """Nested @files expand; a file that names itself is an error, not a hang."""
    inner, outer, loop = tmp_path / "inner", tmp_path / "outer", tmp_path / "loop"
    inner.write_text("--log.level=debug\n")
    outer.write_text(f"@{inner}\n")
    loop.write_text(f"@{loop}\n")
    assert parse_flags([f"@{outer}"]).log_level == "debug"
    with pytest.raises(FlagError, match="@ files"):
        parse_flags([f"@{loop}"])


def test_at_sign_after_double_dash_is_a_plain_argument() -> None:
    """After -- nothing is expanded; the argument is simply unexpected."""
    with pytest.raises(FlagError, match="unexpected @x"):
        parse_flags(["--", "@x"])


# --- durations ---

GO_DURATIONS = [
    ("0", 0.0), ("-0", 0.0), ("+0", 0.0), ("1ns", 1e-9), ("1us", 1e-6), ("1\u03bcs", 1e-6),
    ("1ms", 1e-3), ("1s", 1.0), ("1m", 60.0), ("1h", 3600.0), ("1.5h", 5400.0),
    ("1h30m", 5400.0), ("1h1h", 7200.0), ("-1m30s", -90.0), (".5s", 0.5), ("1.s", 1.0),
    ("2562047h47m16.854775807s", 9223372036.854775807),
    ("-2562047h47m16.854775808s", -9223372036.854775808),
]  # fmt: skip


@pytest.mark.parametrize(("text", "seconds"), GO_DURATIONS)
def test_go_duration_parses_like_time_parse_duration(text: str, seconds: float) -> None:
    """Go durations: decimal numbers with units ns to h, signed, combinable."""
    assert parse_go_duration(text) == pytest.approx(seconds, abs=1e-9)


GO_BAD_DURATIONS = [
    ("", 'time: invalid duration ""'), ("-", 'time: invalid duration "-"'),
    ("1", 'time: missing unit in duration "1"'), ("1d", 'time: unknown unit "d" in duration "1d"'),
    (".", 'time: invalid duration "."'), ("s", 'time: invalid duration "s"'),
    ("1.5.s", 'time: missing unit in duration "1.5.s"'),
    ("2562047h47m16.854775808s", 'time: invalid duration "2562047h47m16.854775808s"'),
    ("\u0661s", 'time: invalid duration "\u0661s"'),
]  # fmt: skip


@pytest.mark.parametrize(("text", "message"), GO_BAD_DURATIONS)
def test_bad_go_duration_is_refused_with_go_wording(text: str, message: str) -> None:
    """Go's error text, quoting the whole input."""
    with pytest.raises(ValueError) as caught:
        parse_go_duration(text)
    assert str(caught.value) == message


MODEL_DURATIONS = [
    ("0", 0.0), ("15s", 15.0), ("1h30m", 5400.0), ("2d", 172800.0), ("1w", 604800.0),
    ("1y", 31536000.0), ("100ms", 0.1), ("1m1ms", 60.001), ("1y2w3d4h5m6s7ms", 33019506.007),
]  # fmt: skip


@pytest.mark.parametrize(("text", "seconds"), MODEL_DURATIONS)
def test_model_duration_parses_like_prometheus(text: str, seconds: float) -> None:
    """Prometheus durations: integer counts of y, w, d, h, m, s, ms in that order."""
    assert parse_duration(text) == pytest.approx(seconds)


MODEL_BAD_DURATIONS = [
    ("5x", 'not a valid duration string: "5x"'), ("", "empty duration string"),
    ("1.5h", 'not a valid duration string: "1.5h"'), ("-1s", 'not a valid duration string: "-1s"'),
    ("1s1m", 'not a valid duration string: "1s1m"'), ("1h 1m", 'not a valid duration string: "1h 1m"'),
    ("s", 'not a valid duration string: "s"'), ("300000000y", "duration out of range"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "message"), MODEL_BAD_DURATIONS)
def test_bad_model_duration_is_refused_with_prometheus_wording(text: str, message: str) -> None:
    """Prometheus's error text for durations it cannot read."""
    with pytest.raises(ValueError) as caught:
        parse_duration(text)
    assert str(caught.value) == message


# --- against the real binary ---

needs_binary = pytest.mark.skipif(
    shutil.which(AM_BINARY) is None, reason=f"{AM_BINARY} not installed"
)


@pytest.mark.reference
@needs_binary
def test_gossamer_knows_every_flag_the_binary_lists() -> None:
    """Every long flag in `prometheus-alertmanager --help` is listed and parsed by gossamer."""
    out = subprocess.run([AM_BINARY, "--help"], capture_output=True, text=True, timeout=30)
    upstream = {name for name, _ in help_rows(out.stdout + out.stderr)}
    assert len(upstream) > 30
    assert upstream <= {name for name, _ in help_rows(help_text())}
    for name in upstream:
        try:
            parse_flags([f"--{name}"])
        except FlagError as err:
            assert "unknown" not in str(err), name


AGREEMENT = [
    ["--data.retention=1d"], ["--data.retention=1.5h"], ["--cluster.peer-timeout=5x"],
    ["--web.timeout=1"], ["--web.timeout=-.5s"], ["--web.timeout= 1s"], ["--web.timeout=99999999999h"],
    ["--web.get-concurrency=x"], ["--web.get-concurrency=1.9"], ["--web.get-concurrency=1_000"],
    ["--web.get-concurrency=0x10"], ["--web.get-concurrency=0x1p4"], ["--web.get-concurrency=1e400"],
    ["--web.get-concurrency", "-1"], ["--log.level=trace"], ["--log.level=warn"],
    ["--log.format=xml"], ["--web.systemd-socket=false"], ["--no-web.systemd-socket"],
    ["--no-cluster.peer"], ["--foo"], ["-x"], ["positional"], ["--", "--foo"],
    ["--web.timeout=1s", "--web.timeout=2s"], ["--cluster.peer=a:1", "--cluster.peer=b:1"],
    ["--help", "--foo"], ["--version", "--foo"], ["--help", "--web.timeout=x"],
]  # fmt: skip


def binary_accepts(argv: list[str], tmp_path: Path) -> bool:
    """Whether the binary gets past flag parsing (it then fails on the missing config file)."""
    base = [f"--config.file={tmp_path}/missing.yml", f"--storage.path={tmp_path}/data"]
    base.append("--cluster.listen-address=")
    if any(arg.startswith(("--config.file", "--storage.path", "--cluster.listen")) for arg in argv):
        base = []
    out = subprocess.run([AM_BINARY, *base, *argv], capture_output=True, text=True, timeout=30)
    return f"{AM_BINARY}: error:" not in out.stderr


@pytest.mark.reference
@needs_binary
@pytest.mark.parametrize("argv", AGREEMENT, ids=" ".join)
def test_gossamer_accepts_and_refuses_what_the_binary_does(argv: list[str], tmp_path: Path) -> None:
    """For tricky values, gossamer and Alertmanager agree on accept or refuse."""
    try:
        parse_flags(argv)
        accepted = True
    except FlagError:
        accepted = False
    assert accepted == binary_accepts(argv, tmp_path)
