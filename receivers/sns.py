"""The ``sns`` integration: Amazon SNS ``Publish`` over the AWS query API, SigV4-signed.

Follows Alertmanager 0.25's ``notify/sns`` with aws-sdk-go v1 underneath
(config.md §5.9):

* ``POST <endpoint>/`` with a form body (``url.Values``: keys sorted):
  ``Action=Publish``, ``Message``, ``MessageAttributes.entry.N.{Name,
  Value.DataType, Value.StringValue}`` (N in sorted name order; a bare
  ``MessageAttributes=`` when there are none), ``MessageDeduplicationId`` and
  ``MessageGroupId`` (``sha256(group key)``, when the configured topic ARN ends
  in ``.fifo``), ``PhoneNumber``, ``Subject``, ``TargetArn``, ``TopicArn``,
  ``Version=2010-03-31``;
* the message is cut to 256 KiB (1600 bytes for SMS) by bytes, adding a
  ``truncated=true`` attribute;
* the endpoint is the rendered ``api_url`` (``https://`` added when it has no
  scheme; its path gains a ``/``, its query is dropped) or
  ``https://sns.<region>.amazonaws.com``;
* signed with Signature V4 (``botocore``) over content-length, content-type,
  host and x-amz-date, with the static keys of ``sigv4``, else the default
  credential chain (``profile``), optionally through STS ``AssumeRole``;
* like the SDK, the request itself is retried up to 3 times (5xx but 501,
  throttling answers, transport errors) with jittered exponential backoff;
  then 2xx is success, an AWS error answer is ``unexpected status code <N>:
  <message>`` (retryable for 5xx), a transport error retryable
  ``RequestError: send request failed``.

Like 0.25, ``http_config`` is not used (the SDK's default client sends the
request). Deliberate difference: a template error fails the notification;
0.25 ignores it and publishes the empty or partial field.
"""

from __future__ import annotations

import asyncio
import os
import random
import urllib.parse
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

from gossamer.alert import Alert
from gossamer.config.model import HTTPClientConfig, SNSConfig
from gossamer.errors import NotifyError
from receivers.base import NotificationContext
from receivers.fields import Renderer, go_query, go_url, key_hash, wire_url
from receivers.http import DEFAULT_POOL, HTTPClient, HTTPClientPool, HTTPResponse
from receivers.payload import build_data

__all__ = ["SNSNotifier", "error_message", "publish_body"]

INTEGRATION = "sns"
MAX_MESSAGE_BYTES = 256 * 1024
MAX_SMS_BYTES = 1600
#: aws-sdk-go's DefaultRetryer: 3 retries, 30 ms (throttling: 500 ms) base delay.
SDK_RETRIES = 3
BASE_DELAY, THROTTLE_DELAY = 0.030, 0.500
THROTTLE_STATUSES = frozenset({429, 502, 503, 504})
THROTTLE_CODES = frozenset(
    "ProvisionedThroughputExceededException ThrottledException Throttling "
    "ThrottlingException RequestLimitExceeded RequestThrottled RequestThrottledException "
    "TooManyRequestsException TransactionInProgressException LimitExceededException "
    "BandwidthLimitExceeded SlowDown PriorRequestNotComplete EC2ThrottledException".split()
)


def publish_body(cfg: SNSConfig, tmpl: Renderer, group_key: str) -> bytes:
    """The ``Publish`` form body for one notification (templates rendered with ``tmpl``)."""
    attributes: dict[str, str] = {tmpl(k): tmpl(v) for k, v in cfg.attributes.items()}
    params: list[tuple[str, str | bytes]] = [("Action", "Publish"), ("Version", "2010-03-31")]
    limit = MAX_MESSAGE_BYTES
    if cfg.topic_arn:
        params.append(("TopicArn", tmpl(cfg.topic_arn)))
        if cfg.topic_arn.endswith(".fifo"):  # 0.25 looks at the configured ARN, not the rendered
            params += [("MessageDeduplicationId", key_hash(group_key))]
            params += [("MessageGroupId", key_hash(group_key))]
    if cfg.phone_number:
        params.append(("PhoneNumber", tmpl(cfg.phone_number)))
        limit = MAX_SMS_BYTES
    if cfg.target_arn:
        params.append(("TargetArn", tmpl(cfg.target_arn)))
    message = tmpl(cfg.message).encode("utf-8", "surrogateescape")
    if len(message) > limit:
        message = message[:limit]  # by bytes, as 0.25 does (a rune may be cut)
        attributes["truncated"] = "true"
    params.append(("Message", message))
    if cfg.subject:
        params.append(("Subject", tmpl(cfg.subject)))
    if not attributes:
        params.append(("MessageAttributes", ""))
    for n, name in enumerate(sorted(attributes, key=lambda k: k.encode()), start=1):
        prefix = f"MessageAttributes.entry.{n}"
        params += [
            (f"{prefix}.Name", name),
            (f"{prefix}.Value.DataType", "String"),
            (f"{prefix}.Value.StringValue", attributes[name]),
        ]
    return go_query(params).encode()


def endpoint(api_url: str, region: str) -> str:
    """The URL aws-sdk-go posts to: the endpoint with the operation path ``/`` joined."""
    if not api_url:
        suffix = ".amazonaws.com.cn" if region.startswith("cn-") else ".amazonaws.com"
        api_url = f"https://sns.{region}{suffix}"
    elif "://" not in api_url:
        api_url = "https://" + api_url
    path = urllib.parse.urlsplit(api_url).path
    return go_url(api_url, "" if path.endswith("/") else "/", [])


