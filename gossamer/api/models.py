"""The API's JSON shapes (api.md §2), as msgspec structs with Alertmanager's field names."""

from __future__ import annotations

import msgspec


class PostableAlert(msgspec.Struct):
    """One element of the ``POST /api/v2/alerts`` body, as the typed fast path reads it.

    ``UNSET`` (absent) and ``None`` (``null``) are told apart so that the fast
    path can count which fields the body really holds.
    """

    labels: dict[str, str]
    annotations: dict[str, str] | None | msgspec.UnsetType = msgspec.UNSET
    startsAt: str | None | msgspec.UnsetType = msgspec.UNSET
    endsAt: str | None | msgspec.UnsetType = msgspec.UNSET
    generatorURL: str | None | msgspec.UnsetType = msgspec.UNSET


class Decoded(msgspec.Struct):
    """One posted alert as go-swagger hands it to the handler.

    ``labels`` None is a nil map (schema validation rejects it); times are
    ``(nanoseconds, UTC offset seconds)``, None for Go's zero time.
    """

    labels: dict[str, str] | None
    annotations: dict[str, str]
    starts: tuple[int, int] | None
    ends: tuple[int, int] | None
    generator_url: str


class ReceiverName(msgspec.Struct):
    name: str


class AlertStatus(msgspec.Struct):
    inhibitedBy: list[str]
    silencedBy: list[str]
    state: str


class GettableAlert(msgspec.Struct):
    """Field order as Alertmanager emits it."""

    annotations: dict[str, str]
    endsAt: str
    fingerprint: str
    receivers: list[ReceiverName]
    startsAt: str
    status: AlertStatus
    updatedAt: str
    generatorURL: str | msgspec.UnsetType
    labels: dict[str, str]


class PeerStatus(msgspec.Struct):
    address: str
    name: str


class ClusterStatus(msgspec.Struct):
    name: str | msgspec.UnsetType = msgspec.UNSET
    peers: list[PeerStatus] = []
    status: str = "disabled"


class ConfigOriginal(msgspec.Struct):
    original: str


class VersionInfo(msgspec.Struct):
    branch: str
    buildDate: str
    buildUser: str
    goVersion: str
    revision: str
    version: str


class AlertmanagerStatus(msgspec.Struct):
    cluster: ClusterStatus
    config: ConfigOriginal
    uptime: str
    versionInfo: VersionInfo


class FrameworkError(msgspec.Struct):
    """go-swagger's error body: ``{"code": 422, "message": "..."}``."""

    code: int
    message: str
