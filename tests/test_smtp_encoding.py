"""The fast email encodings give exactly the bytes of Go's byte-at-a-time state machines."""

from __future__ import annotations

import random

import pytest

from receivers.smtp_encoding import (
    dot_encode,
    exact_dot_encode,
    exact_quoted_printable,
    quoted_printable,
)

PIECES = ["a", " ", "\t", "=", "é", "€", "\n", "\r", "\r\n", ".", "\x00", "\x7f", "~", "x" * 70]
PIECES += ["y" * 30, "  \n", " \t", "=="]


@pytest.mark.parametrize("seed", range(4))
def test_random_texts_encode_as_the_state_machines_do(seed: int) -> None:
    """Random mixes of escapes, blanks, dots and line breaks: identical bytes (seed logged)."""
    rng = random.Random(seed)
    print(f"seed={seed}")
    for _ in range(5_000):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 40)))
        assert quoted_printable(text) == exact_quoted_printable(text), repr(text)
        data = text.encode()
        assert dot_encode(data) == exact_dot_encode(data), repr(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", b""),
        ("a=b", b"a=3Db"),
        ("end \nnext\t", b"end=20\r\nnext=09"),
        ("x" * 75, b"x" * 75),
        ("x" * 76, b"x" * 75 + b"=\r\nx"),
        ("x" * 73 + "é", b"x" * 73 + b"=\r\n=C3=A9"),
        ("x" * 72 + "=", b"x" * 72 + b"=3D"),
    ],
)
def test_quoted_printable_examples(text: str, expected: bytes) -> None:
    """Escapes, trailing blanks and soft breaks land where Go puts them."""
    assert quoted_printable(text) == expected


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (b"", b"\r\n.\r\n"),
        (b".a\n.b\r\n", b"..a\r\n..b\r\n.\r\n"),
        (b"a\rb", b"a\rb\r\n.\r\n"),
        (b"a\r", b"a\r\n.\r\n"),
        (b"a\r.b", b"a\r.b\r\n.\r\n"),
    ],
)
def test_dot_encode_examples(message: bytes, expected: bytes) -> None:
    """Leading dots doubled, bare LFs made CRLF, the terminating dot added."""
    assert dot_encode(message) == expected
