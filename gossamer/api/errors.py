"""The API's framework errors: go-openapi rejecting a request before its handler runs."""

from __future__ import annotations

from gossamer.errors import ValidationError

__all__ = ["FrameworkReject", "parse_failed"]


class FrameworkReject(ValidationError):
    """A go-openapi binding/validation error: the status and its ``{"code","message"}`` body."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def __repr__(self) -> str:
        return f"<FrameworkReject {self.status} code={self.code} {self.message!r}>"


def parse_failed(reason: str) -> FrameworkReject:
    """go-openapi's ``NewParseError("alerts", "body", "", err)``: 400, code 400."""
    return FrameworkReject(400, 400, f'parsing alerts body from "" failed, because {reason}')
