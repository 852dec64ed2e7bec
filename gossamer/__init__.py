"""gossamer: a highly available, drop-in replacement for Prometheus Alertmanager."""

from __future__ import annotations

__version__ = "0.1.0"
#: The Alertmanager release whose behaviour gossamer reproduces.
ALERTMANAGER_COMPAT_VERSION = "0.25.0"

__all__ = ["ALERTMANAGER_COMPAT_VERSION", "__version__"]
