"""The SNS notifier against a fake SNS that checks Signature V4 as AWS does."""

from __future__ import annotations

import random
import urllib.parse
from datetime import UTC, datetime
from typing import Any

import pytest

from gossamer.errors import NotifyError
from receivers.http import HTTPClientPool
from receivers.sigv4 import sign
from receivers.sns import SNSNotifier, endpoint, error_message
from tests.fakes2.common import GROUP_HASH, context, load, make_alert
from tests.fakes2.server import ServiceServer
from tests.fakes2.services import SNS, sns_error, verify_sigv4
from tests.fakes2.templates import StubTemplates
from tests.test_http_client_support import Recorded, Reply, async_test, refused_port

AK, SK = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG"
SIGV4 = {"region": "eu-west-1", "access_key": AK, "secret_key": SK}
TOPIC = "arn:aws:sns:eu-west-1:123456789012:alerts"


class Sleeps:
    """Records the SDK backoff instead of waiting."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


def notifier(api_url: str, sleeps: Sleeps | None = None, **fields: Any) -> SNSNotifier:
    cfg = load("sns", {"api_url": api_url, "sigv4": SIGV4, "topic_arn": TOPIC} | fields)
    return SNSNotifier(
        cfg,
        0,
        pool=HTTPClientPool(),
        templates=StubTemplates(),
        sleep=sleeps or Sleeps(),
        rng=random.Random(7),
    )


async def publish(
    fake: SNS, alerts: Any = None, sleeps: Sleeps | None = None, **fields: Any
) -> list[Recorded]:
    with ServiceServer(fake) as server:
        n = notifier(server.url("/"), sleeps, **fields)
        try:
            await n.notify(context(), alerts or [make_alert(1)])
        finally:
            await n.close()
        return list(server.requests)


def form(req: Recorded) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(req.body.decode(), keep_blank_values=True))


@async_test
async def test_publish_is_a_signed_form_post_that_sns_accepts() -> None:
    """POST / with the sorted form body; the fake verifies the SigV4 signature."""
    fake = SNS()
    (req,) = await publish(fake)
    assert (req.method, req.path) == ("POST", "/")
    assert req.header("Content-Type") == "application/x-www-form-urlencoded; charset=utf-8"
    assert req.body == (
        b"Action=Publish&Message=%3Csns.default.message%3E&MessageAttributes="
        b"&Subject=%3Csns.default.subject%3E"
        b"&TopicArn=arn%3Aaws%3Asns%3Aeu-west-1%3A123456789012%3Aalerts&Version=2010-03-31"
    )
    auth = req.header("Authorization") or ""
    assert auth.startswith(f"AWS4-HMAC-SHA256 Credential={AK}/")
    assert (
        "/eu-west-1/sns/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-date, "
        in auth
    )
    assert len(fake.accepted) == 1


@async_test
async def test_a_wrong_secret_is_refused_as_a_signature_mismatch() -> None:
    """403 SignatureDoesNotMatch: final, with AWS's message."""
    fake = SNS(secrets={AK: "another secret"})
    with pytest.raises(NotifyError) as caught:
        await publish(fake)
    assert str(caught.value) == (
        "unexpected status code 403: The request signature we calculated does not match"
        " the signature you provided."
    )
    assert not caught.value.retryable


@async_test
async def test_attributes_are_numbered_in_name_order_and_fifo_topics_get_ids() -> None:
    """MessageAttributes.entry.N by sorted name; dedup and group ids = sha256(group key)."""
    fake = SNS()
    (req,) = await publish(
        fake, topic_arn=TOPIC + ".fifo", attributes={"b": "{{ .Status }}", "a": "x y"}
    )
    got = form(req)
    assert {k: v for k, v in got.items() if k.startswith("MessageAttributes")} == {
        "MessageAttributes.entry.1.Name": "a",
        "MessageAttributes.entry.1.Value.DataType": "String",
        "MessageAttributes.entry.1.Value.StringValue": "x y",
        "MessageAttributes.entry.2.Name": "b",
        "MessageAttributes.entry.2.Value.DataType": "String",
        "MessageAttributes.entry.2.Value.StringValue": "firing",
    }
    assert got["MessageDeduplicationId"] == got["MessageGroupId"] == GROUP_HASH
    assert len(fake.accepted) == 1


@async_test
async def test_sms_messages_are_cut_to_1600_bytes_and_marked_truncated() -> None:
    """By bytes (a rune may be split, as in 0.25), plus the truncated attribute."""
    (req,) = await publish(SNS(), topic_arn="", phone_number="+15550100", message="é" * 1000)
    raw = urllib.parse.unquote_to_bytes(req.body.split(b"Message=")[1].split(b"&")[0])
    assert raw == ("é" * 800).encode()[:1600]
    got = form(req)
    assert (got["PhoneNumber"], got["MessageAttributes.entry.1.Name"]) == ("+15550100", "truncated")
    assert "TopicArn" not in got


