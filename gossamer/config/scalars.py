"""Scalar value types of ``alertmanager.yml`` (config.md §0), parsed and formatted as Go does.

* Prometheus durations (``model.Duration``): route timers, ``resolve_timeout``.
* Go durations (``time.Duration``): pushover ``retry``/``expire``.
* URLs (http/https with a host), ``host:port`` addresses, label names.

Parsers raise :class:`ConfigError` with Alertmanager's message.
"""

from __future__ import annotations

import re

from gossamer.errors import ConfigError
from gossamer.gostrconv import go_quote

SECRET = "<secret>"
_MS = {
    "y": 365 * 86_400_000,
    "w": 7 * 86_400_000,
    "d": 86_400_000,
    "h": 3_600_000,
    "m": 60_000,
    "s": 1000,
    "ms": 1,
}
_PROM_DURATION = re.compile(
    r"(?:([0-9]+)y)?(?:([0-9]+)w)?(?:([0-9]+)d)?(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?(?:([0-9]+)ms)?\Z"
)
_INT64_MAX = (1 << 63) - 1
_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*\Z")


def is_label_name(name: str) -> bool:
    """``model.LabelNameRE``: ``^[a-zA-Z_][a-zA-Z0-9_]*$``."""
    return _LABEL_NAME.match(name) is not None


# --- Prometheus durations ----------------------------------------------------


def parse_prom_duration(text: str) -> float:
    """``model.ParseDuration`` -> seconds (whole milliseconds)."""
    if text == "0":
        return 0.0
    if text == "":
        raise ConfigError("empty duration string")
    m = _PROM_DURATION.match(text)
    if m is None:
        raise ConfigError(f"not a valid duration string: {go_quote(text)}")
    total_ms = 0
    for digits, unit in zip(m.groups(), ("y", "w", "d", "h", "m", "s", "ms"), strict=True):
        if digits is None:
            continue
        n = int(digits)
        if n > _INT64_MAX // (_MS[unit] * 1_000_000):
            raise ConfigError("duration out of range")
        total_ms += n * _MS[unit]
        if total_ms * 1_000_000 > _INT64_MAX:
            raise ConfigError("duration out of range")
    return total_ms / 1000


def format_prom_duration(seconds: float) -> str:
    """``model.Duration.String()``: ``90s`` -> ``1m30s``; years/weeks only when exact."""
    ms = round(seconds * 1000)
    if ms == 0:
        return "0s"
    out = []
    for unit, mult in _MS.items():
        if unit in ("y", "w") and ms % mult:
            continue
        value = ms // mult
        if value > 0:
            out.append(f"{value}{unit}")
            ms -= value * mult
    return "".join(out)


# --- Go durations ------------------------------------------------------------

_GO_UNITS = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,
    "μs": 1_000,
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
}
_GO_PART = re.compile(r"([0-9]*)(\.[0-9]*)?([^0-9.]*)")


def parse_go_duration(text: str) -> int:
    """``time.ParseDuration`` -> nanoseconds."""
    quoted = f'"{text}"'
    s = text
    negative = s.startswith("-")
    if s[:1] in "+-" and s:
        s = s[1:]
    if s == "0":
        return 0
    if s == "":
        raise ConfigError(f"time: invalid duration {quoted}")
    total = 0
    while s:
        m = _GO_PART.match(s)
        assert m is not None
        whole, frac, unit = m.groups()
        if not whole and (not frac or frac == "."):
            raise ConfigError(f"time: invalid duration {quoted}")
        if not unit:
            raise ConfigError(f"time: missing unit in duration {quoted}")
        if unit not in _GO_UNITS:
            raise ConfigError(f'time: unknown unit "{unit}" in duration {quoted}')
        scale = _GO_UNITS[unit]
        value = int(whole or "0") * scale
        if frac and len(frac) > 1:
            value += int(frac[1:]) * scale // 10 ** (len(frac) - 1)
        total += value
        if total > _INT64_MAX + (1 if negative else 0):
            raise ConfigError(f"time: invalid duration {quoted}")
        s = s[m.end() :]
    return -total if negative else total


def _frac(value: int, precision: int) -> tuple[str, int]:
    digits = f"{value % 10**precision:0{precision}d}".rstrip("0")
    return ("." + digits if digits else ""), value // 10**precision


