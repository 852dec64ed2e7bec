"""The paging services as they answer, as handlers for ``tests.fakes2.server.ServiceServer``.

Each fake checks what its real API checks before accepting (keys, required
fields, signatures) and answers with the bodies the service documents, so a
test sees a request accepted only when the real service would accept it.
``script`` queues replies that take precedence (rate limits, outages).
Handlers run on the recorder's loop thread; ``accepted`` is appended there.
"""

from __future__ import annotations

import json
import urllib.parse
import uuid
from dataclasses import dataclass, field
from typing import Any

from tests.test_http_client_support import Recorded, Reply

JSON = {"Content-Type": "application/json"}


@dataclass
class Fake:
    """Common parts: scripted replies first, then the service's own judgement."""

    script: list[Reply] = field(default_factory=list)
    accepted: list[Any] = field(default_factory=list)

    def __call__(self, req: Recorded) -> Reply:
        if self.script:
            return self.script.pop(0)
        return self.answer(req)

    def answer(self, req: Recorded) -> Reply:
        raise NotImplementedError


def request_id(req: Recorded) -> str:
    """A request id derived from the request, so equal requests get equal answers."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{req.method} {req.path}?{req.query} {req.body!r}"))


def _json_reply(status: int, body: dict[str, Any]) -> Reply:
    return Reply(status, json.dumps(body).encode(), JSON)


def _decode(req: Recorded) -> Any:
    try:
        return json.loads(req.body)
    except ValueError:
        return None


# --- PagerDuty ---------------------------------------------------------------------


def _pd_invalid(errors: list[str]) -> Reply:
    body = {"status": "invalid event", "message": "Event object is invalid", "errors": errors}
    return _json_reply(400, body)


@dataclass
class PagerDutyV2(Fake):
    """``POST /v2/enqueue``: 202 with the dedup key, or 400 listing what is wrong."""

    def answer(self, req: Recorded) -> Reply:
        event = _decode(req)
        if not isinstance(event, dict):
            return _json_reply(400, {"status": "invalid request", "message": "Invalid JSON"})
        errors = []
        if len(event.get("routing_key") or "") != 32:
            errors.append("Length of 'routing_key' is incorrect (should be 32 characters)")
        action = event.get("event_action")
        if action not in ("trigger", "acknowledge", "resolve"):
            errors.append(
                "'event_action' is invalid (must be one of the following: 'trigger', 'acknowledge' or 'resolve')"
            )
        payload = event.get("payload") or {}
        if action == "trigger":
            for name in ("summary", "source", "severity"):
                if not payload.get(name):
                    errors.append(f"'payload.{name}' is missing or blank")
            if payload.get("severity") not in (None, "", "critical", "error", "warning", "info"):
                errors.append("'payload.severity' is invalid")
        if action != "trigger" and not event.get("dedup_key"):
            errors.append("'dedup_key' is missing or blank")
        if errors:
            return _pd_invalid(errors)
        self.accepted.append(event)
        dedup = event.get("dedup_key") or request_id(req)
        return _json_reply(
            202, {"status": "success", "message": "Event processed", "dedup_key": dedup}
        )


@dataclass
class PagerDutyV1(Fake):
    """``POST /generic/2010-04-15/create_event.json``: 200 with the incident key, or 400."""

    def answer(self, req: Recorded) -> Reply:
        event = _decode(req)
        if not isinstance(event, dict):
            return _pd_invalid(["Invalid JSON"])
        errors = []
        if len(event.get("service_key") or "") != 32:
            errors.append("Service key is the wrong length (should be 32 characters)")
        kind = event.get("event_type")
        if kind not in ("trigger", "acknowledge", "resolve"):
            errors.append("Event type is invalid (must be one of trigger, acknowledge or resolve)")
        if kind == "trigger" and not event.get("description"):
            errors.append("Description is missing or blank")
        if kind != "trigger" and not event.get("incident_key"):
            errors.append("Incident key is missing or blank")
        if errors:
            return _pd_invalid(errors)
        self.accepted.append(event)
        body = {"status": "success", "message": "Event processed"}
        return _json_reply(200, body | {"incident_key": event.get("incident_key", "")})


# --- OpsGenie ----------------------------------------------------------------------


@dataclass
class OpsGenie(Fake):
    """Alert API v2: ``GenieKey`` auth, create (needs a message), close and updates by alias."""

    api_key: str = "genie-key"

    def answer(self, req: Recorded) -> Reply:
        took = {"took": 0.004, "requestId": request_id(req)}
        if req.header("Authorization") != f"GenieKey {self.api_key}":
            return _json_reply(401, {"message": "Could not authenticate"} | took)
        body = _decode(req)
        if not isinstance(body, dict):
            return _json_reply(400, {"message": "Could not parse the request body"} | took)
        parts = req.path.strip("/").split("/")
        parts = parts[parts.index("v2") :] if "v2" in parts else parts
        query = urllib.parse.parse_qs(req.query)
        if req.method == "POST" and parts == ["v2", "alerts"]:
            if not body.get("message"):
                errors = {"message": "Message can not be empty."}
                return _json_reply(
                    422, {"message": "Request body is not processable.", "errors": errors} | took
                )
        elif len(parts) == 4 and parts[:2] == ["v2", "alerts"]:
            allowed = {"close": "POST", "message": "PUT", "description": "PUT"}
            if allowed.get(parts[3]) != req.method or query.get("identifierType") != ["alias"]:
                return _json_reply(404, {"message": "Not found"} | took)
        else:
            return _json_reply(404, {"message": "Not found"} | took)
        self.accepted.append((req.method, req.path, body))
        return _json_reply(202, {"result": "Request will be processed"} | took)


# --- VictorOps ---------------------------------------------------------------------


@dataclass
class VictorOps(Fake):
    """REST endpoint ``/<api_key>/<routing_key>``: needs a known key and a message type."""

    api_key: str = "vo-key"

    def answer(self, req: Recorded) -> Reply:
        parts = req.path.rstrip("/").split("/")
        if len(parts) < 2 or parts[-2] != self.api_key:
            return _json_reply(404, {"result": "failure", "message": "Invalid API key"})
        body = _decode(req)
        if not isinstance(body, dict) or not body.get("message_type"):
            return _json_reply(
                400, {"result": "failure", "message": "Missing fields: message_type"}
            )
        self.accepted.append((parts[-1], body))
        return _json_reply(200, {"result": "success", "entity_id": body.get("entity_id", "")})


# --- Pushover ----------------------------------------------------------------------


@dataclass
class Pushover(Fake):
    """``POST /1/messages.json``: parameters from the query or a form body."""

    token: str = "app-token"
    user: str = "user-key"

    def answer(self, req: Recorded) -> Reply:
        params = {
            k: v[-1] for k, v in urllib.parse.parse_qs(req.query, keep_blank_values=True).items()
        }
        if req.body and "form-urlencoded" in (req.header("Content-Type") or ""):
            form = urllib.parse.parse_qs(req.body.decode(), keep_blank_values=True)
            params |= {k: v[-1] for k, v in form.items()}
        request = request_id(req)
        if params.get("token") != self.token:
            body = {"token": "invalid", "errors": ["application token is invalid"]}
            return _json_reply(400, body | {"status": 0, "request": request})
        if params.get("user") != self.user:
            body = {
                "user": "invalid",
                "errors": ["user identifier is not a valid user, group, or subscribed user key"],
            }
            return _json_reply(400, body | {"status": 0, "request": request})
        if not params.get("message"):
            body = {"message": "cannot be blank", "errors": ["message cannot be blank"]}
            return _json_reply(400, body | {"status": 0, "request": request})
        if params.get("priority") == "2" and int(params.get("retry") or 0) < 30:
            body = {"retry": "invalid", "errors": ["retry is invalid"]}
            return _json_reply(400, body | {"status": 0, "request": request})
        self.accepted.append(params)
        return _json_reply(200, {"status": 1, "request": request})


# --- WeChat Work -------------------------------------------------------------------


@dataclass
class WeChat(Fake):
    """``gettoken`` hands out the current token for one corp id/secret (the same one
    until it expires, as WeChat does); ``message/send`` needs the current token."""

    corp_id: str = "corp"
    secret: str = "s3cret"
    generation: int = 1
    fetches: int = 0

    @property
    def token(self) -> str:
        return f"tok{self.generation}"

    def answer(self, req: Recorded) -> Reply:
        query = {k: v[-1] for k, v in urllib.parse.parse_qs(req.query).items()}
        if req.path.endswith("/gettoken"):
            self.fetches += 1
            if query.get("corpid") != self.corp_id:
                return _json_reply(200, {"errcode": 40013, "errmsg": "invalid corpid"})
            if query.get("corpsecret") != self.secret:
                return _json_reply(200, {"errcode": 40001, "errmsg": "invalid credential"})
            body = {"errcode": 0, "errmsg": "ok", "access_token": self.token, "expires_in": 7200}
            return _json_reply(200, body)
        if req.path.endswith("/message/send"):
            token = query.get("access_token", "")
            if not token.startswith("tok"):
                return _json_reply(200, {"errcode": 40014, "errmsg": "invalid access_token"})
            if token != self.token:
                return _json_reply(200, {"errcode": 42001, "errmsg": "access_token expired"})
            self.accepted.append(_decode(req))
            return _json_reply(200, {"errcode": 0, "errmsg": "ok", "invaliduser": ""})
        return Reply(404, b"not found")

    def expire_tokens(self) -> None:
        """The current token expires; the next ``gettoken`` hands out a new one."""
        self.generation += 1


# --- Amazon SNS --------------------------------------------------------------------

_SNS_NS = "http://sns.amazonaws.com/doc/2010-03-31/"


def sns_error(
    status: int, code: str, message: str, kind: str = "Sender", *, request: str = "r-1"
) -> Reply:
    """An AWS query-protocol error answer."""
    body = (
        f'<ErrorResponse xmlns="{_SNS_NS}"><Error><Type>{kind}</Type><Code>{code}</Code>'
        f"<Message>{message}</Message></Error><RequestId>{request}</RequestId></ErrorResponse>"
    )
    return Reply(status, body.encode(), {"Content-Type": "text/xml"})


def verify_sigv4(req: Recorded, secrets: dict[str, str], service: str = "sns") -> str | None:
    """Why the request's Signature V4 is wrong, or None when AWS would accept it."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import ReadOnlyCredentials

    auth = req.header("Authorization") or ""
    if not auth.startswith("AWS4-HMAC-SHA256 "):
        return "missing or unsupported Authorization"
    fields = dict(
        part.strip().split("=", 1) for part in auth[len("AWS4-HMAC-SHA256 ") :].split(",")
    )
    access_key, date, region, svc, _ = fields["Credential"].split("/")
    if access_key not in secrets or svc != service:
        return "The security token included in the request is invalid."
    stamp = req.header("X-Amz-Date") or ""
    if stamp[:8] != date:
        return "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date"
    signed = fields["SignedHeaders"].split(";")
    for required in ("host", "x-amz-date"):
        if required not in signed:
            return f"'{required}' must be a signed header"
    headers = {name: req.header(name) or "" for name in signed}
    url = f"http://{headers['host']}{req.path}" + (f"?{req.query}" if req.query else "")
    request = AWSRequest(method=req.method, url=url, data=req.body, headers=headers)
    request.context["timestamp"] = stamp
    token = req.header("X-Amz-Security-Token")
    signer = SigV4Auth(
        ReadOnlyCredentials(access_key, secrets[access_key], token, None), service, region
    )
    expected = signer.signature(
        signer.string_to_sign(request, signer.canonical_request(request)), request
    )
    if expected != fields["Signature"]:
        return "The request signature we calculated does not match the signature you provided."
    return None


