"""Go's JSON, time, URL and media-type rules as the API reproduces them (texts from 0.25)."""

from __future__ import annotations

import pytest

from gossamer.api import gojson
from gossamer.api.gotime import (
    DateTimeError,
    format_millis,
    is_openapi_datetime,
    parse_datetime,
    unless_zero,
)
from gossamer.api.mime import MimeError, negotiates_json, parse_media_type
from gossamer.api.urls import clean_path, escaped_path

LAYOUT = '"2006-01-02 15:04:05"'


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"[01]", "invalid character '1' after array element"),
        (b"[1.]", "invalid character ']' after decimal point in numeric literal"),
        (b"[-]", "invalid character ']' in numeric literal"),
        (b"[1e]", "invalid character ']' in exponent of numeric literal"),
        (b"[nul]", "invalid character ']' in literal null (expecting 'l')"),
        (b"[NaN]", "invalid character 'N' looking for beginning of value"),
        (b"{'a':1}", "invalid character '\\'' looking for beginning of object key string"),
        (b'{"a" 1}', "invalid character '1' after object key"),
        (b'{"a":1 "b"}', "invalid character '\"' after object key:value pair"),
        (b'["\\x"]', "invalid character 'x' in string escape code"),
        (b'["\\u00zz"]', "invalid character 'z' in \\u hexadecimal character escape"),
        (b'["a\tb"]', "invalid character '\\t' in string literal"),
        (b"[1,]", "invalid character ']' looking for beginning of value"),
        (b"\xef\xbb\xbf[]", "invalid character '\u00ef' looking for beginning of value"),
        (b"[" * 10001, "invalid character '[' exceeded max depth"),
    ],
)
def test_syntax_errors_carry_the_scanners_words(body: bytes, message: str) -> None:
    """encoding/json's scanner messages, which Alertmanager puts in its 400 bodies."""
    with pytest.raises(gojson.GoSyntaxError) as info:
        gojson.decode(body)
    assert str(info.value) == message


def test_the_decoder_reads_one_value_and_ignores_the_rest() -> None:
    """json.Decoder.Decode stops after the first value: trailing garbage is never seen."""
    assert gojson.decode(b"[] trailing") == []
    assert gojson.decode(b"123x") == "123"


def test_truncated_and_empty_input_are_eof_errors() -> None:
    """Input that ends inside a value is ``unexpected EOF``; no value at all is ``EOF``."""
    with pytest.raises(gojson.UnexpectedEOF):
        gojson.decode(b'[{"a":1}')
    with pytest.raises(gojson.GoEOF):
        gojson.decode(b" \n ")


def test_strings_decode_bad_bytes_and_lone_surrogates_to_replacement_characters() -> None:
    """Go coerces each invalid UTF-8 byte and each unpaired surrogate escape to U+FFFD."""
    assert gojson.decode(b'"a\xffb\xe2\x80x"') == "a\ufffdb\ufffd\ufffdx"
    assert gojson.decode(b'"\\ud800\\udc00|\\ud800x|\\udc00"') == "\U00010000|\ufffdx|\ufffd"


def test_objects_keep_duplicate_keys_in_order() -> None:
    """Go's struct decoding depends on every key, so none is dropped."""
    assert gojson.decode(b'{"a":1,"a":{"b":null}}') == [("a", "1"), ("a", [("b", None)])]


def test_responses_escape_what_go_escapes() -> None:
    """The producer leaves <>& alone; json.Marshal escapes them; both escape U+2028 and \\b."""
    assert (
        gojson.encode_response({"b": "<&>\u2028\b", "a": 1}) == b'{"a":1,"b":"<&>\\u2028\\u0008"}\n'
    )
    assert gojson.marshal({"m": "<&>"}) == b'{"m":"\\u003c\\u0026\\u003e"}'
    assert gojson.encode_response("bad \udcff byte") == b'"bad \\ufffd byte"\n'


