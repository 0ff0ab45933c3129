"""Domain errors raised by services and turned into responses by the views."""

from __future__ import annotations


class DomainError(Exception):
    """Base for errors a member can be told about."""


class Invalid(DomainError):
    """Input that breaks a rule; names the field (or fields) so the form can show it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
        self.errors: dict[str, str] = {field: message}

    @classmethod
    def from_errors(cls, errors: dict[str, str]) -> Invalid:
        """Return one error carrying every field's message."""
        field, message = next(iter(errors.items()))
        error = cls(field, message)
        error.errors = dict(errors)
        return error


class PermissionDenied(DomainError):
    """The acting member may not do this."""

    def __init__(self, message: str = "You are not allowed to do that.") -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    """The thing asked for does not exist, or the member may not see it."""


class Suspended(PermissionDenied):
    """The acting member is suspended and cannot post."""
