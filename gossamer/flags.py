"""Command-line flags: Alertmanager 0.25's flags, parsed the way its kingpin parser does.

Runs once, on the main thread, before anything starts. ``parse_flags`` is pure: it
never prints and never exits. ``--help`` and ``--version`` come back as fields of
``Flags``; ``info_text`` turns them into the text to print (exit status 0).

What kingpin (v2, as in the 0.25 binary) does and gossamer copies:

- ``--name=value`` and ``--name value``; a value that starts with ``-`` must use ``=``.
- Boolean flags take no value: ``--flag`` sets, ``--no-flag`` clears;
  ``--flag=false`` is an error ("unexpected false").
- A flag may be given once, except the repeatable ones (``--web.listen-address``,
  ``--cluster.peer``), which accumulate and replace their default.
- ``--`` ends the flags; ``@path`` reads more arguments from a file, one per line,
  skipping lines that start with ``#``.
- No positional arguments. ``--version`` wins over any later error;
  ``--help`` wins over bad values but not over unknown flags.
- Durations are Go ``time.Duration`` text ("1.5h", "300ms"); "1d" is rejected,
  as by the binary. Integers are parsed as floats and truncated ("1e3", "1.9").
"""

from __future__ import annotations

import math
import platform
import re
import sys
import textwrap
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import msgspec

from gossamer import ALERTMANAGER_COMPAT_VERSION, __version__
from gossamer.errors import GossamerError
from gossamer.labels import go_quote
from gossamer.logs import LOG_FORMATS, LOG_LEVELS

__all__ = [
    "FlagError",
    "Flags",
    "help_text",
    "info_text",
    "parse_duration",
    "parse_flags",
    "parse_go_duration",
    "version_text",
]

MiB = 1024 * 1024
_HOUR = 3600.0


class FlagError(GossamerError):
    """A command-line flag is unknown, lacks its value or has a bad one; the message names it."""


class Flags(msgspec.Struct, frozen=True, kw_only=True):
    """Every command-line flag, with Alertmanager's upstream defaults. Durations are seconds.

    ``help``, ``help_long``, ``help_man`` and ``version`` are set when those flags were
    given; the other fields then hold their defaults (see ``info_text``).
    """

    config_file: str = "alertmanager.yml"
    storage_path: str = "data/"
    data_retention: float = 120 * _HOUR
    data_maintenance_interval: float = 15 * 60.0
    alerts_gc_interval: float = 30 * 60.0
    web_systemd_socket: bool = False
    web_listen_address: list[str] = msgspec.field(default_factory=lambda: [":9093"])
    web_config_file: str = ""
    web_external_url: str = ""
    web_route_prefix: str = ""
    web_get_concurrency: int = 0
    web_timeout: float = 0.0
    web_ui_path: str = ""
    web_max_body_bytes: int = 16 * MiB
    cluster_listen_address: str = "0.0.0.0:9094"
    cluster_advertise_address: str = ""
    cluster_peer: list[str] = msgspec.field(default_factory=list)
    cluster_peer_timeout: float = 15.0
    cluster_gossip_interval: float = 0.2
    cluster_pushpull_interval: float = 60.0
    cluster_tcp_timeout: float = 10.0
    cluster_probe_timeout: float = 0.5
    cluster_probe_interval: float = 1.0
    cluster_settle_timeout: float = 60.0
    cluster_reconnect_interval: float = 10.0
    cluster_reconnect_timeout: float = 6 * _HOUR
    cluster_tls_config: str = ""
    cluster_allow_insecure_public_advertise_address_discovery: bool = False
    cluster_gossip_listen_address: str = ""
    cluster_gossip_advertise_address: str = ""
    cluster_key_file: str = ""
    log_level: str = "info"
    log_format: str = "logfmt"
    help: bool = False
    help_long: bool = False
    help_man: bool = False
    version: bool = False


# --- value parsers: each raises ValueError with the wording of the Go function it copies ---

_GO_UNITS_NS = {
    "ns": 1,
    "us": 1_000,
    "\u00b5s": 1_000,  # MICRO SIGN
    "\u03bcs": 1_000,  # GREEK SMALL LETTER MU
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
}
_GO_PART = re.compile(r"([0-9]*)(?:\.([0-9]*))?([^0-9.]*)")
_NS_LIMIT = 1 << 63


