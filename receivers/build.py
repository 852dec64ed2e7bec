"""Build the notifiers of the receivers a config's routes use.

Integration order and per-kind indexes follow Alertmanager's
``BuildReceiverIntegrations``: ``webhook[0]``, ``webhook[1]``, ``email[0]`` …
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from receivers.base import Notifier
from receivers.http import HTTPClientPool

if TYPE_CHECKING:
    from gossamer.config import Config

#: Integration kinds gossamer can send; configs using others are refused at load.
SUPPORTED_INTEGRATIONS = {"webhook"}


def build_notifiers(
    config: Config, receiver_names: Iterable[str], base_dir: str, pool: HTTPClientPool
) -> dict[str, list[Notifier]]:
    """Notifiers by receiver name, for the named receivers only.

    ``pool`` belongs to the node, so nodes in one process never share connections.
    """
    from receivers.webhook import WebhookNotifier

    by_name = {r.name: r for r in config.receivers}
    out: dict[str, list[Notifier]] = {}
    for name in receiver_names:
        receiver = by_name[name]
        out[name] = [WebhookNotifier(c, i, base_dir=base_dir, pool=pool) for i, c in enumerate(receiver.webhook_configs)]
    return out