def error_message(body: bytes) -> tuple[str, str]:
    """``(code, message)`` of an AWS query-protocol error answer, as aws-sdk-go reads it."""
    text = body.decode("utf-8", "replace").strip()
    if "<" not in text:
        return "", ""  # no element at all: the SDK's decoder hits EOF and reports nothing
    try:
        root = ET.fromstring(text)
    except ET.ParseError:
        return "", "failed to decode query XML error response"
    tag = root.tag.rpartition("}")[2]
    if tag == "ServiceUnavailableException":
        return tag, "service is unavailable"
    if tag != "ErrorResponse":
        return "", "failed to decode query XML error response"
    found = {"Code": "", "Message": ""}
    for error in root:
        if error.tag.rpartition("}")[2] == "Error":
            for child in error:
                name = child.tag.rpartition("}")[2]
                if name in found:
                    found[name] = (child.text or "").strip()
    return found["Code"], found["Message"]


#: Imported lazily (by ``_sigv4``); receivers.build checks that it is installed.
LAZY_REQUIREMENTS = ("botocore",)


def _sigv4() -> ModuleType:
    """``receivers.sigv4``, imported when the first SNS notifier is built: botocore costs
    ~70 ms and several MiB, which nodes without SNS receivers never pay."""
    from receivers import sigv4

    return sigv4


class SNSNotifier:
    """``sns_configs[index]`` of one receiver; implements ``receivers.base.Notifier``.

    ``notify`` runs on the node's asyncio loop; credential lookups that may
    touch files or the network (profiles, STS) run in worker threads.
    ``now``, ``sleep`` and ``rng`` are injectable for the signature date and
    the SDK-style backoff.
    """

    integration = INTEGRATION

    def __init__(
        self,
        config: SNSConfig,
        index: int,
        *,
        base_dir: str | os.PathLike[str] = ".",
        pool: HTTPClientPool | None = None,
        templates: Any = None,
        client: HTTPClient | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config
        self.index = index
        self.send_resolved = config.send_resolved
        self._templates = templates
        self._now, self._sleep = now, sleep
        self._rng = rng or random.Random()
        self._credentials = _sigv4().CredentialSource(config.sigv4)
        pool = pool if pool is not None else DEFAULT_POOL
        # 0.25 hands aws-sdk-go no HTTP client: http_config is not used.
        self._client = client if client is not None else pool.acquire(HTTPClientConfig(), base_dir)
        self._stats = {"notifications": 0, "failures": 0, "requests": 0, "last_status": 0}

    def __repr__(self) -> str:
        s = self._stats
        return (
            f"<SNSNotifier sns[{self.index}] region={self.config.sigv4.region or '?'}"
            f" sent={s['notifications']} requests={s['requests']} failed={s['failures']}"
            f" last_status={s['last_status']}>"
        )

    def statistics(self) -> dict[str, int]:
        """Notifications attempted, failures, HTTP requests (SDK retries included), last status."""
        return dict(self._stats)

    async def notify(self, ctx: NotificationContext, alerts: list[Alert]) -> None:
        """Publish one message for ``alerts``; raises ``NotifyError`` on failure."""
        self._stats["notifications"] += 1
        try:
            tmpl = Renderer(self._templates, build_data(ctx, alerts))
            api_url = tmpl(self.config.api_url)
            region = await self._credentials.region()
            if not region:
                message = (
                    "region not configured in sns.sigv4.region or in default credentials chain"
                )
                raise NotifyError(message, retryable=True)
            body = publish_body(self.config, tmpl, ctx.group_key)
            tmpl.check()
            await self._publish(endpoint(api_url, region), body, region)
        except NotifyError:
            self._stats["failures"] += 1
            raise

    async def _publish(self, url: str, body: bytes, region: str) -> None:
        """One SDK ``Publish`` call: the request and the SDK's own retries."""
        for retry in range(SDK_RETRIES + 1):
            credentials = await self._credentials.get()
            headers = _sigv4().sign(url, body, credentials, region, self._now())
            self._stats["requests"] += 1
            try:
                response = await self._client.post(
                    wire_url(url), body, content_type=_sigv4().CONTENT_TYPE, headers=headers
                )
            except NotifyError as exc:
                error = NotifyError(
                    f"RequestError: send request failed\ncaused by: {exc}", retryable=True
                )
                again, throttled, extra = True, False, 0.0
            else:
                self._stats["last_status"] = response.status
                if response.status // 100 == 2:
                    return  # the SDK's unreadable success bodies still pass the retrier
                error, again, throttled, extra = _failure(response)
            if not again or retry == SDK_RETRIES:
                raise error
            await self._sleep(self._delay(retry, throttled) + extra)

    def _delay(self, retry: int, throttled: bool) -> float:
        """``DefaultRetryer.RetryRules``: 2^retry × a jittered base in [base, 2·base)."""
        base = THROTTLE_DELAY if throttled else BASE_DELAY
        return (1 << retry) * (base + self._rng.random() * base)

    async def close(self) -> None:
        """Release the HTTP client (its connections close with the last user)."""
        await self._client.close()


def _failure(response: HTTPResponse) -> tuple[NotifyError, bool, bool, float]:
    """``(error for the retrier, SDK retries?, throttled?, Retry-After seconds)``."""
    code, message = error_message(response.body)
    status = response.status
    text = f"unexpected status code {status}" + (f": {message}" if message else "")
    error = NotifyError(text, retryable=status // 100 == 5)
    throttled = status in THROTTLE_STATUSES or code in THROTTLE_CODES
    extra = 0.0
    if throttled and response.headers.get("retry-after", "").isdigit():
        extra = float(response.headers["retry-after"])
    return error, (status >= 500 and status != 501) or throttled, throttled, extra