@async_test
async def test_target_arn_and_an_empty_subject() -> None:
    """TargetArn is sent as rendered; a subject that renders empty is still sent."""
    (req,) = await publish(SNS(), topic_arn="", target_arn="arn:t", subject="{{ .CommonLabels.x }}")
    assert (form(req)["TargetArn"], form(req)["Subject"]) == ("arn:t", "")


@pytest.mark.parametrize(
    ("api_url", "url"),
    [
        ("http://h:1", "http://h:1/"),
        ("http://h:1/", "http://h:1/"),
        ("http://h:1/x/y?q=1", "http://h:1/x/y/"),
        ("h.example", "https://h.example/"),
        ("", "https://sns.eu-west-1.amazonaws.com/"),
    ],
)
def test_endpoint_joins_the_operation_path_like_aws_sdk_go(api_url: str, url: str) -> None:
    """A slash is added to the path, the query dropped, https assumed."""
    assert endpoint(api_url, "eu-west-1") == url


def test_china_regions_use_their_own_domain() -> None:
    assert endpoint("", "cn-north-1") == "https://sns.cn-north-1.amazonaws.com.cn/"


def test_signature_matches_the_aws_test_suite_shape() -> None:
    """Deterministic for a given instant; session tokens are sent and signed."""
    from botocore.credentials import ReadOnlyCredentials

    moment = datetime(2015, 8, 30, 12, 36, tzinfo=UTC)
    creds = ReadOnlyCredentials(AK, SK, "tok", None)
    headers = sign(
        "https://sns.us-east-1.amazonaws.com/", b"Action=Publish", creds, "us-east-1", moment
    )
    assert headers["X-Amz-Date"] == "20150830T123600Z"
    assert headers["X-Amz-Security-Token"] == "tok"
    assert headers["Authorization"].startswith(
        f"AWS4-HMAC-SHA256 Credential={AK}/20150830/us-east-1/sns/aws4_request, "
        "SignedHeaders=content-length;content-type;host;x-amz-date;x-amz-security-token, Signature="
    )
    assert headers == sign(
        "https://sns.us-east-1.amazonaws.com/", b"Action=Publish", creds, "us-east-1", moment
    )


@pytest.mark.parametrize(
    ("body", "parsed"),
    [
        (sns_error(400, "InvalidParameter", "bad").body, ("InvalidParameter", "bad")),
        (b"", ("", "")),
        (b"garbage", ("", "")),
        (b"<Other/>", ("", "failed to decode query XML error response")),
        (
            b"<ServiceUnavailableException/>",
            ("ServiceUnavailableException", "service is unavailable"),
        ),
    ],
)
def test_error_answers_are_read_as_aws_sdk_go_does(body: bytes, parsed: tuple[str, str]) -> None:
    assert error_message(body) == parsed


@async_test
async def test_server_errors_are_retried_by_the_sdk_then_by_the_pipeline() -> None:
    """A 500 is sent four times (3 SDK retries, 30 ms base backoff), then retryable."""
    sleeps = Sleeps()
    fake = SNS(script=[sns_error(500, "InternalError", "boom", "Receiver")] * 4)
    with pytest.raises(NotifyError) as caught:
        await publish(fake, sleeps=sleeps)
    assert (str(caught.value), caught.value.retryable) == ("unexpected status code 500: boom", True)
    assert len(sleeps.delays) == 3
    assert all(0.030 * 2**n <= d < 0.060 * 2**n for n, d in enumerate(sleeps.delays))


@async_test
async def test_throttling_is_retried_with_longer_delays_then_final() -> None:
    """429: SDK retries from 500 ms; the pipeline does not retry it afterwards."""
    sleeps = Sleeps()
    fake = SNS(script=[Reply(429, b"")] * 4)
    with pytest.raises(NotifyError) as caught:
        await publish(fake, sleeps=sleeps)
    assert (str(caught.value), caught.value.retryable) == ("unexpected status code 429", False)
    assert all(0.5 * 2**n <= d < 1.0 * 2**n for n, d in enumerate(sleeps.delays))


@async_test
async def test_a_retry_that_succeeds_is_a_success() -> None:
    """One throttled answer, then accepted: three requests are not needed."""
    fake = SNS(script=[sns_error(400, "Throttling", "Rate exceeded")])
    requests = await publish(fake)
    assert len(requests) == 2
    assert len(fake.accepted) == 1


@async_test
async def test_client_errors_are_final_at_once() -> None:
    """400 InvalidParameter: no SDK retry, not retryable."""
    fake = SNS()
    with pytest.raises(NotifyError) as caught:
        await publish(fake, topic_arn=TOPIC + ".fifo", attributes={}, message="")
    assert str(caught.value) == "unexpected status code 400: Invalid parameter: Empty message"
    assert not caught.value.retryable


@async_test
async def test_transport_errors_read_like_the_sdks_request_error() -> None:
    """RequestError: send request failed / caused by: Post ..., after the SDK's retries."""
    sock, port = refused_port()
    sleeps = Sleeps()
    with sock:
        n = notifier(f"http://127.0.0.1:{port}/", sleeps)
        with pytest.raises(NotifyError) as caught:
            await n.notify(context(), [make_alert(1)])
        await n.close()
    assert str(caught.value) == (
        "RequestError: send request failed\ncaused by: "
        f'Post "http://127.0.0.1:{port}/": dial tcp 127.0.0.1:{port}: connect: connection refused'
    )
    assert caught.value.retryable
    assert len(sleeps.delays) == 3


@async_test
async def test_http_config_is_not_used_as_in_alertmanager_0_25() -> None:
    """A bearer token in http_config never reaches SNS (the SDK's own client sends)."""
    fake = SNS()
    (req,) = await publish(fake, http_config={"bearer_token": "nope"})
    assert not (req.header("Authorization") or "").startswith("Bearer")
    assert verify_sigv4(req, fake.secrets) is None


@async_test
async def test_a_missing_region_is_retryable() -> None:
    """Without a region anywhere: Alertmanager's own message, retryable."""
    cfg = load(
        "sns",
        {"api_url": "http://h/", "topic_arn": TOPIC, "sigv4": {"access_key": AK, "secret_key": SK}},
    )
    n = SNSNotifier(cfg, 0, pool=HTTPClientPool(), templates=StubTemplates())
    with pytest.MonkeyPatch.context() as mp:
        for var in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_CONFIG_FILE", "AWS_PROFILE"):
            mp.delenv(var, raising=False)
        mp.setenv("AWS_CONFIG_FILE", "/nonexistent/aws-config")
        with pytest.raises(NotifyError) as caught:
            await n.notify(context(), [make_alert(1)])
    await n.close()
    assert (
        str(caught.value)
        == "region not configured in sns.sigv4.region or in default credentials chain"
    )
    assert caught.value.retryable


@async_test
async def test_credentials_come_from_the_environment_without_static_keys() -> None:
    """The default chain: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY."""
    fake = SNS()
    with ServiceServer(fake) as server, pytest.MonkeyPatch.context() as mp:
        mp.setenv("AWS_ACCESS_KEY_ID", AK)
        mp.setenv("AWS_SECRET_ACCESS_KEY", SK)
        mp.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/creds")
        cfg = load(
            "sns",
            {"api_url": server.url("/"), "topic_arn": TOPIC, "sigv4": {"region": "us-east-1"}},
        )
        n = SNSNotifier(cfg, 0, pool=HTTPClientPool(), templates=StubTemplates())
        await n.notify(context(), [make_alert(1)])
        await n.close()
    assert len(fake.accepted) == 1


@async_test
async def test_template_errors_are_final() -> None:
    """Unlike 0.25 (which publishes the field empty), a template error stops the message."""
    with ServiceServer(SNS()) as server:
        n = notifier(server.url("/"), subject="{{ fail }}")
        with pytest.raises(NotifyError) as caught:
            await n.notify(context(), [make_alert(1)])
        await n.close()
        assert server.requests == []
    assert str(caught.value).startswith("template: ")
    assert not caught.value.retryable


@async_test
async def test_role_arn_signs_with_credentials_from_sts_assume_role() -> None:
    """The static keys sign AssumeRole; SNS sees the temporary keys and session token."""
    from tests.fakes2.services import STS

    sts = STS(secrets={AK: SK})
    key, secret, token = sts.temporary
    fake = SNS(secrets={key: secret})
    with (
        ServiceServer(sts) as sts_server,
        ServiceServer(fake) as server,
        pytest.MonkeyPatch.context() as mp,
    ):
        mp.setenv("AWS_ENDPOINT_URL_STS", sts_server.url("/"))
        role = "arn:aws:iam::123456789012:role/alerts"
        n = notifier(server.url("/"), sigv4=SIGV4 | {"role_arn": role})
        await n.notify(context(), [make_alert(1)])
        await n.notify(context(), [make_alert(2)])
        await n.close()
        (req, _) = server.requests
    assert [f["RoleArn"] for f in sts.accepted] == [role]  # cached until it expires
    assert req.header("X-Amz-Security-Token") == token
    assert f"Credential={key}/" in (req.header("Authorization") or "")
    assert len(fake.accepted) == 2
