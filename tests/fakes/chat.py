"""Slack, Discord, Webex and Telegram as they answer, as ``Recorder`` routes.

Each fake checks what the real endpoint checks before accepting (a JSON
body, the required fields, the token) and answers with the status and body
the service documents, so a test sees a request accepted only when the real
service would accept it. ``script`` queues replies that take precedence
(outages, rate limits). Handlers run on the recorder's loop thread.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field
from typing import Any

from tests.test_http_client_support import Recorded, Reply

JSON = {"Content-Type": "application/json"}
TEXT = {"Content-Type": "text/plain; charset=utf-8"}


def _json(status: int, body: Any) -> Reply:
    return Reply(status, json.dumps(body).encode(), JSON)


@dataclass
class Fake:
    """Scripted replies first, then the service's own judgement."""

    script: list[Reply] = field(default_factory=list)
    accepted: list[Any] = field(default_factory=list)

    def __call__(self, req: Recorded) -> Reply:
        if self.script:
            return self.script.pop(0)
        return self.answer(req)

    def answer(self, req: Recorded) -> Reply:
        raise NotImplementedError

    @staticmethod
    def body(req: Recorded) -> Any:
        try:
            return json.loads(req.body)
        except ValueError:
            return None


class SlackWebhook(Fake):
    """An incoming webhook: ``200 ok`` (text), ``400 invalid_payload``, ``400 no_text``."""

    def answer(self, req: Recorded) -> Reply:
        doc = self.body(req)
        if req.method != "POST" or not isinstance(doc, dict):
            return Reply(400, b"invalid_payload", TEXT)
        if not doc.get("text") and not doc.get("attachments") and not doc.get("blocks"):
            return Reply(400, b"no_text", TEXT)
        self.accepted.append(doc)
        return Reply(200, b"ok", TEXT)


class DiscordWebhook(Fake):
    """Execute Webhook without ``wait``: ``204``; an empty message is ``400`` 50006."""

    def answer(self, req: Recorded) -> Reply:
        doc = self.body(req)
        if not isinstance(doc, dict):
            return _json(400, {"code": 50109, "message": "The request body contains invalid JSON."})
        if not doc.get("content") and not doc.get("embeds"):
            return _json(400, {"code": 50006, "message": "Cannot send an empty message"})
        self.accepted.append(doc)
        return Reply(204, b"")


@dataclass
class WebexMessages(Fake):
    """``POST /v1/messages``: a Bearer token, a room and a text are required."""

    token: str = "webex-token"

    def answer(self, req: Recorded) -> Reply:
        if req.header("Authorization") != f"Bearer {self.token}":
            return _json(
                401,
                {
                    "message": "The request requires a valid access token set in the"
                    " Authorization request header.",
                    "trackingId": "t-1",
                },
            )
        doc = self.body(req)
        if not isinstance(doc, dict) or not (doc.get("roomId") or doc.get("toPersonEmail")):
            return _json(
                400,
                {
                    "message": "Either roomId, toPersonId or toPersonEmail must be specified.",
                    "trackingId": "t-2",
                },
            )
        if not (doc.get("text") or doc.get("markdown")):
            return _json(
                400, {"message": "Message text or file must be specified.", "trackingId": "t-3"}
            )
        self.accepted.append(doc)
        return _json(
            200,
            {
                "id": f"m{len(self.accepted)}",
                "roomId": doc["roomId"],
                "markdown": doc.get("markdown", ""),
                "created": "2024-01-01T00:00:00Z",
            },
        )


@dataclass
class TelegramBot(Fake):
    """The Bot API's ``sendMessage``: answers are JSON whatever the status."""

    token: str = "123:ABC"
    chats: tuple[int, ...] = (-1001,)
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    def answer(self, req: Recorded) -> Reply:
        match = re.fullmatch(r".*/bot([^/]*)/(\w+)", req.path)
        if match is None or match.group(1) != self.token:
            return _json(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        if match.group(2) != "sendMessage":
            return _json(
                404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
            )
        doc = self.body(req)
        if not isinstance(doc, dict):
            return _json(
                400,
                {
                    "ok": False,
                    "error_code": 400,
                    "description": "Bad Request: message text is empty",
                },
            )
        try:
            chat = int(doc.get("chat_id", ""))
        except ValueError:
            chat = 0
        if chat not in self.chats:
            return _json(
                400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}
            )
        if not doc.get("text"):
            return _json(
                400,
                {
                    "ok": False,
                    "error_code": 400,
                    "description": "Bad Request: message text is empty",
                },
            )
        self.accepted.append(doc)
        message = {
            "message_id": next(self._ids),
            "date": 1700000000,
            "text": doc["text"],
            "chat": {"id": chat, "type": "supergroup", "title": "alerts"},
        }
        return _json(200, {"ok": True, "result": message})
