"""The exceptions gossamer raises: one flat, domain-named hierarchy."""

from __future__ import annotations


class GossamerError(Exception):
    """Base of every error gossamer raises on purpose."""


class ConfigError(GossamerError):
    """The configuration file (or a flag) is invalid; the message names the field."""


class ValidationError(GossamerError):
    """An input from a user (API body, query parameter) is invalid."""


class MatcherError(ValidationError):
    """A label matcher could not be parsed or compiled."""


class StorageError(GossamerError):
    """The storage directory holds files gossamer cannot read or write."""


class NotifyError(GossamerError):
    """A notification could not be delivered.

    ``retryable`` says whether the sender may try again (Alertmanager's
    ``(retry bool, err error)`` pair from ``Notifier.Notify``).
    """

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable
