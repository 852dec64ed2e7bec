"""Routing, framework errors and headers, as Alertmanager 0.25's Go layers answer them."""

from __future__ import annotations

import gzip
import json

import pytest

from gossamer.api.app import Api
from tests.api_rig import FakeNode, call


@pytest.fixture
def api() -> Api:
    return Api(FakeNode())


def test_unclean_paths_redirect_permanently_to_their_clean_form(api: Api) -> None:
    """net/http's ServeMux cleans ``//``, ``/./`` and ``/..`` with a 301 and a tiny HTML body."""
    reply = call(api, "GET", "/api/v2//receivers?x=1")
    assert (reply.status, reply.header("location")) == (301, "/api/v2/receivers?x=1")
    assert reply.body == b'<a href="/api/v2/receivers?x=1">Moved Permanently</a>.\n\n'
    assert reply.header("content-type") == "text/html; charset=utf-8"


def test_a_redirected_post_has_no_body_and_no_content_type(api: Api) -> None:
    """http.Redirect writes its body only for GET."""
    reply = call(api, "POST", "/-//reload")
    assert (reply.status, reply.body, reply.header("content-type")) == (301, b"", None)


def test_the_bare_api_root_redirects_to_its_subtree(api: Api) -> None:
    """``/api/v2`` is not a route; ServeMux sends the client to ``/api/v2/``."""
    reply = call(api, "GET", "/api/v2")
    assert (reply.status, reply.header("location")) == (301, "/api/v2/")


def test_unknown_v2_paths_are_json_404s_that_vary_on_origin(api: Api) -> None:
    """go-openapi answers unknown paths with its JSON error, escaped path included."""
    reply = call(api, "GET", "/api/v2/alerts%2Fgroups")
    assert reply.status == 404
    assert reply.body == b'{"code":404,"message":"path /api/v2/alerts%2Fgroups was not found"}'
    assert reply.all("vary") == ["Origin"]


def test_a_wrong_v2_method_is_405_listing_the_allowed_ones(api: Api) -> None:
    """go-openapi's 405 carries an ``Allow`` header and the same list in its message."""
    reply = call(api, "PUT", "/api/v2/alerts")
    assert (reply.status, reply.header("allow")) == (405, "GET,POST")
    assert json.loads(reply.body) == {
        "code": 405,
        "message": "method PUT is not allowed, but [GET,POST] are",
    }


def test_head_on_a_v2_path_gets_the_error_headers_without_a_body(api: Api) -> None:
    """go-openapi's ServeError skips the body for HEAD, so no Content-Length either."""
    reply = call(api, "HEAD", "/api/v2/status")
    assert (reply.status, reply.body, reply.header("content-length")) == (405, b"", None)
    assert reply.header("content-type") == "application/json"


def test_a_trailing_slash_is_ignored_by_the_v2_router(api: Api) -> None:
    """go-openapi trims one trailing slash before matching."""
    assert call(api, "GET", "/api/v2/receivers/").status == 200


def test_v2_json_responses_end_with_a_newline(api: Api) -> None:
    """The JSON producer is a json.Encoder, which writes a newline after the value."""
    reply = call(api, "GET", "/api/v2/receivers")
    assert reply.body == b'[{"name":"default"},{"name":"team.a"},{"name":"pager"}]\n'
    assert reply.header("content-type") == "application/json"


def test_a_request_with_an_origin_is_allowed_from_anywhere(api: Api) -> None:
    """rs/cors' defaults: any origin for GET, POST and HEAD."""
    reply = call(api, "GET", "/api/v2/receivers", headers={"Origin": "http://ui"})
    assert reply.header("access-control-allow-origin") == "*"
    put = call(api, "PUT", "/api/v2/receivers", headers={"Origin": "http://ui"})
    assert put.header("access-control-allow-origin") is None and put.all("vary") == ["Origin"]


def test_a_preflight_is_answered_at_once_with_the_requested_method_and_headers(api: Api) -> None:
    """rs/cors answers 200 to any OPTIONS with Access-Control-Request-Method, known path or not."""
    headers = {
        "Origin": "http://ui",
        "Access-Control-Request-Method": "post",
        "Access-Control-Request-Headers": "content-type, accept",
    }
    reply = call(api, "OPTIONS", "/api/v2/nowhere", headers=headers)
    assert (reply.status, reply.body) == (200, b"")
    assert reply.all("vary") == [
        "Origin",
        "Access-Control-Request-Method",
        "Access-Control-Request-Headers",
    ]
    assert reply.header("access-control-allow-methods") == "POST"
    assert reply.header("access-control-allow-headers") == "Content-Type, Accept"


def test_a_preflight_for_an_unlisted_header_gets_no_cors_headers(api: Api) -> None:
    """A request header outside rs/cors' default list aborts the preflight (still 200)."""
    headers = {
        "Origin": "x",
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "X-Foo",
    }
    reply = call(api, "OPTIONS", "/api/v2/receivers", headers=headers)
    assert reply.status == 200 and reply.header("access-control-allow-origin") is None


@pytest.mark.parametrize(
    ("content_type", "status", "message"),
    [
        (None, 415, 'unsupported media type "application/octet-stream", only [application/json] are allowed'),
        ("text/plain", 415, 'unsupported media type "text/plain", only [application/json] are allowed'),
        (";", 400, 'parsing Content-Type header from ";" failed, because mime: no media type'),
        ("application/json; charset", 400,
         'parsing Content-Type header from "application/json; charset" failed, because mime: invalid media parameter'),
    ],
)  # fmt: skip
def test_a_body_must_be_declared_json(
    api: Api, content_type: str | None, status: int, message: str
) -> None:
    """go-openapi checks a body's Content-Type before anything else, even on GET."""
    headers = {"Content-Type": content_type} if content_type else {}
    reply = call(api, "GET", "/api/v2/alerts?filter=bad", b"[]", headers)
    assert (reply.status, json.loads(reply.body)["message"]) == (status, message)


