"""Go's mail text encodings as gossamer ports them: vectors from Go's own tests."""

from __future__ import annotations

import pytest

from receivers.address import AddressError, parse_address_list
from receivers.mime import q_encode
from receivers.smtp_encoding import exact_quoted_printable, quoted_printable


@pytest.mark.parametrize(
    ("text", "encoded"),
    [
        ("Hello world", "Hello world"),
        ("tab\tok", "tab\tok"),
        ("François-Jérôme", "=?utf-8?q?Fran=C3=A7ois-J=C3=A9r=C3=B4me?="),
        ("¡Hola, señor!", "=?utf-8?q?=C2=A1Hola,_se=C3=B1or!?="),
        ("a=b?c_d é", "=?utf-8?q?a=3Db=3Fc=5Fd_=C3=A9?="),
        ("line\nbreak", "=?utf-8?q?line=0Abreak?="),
        ("0" * 62 + "é", "=?utf-8?q?" + "0" * 62 + "?= =?utf-8?q?=C3=A9?="),
        ("0" * 57 + "é", "=?utf-8?q?" + "0" * 57 + "=C3=A9?="),
        ("0" * 58 + "é", "=?utf-8?q?" + "0" * 58 + "?= =?utf-8?q?=C3=A9?="),
        ("€" * 8, "=?utf-8?q?" + "=E2=82=AC" * 7 + "?= =?utf-8?q?=E2=82=AC?="),
    ],
)
def test_q_encoding_matches_go_mime_word_encoder(text: str, encoded: str) -> None:
    """``mime.QEncoding.Encode("utf-8", s)``: words of at most 75 characters, runes never split."""
    assert q_encode(text) == encoded


@pytest.mark.parametrize(
    ("text", "encoded"),
    [
        ("", ""),
        ("foo bar", "foo bar"),
        ("foo bar=", "foo bar=3D"),
        ("foo bar\r", "foo bar\r\n"),
        ("foo bar\r\r", "foo bar\r\n\r\n"),
        ("foo bar\n", "foo bar\r\n"),
        ("foo bar\r\n", "foo bar\r\n"),
        ("foo bar\r\r\n", "foo bar\r\n\r\n"),
        ("foo bar ", "foo bar=20"),
        ("foo bar\t", "foo bar=09"),
        ("foo bar  ", "foo bar =20"),
        ("foo bar \n", "foo bar=20\r\n"),
        ("foo bar \r", "foo bar=20\r\n"),
        ("foo bar \r\n", "foo bar=20\r\n"),
        ("foo bar  \n", "foo bar =20\r\n"),
        ("foo bar  \n ", "foo bar =20\r\n=20"),
        ("foo bar  \n  ", "foo bar =20\r\n =20"),
        ("résumé", "r=C3=A9sum=C3=A9"),
        ("\t", "=09"),
        ("=", "=3D"),
        ("a" * 75, "a" * 75),
        ("a" * 76, "a" * 75 + "=\r\na"),
        ("a" * 72 + "=", "a" * 72 + "=3D"),
        ("a" * 73 + "=", "a" * 73 + "=\r\n=3D"),
        ("a" * 75 + "=", "a" * 75 + "=\r\n=3D"),
        (" " * 73, " " * 72 + "=20"),
        (" " * 74, " " * 73 + "=\r\n=20"),
        (" " * 75, " " * 74 + "=\r\n=20"),
        (" " * 76, " " * 75 + "=\r\n=20"),
        (" " * 77, " " * 75 + "=\r\n =20"),
    ],
)
def test_quoted_printable_matches_go_writer(text: str, encoded: str) -> None:
    """``mime/quotedprintable.Writer`` in text mode, then ``Close`` (fast path and port)."""
    assert quoted_printable(text) == encoded.encode()
    assert exact_quoted_printable(text) == encoded.encode()


@pytest.mark.parametrize(
    ("text", "addresses"),
    [
        ("jdoe@machine.example", ["jdoe@machine.example"]),
        (
            '"Joe Q. Public" <john.q.public@example.com>, Mary Smith <mary@x.test>, '
            "jdoe@example.org, Who? <one@y.test>",
            ["john.q.public@example.com", "mary@x.test", "jdoe@example.org", "one@y.test"],
        ),
        (
            "A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;",
            ["c@a.test", "joe@where.test", "jdoe@one.test"],
        ),
        (
            "Group1: <addr1@example.com>;, Group 2: addr2@example.com;, John <addr3@example.com>",
            ["addr1@example.com", "addr2@example.com", "addr3@example.com"],
        ),
        ("undisclosed-recipients:;", []),
        ("jdoe@example.org (John Doe), , ,x@y.z", ["jdoe@example.org", "x@y.z"]),
        ('"quoted local"@example.com', ["quoted local@example.com"]),
        ("=?utf-8?q?J=C3=B6rg?= <joerg@example.com>", ["joerg@example.com"]),
        ("Jörg <jörg@exämple.com>", ["jörg@exämple.com"]),
    ],
)
def test_address_lists_parse_as_go_net_mail(text: str, addresses: list[str]) -> None:
    """``mail.ParseAddressList``: display names, groups and comments around the addr-specs."""
    assert parse_address_list(text) == addresses


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", "mail: no address"),
        ("John Doe", "mail: no angle-addr"),
        ("john.doe", "mail: missing '@' or angle-addr"),
        ("<jdoe#machine.example>", "mail: missing @ in addr-spec"),
        ("cfws@example.com (", "mail: misformatted parenthetical comment"),
        ("group not closed: null@example.com", "mail: expected comma"),
        ("root group: embed group: null@example.com;", "mail: no angle-addr"),
        ("a@b c@d", "mail: expected comma"),
        ("x <a@b", "mail: unclosed angle-addr"),
        (
            '"\x00" <null@example.net>',
            "mail: missing word in phrase: mail: bad character in quoted-string: '\\x00'",
        ),
        ('"unclosed <a@b>', "mail: missing word in phrase: mail: unclosed quoted-string"),
        (
            "=?iso-8859-2?Q?Bogl=E1rka_Tak=E1cs?= <unknown@gmail.com>",
            'mail: missing word in phrase: charset not supported: "iso-8859-2"',
        ),
        ("a@b (=?x-y?q?z?=)", 'charset not supported: "x-y"'),
    ],
)
def test_address_list_errors_read_as_go_net_mail(text: str, error: str) -> None:
    """The error texts Alertmanager wraps in ``parse 'to' addresses: ...``."""
    with pytest.raises(AddressError) as info:
        parse_address_list(text)
    assert str(info.value) == error
