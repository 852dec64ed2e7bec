"""Differential tests: silence rules against the real Alertmanager 0.25 API.

One reference Alertmanager per module. Each scenario runs twice, once through
its ``/api/v2/silences`` endpoints and once through :class:`Silences` (with a
thin stand-in for the API handler and the wall clock), and the transcripts of
outcomes (status, same or new id, states, error texts, order) must be equal.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol

import pytest

from cluster.silences import (
    Silence,
    SilenceError,
    SilenceMatcher,
    SilenceNotFound,
    Silences,
    check_postable,
)
from gossamer.matchers import parse_matcher
from gossamer.timefmt import NS, format_api, parse_rfc3339, wall_ns
from tests.harness import REFERENCE, NodeProcess, PortAllocator, at, launch

pytestmark = pytest.mark.reference

CONFIG = "route:\n  receiver: r\nreceivers:\n  - name: r\n"
Body = dict[str, Any]


def matcher(name: str, value: str, regex: bool = False, equal: bool = True) -> dict[str, Any]:
    return {"name": name, "value": value, "isRegex": regex, "isEqual": equal}


def body(
    matchers: list[dict[str, Any]], start: float, end: float, sid: str = "", c: str = "c"
) -> Body:
    """A postable silence; ``start``/``end`` are seconds from now."""
    out: Body = {
        "matchers": matchers,
        "startsAt": at(start),
        "endsAt": at(end),
        "createdBy": "me",
        "comment": c,
    }
    if sid:
        out["id"] = sid
    return out


class Side(Protocol):
    def post(self, body: Body) -> tuple[int, str]: ...
    def delete(self, sid: str) -> tuple[int, str]: ...
    def get(self, sid: str) -> dict[str, Any]: ...
    def list(self, filters: list[str]) -> list[dict[str, Any]]: ...


class Reference:
    """The real Alertmanager behind its HTTP API."""

    def __init__(self, node: NodeProcess) -> None:
        self.node = node

    def post(self, body: Body) -> tuple[int, str]:
        reply = self.node.post("/api/v2/silences", json.dumps(body).encode())
        payload = reply.json()
        return reply.status, payload["silenceID"] if reply.status == 200 else payload

    def delete(self, sid: str) -> tuple[int, str]:
        reply = self.node.request("DELETE", f"/api/v2/silence/{sid}")
        return reply.status, reply.json() if reply.body else ""

    def get(self, sid: str) -> dict[str, Any]:
        return self._plain(self.node.get_json(f"/api/v2/silence/{sid}"))

    def list(self, filters: list[str]) -> list[dict[str, Any]]:
        found = self.node.get_json("/api/v2/silences", {"filter": filters})
        return [self._plain(x) for x in found]

    @staticmethod
    def _plain(x: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": x["id"],
            "state": x["status"]["state"],
            "startsAt": parse_rfc3339(x["startsAt"]),
            "endsAt": parse_rfc3339(x["endsAt"]),
            "comment": x["comment"],
            "matchers": [
                (m["name"], m["value"], m["isRegex"], m["isEqual"]) for m in x["matchers"]
            ],
        }


class Ours:
    """gossamer's silences behind a stand-in for the API handler, on the wall clock."""

    def __init__(self) -> None:
        self.silences = Silences(120 * 3600)

    def post(self, body: Body) -> tuple[int, str]:
        ms = tuple(
            SilenceMatcher.from_api(m["name"], m["value"], m["isRegex"], m.get("isEqual", True))
            for m in body["matchers"]
        )
        start, end = parse_rfc3339(body["startsAt"]), parse_rfc3339(body["endsAt"])
        sil = Silence(body.get("id", ""), ms, start, end, 0, body["createdBy"], body["comment"])
        try:
            check_postable(start, end, wall_ns())
            return 200, self.silences.set(sil, wall_ns())
        except SilenceNotFound as exc:
            return 404, str(exc)
        except SilenceError as exc:
            return 400, str(exc)

    def delete(self, sid: str) -> tuple[int, str]:
        try:
            self.silences.expire(sid, wall_ns())
        except SilenceNotFound as exc:
            return 500, str(exc)
        return 200, ""

    def get(self, sid: str) -> dict[str, Any]:
        sil = self.silences.get(sid)
        assert sil is not None
        return self._plain(sil)

    def list(self, filters: list[str]) -> list[dict[str, Any]]:
        parsed = [parse_matcher(f) for f in filters]
        return [self._plain(x) for x in self.silences.list(wall_ns(), parsed)]

    def _plain(self, sil: Silence) -> dict[str, Any]:
        return {
            "id": sil.id,
            "state": self.silences.state(sil, wall_ns()),
            "startsAt": sil.starts_at,
            "endsAt": sil.ends_at,
            "comment": sil.comment,
            "matchers": [(m.name, m.pattern, m.is_regex, m.is_equal) for m in sil.matchers],
        }


@pytest.fixture(scope="module")
def reference(
    tmp_path_factory: pytest.TempPathFactory, port_allocator: PortAllocator
) -> Iterator[Reference]:
    workdir: Path = tmp_path_factory.mktemp("silences-reference")
    node = launch(REFERENCE, CONFIG, workdir, port_allocator)
    try:
        yield Reference(node)
    finally:
        node.stop()


def both(reference: Reference, scenario: Callable[[Side], list[Any]]) -> None:
    """Run ``scenario`` on the reference and on gossamer; their transcripts must be equal."""
    expected = scenario(reference)
    assert scenario(Ours()) == expected


def outcome(reply: tuple[int, str]) -> tuple[int, str]:
    """A POST outcome with the (random) id of an accepted silence masked."""
    return (200, "<id>") if reply[0] == 200 else reply


