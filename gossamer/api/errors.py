"""The API's framework errors: go-openapi rejecting a request before its handler runs."""

from __future__ import annotations

from typing import Any

from gossamer.api import gojson
from gossamer.errors import ValidationError

__all__ = ["FrameworkReject", "parse_failed", "read_document"]


class FrameworkReject(ValidationError):
    """A go-openapi binding/validation error: the status and its ``{"code","message"}`` body."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def __repr__(self) -> str:
        return f"<FrameworkReject {self.status} code={self.code} {self.message!r}>"


def parse_failed(reason: str, name: str = "alerts") -> FrameworkReject:
    """go-openapi's ``NewParseError(name, "body", "", err)``: 400, code 400."""
    return FrameworkReject(400, 400, f'parsing {name} body from "" failed, because {reason}')


def read_document(body: bytes, name: str) -> Any:
    """The body parameter ``name`` as go-openapi's JSON consumer reads it: no value at all is
    422 ``<name> in body is required``, a syntax error a 400 parse error."""
    try:
        return gojson.decode(body)
    except gojson.GoEOF:
        raise FrameworkReject(422, 602, f"{name} in body is required") from None
    except (gojson.GoSyntaxError, gojson.UnexpectedEOF) as exc:
        raise parse_failed(str(exc), name) from None