def format_go_duration(ns: int) -> str:
    """``time.Duration.String()``: ``1h0m0s``, ``1m30s``, ``1.5ms``."""
    if ns == 0:
        return "0s"
    sign = "-" if ns < 0 else ""
    u = abs(ns)
    if u < 1_000_000_000:
        if u < 1_000:
            return f"{sign}{u}ns"
        precision, unit = (3, "µs") if u < 1_000_000 else (6, "ms")
        frac, whole = _frac(u, precision)
        return f"{sign}{whole}{frac}{unit}"
    frac, seconds = _frac(u, 9)
    out = f"{seconds % 60}{frac}s"
    minutes = seconds // 60
    if minutes:
        out = f"{minutes % 60}m{out}"
        if minutes // 60:
            out = f"{minutes // 60}h{out}"
    return sign + out


# --- URLs and addresses ------------------------------------------------------

_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*):")
_HOST_OK = re.compile(r"[A-Za-z0-9\-_.~!$&'()*+,;=:\[\]<>\"%\x80-\U0010ffff]*\Z")


def _parse_error(text: str, why: str) -> ConfigError:
    return ConfigError(f'parse "{text}": {why}')


def parse_url(text: str, *, secret: bool = False) -> str:
    """Alertmanager's ``parseURL``: Go ``url.Parse``, scheme http(s), non-empty host.

    Returns the URL with its scheme lower-cased (as Go's ``URL.String()`` does).
    ``secret`` URLs accept the literal ``<secret>`` (amtool round-trips).
    """
    if secret and text == SECRET:
        return text
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in text):
        raise _parse_error(text, "net/url: invalid control character in URL")
    if text.startswith(":"):
        raise _parse_error(text, "missing protocol scheme")
    m = _SCHEME.match(text)
    scheme = m.group(1).lower() if m else ""
    if scheme not in ("http", "https"):
        raise ConfigError(f'unsupported scheme "{scheme}" for URL')
    assert m is not None
    rest = text[m.end() :]
    host = ""
    if rest.startswith("//"):
        authority = re.split(r"[/?#]", rest[2:], maxsplit=1)[0]
        host = authority.rpartition("@")[2]
        _check_host(text, host)
    if not host:
        raise ConfigError("missing host for URL")
    return scheme + text[len(scheme) :]


def _check_host(text: str, host: str) -> None:
    if not _HOST_OK.match(host):
        bad = next(c for c in host if not _HOST_OK.match(c))
        raise _parse_error(text, f'invalid character "{bad}" in host name')
    port = host.rpartition("]")[2] if host.startswith("[") else host
    if ":" in port:
        digits = port[port.index(":") + 1 :]
        if not digits.isdigit() and digits != "":
            raise _parse_error(text, f'invalid port ":{digits}" after host')


def with_trailing_slash(url: str) -> str:
    """Append ``/`` to the URL's path (OpsGenie, WeChat and VictorOps API URLs)."""
    base, sep, tail = url.partition("?")
    if not base.endswith("/"):
        base += "/"
    return base + sep + tail


def parse_host_port(text: str) -> str:
    """``HostPort.UnmarshalYAML``: ``net.SplitHostPort`` with a mandatory port.

    Returns ``host:port`` as Go re-renders it (IPv6 brackets are dropped, sic).
    """
    if text == "":
        return ""
    host, port = _split_host_port(text)
    if port == "":
        raise ConfigError(f'address "{text}": port cannot be empty')
    return f"{host}:{port}"


def _split_host_port(text: str) -> tuple[str, str]:
    def error(why: str) -> ConfigError:
        return ConfigError(f"address {text}: {why}")

    i = text.rfind(":")
    if i < 0:
        raise error("missing port in address")
    j = k = 0
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            raise error("missing ']' in address")
        if end + 1 == len(text):
            raise error("missing port in address")
        if end + 1 != i:
            raise error(
                "too many colons in address" if text[end + 1] == ":" else "missing port in address"
            )
        host = text[1:end]
        j, k = 1, end + 1
    else:
        host = text[:i]
        if ":" in host:
            raise error("too many colons in address")
    if "[" in text[j:]:
        raise error("unexpected '[' in address")
    if "]" in text[k:]:
        raise error("unexpected ']' in address")
    return host, text[i + 1 :]
