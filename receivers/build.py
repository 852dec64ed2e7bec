"""Build the notifiers of the receivers a config's routes use.

Each integration kind lives in its own module with one notifier class; the
registry below names them. A kind whose module is not there yet is not
supported, and configs using it are refused at load (never silently dropped).
Integration order and per-kind indexes follow Alertmanager's
``BuildReceiverIntegrations``: ``webhook[0]``, ``webhook[1]``, ``email[0]`` …
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import msgspec
from loguru import logger

from receivers.base import Notifier
from receivers.http import HTTPClientPool

if TYPE_CHECKING:
    from gossamer.config import Config

#: kind → (module, class). Alertmanager's build order.
REGISTRY: dict[str, tuple[str, str]] = {
    "webhook": ("receivers.webhook", "WebhookNotifier"),
    "email": ("receivers.email", "EmailNotifier"),
    "pagerduty": ("receivers.pagerduty", "PagerDutyNotifier"),
    "opsgenie": ("receivers.opsgenie", "OpsGenieNotifier"),
    "wechat": ("receivers.wechat", "WechatNotifier"),
    "slack": ("receivers.slack", "SlackNotifier"),
    "victorops": ("receivers.victorops", "VictorOpsNotifier"),
    "pushover": ("receivers.pushover", "PushoverNotifier"),
    "sns": ("receivers.sns", "SNSNotifier"),
    "telegram": ("receivers.telegram", "TelegramNotifier"),
    "discord": ("receivers.discord", "DiscordNotifier"),
    "webex": ("receivers.webex", "WebexNotifier"),
    "msteams": ("receivers.msteams", "MSTeamsNotifier"),
}


def _available(kind: str) -> bool:
    """A kind is supported when its module and class exist; every kind but the
    webhook renders Go templates, so it also needs the template engine."""
    if kind != "webhook" and importlib.util.find_spec("receivers.templating") is None:
        return False
    module, cls = REGISTRY[kind]
    if importlib.util.find_spec(module) is None:
        return False
    try:
        loaded = importlib.import_module(module)
    except ImportError as exc:  # a module that cannot load is not supported; say why
        logger.warning("integration {} unavailable: {}", kind, exc)
        return False
    # Libraries a module imports only when its first notifier is built (botocore for SNS).
    missing = [name for name in getattr(loaded, "LAZY_REQUIREMENTS", ()) if not _installed(name)]
    if missing:
        logger.warning("integration {} unavailable: {} not installed", kind, ", ".join(missing))
        return False
    return hasattr(loaded, cls)


def _installed(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


#: Integration kinds gossamer can send; configs using others are refused at load.
SUPPORTED_INTEGRATIONS = {kind for kind in REGISTRY if _available(kind)}


def build_notifiers(
    config: Config,
    receiver_names: Iterable[str],
    base_dir: str,
    pool: HTTPClientPool,
    templates: Any = None,
) -> dict[str, list[Notifier]]:
    """Notifiers by receiver name, for the named receivers only.

    ``pool`` (shared connections) and ``templates`` belong to the node, so nodes
    in one process never share them. Every notifier class takes
    ``(config, index, *, base_dir, pool, templates)``.
    """
    by_name = {r.name: r for r in config.receivers}
    out: dict[str, list[Notifier]] = {}
    for name in receiver_names:
        receiver = by_name[name]
        notifiers: list[Notifier] = []
        for kind, (module, cls) in REGISTRY.items():
            configs = getattr(receiver, f"{kind}_configs", None) or []
            if not configs:
                continue
            factory = getattr(importlib.import_module(module), cls)
            notifiers += [
                factory(c, i, base_dir=base_dir, pool=pool, templates=templates)
                for i, c in enumerate(configs)
            ]
        out[name] = notifiers
    return out


def template_sources(config: Config) -> tuple[list[str], list[str]]:
    """Every templated field of the config's receivers: ``(text, html)`` sources.

    HTML ones are email ``html``, pushover ``message`` with ``html: true`` and telegram
    ``message`` with ``parse_mode: HTML``; every other string holding ``{{`` is text.
    Used to compile them at load (``Templates.prepare``)."""
    text: dict[str, None] = {}
    html: dict[str, None] = {}
    for receiver in config.receivers:
        for kind in REGISTRY:
            for integration in getattr(receiver, f"{kind}_configs", None) or []:
                as_html = _html_field(kind, integration)
                for name, source in _strings(integration):
                    target = html if name == as_html else text
                    target.setdefault(source)
    return list(text), list(html)


def _html_field(kind: str, integration: Any) -> str | None:
    if kind == "email":
        return "html"
    if kind == "pushover" and getattr(integration, "html", False):
        return "message"
    if kind == "telegram" and getattr(integration, "parse_mode", "") == "HTML":
        return "message"
    return None


def _strings(value: Any, name: str = "") -> Iterator[tuple[str, str]]:
    """(field name, text) of every templated string in a config struct, recursively."""
    if isinstance(value, str):
        if "{{" in value:
            yield name, value
    elif isinstance(value, msgspec.Struct):
        for field in value.__struct_fields__:
            yield from _strings(getattr(value, field), field)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item, name)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, str(key))