def parse_go_duration(text: str) -> float:
    """Go's ``time.ParseDuration`` ("1.5h", "1h30m", "-300ms", "0"), in seconds.

    This is what kingpin's ``Duration()`` flags accept. Raises ``ValueError``.
    """
    return _go_duration_ns(text) / 1e9


def _go_duration_ns(text: str) -> int:
    invalid = ValueError(f"time: invalid duration {go_quote(text)}")
    negative = text.startswith("-")
    rest = text[1:] if text[:1] in ("-", "+") else text
    if rest == "0":
        return 0
    if not rest:
        raise invalid
    total = 0
    while rest:
        match = _GO_PART.match(rest)
        assert match is not None  # every group may be empty
        whole, frac, unit = match.groups()
        if not whole and not frac:
            raise invalid
        if not unit:
            raise ValueError(f"time: missing unit in duration {go_quote(text)}")
        if unit not in _GO_UNITS_NS:
            raise ValueError(f"time: unknown unit {go_quote(unit)} in duration {go_quote(text)}")
        scale = _GO_UNITS_NS[unit]
        value = int(whole or "0")
        if value > _NS_LIMIT // scale:
            raise invalid
        value *= scale
        if frac:
            value += int(frac) * scale // 10 ** len(frac)
        total += value
        if total > _NS_LIMIT:
            raise invalid
        rest = rest[match.end() :]
    if not negative and total == _NS_LIMIT:
        raise invalid
    return -total if negative else total


_MODEL_DURATION = re.compile(
    r"(?:([0-9]+)y)?(?:([0-9]+)w)?(?:([0-9]+)d)?(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?(?:([0-9]+)ms)?\Z"
)
_MODEL_UNITS_MS = (365 * 86_400_000, 7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000, 1)


def parse_duration(text: str) -> float:
    """Prometheus ``model.ParseDuration`` ("15s", "1h30m", "2d", "0"), in seconds.

    The syntax of durations in ``alertmanager.yml``; units run from ``y`` down to
    ``ms``, each at most once and in that order. Raises ``ValueError``.
    """
    if text == "0":
        return 0.0
    if text == "":
        raise ValueError("empty duration string")
    match = _MODEL_DURATION.match(text)
    if match is None:
        raise ValueError(f"not a valid duration string: {go_quote(text)}")
    ms = sum(int(n) * unit for n, unit in zip(match.groups(), _MODEL_UNITS_MS, strict=True) if n)
    if ms * 1_000_000 >= _NS_LIMIT:
        raise ValueError("duration out of range")
    return ms / 1000


_DEC = r"[0-9](?:_?[0-9])*"
_HEX = r"[0-9a-fA-F](?:_?[0-9a-fA-F])*"
_GO_FLOAT = re.compile(
    rf"[+-]?(?:(?P<dec>(?:{_DEC}(?:\.(?:{_DEC})?)?|\.{_DEC})(?:[eE][+-]?{_DEC})?)"
    rf"|(?P<hex>0[xX](?:_?{_HEX}(?:\.(?:{_HEX})?)?|\.{_HEX})[pP][+-]?{_DEC})"
    r"|(?P<inf>(?i:inf|infinity)))\Z|(?i:nan)\Z"
)


def _go_float(text: str) -> float:
    """Go's ``strconv.ParseFloat(text, 64)``, with its syntax and error wording."""
    match = _GO_FLOAT.match(text)
    if match is None:
        raise ValueError(f"strconv.ParseFloat: parsing {go_quote(text)}: invalid syntax")
    digits = text.replace("_", "")
    try:
        value = float.fromhex(digits) if match["hex"] else float(digits)
    except OverflowError:
        value = math.inf
    if math.isinf(value) and not match["inf"]:
        raise ValueError(f"strconv.ParseFloat: parsing {go_quote(text)}: value out of range")
    return value


