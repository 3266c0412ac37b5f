"""A guard for the tests that call services with no transaction around them (``django_db(transaction=True)``).

``services_own_their_transactions``: while the test runs, any INSERT, UPDATE or DELETE issued from a
services module (but the audit trail's writer, which runs in its caller's transaction) while no
transaction is open fails the test. With no wrapping transaction, that is a
service writing in autocommit: it relies on a caller's transaction production does not have (a failure
half-way leaves half the change). Writes made by the test's own set-up (factories) are not services' and
pass. Use it with ``pytest.mark.usefixtures("services_own_their_transactions")`` after importing it.
"""

from __future__ import annotations

import re
import sys

import pytest
from django.db import connection

SERVICE_MODULES = (
    "api.services",
    "approvals.services",
    "audit.services",
    "calls.reset",
    "calls.reviews",
    "calls.services",
    "emergencies.services",
    "facilities.services",
    "investigations.services",
    "operations.services",
)

# The audit trail's writer runs inside its caller's transaction (a service's, or a signal's such as a login):
# a write of a service is caught through the service that called it.
GUARDED = tuple(m for m in SERVICE_MODULES if m != "audit.services")
_GUARDED_PACKAGES = tuple(f"{m}." for m in GUARDED)  # a services package's modules (approvals.services.entries)
_WRITES = ("INSERT", "UPDATE", "DELETE", "TRUNCATE", "MERGE")
# A data-modifying WITH (``WITH c AS (INSERT ...) UPDATE ...``) is a write too.
_WITH_WRITE = re.compile(r"^\s*WITH\b.*\b(INSERT|UPDATE|DELETE)\b", re.IGNORECASE | re.DOTALL)

# Helpers that write in ONE statement with no transaction around it, deliberately: the statement is atomic by
# itself, and nothing else of the service's is written with it. Each with its reason.
ONE_STATEMENT = {
    "calls.services._decide_unlocked": "the plain call decision's write: the call, and for an allowed call the "
                                       "balance update on the condition that the row is still as read, in one "
                                       "statement (docs/calls-and-minutes.md, the decision's statements)",
}


def _service_frame() -> str | None:
    """The outermost services function on the stack (the one the test called), or None."""
    frame, found = sys._getframe(2), None
    while frame is not None:
        module = frame.f_globals.get("__name__")
        if module in GUARDED or (module or "").startswith(_GUARDED_PACKAGES):
            found = f"{module}.{frame.f_code.co_name}"
        frame = frame.f_back
    return found


def _one_statement_helper() -> bool:
    """Whether a helper of ``ONE_STATEMENT`` is on the stack."""
    frame = sys._getframe(2)
    while frame is not None:
        if f"{frame.f_globals.get('__name__')}.{frame.f_code.co_name}" in ONE_STATEMENT:
            return True
        frame = frame.f_back
    return False


def is_write(sql: str) -> bool:
    return sql.lstrip().upper().startswith(_WRITES) or _WITH_WRITE.match(sql) is not None


def autocommit_writes(found: list[tuple[str, str]]):
    """An execute wrapper appending (service, statement) for each services write outside a transaction."""

    def wrapper(execute, sql, params, many, context):
        if not context["connection"].in_atomic_block and is_write(sql) and not _one_statement_helper():
            service = _service_frame()
            if service is not None:
                found.append((service, sql[:160]))
        return execute(sql, params, many, context)

    return wrapper


@pytest.fixture
def services_own_their_transactions():
    found: list[tuple[str, str]] = []
    with connection.execute_wrapper(autocommit_writes(found)):
        yield found
    assert not found, "services wrote outside a transaction of their own (autocommit): " + "; ".join(
        f"{service}: {sql}" for service, sql in found
    )
