"""Silence endpoints through the ASGI app, with Alertmanager 0.25's decoding and answers."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gossamer.api.app import Api
from tests.api_rig import FakeNode, call

JSON = {"Content-Type": "application/json"}
GOOD: dict[str, Any] = {
    "matchers": [{"name": "alertname", "value": "X", "isRegex": False}],
    "startsAt": "2026-11-24T18:00:00Z",
    "endsAt": "2099-01-01T00:00:00Z",
    "createdBy": "me",
    "comment": "c",
}


def silence(**changes: Any) -> bytes:
    return json.dumps({**GOOD, **changes}).encode()


def post(api: Api, body: bytes) -> tuple[int, Any]:
    reply = call(api, "POST", "/api/v2/silences", body, JSON)
    return reply.status, json.loads(reply.body) if reply.body else None


@pytest.fixture
def api() -> Api:
    return Api(FakeNode())


def test_a_new_silence_answers_its_id_and_is_listed(api: Api) -> None:
    """200 ``{"silenceID": ...}`` with the producer's newline; the list shows it, start clamped."""
    reply = call(api, "POST", "/api/v2/silences", silence(createdBy="<ops>"), JSON)
    assert reply.body == b'{"silenceID":"00000000-0000-4000-8000-000000000001"}\n'
    listed = call(api, "GET", "/api/v2/silences").body
    assert b'"createdBy":"\\u003cops\\u003e"' in listed and listed.endswith(b"]\n")
    (one,) = json.loads(listed)
    assert one["status"] == {"state": "active"} and one["startsAt"] == "2026-11-24T19:00:00.000Z"


@pytest.mark.parametrize(
    ("changes", "status", "message"),
    [
        ({"comment": None}, 422, "comment in body is required"),
        ({"comment": None, "createdBy": 5}, 400,
         'parsing silence body from "" failed, because json: cannot unmarshal number into Go struct field Silence.createdBy of type string'),
        ({"matchers": []}, 422, "matchers in body should have at least 1 items"),
        ({"matchers": [None, {"name": "a", "value": "b"}]}, 422, "matchers.1.isRegex in body is required"),
        ({"matchers": [{"name": 5, "value": "x", "isRegex": False}]}, 400,
         'parsing silence body from "" failed, because json: cannot unmarshal number into Go struct field Matcher.matchers.name of type string'),
        ({"matchers": [5]}, 400,
         'parsing silence body from "" failed, because json: cannot unmarshal number into Go struct field Silence.matchers of type models.Matcher'),
        ({"id": 5}, 400, 'parsing silence body from "" failed, because json: cannot unmarshal number into Go struct field .id of type string'),
        ({"endsAt": "2099-01-01T00:00:00+99:99"}, 422, 'endsAt in body must be of type date-time: "2099-01-01T00:00:00.000+100:39"'),
        ({"startsAt": "2099-01-01T00:00:00Z"}, 400, "Failed to create silence: start time must be before end time"),
        ({"startsAt": "2019-01-01T00:00:00Z", "endsAt": "2020-01-01T00:00:00Z"}, 400,
         "Failed to create silence: end time can't be in the past"),
        ({"id": "00000000-0000-4000-8000-000000000099"}, 404, "silence not found"),
    ],
)  # fmt: skip
def test_bad_silences_get_alertmanagers_status_and_message(
    api: Api, changes: dict[str, Any], status: int, message: str
) -> None:
    """Decode errors (400 objects), schema errors (422), handler errors (400/404 strings)."""
    got_status, body = post(api, silence(**changes))
    assert got_status == status
    assert (body["message"] if isinstance(body, dict) else body) == message


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (b"", 422, "silence in body is required"),
        (b"null", 422, "comment in body is required"),
        (b"[]", 400, 'parsing silence body from "" failed, because json: cannot unmarshal array into Go value '
                     'of type struct { ID string "json:\\"id,omitempty\\"" }'),
        (b"garbage", 400, "parsing silence body from \"\" failed, because invalid character 'g' looking for beginning of value"),
    ],
)  # fmt: skip
def test_bodies_that_are_not_silences(api: Api, body: bytes, status: int, message: str) -> None:
    assert post(api, body) == (
        status,
        {"code": status if status != 422 else 602, "message": message},
    )


def test_repeated_matchers_decode_over_the_previous_ones(api: Api) -> None:
    """Go reuses the slice and its elements: the second array only changes isEqual."""
    body = silence()[:-1] + b',"matchers":[{"isEqual":false}]}'
    assert post(api, body)[0] == 200
    (one,) = json.loads(call(api, "GET", "/api/v2/silences").body)
    assert one["matchers"] == [
        {"isEqual": False, "isRegex": False, "name": "alertname", "value": "X"}
    ]


def test_a_null_matcher_is_refused_with_a_500(api: Api) -> None:
    """Alertmanager dereferences it and panics (the connection drops); gossamer answers 500."""
    assert call(api, "POST", "/api/v2/silences", silence(matchers=[None]), JSON).status == 500


@pytest.mark.parametrize(
    ("sid", "status"),
    [("00000000-0000-4000-8000-000000000001", 200), ("00000000000040008000000000000001", 404),
     ("0000000000004000800000000000000A", 404), ("%7B00000000-0000-4000-8000-000000000001%7D", 422),
     ("a%2Fb", 422)],
)  # fmt: skip
def test_silence_ids_are_strfmt_uuids(api: Api, sid: str, status: int) -> None:
    """Dashes are optional and case is free; an unknown silence is an empty 404."""
    post(api, silence())
    reply = call(api, "GET", f"/api/v2/silence/{sid}")
    assert reply.status == status
    if status == 404:
        assert (reply.body, reply.header("content-type")) == (b"", None)
    if status == 422:
        assert json.loads(reply.body)["message"].startswith(
            "silenceID in path must be of type uuid: "
        )


def test_expiring_an_unknown_silence_is_a_500(api: Api) -> None:
    reply = call(api, "DELETE", "/api/v2/silence/00000000-0000-4000-8000-000000000042")
    assert (reply.status, reply.body) == (500, b'"silence not found"\n')


def test_expiring_a_silence_ends_it(api: Api) -> None:
    post(api, silence())
    assert call(api, "DELETE", "/api/v2/silence/00000000-0000-4000-8000-000000000001").status == 200
    (one,) = json.loads(call(api, "GET", "/api/v2/silences").body)
    assert one["status"] == {"state": "expired"}
