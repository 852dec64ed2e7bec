"""``--web.get-concurrency`` and ``--web.timeout``, as Alertmanager's limitHandler applies them."""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec

from actors.messages import GroupView
from gossamer.api.app import Api
from gossamer.api.limits import Limiter
from tests.api_rig import FakeNode


class SlowNode(FakeNode):
    """Listing groups waits until the test lets it go."""

    def __init__(self, **flags: Any) -> None:
        super().__init__()
        self.flags = msgspec.structs.replace(self.flags, **flags)
        self.release = asyncio.Event()

    async def list_groups(self) -> list[GroupView]:
        await self.release.wait()
        return []


async def request(api: Api, method: str, path: str) -> tuple[int, bytes]:
    """One request through the app inside the running loop."""
    scope = {"type": "http", "method": method, "path": path, "raw_path": path.encode(),
             "query_string": b"", "headers": []}  # fmt: skip
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await api(scope, receive, send)
    return sent[0]["status"], sent[1]["body"]


def test_one_get_beyond_the_limit_is_refused_at_once() -> None:
    """With --web.get-concurrency=2 a third concurrent GET is a 503; POSTs are not counted."""

    async def scenario() -> list[tuple[int, bytes]]:
        node = SlowNode(web_get_concurrency=2)
        api = Api(node)
        held = [
            asyncio.ensure_future(request(api, "GET", "/api/v2/alerts/groups")) for _ in range(2)
        ]
        await asyncio.sleep(0.01)
        refused = await request(api, "GET", "/api/v2/receivers")
        posted = await request(api, "POST", "/-/reload")
        node.release.set()
        return [refused, posted, *await asyncio.gather(*held)]

    refused, posted, *held = asyncio.run(scenario())
    assert refused == (503, b"Limit of concurrent GET requests reached (2), try again later.\n\n")
    assert posted[0] == 200 and [status for status, _ in held] == [200, 200]


def test_a_slow_request_times_out_with_the_flag_in_go_duration_form() -> None:
    """--web.timeout answers 503 with the duration as Go prints it; the handler still finishes."""

    async def scenario() -> tuple[tuple[int, bytes], Api]:
        node = SlowNode(web_timeout=0.05)
        api = Api(node)
        answer = await request(api, "GET", "/api/v2/alerts/groups")
        node.release.set()
        await asyncio.sleep(0.01)
        return answer, api

    answer, api = asyncio.run(scenario())
    assert answer == (503, b"Exceeded configured timeout of 50ms.\n")
    assert api.limiter.in_flight == 0


def test_the_default_limit_is_the_cpu_count_or_eight() -> None:
    assert Limiter(0, 0).max_gets >= 8 and Limiter(3, 0).max_gets == 3