def test_an_empty_post_is_required_whatever_its_content_type(api: Api) -> None:
    """With no body there is no Content-Type check: the binder reports the missing body."""
    reply = call(api, "POST", "/api/v2/alerts", headers={"Content-Type": "text/plain"})
    assert (reply.status, reply.body) == (
        422,
        b'{"code":602,"message":"alerts in body is required"}',
    )


@pytest.mark.parametrize(
    ("accept", "status"),
    [("text/html", 406), ("Application/JSON", 406), ("application/json;q=0", 406), ("*/*", 200),
     ("text/html, application/*;q=0.1", 200), ("", 200), (";;", 200)],
)  # fmt: skip
def test_accept_must_admit_json(api: Api, accept: str, status: int) -> None:
    """go-openapi's negotiation: exact, case-sensitive media ranges; q=0 excludes."""
    assert call(api, "GET", "/api/v2/receivers", headers={"Accept": accept}).status == status


def test_a_post_with_a_json_body_passes_any_accept_header(api: Api) -> None:
    """The request's own Content-Type is the fallback offer, so Accept cannot fail a POST."""
    headers = {"Content-Type": "application/json", "Accept": "text/html"}
    assert call(api, "POST", "/api/v2/alerts", b"[]", headers).status == 200


def test_health_answers_ok_and_head_answers_nothing(api: Api) -> None:
    """``/-/healthy``: GET writes OK; HEAD only a status line, no type or length."""
    get = call(api, "GET", "/-/healthy")
    assert (get.status, get.body, get.header("content-type")) == (
        200,
        b"OK",
        "text/plain; charset=utf-8",
    )
    head = call(api, "HEAD", "/-/healthy")
    assert (head.status, head.headers) == (200, [])


def test_management_routes_answer_like_httprouter(api: Api) -> None:
    """Wrong method: 405 with Allow (OPTIONS included); OPTIONS: 200 with Allow."""
    wrong = call(api, "PUT", "/-/healthy")
    assert (wrong.status, wrong.header("allow"), wrong.body) == (
        405,
        "GET, HEAD, OPTIONS",
        b"Method Not Allowed\n",
    )
    assert wrong.header("x-content-type-options") == "nosniff"
    options = call(api, "OPTIONS", "/-/reload")
    assert (options.status, options.header("allow"), options.body) == (200, "OPTIONS, POST", b"")
    assert call(api, "OPTIONS", "/nowhere").status == 404


def test_management_routes_fix_a_trailing_slash_or_letter_case(api: Api) -> None:
    """httprouter redirects 301 for GET and 307 for other methods."""
    assert (
        call(api, "GET", "/-/HEALTHY").status,
        call(api, "GET", "/-/HEALTHY").header("location"),
    ) == (
        301,
        "/-/healthy",
    )
    post = call(api, "POST", "/-/reload/")
    assert (post.status, post.header("location"), post.body) == (307, "/-/reload", b"")
    assert call(api, "POST", "/-/healthy/").status == 404


def test_unknown_paths_outside_the_api_are_plain_404s(api: Api) -> None:
    reply = call(api, "GET", "/nowhere")
    assert (reply.status, reply.body) == (404, b"404 page not found\n")
    assert reply.header("x-content-type-options") == "nosniff"


def test_a_failed_reload_is_a_500_with_a_newline() -> None:
    """``http.Error`` appends a newline to the message."""
    node = FakeNode()
    node.reload_error = "bad config"
    reply = call(Api(node), "POST", "/-/reload")
    assert (reply.status, reply.body) == (500, b"failed to reload config: bad config\n")


def test_metrics_are_text_0_0_4_and_gzipped_when_accepted(api: Api) -> None:
    """promhttp: the 0.0.4 text format, gzip on request, streamed (no Content-Length)."""
    plain = call(api, "GET", "/metrics")
    assert plain.header("content-type") == "text/plain; version=0.0.4; charset=utf-8"
    assert plain.header("content-length") is None
    zipped = call(api, "GET", "/metrics", headers={"Accept-Encoding": "br, gzip;q=0.5"})
    assert zipped.header("content-encoding") == "gzip"
    assert gzip.decompress(zipped.body).startswith(b"# HELP")


def test_a_route_prefix_moves_every_path_and_roots_redirect_to_it() -> None:
    """With ``--web.route-prefix=/am``, ``GET /`` is a 302 to ``/am``; the API lives below it."""
    api = Api(FakeNode(), "/am/")
    root = call(api, "GET", "/")
    assert (root.status, root.header("location"), root.body) == (
        302,
        "/am",
        b'<a href="/am">Found</a>.\n\n',
    )
    assert call(api, "GET", "/am/api/v2/receivers").status == 200
    assert call(api, "GET", "/am/-/healthy").status == 200
    missing = call(api, "GET", "/am/api/v2/nope")
    assert json.loads(missing.body)["message"] == "path /api/v2/nope was not found"
    assert call(api, "GET", "/api/v2/receivers").status == 404


def test_a_long_body_is_streamed_like_net_http_does() -> None:
    """Bodies over net/http's 2 KiB buffer go out chunked, without Content-Length."""
    node = FakeNode()
    node.config.receivers.extend(node.config.receivers * 100)
    reply = call(Api(node), "GET", "/api/v2/receivers")
    assert len(reply.body) > 2048 and reply.header("content-length") is None
