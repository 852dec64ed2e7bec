"""Differential tests: gossamer's SNS Publish requests against the real Alertmanager 0.25's.

The fake SNS verifies every Signature V4. gossamer signs with the instant the
reference signed at (its ``X-Amz-Date``), so whole requests, ``Authorization``
included, must be identical but for the User-Agent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.fakes2.diff import Case, Rig, posted, same_requests
from tests.fakes2.reference import BINARY
from tests.fakes2.server import ServiceServer
from tests.fakes2.services import SNS, sns_error
from tests.test_http_client_support import Recorded, Reply, async_test, refused_port

pytestmark = pytest.mark.reference

AK, SK = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG"
SIGV4 = {"region": "eu-west-1", "access_key": AK, "secret_key": SK}
TOPIC = "arn:aws:sns:eu-west-1:123456789012:alerts"
FAILING = {
    "e400": sns_error(400, "InvalidParameter", "Invalid parameter: TopicArn"),
    "e500": sns_error(500, "InternalError", "boom", "Receiver"),
    "e429": Reply(429, b""),
    "garbage400": Reply(400, b"garbage"),
}


def _cases(refused: str) -> list[Case]:
    def cfg(**fields: Any) -> dict[str, Any]:
        return {"sigv4": SIGV4} | fields

    attributes = {"team": "{{ .CommonLabels.team }}", "{{ .GroupLabels.scenario }}": "x & y"}
    cases = [
        Case("basic", cfg(topic_arn=TOPIC, attributes=attributes),
             [posted("basic", {"alertname": "Q", "team": "ops", "i": str(n)},
                     annotations={"summary": "s <&> é"}) for n in range(2)]),
        Case("fifo", cfg(topic_arn=TOPIC + ".fifo"), [posted("fifo", {"alertname": "F"})]),
        Case("sms", cfg(phone_number="+15550100", message="{{ .CommonAnnotations.m }}"),
             [posted("sms", {"alertname": "S"}, annotations={"m": "€" * 600})]),
        Case("target", cfg(target_arn="arn:aws:sns:eu-west-1:1:endpoint/APNS/x", subject=""),
             [posted("target", {"alertname": "T"})]),
        Case("resolve", cfg(topic_arn=TOPIC), [posted("resolve", {"alertname": "R"})], resolve=True),
        Case("noregion", cfg(topic_arn=TOPIC, sigv4={"access_key": AK, "secret_key": SK}),
             [posted("noregion", {"alertname": "N"})]),
        Case("refused", cfg(topic_arn=TOPIC, api_url=refused), [posted("refused", {"alertname": "X"})]),
        Case("tmplerr", cfg(topic_arn=TOPIC, subject="{{ .Foo }}"), [posted("tmplerr", {"alertname": "T"})]),
    ]  # fmt: skip
    return cases + [Case(n, cfg(topic_arn=TOPIC), [posted(n, {"alertname": "F"})]) for n in FAILING]


def owner(req: Recorded) -> str:
    return req.path.split("/")[1]


def where(name: str) -> Callable[[Recorded], bool]:
    return lambda r: owner(r) == name


class Clock:
    """Hands out the instants the reference signed its requests at, in order."""

    def __init__(self, requests: list[Recorded]) -> None:
        self._stamps = [r.header("X-Amz-Date") or "" for r in requests]

    def __call__(self) -> datetime:
        stamp = self._stamps.pop(0) if len(self._stamps) > 1 else self._stamps[0]
        return datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


async def no_sleep(_: float) -> None:
    """The SDK backoff is checked in the unit tests; here it only slows things down."""


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    if BINARY is None:
        pytest.skip("prometheus-alertmanager is not installed")
    tmp = tmp_path_factory.mktemp("sns")
    fake = SNS(secrets={AK: SK})

    def answer(req: Recorded) -> Reply:
        return FAILING.get(owner(req)) or fake(req)

    sock, port = refused_port()
    with sock, ServiceServer(answer) as server, pytest.MonkeyPatch.context() as mp:
        for var in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
            mp.delenv(var, raising=False)
        mp.setenv("AWS_CONFIG_FILE", str(tmp / "no-aws-config"))
        cases = _cases(f"http://127.0.0.1:{port}")
        for case in cases:
            # A path and a query on api_url: the SDK keeps the path, adds "/", drops the query.
            case.config.setdefault("api_url", server.url(f"/{case.name}/x?dropped=1"))
        with Rig("sns", {c.name: c for c in cases}, server, tmp) as running:
            yield running


@pytest.mark.parametrize("name", ["basic", "fifo", "sms", "target"])
@async_test
async def test_publish_requests_are_identical_to_alertmanagers(rig: Rig, name: str) -> None:
    """Same URL, signed headers, Authorization and form body; SNS accepted both."""
    theirs = rig.requests(where(name), ours=False, count=1)
    assert await rig.send(name, now=Clock(theirs)) is None
    same_requests(theirs, rig.requests(where(name), ours=True))


@async_test
async def test_resolved_publish_is_identical(rig: Rig) -> None:
    """Both flushes of a resolving group."""
    theirs = rig.requests(where("resolve"), ours=False, count=2)
    assert await rig.send_flushes("resolve", [0, 1], now=Clock(theirs)) == [None, None]
    same_requests(theirs, rig.requests(where("resolve"), ours=True))


@pytest.mark.parametrize("name", ["e500", "e429"])
@async_test
async def test_the_sdks_own_retries_are_the_same_requests(rig: Rig, name: str) -> None:
    """A 500 or a 429 is sent four times by the SDK within one attempt."""
    theirs = rig.requests(where(name), ours=False, count=4)
    assert await rig.send(name, now=Clock(theirs), sleep=no_sleep) is not None
    same_requests(theirs, rig.requests(where(name), ours=True))


@pytest.mark.parametrize("name", [*FAILING, "noregion", "refused"])
@async_test
async def test_failures_read_and_retry_like_alertmanagers(rig: Rig, name: str) -> None:
    """AWS error messages, the SDK's RequestError and Alertmanager's region check."""
    expected = rig.failure(name)
    error = await rig.send(name, sleep=no_sleep)
    assert error is not None
    assert (str(error), error.retryable) == expected


@async_test
async def test_template_errors_fail_where_alertmanager_publishes_anyway(rig: Rig) -> None:
    """Deliberate difference: 0.25 loses the template error and publishes an empty
    Subject; gossamer fails the notification (final) and publishes nothing."""
    (theirs,) = rig.requests(where("tmplerr"), ours=False, count=1)
    assert b"&Subject=&" in theirs.body
    error = await rig.send("tmplerr", sleep=no_sleep)
    assert error is not None and not error.retryable
    assert str(error).startswith('template: :1:3: executing "" at <.Foo>: ')
    assert rig.requests(where("tmplerr"), ours=True) == []
