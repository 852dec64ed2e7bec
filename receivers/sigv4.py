"""SigV4 for the ``sns`` integration: signing (botocore's ``SigV4Auth``) and the credential
source aws-sdk-go's session would use. Imported only when a config has an SNS receiver:
botocore costs ~70 ms and several MiB to import. ``sign`` is pure (any thread);
``CredentialSource`` lookups run in worker threads.
"""

from __future__ import annotations

import asyncio
import threading
import time
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

from gossamer.config.model import SigV4Config
from gossamer.errors import NotifyError

CONTENT_TYPE = "application/x-www-form-urlencoded; charset=utf-8"


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
