"""``/api/v2/silences`` and ``/api/v2/silence/{silenceID}`` (api.md §2.6).

Runs on the HTTP event loop. Changes go to the silencer actor and the handler
awaits its reply, which comes only after the change is journalled on disk, so
a 200 means the silence survives a crash. go-openapi's routing and Content-Type
checks have run before these handlers (:mod:`openapi`); the path parameter
arrives decoded in ``request.params``.
"""

from __future__ import annotations

import re
from typing import Protocol

import msgspec

from cluster.silence_index import SilencesView
from cluster.silences import Silence, SilenceMatcher, SilenceNotFound, check_postable
from gossamer.api import http
from gossamer.api.errors import FrameworkReject
from gossamer.api.gojson import marshal
from gossamer.api.gotime import format_millis
from gossamer.api.http import Request, Response
from gossamer.api.silencebody import PostedSilence, decode_silence
from gossamer.errors import GossamerError, MatcherError
from gossamer.gostrconv import go_quote
from gossamer.matchers import parse_matcher

__all__ = ["SilenceApi", "SilenceBackend", "gettable"]

#: strfmt's ``uuid`` format (v0.21): hex groups, dashes optional, any letter case.
_UUID = re.compile(
    r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\Z", re.IGNORECASE
)


class SilenceBackend(Protocol):
    """What these handlers need of the node."""

    def now_ns(self) -> int: ...
    async def set_silence(self, silence: Silence) -> str | GossamerError: ...
    async def expire_silence(self, silence_id: str) -> GossamerError | None: ...
    async def silences_view(self) -> SilencesView: ...


class MatcherOut(msgspec.Struct):
    isEqual: bool
    isRegex: bool
    name: str
    value: str


class StatusOut(msgspec.Struct):
    state: str


class GettableSilence(msgspec.Struct):
    """Field order as Alertmanager emits it (its generated ``MarshalJSON``)."""

    id: str
    status: StatusOut
    updatedAt: str
    comment: str
    createdBy: str
    endsAt: str
    matchers: list[MatcherOut]
    startsAt: str


class PostSilenceOK(msgspec.Struct):
    silenceID: str


def gettable(sil: Silence, state: str) -> GettableSilence:
    return GettableSilence(
        id=sil.id,
        status=StatusOut(state),
        updatedAt=format_millis(sil.updated_at),
        comment=sil.comment,
        createdBy=sil.created_by,
        endsAt=format_millis(sil.ends_at),
        matchers=[MatcherOut(m.is_equal, m.is_regex, m.name, m.pattern) for m in sil.matchers],
        startsAt=format_millis(sil.starts_at),
    )


def _to_silence(posted: PostedSilence) -> Silence | None:
    """``PostableSilenceToProto``; None when a matcher is null (Alertmanager panics)."""
    matchers = []
    for m in posted.matchers or []:
        if m is None:
            return None
        assert m.name is not None and m.value is not None and m.isRegex is not None
        is_equal = True if m.isEqual is None else m.isEqual
        matchers.append(SilenceMatcher.from_api(m.name, m.value, m.isRegex, is_equal))
    assert posted.startsAt is not None and posted.endsAt is not None
    return Silence(
        posted.id, tuple(matchers), posted.startsAt[0], posted.endsAt[0],
        created_by=posted.createdBy or "", comment=posted.comment or "",
    )  # fmt: skip


class SilenceApi:
    """The silence endpoints, bound to a node."""

    def __init__(self, node: SilenceBackend) -> None:
        self.node = node

    def __repr__(self) -> str:
        return f"<SilenceApi node={self.node!r}>"

    async def post(self, request: Request) -> Response:
        body = await request.body(1 << 20)
        if body is None:
            return http.error_string(413, "request body is larger than 1 MiB")
        if not body:
            return http.framework_error(422, 602, "silence in body is required")
        try:
            sil = _to_silence(decode_silence(body))
        except FrameworkReject as exc:
            return http.framework_error(exc.status, exc.code, exc.message)
        if (
            sil is None
        ):  # Alertmanager dereferences the nil matcher; its server drops the connection
            return http.http_error(500, "Internal Server Error")
        try:
            check_postable(sil.starts_at, sil.ends_at, self.node.now_ns())
        except GossamerError as exc:
            return http.error_string(400, str(exc))
        result = await self.node.set_silence(sil)
        if isinstance(result, SilenceNotFound):
            return http.error_string(404, str(result))
        if isinstance(result, GossamerError):
            return http.error_string(400, str(result))
        return http.produce(200, PostSilenceOK(result))

    async def list(self, request: Request) -> Response:
        try:
            filters = [parse_matcher(f) for f in request.query.get("filter", [])]
        except MatcherError as exc:
            return http.error_string(400, str(exc))
        view = await self.node.silences_view()
        now = self.node.now_ns()
        parts = [marshal(gettable(s, view.state(s, now))) for s in view.list(now, filters)]
        return http.json_response(200, b"[" + b",".join(parts) + b"]\n")

    def _silence_id(self, request: Request) -> str | Response:
        sid = request.params.get("silenceID", "")
        if not _UUID.match(sid):
            message = f"silenceID in path must be of type uuid: {go_quote(sid)}"
            return http.framework_error(422, 601, message)
        return sid

    async def get_one(self, request: Request) -> Response:
        sid = self._silence_id(request)
        if isinstance(sid, Response):
            return sid
        view = await self.node.silences_view()
        sil = view.get(sid)
        if sil is None:
            return Response(404)
        body = marshal(gettable(sil, view.state(sil, self.node.now_ns()))) + b"\n"
        return http.json_response(200, body)

    async def delete(self, request: Request) -> Response:
        sid = self._silence_id(request)
        if isinstance(sid, Response):
            return sid
        error = await self.node.expire_silence(sid)
        if error is not None:
            return http.error_string(500, str(error))
        return Response(200)