@dataclass
class SNS(Fake):
    """``POST /`` ``Action=Publish``: checks the signature and the parameters Publish needs."""

    secrets: dict[str, str] = field(
        default_factory=lambda: {"AKIDEXAMPLE": "wJalrXUtnFEMI/K7MDENG"}
    )

    def answer(self, req: Recorded) -> Reply:
        problem = verify_sigv4(req, self.secrets)
        if problem is not None:
            return sns_error(403, "SignatureDoesNotMatch", problem, request=request_id(req))
        if req.header("Content-Type") != "application/x-www-form-urlencoded; charset=utf-8":
            return sns_error(400, "MalformedQueryString", "unexpected content type")
        form = {
            k: v[-1]
            for k, v in urllib.parse.parse_qs(
                req.body.decode("latin-1"), keep_blank_values=True
            ).items()
        }
        if (form.get("Action"), form.get("Version")) != ("Publish", "2010-03-31"):
            return sns_error(400, "InvalidAction", "Could not find operation")
        targets = [form.get(k) for k in ("TopicArn", "TargetArn", "PhoneNumber") if form.get(k)]
        if len(targets) != 1:
            return sns_error(
                400,
                "InvalidParameter",
                "Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter",
            )
        if not form.get("Message"):
            return sns_error(400, "InvalidParameter", "Invalid parameter: Empty message")
        if str(form.get("TopicArn", "")).endswith(".fifo") and not form.get("MessageGroupId"):
            return sns_error(
                400,
                "InvalidParameter",
                "Invalid parameter: The MessageGroupId parameter is required for FIFO topics",
            )
        self.accepted.append(form)
        body = (
            f'<PublishResponse xmlns="{_SNS_NS}"><PublishResult><MessageId>{request_id(req)}</MessageId>'
            f"</PublishResult><ResponseMetadata><RequestId>{request_id(req)}</RequestId>"
            "</ResponseMetadata></PublishResponse>"
        )
        return Reply(200, body.encode(), {"Content-Type": "text/xml"})


