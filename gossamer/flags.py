"""Alertmanager 0.25's command-line flags: every flag, its kind, default and help.

``Flags`` holds the parsed values (upstream defaults, durations in seconds);
``FLAGS`` is the table ``gossamer.flag_parser`` parses argv and lays out
``--help`` from, in Alertmanager's order, with gossamer's own flags beside their
relatives and a note wherever gossamer differs.

Immutable; read on the main thread at start-up and then by whatever holds the
``Flags``.
"""

from __future__ import annotations

from dataclasses import dataclass

import msgspec

from gossamer.flag_values import MiB

__all__ = ["FLAGS", "Flag", "Flags"]

_HOUR = 3600.0


class Flags(msgspec.Struct, frozen=True, kw_only=True):
    """Every command-line flag, with Alertmanager's upstream defaults. Durations are seconds.

    ``help``, ``help_long``, ``help_man`` and ``version`` are set when those flags were
    given; the other fields then hold their defaults (see ``flag_parser.info_text``).
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


# --- the flags, in Alertmanager's order; gossamer's own sit beside their relatives ---


@dataclass(frozen=True, slots=True)
class Flag:
    """One flag: its long name, value kind (a key of ``flag_values.PARSERS``) and kingpin
    default text.

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
FLAGS: tuple[Flag, ...] = (
    Flag("help", "bool", None, "Show context-sensitive help (also try --help-long and --help-man).", short="h"),
    Flag("help-long", "bool", None, "Generate long help.", hidden=True),
    Flag("help-man", "bool", None, "Generate a man page.", hidden=True),
    Flag("config.file", "str", "alertmanager.yml", "Alertmanager configuration file name."),
    Flag("storage.path", "str", "data/", "Base path for data storage."),
    Flag("data.retention", "duration", "120h", "How long to keep data for."),
    Flag("data.maintenance-interval", "duration", "15m", "Interval between garbage collection and snapshotting to disk of the silences and the notification logs."),
    Flag("alerts.gc-interval", "duration", "30m", "Interval between alert GC."),
    Flag("web.systemd-socket", "bool", None, "Use systemd socket activation listeners instead of port listeners (Linux only).", note=_REFUSED),
    Flag("web.listen-address", "strings", ":9093", "Addresses on which to expose metrics and web interface. Repeatable for multiple addresses."),
    Flag("web.config.file", "str", "", "[EXPERIMENTAL] Path to configuration file that can enable TLS or authentication.", note=_REFUSED),
    Flag("web.external-url", "str", None, "The URL under which Alertmanager is externally reachable (for example, if Alertmanager is served via a reverse proxy). Used for generating relative and absolute links back to Alertmanager itself. If the URL has a path portion, it will be used to prefix all HTTP endpoints served by Alertmanager. If omitted, relevant URL components will be derived automatically."),
    Flag("web.route-prefix", "str", None, "Prefix for the internal routes of web endpoints. Defaults to path of --web.external-url."),
    Flag("web.get-concurrency", "int", "0", "Maximum number of GET requests processed concurrently. If negative or zero, the limit is GOMAXPROC or 8, whichever is larger."),
    Flag("web.timeout", "duration", "0", "Timeout for HTTP requests. If negative or zero, no timeout is set."),
    Flag("web.ui-path", "str", "", "Path to static UI directory. Empty serves the UI bundled with gossamer.", note="gossamer: from Debian's Alertmanager package"),
    Flag("web.max-request-body-bytes", "bytes", "16MiB", "Largest HTTP request body accepted; larger requests are refused. A byte count or a size in KiB, MiB or GiB.", note=_ONLY, attr="web_max_body_bytes"),
    Flag("cluster.listen-address", "str", "0.0.0.0:9094", "Listen address for cluster. Set to empty string to disable HA mode."),
    Flag("cluster.advertise-address", "str", None, "Explicit address to advertise in cluster."),
    Flag("cluster.peer", "strings", None, "Initial peers (may be repeated)."),
    Flag("cluster.peer-timeout", "duration", "15s", "Time to wait between peers to send notifications."),
    Flag("cluster.gossip-interval", "duration", "200ms", "Interval between sending gossip messages. By lowering this value (more frequent) gossip messages are propagated across the cluster more quickly at the expense of increased bandwidth.", note="gossamer: changes are published at once; this only sets the settle poll interval (x10)"),
    Flag("cluster.pushpull-interval", "duration", "1m0s", "Interval for gossip state syncs. Setting this interval lower (more frequent) will increase convergence speeds across larger clusters at the expense of increased bandwidth usage."),
    Flag("cluster.tcp-timeout", "duration", "10s", "Timeout for establishing a stream connection with a remote node for a full state sync, and for stream read and write operations."),
    Flag("cluster.probe-timeout", "duration", "500ms", "Timeout to wait for an ack from a probed node before assuming it is unhealthy. This should be set to 99-percentile of RTT (round-trip time) on your network."),
    Flag("cluster.probe-interval", "duration", "1s", "Interval between random node probes. Setting this lower (more frequent) will cause the cluster to detect failed nodes more quickly at the expense of increased bandwidth usage."),
    Flag("cluster.settle-timeout", "duration", "1m0s", "Maximum time to wait for cluster connections to settle before evaluating notifications."),
    Flag("cluster.reconnect-interval", "duration", "10s", "Interval between attempting to reconnect to lost peers."),
    Flag("cluster.reconnect-timeout", "duration", "6h0m0s", "Length of time to attempt to reconnect to a lost peer."),
    Flag("cluster.tls-config", "str", "", "[EXPERIMENTAL] Path to config yaml file that can enable mutual TLS within the gossip protocol.", note=_REFUSED),
    Flag("cluster.allow-insecure-public-advertise-address-discovery", "bool", None, "[EXPERIMENTAL] Allow alertmanager to discover and listen on a public IP address."),
    Flag("cluster.gossip-listen-address", "str", "", "Address of the socket that publishes gossip to peers. Empty picks an ephemeral port on the --cluster.listen-address host.", note=_ONLY),
    Flag("cluster.gossip-advertise-address", "str", "", "Address of the gossip publishing socket to advertise to peers. Empty derives it from the address the socket is bound to.", note=_ONLY),
    Flag("cluster.key-file", "str", "", "File with this node's CURVE key pair, to encrypt and authenticate gossip. Empty leaves gossip unencrypted.", note=f"{_ONLY}, not yet used"),
    Flag("log.level", "level", "info", "Only log messages with the given severity or above. One of: [debug, info, warn, error]"),
    Flag("log.format", "format", "logfmt", "Output format of log messages. One of: [logfmt, json]"),
    Flag("version", "bool", None, "Show application version."),
)
# fmt: on