def _kingpin_int(text: str) -> int:
    """Kingpin's ``Int()``: parsed as a float, then Go's ``int(f)`` conversion."""
    value = _go_float(text)
    # On amd64, Go turns NaN, infinities and out-of-range floats into math.MinInt64.
    if math.isfinite(value) and -_NS_LIMIT <= value < _NS_LIMIT:
        return int(value)
    return -_NS_LIMIT


_BYTES = re.compile(r"([0-9]+)(B|KB|KiB|MB|MiB|GB|GiB)?\Z")
_BYTE_UNITS = {None: 1, "B": 1, "KB": 1024, "KiB": 1024, "MB": MiB, "MiB": MiB}
_BYTE_UNITS |= {"GB": 1024 * MiB, "GiB": 1024 * MiB}


def _byte_size(text: str) -> int:
    """A positive size in bytes: "16777216", "512KiB", "16MiB" (units are powers of 1024)."""
    match = _BYTES.match(text)
    size = int(match[1]) * _BYTE_UNITS[match[2]] if match else 0
    if size <= 0:
        raise ValueError("want a positive size in bytes, like 1048576 or 16MiB")
    return size


def _choice(what: str, allowed: tuple[str, ...]) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if text not in allowed:
            raise ValueError(f"unrecognized {what} {go_quote(text)} (one of: {', '.join(allowed)})")
        return text

    return parse


_PARSERS: dict[str, Callable[[str], Any]] = {
    "str": str,
    "strings": str,
    "bool": lambda text: text == "true",
    "duration": parse_go_duration,
    "int": _kingpin_int,
    "bytes": _byte_size,
    "level": _choice("log level", LOG_LEVELS),
    "format": _choice("log format", LOG_FORMATS),
}


# --- the flags, in Alertmanager's order; gossamer's own sit beside their relatives ---


@dataclass(frozen=True, slots=True)
class _Flag:
    """One flag: its long name, value kind (a key of ``_PARSERS``) and kingpin default text.

    ``default`` None means kingpin has none (help shows a placeholder). ``note`` says how
    gossamer differs; help appends it. ``attr`` overrides the ``Flags`` field name.
    """

    name: str
    kind: str
    default: str | None
    help: str
    note: str = ""
    short: str = ""
    hidden: bool = False
    attr: str = ""

    @property
    def field(self) -> str:
        return self.attr or self.name.replace(".", "_").replace("-", "_")


