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
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import (
    AssumeRoleCredentialFetcher,
    Credentials,
    DeferredRefreshableCredentials,
    ReadOnlyCredentials,
)
from botocore.exceptions import BotoCoreError, ClientError

from gossamer.alert import Alert
from gossamer.config.model import HTTPClientConfig, SigV4Config, SNSConfig
from gossamer.errors import NotifyError
from receivers.base import NotificationContext
from receivers.fields import Renderer, go_query, go_url, key_hash, wire_url
from receivers.http import DEFAULT_POOL, HTTPClient, HTTPClientPool, HTTPResponse
from receivers.payload import build_data

__all__ = ["SNSNotifier", "error_message", "publish_body"]

INTEGRATION = "sns"
CONTENT_TYPE = "application/x-www-form-urlencoded; charset=utf-8"
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


def sign(url: str, body: bytes, credentials: Any, region: str, moment: datetime) -> dict[str, str]:
    """The headers SigV4 adds (``X-Amz-Date``, ``Authorization``, maybe a session token)
    for a POST of ``body``; content-length, content-type, host and x-amz-date are signed."""
    stamp = moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    headers = {"Content-Length": str(len(body)), "Content-Type": CONTENT_TYPE, "X-Amz-Date": stamp}
    if credentials.token:
        headers["X-Amz-Security-Token"] = credentials.token
    request = AWSRequest(method="POST", url=url, data=body, headers=headers)
    request.context["timestamp"] = stamp
    auth = SigV4Auth(credentials, "sns", region)
    string_to_sign = auth.string_to_sign(request, auth.canonical_request(request))
    signed = auth.signed_headers(auth.headers_to_sign(request))
    headers["Authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={auth.scope(request)}, SignedHeaders={signed}, "
        f"Signature={auth.signature(string_to_sign, request)}"
    )
    del headers["Content-Length"], headers["Content-Type"]
    return headers


_NO_CREDENTIALS = (
    "NoCredentialProviders: no valid providers in chain. Deprecated.\n"
    "\tFor verbose messaging see aws.Config.CredentialsChainVerboseErrors"
)


class CredentialSource:
    """SigV4 credentials and region as aws-sdk-go's session finds them.

    Static ``access_key``/``secret_key`` when both are set; otherwise the
    default chain (environment, shared files with ``profile``, container and
    instance roles) through a botocore session; with ``role_arn``, temporary
    credentials from STS ``AssumeRole``, refreshed before they expire (0.25
    assumes the role anew for every notification). Lookups run in worker
    threads; botocore errors become retryable ``NotifyError``s.
    """

    def __init__(self, sigv4: SigV4Config) -> None:
        self.sigv4 = sigv4
        self._static = bool(sigv4.access_key and sigv4.secret_key)
        self._lock = threading.Lock()
        self._session: botocore.session.Session | None = None
        self._credentials: Any = None

    def __repr__(self) -> str:
        kind = "static" if self._static else "chain"
        role = f" role={self.sigv4.role_arn}" if self.sigv4.role_arn else ""
        return f"<CredentialSource {kind}{role} resolved={self._credentials is not None}>"

    async def region(self) -> str:
        """``sigv4.region``, else the session's (environment or profile)."""
        if self.sigv4.region:
            return self.sigv4.region
        return await asyncio.to_thread(self._session_region)

    async def get(self) -> Any:
        """Frozen credentials (``access_key``, ``secret_key``, ``token``) for one signature."""
        if self._static and not self.sigv4.role_arn:
            return ReadOnlyCredentials(self.sigv4.access_key, self.sigv4.secret_key, None, None)
        return await asyncio.to_thread(self._frozen)

    def _get_session(self) -> botocore.session.Session:
        if self._session is None:
            session = botocore.session.Session(profile=self.sigv4.profile or None)
            if self.sigv4.region:
                session.set_config_variable("region", self.sigv4.region)
            self._session = session
        return self._session

    def _session_region(self) -> str:
        with self._lock:
            try:
                return str(self._get_session().get_config_variable("region") or "")
            except BotoCoreError:
                return ""

    def _frozen(self) -> Any:
        with self._lock:
            try:
                if self._credentials is None:
                    self._credentials = self._resolve()
                return self._credentials.get_frozen_credentials()
            except (BotoCoreError, ClientError) as exc:
                raise NotifyError(str(exc), retryable=True) from exc

    def _resolve(self) -> Any:
        session = self._get_session()
        if self._static:
            base = Credentials(self.sigv4.access_key, self.sigv4.secret_key)
        else:
            base = session.get_credentials()
        if base is None:
            raise NotifyError(_NO_CREDENTIALS, retryable=True)
        if not self.sigv4.role_arn:
            return base
        fetcher = AssumeRoleCredentialFetcher(
            session.create_client,
            base,
            self.sigv4.role_arn,
            # aws-sdk-go's stscreds names the session after the current time in ns.
            extra_args={"RoleSessionName": str(time.time_ns())},
        )
        return DeferredRefreshableCredentials(fetcher.fetch_credentials, "assume-role")


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
        self._credentials = CredentialSource(config.sigv4)
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
            headers = sign(url, body, credentials, region, self._now())
            self._stats["requests"] += 1
            try:
                response = await self._client.post(
                    wire_url(url), body, content_type=CONTENT_TYPE, headers=headers
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
