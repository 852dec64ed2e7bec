"""The configuration loader: ``alertmanager.yml`` as Alertmanager 0.25 reads it.

:func:`load_config_file` / :func:`parse_config` return an immutable
:class:`Config` or raise :class:`gossamer.errors.ConfigError` naming the
offending field or value (Alertmanager's own message wherever practical).
The real ``amtool check-config`` of 0.25 is the oracle: every file it accepts
is accepted, every file it rejects is rejected, except for the differences
listed below. :meth:`Config.to_yaml` re-serialises the config the way
Alertmanager does for ``GET /api/v2/status`` (``config.original``).

Deliberate differences from Alertmanager 0.25 (stricter, where 0.25 is wrong):

* ``months`` in time intervals must be 1..12 or month names; 0.25 accepts any
  integer (``13``, ``0``, ``-1``) and then silently never matches it.
* ``sns_configs``: exactly one of ``target_arn``, ``topic_arn``,
  ``phone_number``; 0.25's XOR chain also accepts all three at once.
* A null entry in ``receivers``, ``routes``, ``inhibit_rules`` or any
  ``<kind>_configs`` list (e.g. a bare ``-``) is an error; 0.25 dereferences
  it and panics (amtool for the first three, the daemon for inhibit rules).
  The same holds for null ``fields``/``actions`` entries of ``slack_configs``
  (the 0.25 Slack notifier panics on them when it sends).
* Regular expressions run on RE2 (linear time) with Go's syntax; constructs
  Go 1.19 rejects but RE2 accepts (``\\C``, ``(?<name>...)``, nesting deeper
  than 1000) are rejected like Go does. Go's program-size limit is
  approximated by RE2's memory budget.

Known gaps (gossamer accepts, amtool rejects), for want of a Go template parser:

* ``opsgenie_configs`` responder ``type`` templates are only checked for
  balanced ``{{ }}``; 0.25 parses them with Go's text/template.
* ``templates`` globs are checked for syntax only; amtool also parses the
  template files, gossamer's template engine does that when the node loads.

Later-version fields that gossamer accepts (0.25 rejects them as unknown):

* ``webhook_configs[].url_file`` (Alertmanager 0.26): read the URL from a
  file; at most one of ``url`` and ``url_file``. Rendered only when set.
* ``msteams_configs`` (Alertmanager 0.26): ``webhook_url`` /
  ``webhook_url_file``, ``title``, ``summary``, ``text``, ``http_config``,
  ``send_resolved`` (default true). :func:`unsupported_receivers` lets the
  node refuse kinds it cannot deliver yet.

Like amtool, ``*_file`` paths are not checked for existence at load (files
are read when used). YAML syntax errors carry ``yaml: line N:`` with PyYAML's
wording of the problem. ``to_yaml`` differs from 0.25 only where Go's own
output is not deterministic (map keys mixing digits and letters, which
yaml.v2 compares inconsistently) and for an explicit ``proxy_url: ""``
(0.25 prints it, gossamer omits it like an absent one). Relative paths of a
config in a relative directory are joined once (0.25 joins the shared global
``http_config`` once per receiver using it).
"""

from __future__ import annotations

from gossamer.config.loader import load_config_file, parse_config
from gossamer.config.model import HTTPClientConfig, WebhookConfig
from gossamer.config.structure import (
    Config,
    GlobalConfig,
    InhibitRule,
    ReceiverConfig,
    RouteConfig,
)
from gossamer.timeinterval import TimeInterval

__all__ = [
    "Config",
    "GlobalConfig",
    "HTTPClientConfig",
    "InhibitRule",
    "ReceiverConfig",
    "RouteConfig",
    "TimeInterval",
    "WebhookConfig",
    "load_config_file",
    "parse_config",
    "unsupported_receivers",
]


def unsupported_receivers(config: Config, supported: set[str]) -> list[str]:
    """One message per receiver and integration kind (``email``, ``slack`` ...) not in ``supported``.

    Kept apart from loading so the node can refuse such configs now and relax
    this later without touching the loader.
    """
    messages = []
    for receiver in config.receivers:
        for kind in receiver.integration_kinds():
            if kind not in supported:
                messages.append(
                    f'receiver "{receiver.name}" uses {kind}_configs, '
                    "which gossamer does not support yet"
                )
    return messages