_ONLY = "gossamer only"
_REFUSED = "gossamer: not supported yet, refuses to start when set"
# fmt: off
_FLAGS: tuple[_Flag, ...] = (
    _Flag("help", "bool", None, "Show context-sensitive help (also try --help-long and --help-man).", short="h"),
    _Flag("help-long", "bool", None, "Generate long help.", hidden=True),
    _Flag("help-man", "bool", None, "Generate a man page.", hidden=True),
    _Flag("config.file", "str", "alertmanager.yml", "Alertmanager configuration file name."),
    _Flag("storage.path", "str", "data/", "Base path for data storage."),
    _Flag("data.retention", "duration", "120h", "How long to keep data for."),
    _Flag("data.maintenance-interval", "duration", "15m", "Interval between garbage collection and snapshotting to disk of the silences and the notification logs."),
    _Flag("alerts.gc-interval", "duration", "30m", "Interval between alert GC."),
    _Flag("web.systemd-socket", "bool", None, "Use systemd socket activation listeners instead of port listeners (Linux only).", note=_REFUSED),
    _Flag("web.listen-address", "strings", ":9093", "Addresses on which to expose metrics and web interface. Repeatable for multiple addresses."),
    _Flag("web.config.file", "str", "", "[EXPERIMENTAL] Path to configuration file that can enable TLS or authentication.", note=_REFUSED),
    _Flag("web.external-url", "str", None, "The URL under which Alertmanager is externally reachable (for example, if Alertmanager is served via a reverse proxy). Used for generating relative and absolute links back to Alertmanager itself. If the URL has a path portion, it will be used to prefix all HTTP endpoints served by Alertmanager. If omitted, relevant URL components will be derived automatically."),
    _Flag("web.route-prefix", "str", None, "Prefix for the internal routes of web endpoints. Defaults to path of --web.external-url."),
    _Flag("web.get-concurrency", "int", "0", "Maximum number of GET requests processed concurrently. If negative or zero, the limit is GOMAXPROC or 8, whichever is larger."),
    _Flag("web.timeout", "duration", "0", "Timeout for HTTP requests. If negative or zero, no timeout is set."),
    _Flag("web.ui-path", "str", "", "Path to static UI directory. Empty serves the UI bundled with gossamer.", note="gossamer: from Debian's Alertmanager package"),
    _Flag("web.max-request-body-bytes", "bytes", "16MiB", "Largest HTTP request body accepted; larger requests are refused. A byte count or a size in KiB, MiB or GiB.", note=_ONLY, attr="web_max_body_bytes"),
    _Flag("cluster.listen-address", "str", "0.0.0.0:9094", "Listen address for cluster. Set to empty string to disable HA mode."),
    _Flag("cluster.advertise-address", "str", None, "Explicit address to advertise in cluster."),
    _Flag("cluster.peer", "strings", None, "Initial peers (may be repeated)."),
    _Flag("cluster.peer-timeout", "duration", "15s", "Time to wait between peers to send notifications."),
    _Flag("cluster.gossip-interval", "duration", "200ms", "Interval between sending gossip messages. By lowering this value (more frequent) gossip messages are propagated across the cluster more quickly at the expense of increased bandwidth.", note="gossamer: changes are published at once; this only sets the settle poll interval (x10)"),
    _Flag("cluster.pushpull-interval", "duration", "1m0s", "Interval for gossip state syncs. Setting this interval lower (more frequent) will increase convergence speeds across larger clusters at the expense of increased bandwidth usage."),
    _Flag("cluster.tcp-timeout", "duration", "10s", "Timeout for establishing a stream connection with a remote node for a full state sync, and for stream read and write operations."),
    _Flag("cluster.probe-timeout", "duration", "500ms", "Timeout to wait for an ack from a probed node before assuming it is unhealthy. This should be set to 99-percentile of RTT (round-trip time) on your network."),
    _Flag("cluster.probe-interval", "duration", "1s", "Interval between random node probes. Setting this lower (more frequent) will cause the cluster to detect failed nodes more quickly at the expense of increased bandwidth usage."),
    _Flag("cluster.settle-timeout", "duration", "1m0s", "Maximum time to wait for cluster connections to settle before evaluating notifications."),
    _Flag("cluster.reconnect-interval", "duration", "10s", "Interval between attempting to reconnect to lost peers."),
    _Flag("cluster.reconnect-timeout", "duration", "6h0m0s", "Length of time to attempt to reconnect to a lost peer."),
    _Flag("cluster.tls-config", "str", "", "[EXPERIMENTAL] Path to config yaml file that can enable mutual TLS within the gossip protocol.", note=_REFUSED),
    _Flag("cluster.allow-insecure-public-advertise-address-discovery", "bool", None, "[EXPERIMENTAL] Allow alertmanager to discover and listen on a public IP address."),
    _Flag("cluster.gossip-listen-address", "str", "", "Address of the socket that publishes gossip to peers. Empty picks an ephemeral port on the --cluster.listen-address host.", note=_ONLY),
    _Flag("cluster.gossip-advertise-address", "str", "", "Address of the gossip publishing socket to advertise to peers. Empty derives it from the address the socket is bound to.", note=_ONLY),
    _Flag("cluster.key-file", "str", "", "File with this node's CURVE key pair, to encrypt and authenticate gossip. Empty leaves gossip unencrypted.", note=f"{_ONLY}, not yet used"),
    _Flag("log.level", "level", "info", "Only log messages with the given severity or above. One of: [debug, info, warn, error]"),
    _Flag("log.format", "format", "logfmt", "Output format of log messages. One of: [logfmt, json]"),
    _Flag("version", "bool", None, "Show application version."),
)
# fmt: on
_LONG = {flag.name: flag for flag in _FLAGS}
_SHORT = {flag.short: flag for flag in _FLAGS if flag.short}
_INFO_FLAGS = ("version", "help", "help-long", "help-man")  # kingpin handles these before values