def case_label() -> dict[str, Any]:
    """A matcher unique to one scenario run, so runs never see each other's silences."""
    return matcher("case", uuid.uuid4().hex)


REFUSALS = [
    [matcher("a", "(", regex=True)],
    [matcher("a", "a)(b", regex=True)],
    [matcher("a", "\\", regex=True)],
    [matcher("a", "x{2,1}", regex=True)],
    [matcher("a", "a**", regex=True)],
    [matcher("a", "(?i", regex=True)],
    [matcher("a", "x"), matcher("b", "[z-a]", regex=True, equal=False)],
    [matcher("0a", "x")],
    [matcher("", "x")],
    [matcher("a-b", "x")],
    [matcher('a"b\n', "x")],
    [matcher("a", "")],
    [matcher("a", ".*", regex=True)],
    [matcher("a", "x|", regex=True), matcher("b", "")],
    [matcher("a", "", equal=False)],
    [matcher("a", ".*", regex=True, equal=False)],
    [matcher("a", "(?P<n>a)(?P<n>b)", regex=True)],
    [matcher("a", "é"), matcher("b", "\\pL+", regex=True)],
]


@pytest.mark.parametrize("matchers", REFUSALS, ids=[json.dumps(m) for m in REFUSALS])
def test_validation_outcomes_match_the_reference(
    reference: Reference, matchers: list[dict[str, Any]]
) -> None:
    """Bad names, bad regexes, empty-matching silences: same status and same text."""
    both(reference, lambda side: [outcome(side.post(body(matchers, -10, 100)))])


@pytest.mark.parametrize(("start", "end"), [(100, 50), (-100, -50), (-10, -10.5)])
def test_api_time_checks_match_the_reference(
    reference: Reference, start: float, end: float
) -> None:
    """Start not before end, end in the past: 'Failed to create silence' texts."""
    both(reference, lambda side: [outcome(side.post(body([matcher("a", "x")], start, end)))])


def test_update_outcomes_match_the_reference(reference: Reference) -> None:
    """In place or new id, and what happens to the old silence, for each update rule."""

    def scenario(side: Side) -> list[Any]:
        case = case_label()
        out: list[Any] = []

        def create(start: float, end: float, *extra: dict[str, Any]) -> str:
            status, sid = side.post(body([case, *extra], start, end))
            assert status == 200, sid
            return sid

        def update(
            sid: str, start: float | str, end: float, *ms: dict[str, Any], c: str = "c"
        ) -> None:
            b = body([case, *ms], 0, end, sid=sid, c=c)
            b["startsAt"] = start if isinstance(start, str) else at(start)
            status, new = side.post(b)
            old = side.get(sid)
            out.append((status, new == sid if status == 200 else new, old["state"], old["comment"]))

        active = create(-3600, 600)
        update(active, _second(side, active), 900, c="x")  # in place
        update(active, -3600, 900)  # the originally requested start: replaced
        changed = create(-10, 600)
        update(changed, _second(side, changed), 600, matcher("more", "y"))
        pending = create(3600, 7200)
        update(pending, 4000, 8000)
        got = side.get(pending)
        out.append((got["state"], round((got["endsAt"] - got["startsAt"]) / NS)))
        update(pending, -5, 8000)
        got = side.get(pending)
        out.append((got["state"], got["startsAt"] == got["endsAt"]))
        expired = create(-10, 600)
        out.append(side.delete(expired))
        before = side.get(expired)
        update(expired, -10, 600)
        out.append(side.get(expired) == before)
        out.append(side.delete(expired))
        out.append(side.delete(str(uuid.uuid4())))
        out.append(side.post(body([case], -10, 600, sid=str(uuid.uuid4()))))
        doomed = create(-10, 600, matcher("a", "2"))
        update(doomed, _second(side, doomed), 600, matcher("a", "(", regex=True))
        return out

    both(reference, scenario)


def _second(side: Side, sid: str) -> str:
    """The stored startsAt truncated to the second, as RFC 3339."""
    return format_api(side.get(sid)["startsAt"] // NS * NS)


def test_listing_order_matches_the_reference(reference: Reference) -> None:
    """Active by end, pending by start, expired by most recent end."""

    def scenario(side: Side) -> list[Any]:
        case = case_label()
        for name, start, end in [
            ("a300", -10, 300),
            ("a100", -10, 100),
            ("p200", 200, 900),
            ("p50", 50, 9000),
            ("e1", -10, 100),
            ("e2", -10, 100),
        ]:
            status, sid = side.post(body([case, matcher("n", name)], start, end))
            if name.startswith("e"):
                side.delete(sid)
        listed = side.list([f'case="{case["value"]}"'])
        return [(x["matchers"][1][1], x["state"]) for x in listed]

    both(reference, scenario)


def test_filters_match_the_reference(reference: Reference) -> None:
    """Filters compare whole matchers (name, type, value), each against any of a silence's."""

    def scenario(side: Side) -> list[Any]:
        case = case_label()
        side.post(
            body([case, matcher("d", "x.*", regex=True), matcher("d", "xy", equal=False)], -1, 60)
        )
        side.post(body([case, matcher("d", "x.*")], -1, 60))
        out = []
        for extra in [
            [],
            ['d=~"x.*"'],
            ['d!="xy"'],
            ['d="x.*"'],
            ['d=~"x"'],
            ['d=~"x.*"', 'd="x.*"'],
        ]:
            listed = side.list([f'case="{case["value"]}"', *extra])
            out.append(sorted(tuple(x["matchers"][1:]) for x in listed))
        return out

    both(reference, scenario)