@pytest.mark.parametrize(
    ("text", "ns", "offset"),
    [
        ("2026-01-01T00:00:00Z", 1767225600 * 10**9, 0),
        ("2026-01-01T00:00:00.123456789+02:00", 1767218400123456789, 7200),
        ("2026-01-01T00:00:00.1234567891Z", 1767225600123456789, 0),
        ("2026-01-01T00:00:00,5Z", 1767225600500000000, 0),
        ("2026-01-01T1:00:00Z", 1767229200 * 10**9, 0),
        ("2026-01-01T00:00:00.123+0200", 1767218400123000000, 7200),
        ("2026-01-01T00:00", 1767225600 * 10**9, 0),
        ("2026-01-01T00:00Z", 1767225600 * 10**9, 0),
        ("2026-01-01   00:00:00", 1767225600 * 10**9, 0),
        ("2026-01-01T00:00:00+25:00", 1767135600 * 10**9, 90000),
        ("0000-01-01T00:00:00Z", -62167219200 * 10**9, 0),
        ("", 0, 0),
    ],
)
def test_strfmt_accepts_its_ten_layouts(text: str, ns: int, offset: int) -> None:
    """strfmt.ParseDateTime: RFC 3339 variants, local-time forms read as UTC, "" is the epoch."""
    assert parse_datetime(text) == (ns, offset)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("notatime", f'parsing time "notatime" as {LAYOUT}: cannot parse "notatime" as "2006"'),
        ("2026-01-01", f'parsing time "2026-01-01" as {LAYOUT}: cannot parse "" as "15"'),
        ("2026-01-01T00:00:00z", f'parsing time "2026-01-01T00:00:00z" as {LAYOUT}: cannot parse "T00:00:00z" as " "'),
        ("2026-13-01T00:00:00Z", 'parsing time "2026-13-01T00:00:00Z": month out of range'),
        ("2026-02-29 00:00:00", 'parsing time "2026-02-29 00:00:00": day out of range'),
        ("2026-01-01 24:00:00", 'parsing time "2026-01-01 24:00:00": hour out of range'),
        ("2026-01-01 00:00:00 ", 'parsing time "2026-01-01 00:00:00 ": extra text: " "'),
        ("é\t", f'parsing time "\\xc3\\xa9\\x09" as {LAYOUT}: cannot parse "\\xc3\\xa9\\x09" as "2006"'),
    ],
)  # fmt: skip
def test_strfmt_reports_the_last_layouts_error_in_go_1_19_words(text: str, message: str) -> None:
    """The error is the one for "2006-01-02 15:04:05"; Go 1.19 quotes non-ASCII bytes as \\x."""
    with pytest.raises(DateTimeError) as info:
        parse_datetime(text)
    assert str(info.value) == message


def test_offsets_of_a_hundred_hours_fail_go_swaggers_date_time_check() -> None:
    """Go parses +99:99, but its re-formatted text has three hour digits and fails validation."""
    assert not is_openapi_datetime(*parse_datetime("2026-01-01T00:00:00+99:99"))
    assert is_openapi_datetime(*parse_datetime("2026-01-01T00:00:00+24:00"))


def test_paths_clean_like_net_http() -> None:
    """Unlike posixpath, a leading ``//`` collapses; a trailing slash is kept."""
    assert clean_path("//api/v2/./x/../status/") == "/api/v2/status/"
    assert escaped_path("/a%2Fb", "/a/b") == "/a%2Fb"
    assert escaped_path("/a b", "/a b") == "/a%20b"


@pytest.mark.parametrize(
    ("value", "result"),
    [("Application/JSON ; charset=utf-8", "application/json"), ("application/json;", "application/json"),
     ('text/plain; a="b;c"', "text/plain")],
)  # fmt: skip
def test_media_types_parse_like_go(value: str, result: str) -> None:
    assert parse_media_type(value) == result


@pytest.mark.parametrize(
    ("value", "message"),
    [("", "mime: no media type"), ("a/", "mime: expected token after slash"),
     ("a/b/c", "mime: unexpected content after media subtype"), ("a/b; x=1; x=2", "mime: duplicate parameter name"),
     ("a b", "mime: expected slash after first token")],
)  # fmt: skip
def test_bad_media_types_fail_with_gos_messages(value: str, message: str) -> None:
    with pytest.raises(MimeError) as info:
        parse_media_type(value)
    assert str(info.value) == message


def test_accept_negotiation_falls_back_to_the_request_body_type() -> None:
    """No usable Accept header admits JSON; otherwise a body's own type is the fallback."""
    assert negotiates_json([], "")
    assert not negotiates_json(["text/html"], "")
    assert negotiates_json(["text/html"], "application/json")
    assert negotiates_json(["application/json;level=1;q=0.5, text/*"], "")


def test_go_zero_time_means_not_given_and_years_print_with_four_digits() -> None:
    """0001-01-01T00:00:00Z (any offset) is Go's zero time; output pads years like Go."""
    assert unless_zero(parse_datetime("0001-01-01T05:00:00+05:00")) is None
    assert (
        format_millis(*parse_datetime("0999-01-01T00:00:00.5+01:00"))
        == "0999-01-01T00:00:00.500+01:00"
    )
