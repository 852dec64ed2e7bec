"""The API's JSON shapes (api.md §2), as msgspec structs with Alertmanager's field names."""

from __future__ import annotations

import msgspec


class PostableAlert(msgspec.Struct, omit_defaults=True):
    """One element of the ``POST /api/v2/alerts`` body (times kept as text until defaulting)."""

    labels: dict[str, str]
    annotations: dict[str, str] | None = None
    startsAt: str | None = None
    endsAt: str | None = None
    generatorURL: str | None = None


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


class AlertGroup(msgspec.Struct):
    alerts: list[GettableAlert]
    labels: dict[str, str]
    receiver: ReceiverName


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