# --- kingpin's lexer and parser ---


@dataclass(frozen=True, slots=True)
class _Token:
    """A lexed argument: kind is "long", "short", "arg" or "error" (a bad ``@file``).

    ``after`` names the flag an "arg" was glued to with ``=`` (for a clearer error).
    """

    kind: str
    value: str
    after: str = ""

    def __str__(self) -> str:
        return {"long": "--", "short": "-"}.get(self.kind, "") + self.value


_MAX_ARG_FILES = 64  # kingpin recurses forever on a file that names itself


class _Lexer:
    """Kingpin's tokenizer over argv, with a push-back stack for ``--name=value``."""

    def __init__(self, argv: Iterable[str]) -> None:
        self._args = list(argv)
        self._pushed: list[_Token] = []
        self._args_only = False
        self._files_read = 0

    def peek(self) -> _Token | None:
        """The next token, left in place; None at the end."""
        if not self._pushed:
            token = self._lex()
            if token is None:
                return None
            self._pushed.append(token)
        return self._pushed[-1]

    def take(self) -> _Token | None:
        """The next token, consumed."""
        token = self.peek()
        if token is not None:
            self._pushed.pop()
        return token

    def _lex(self) -> _Token | None:
        while self._args:
            arg = self._args.pop(0)
            if self._args_only:
                return _Token("arg", arg)
            if arg == "--":
                self._args_only = True
            elif arg.startswith("--"):
                name, eq, value = arg[2:].partition("=")
                if eq:
                    self._pushed.append(_Token("arg", value, after="--" + name))
                return _Token("long", name)
            elif arg.startswith("-"):
                # gossamer's one short flag (-h) is boolean, so "-hx" means "-h -x".
                if len(arg) > 2:
                    self._args.insert(0, "-" + arg[2:])
                return _Token("short", arg[1:2])
            elif arg.startswith("@"):
                try:
                    self._args[0:0] = self._read_arg_file(arg[1:])
                except ValueError as err:
                    return _Token("error", str(err))
            else:
                return _Token("arg", arg)
        return None

    def _read_arg_file(self, path: str) -> list[str]:
        """Kingpin's ``ExpandArgsFromFile``: one argument per line, ``#`` lines skipped."""
        if not path:
            raise ValueError("expected @ file to expand arguments from")
        self._files_read += 1
        if self._files_read > _MAX_ARG_FILES:
            raise ValueError(f"more than {_MAX_ARG_FILES} @ files to expand arguments from")
        try:
            with open(path, encoding="utf-8", newline="") as file:
                text = file.read()
        except (OSError, UnicodeDecodeError) as err:
            reason = getattr(err, "strerror", None) or str(err)
            raise ValueError(f"failed to open arguments file {go_quote(path)}: {reason}") from None
        lines = text.split("\n")
        if lines[-1] == "":
            lines.pop()
        return [line.removesuffix("\r") for line in lines if not line.startswith("#")]


def _match_flag(lexer: _Lexer) -> tuple[_Flag, str]:
    """Consume one flag and its value, as kingpin's ``flagGroup.parse`` does."""
    token = lexer.take()
    assert token is not None
    invert = False
    if token.kind == "short":
        flag = _SHORT.get(token.value)
    else:
        flag = _LONG.get(token.value)
        if flag is None and token.value.startswith("no-"):
            flag, invert = _LONG.get(token.value[3:]), True
    if flag is None or (invert and flag.kind != "bool"):
        raise FlagError(f"unknown {token.kind} flag '{token}'")
    if flag.kind == "bool":
        return flag, "false" if invert else "true"
    value = lexer.peek()
    if value is None or value.kind != "arg":
        raise FlagError(f"expected argument for flag '{token}'")
    lexer.take()
    return flag, value.value


def _scan(argv: Iterable[str]) -> tuple[list[tuple[_Flag, str]], FlagError | None]:
    """Match argv to flags, stopping at the first unknown flag, missing value or argument.

    Returns what matched before the error as well, because ``--version`` still counts.
    """
    lexer = _Lexer(argv)
    matched: list[tuple[_Flag, str]] = []
    try:
        while (token := lexer.peek()) is not None:
            if token.kind == "error":
                raise FlagError(token.value)
            if token.kind == "arg":
                hint = f" (flag '{token.after}' takes no value)" if token.after else ""
                raise FlagError(f"unexpected {token.value}{hint}")
            matched.append(_match_flag(lexer))
    except FlagError as err:
        return matched, err
    return matched, None


