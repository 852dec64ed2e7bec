"""Run the reference and a candidate node side by side with the same config.

Each side has its own webhook sink; the config template names the sink as
`WEBHOOK_URL` and each side gets it replaced by its own sink's URL, so
everything else in the two configs is identical.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from .node import REFERENCE, NodeProcess, launch
from .normalise import assert_same, normalise_webhook
from .ports import PortAllocator
from .sink import Notification, WebhookSink

#: Placeholder for the side's webhook sink base URL in config templates.
WEBHOOK_URL = "WEBHOOK_URL"

T = TypeVar("T")


@dataclass
class Side:
    """One node of a pair with its own sink and the times alerts were posted to it."""

    label: str
    node: NodeProcess
    sink: WebhookSink
    posted_at: list[float] = field(default_factory=list)

    def post_alerts(self, alerts: list[dict[str, Any]]) -> tuple[int, str]:
        """POST alerts to this side's node, remembering when (monotonic)."""
        self.posted_at.append(time.monotonic())
        return self.node.post_alerts(alerts)

    def notifications(
        self, count: int, path: str | None = None, timeout: float = 15.0
    ) -> list[Notification]:
        """Wait for `count` notifications (to `path`, if given) and return the first `count`."""
        return self.sink.wait_for_matching(
            lambda note: path is None or note.path == path, count, timeout
        )[:count]

    def since_first_post(self, note: Notification) -> float:
        """Seconds between the first post to this side and a notification's arrival."""
        return note.arrived - self.posted_at[0]

    def describe(self, note: Notification) -> dict[str, Any]:
        """A notification's path and normalised payload (headers are compared on their own)."""
        return {
            "path": note.path,
            "body": normalise_webhook(note.json, self.node.default_external_url),
        }

    def described(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        """The first `count` notifications, described, in canonical order.

        Canonical order sorts by (receiver, groupKey, path) and keeps arrival
        order within one group: groups flushing at the same instant may reach
        the sink in any order, but one group's notifications may not.
        """
        notes = self.notifications(count, timeout=timeout)
        return sorted((self.describe(n) for n in notes), key=_group_order)

    def close(self) -> None:
        """Stop the node, then the sink."""
        self.node.stop()
        self.sink.close()

    def __repr__(self) -> str:
        return f"<Side {self.label} {self.node!r} {self.sink!r}>"


def _group_order(described: dict[str, Any]) -> tuple[str, str, str]:
    body = described["body"] or {}
    return (str(body.get("receiver")), str(body.get("groupKey")), described["path"])


class DiffPair:
    """The reference node and the candidate node, driven with the same inputs."""

    def __init__(self, reference: Side, candidate: Side) -> None:
        self.reference = reference
        self.candidate = candidate

    @property
    def sides(self) -> tuple[Side, Side]:
        """(reference, candidate)."""
        return (self.reference, self.candidate)

    @property
    def names(self) -> tuple[str, str]:
        """Labels of the two sides for diff output."""
        return (self.reference.label, self.candidate.label)

    def post_alerts(self, alerts: list[dict[str, Any]]) -> tuple[tuple[int, str], tuple[int, str]]:
        """POST the same alerts to both nodes, reference first; returns both answers."""
        return self.each(lambda side: side.post_alerts(alerts))

    def send(self, alerts: list[dict[str, Any]]) -> None:
        """POST the same alerts to both nodes and require both to accept them (200, empty)."""
        for side, answer in zip(self.sides, self.post_alerts(alerts), strict=True):
            assert answer == (200, ""), f"{side.label} refused alerts: {answer}"

    def assert_same_notifications(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Wait for `count` notifications on each side; fail with a diff unless they match.

        Returns the reference's described notifications (see Side.described).
        """
        return self.assert_same(lambda side: side.described(count, timeout), "notifications")

    def assert_same_timing(
        self,
        count: int,
        path: str | None = None,
        tolerance: float = 0.5,
        timeout: float = 15.0,
    ) -> list[float]:
        """Wait for `count` notifications (to `path`, if given) on each side; fail unless the
        n-th arrives within `tolerance` seconds of the same offset from the first post on both.

        Returns the reference's offsets, in seconds since its first post.
        """

        def offsets(side: Side) -> list[float]:
            return [side.since_first_post(n) for n in side.notifications(count, path, timeout)]

        expected, actual = self.each(offsets)
        for index, (ref, cand) in enumerate(zip(expected, actual, strict=True), start=1):
            assert abs(ref - cand) <= tolerance, (
                f"notification {index} to {path or 'any path'}: {self.reference.label} after "
                f"{ref:.2f}s, {self.candidate.label} after {cand:.2f}s (tolerance {tolerance}s); "
                f"offsets {[round(x, 2) for x in expected]} vs {[round(x, 2) for x in actual]}"
            )
        return expected

    def count_to(self, path: str) -> tuple[int, int]:
        """How many notifications each side's sink has received on `path` so far."""
        return self.each(lambda side: sum(n.path == path for n in side.sink.notifications))

    def each(self, fn: Callable[[Side], T]) -> tuple[T, T]:
        """Apply `fn` to the reference side, then to the candidate side."""
        return fn(self.reference), fn(self.candidate)

    def assert_same(self, fn: Callable[[Side], Any], what: str) -> Any:
        """Apply `fn` to both sides and fail with a diff unless the results are equal."""
        expected, actual = self.each(fn)
        assert_same(expected, actual, what, self.names)
        return expected

    def close(self) -> None:
        """Stop both nodes and sinks."""
        for side in self.sides:
            side.close()

    def __repr__(self) -> str:
        return f"<DiffPair {self.reference!r} vs {self.candidate!r}>"


def start_side(
    label: str,
    kind: str,
    config_template: str,
    workdir: Path,
    ports: PortAllocator,
    clustered: bool = False,
    extra_flags: Iterable[str] = (),
) -> Side:
    """Start a sink and a node whose config points WEBHOOK_URL at that sink."""
    sink = WebhookSink().start()
    try:
        config = config_template.replace(WEBHOOK_URL, sink.url)
        node = launch(kind, config, workdir, ports, clustered, extra_flags)
    except BaseException:
        sink.close()
        raise
    return Side(label, node, sink)


def start_pair(
    config_template: str,
    workdir: Path,
    ports: PortAllocator,
    candidate_kind: str,
    clustered: bool = False,
    extra_flags: Iterable[str] = (),
) -> DiffPair:
    """Start the reference and a `candidate_kind` node with the same config template."""
    flags = tuple(extra_flags)
    reference = start_side(
        REFERENCE, REFERENCE, config_template, workdir / "reference", ports, clustered, flags
    )
    try:
        label = candidate_kind if candidate_kind != REFERENCE else "reference-again"
        candidate = start_side(
            label, candidate_kind, config_template, workdir / "candidate", ports, clustered, flags
        )
    except BaseException:
        reference.close()
        raise
    return DiffPair(reference, candidate)