@dataclass
class STS(Fake):
    """``AssumeRole``: checks the caller's signature, hands out temporary credentials."""

    secrets: dict[str, str] = field(
        default_factory=lambda: {"AKIDEXAMPLE": "wJalrXUtnFEMI/K7MDENG"}
    )
    temporary: tuple[str, str, str] = ("ASIATEMPORARY", "temporary/secret", "session-token")

    def answer(self, req: Recorded) -> Reply:
        problem = verify_sigv4(req, self.secrets, service="sts")
        if problem is not None:
            return sns_error(403, "SignatureDoesNotMatch", problem)
        form = dict(urllib.parse.parse_qsl(req.body.decode()))
        if form.get("Action") != "AssumeRole" or not form.get("RoleSessionName"):
            return sns_error(400, "ValidationError", "bad AssumeRole request")
        self.accepted.append(form)
        key, secret, token = self.temporary
        body = (
            '<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>'
            f"<Credentials><AccessKeyId>{key}</AccessKeyId><SecretAccessKey>{secret}</SecretAccessKey>"
            f"<SessionToken>{token}</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration>"
            f"</Credentials><AssumedRoleUser><Arn>{form.get('RoleArn')}/s</Arn>"
            "<AssumedRoleId>AROAEXAMPLE:s</AssumedRoleId></AssumedRoleUser></AssumeRoleResult>"
            "<ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></AssumeRoleResponse>"
        )
        return Reply(200, body.encode(), {"Content-Type": "text/xml"})