def _convert(flag: _Flag, text: str) -> Any:
    try:
        return _PARSERS[flag.kind](text)
    except ValueError as err:
        raise FlagError(f"invalid value {go_quote(text)} for flag --{flag.name}: {err}") from None


def _build(matched: list[tuple[_Flag, str]]) -> Flags:
    """Set values in order, as kingpin's ``setValues``: the first bad value is the error."""
    values: dict[str, Any] = {}
    for flag, text in matched:
        if flag.kind == "strings":
            values.setdefault(flag.field, []).append(text)
        elif flag.field in values:
            raise FlagError(f"flag '{flag.name}' cannot be repeated")
        else:
            values[flag.field] = _convert(flag, text)
    return Flags(**values)


def parse_flags(argv: list[str]) -> Flags:
    """Parse command-line arguments (without the program name) into ``Flags``.

    Raises ``FlagError`` naming the flag or argument at fault. When ``--version`` or a
    help flag was given, returns default ``Flags`` with only that field set.
    """
    matched, error = _scan(argv)
    given = {flag.name for flag, _ in matched}
    for name in _INFO_FLAGS:
        if name in given and (error is None or name == "version"):
            return msgspec.structs.replace(Flags(), **{_LONG[name].field: True})
    if error is not None:
        raise error
    return _build(matched)


# --- help and version ---

_WIDTH = 80  # kingpin's width when stdout is not a terminal


def _left_column(flag: _Flag) -> str:
    """Kingpin's ``formatFlag``: ``-h, --help`` or ``    --name=DEFAULT ...``."""
    text = f"-{flag.short}, --{flag.name}" if flag.short else f"    --{flag.name}"
    if flag.kind != "bool":
        if flag.default is None:
            text += "=" + flag.name.upper()
        else:
            text += "=" + (go_quote(flag.default) if flag.kind == "str" else flag.default)
    return text + (" ..." if flag.kind == "strings" else "")


def _two_columns(rows: list[tuple[str, str]]) -> str:
    """Kingpin's ``formatTwoColumns`` (indent 2, padding 2); left cells of 30+ get own line."""
    left = max(len(cell) for cell, _ in rows if len(cell) < 30)
    offset = " " * (2 + left + 2)
    out = []
    for cell, text in rows:
        lines = textwrap.wrap(text, _WIDTH - left - 4, break_on_hyphens=False) or [""]
        out.append(f"  {cell:<{left}}  " + (f"\n{offset}" if len(cell) >= 30 else "") + lines[0])
        out.extend(offset + line for line in lines[1:])
    return "\n".join(out) + "\n"


def help_text(prog: str = "gossamer") -> str:
    """The ``--help`` text, laid out as kingpin lays out Alertmanager's."""
    rows = []
    for flag in _FLAGS:
        if not flag.hidden:
            note = f" [{flag.note}]" if flag.note else ""
            rows.append((_left_column(flag), flag.help + note))
    return f"usage: {prog} [<flags>]\n\nFlags:\n{_two_columns(rows)}\n"


_GOARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "i686": "386"}


def version_text() -> str:
    """The ``--version`` block: gossamer's version and the Alertmanager it stands in for."""
    machine = platform.machine().lower()
    return (
        f"gossamer, version {__version__} (alertmanager-compatible: {ALERTMANAGER_COMPAT_VERSION})\n"
        f"  python version:   {platform.python_version()}\n"
        f"  platform:         {sys.platform}/{_GOARCH.get(machine, machine)}\n"
    )


def info_text(flags: Flags, prog: str = "gossamer") -> str | None:
    """What to print to stdout (then exit 0) instead of running, or None to run."""
    if flags.version:
        return version_text()
    if flags.help or flags.help_long or flags.help_man:
        return help_text(prog)
    return None
