"""The one error class of the domain: every app's refusals are a ``DomainError`` (or a subclass).

A refusal carries a stable ``code`` (what the API answers and tests check), a ``message`` for people,
the HTTP ``status`` the API answers it with, and, where one form field is at fault, that ``field``.
Pages show ``message`` (on ``field`` when given); the API's exception handler
(``api.errors.exception_handler``) turns any of them into JSON ``{code, message}`` with ``status``, once.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A request the domain refuses; nothing was changed."""

    default_code = "invalid_input"
    default_status = 400

    def __init__(
        self, *, code: str | None = None, message: str, status: int | None = None, field: str | None = None
    ) -> None:
        super().__init__(message)
        self.code = code or self.default_code
        self.message = message
        self.status = status if status is not None else self.default_status
        self.field = field

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r}, status={self.status})"


class IllegalTransition(DomainError):
    """A change of state the record's lifecycle (or its append-only nature) does not allow."""

    default_code = "illegal_transition"
    default_status = 409


class AlreadyDecided(DomainError):
    """Someone else decided first; ``record`` is the record as their decision left it (it stands)."""

    default_code = "already_decided"
    default_status = 409

    def __init__(self, *, message: str, record: Any = None, code: str | None = None, status: int | None = None,
                 field: str | None = None) -> None:
        super().__init__(code=code, message=message, status=status, field=field)
        self.record = record
