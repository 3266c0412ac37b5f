"""The database keeps the append-only records (issue 8, defect 6): no UPDATE, DELETE or TRUNCATE gets through,
on every table that audit/append_only.py lists and on every simple-history table; the migration role's
``flush`` empties them, the application role cannot.
"""

import datetime as dt
import uuid

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from approvals import services as approvals
from approvals.models import BlockedNumber, EntryFinding, PhoneListEntry, Relationship
from audit import append_only
from audit.models import AuditEvent
from audit.services import audit_record
from calls import services as calls
from calls.models import LedgerEntry
from emergencies import services as emergencies
from emergencies.models import EmergencyRequest, EmergencyRequestEvent
from facilities import services as roster
from facilities.admin_base import AppendOnlyAdmin
from facilities.models import CustodyEvent
from investigations import services as investigations
from investigations.models import Review

pytestmark = pytest.mark.django_db

NUMBER = "+13125550142"


def _tables() -> dict[str, str | None]:
    return append_only.protected_models(apps)


def _refused(sql: str) -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    except DatabaseError:
        return True
    return False


def _pk_column(table: str) -> str:
    model = next(m for m in apps.get_models() if m._meta.db_table == table)
    return model._meta.pk.column


def _count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")
        return cursor.fetchone()[0]


@pytest.fixture
def world(home, staff, warden, platform):
    """A row in each append-only table, written by the services that own them."""
    today = timezone.localdate(timezone=home.tz)
    inmate = roster.inmate_book(facility=home, register_number="55555-001", first_name="Grace", last_name="Hopper",
                                date_of_birth=dt.date(1980, 1, 1), admitted_on=today, actor=platform.platform_client)
    calls.minutes_grant_on_booking(inmate=inmate)
    calls.minutes_grant_extra(inmate=inmate, minutes=30, reason="Funeral arrangements", actor=warden)
    block = approvals.block_create(facility=home, number="+13125550177", reason=BlockedNumber.Reason.INVESTIGATION,
                                   note="Threats", actor=warden)
    investigations.block_review(block=block, actor=warden, outcome=Review.Outcome.KEEP, reason="Threats go on")
    approvals.entry_add(inmate=inmate, number="+13125550177", contact_name="Blocked", relationship=Relationship.PARENT,
                        source=PhoneListEntry.Source.STAFF, actor=staff)
    emergencies.emergency_request_log(
        facility=home, inmate=inmate, caller_name="Mary Hopper", caller_number=NUMBER, relationship="Mother",
        category=EmergencyRequest.Category.DEATH, description="Father died.", channel=EmergencyRequest.Channel.PHONE,
        actor=staff,
    )
    audit_record(action="note", actor=warden, facility=home, reason="why")
    for model in (AuditEvent, LedgerEntry, CustodyEvent, EmergencyRequestEvent, EntryFinding, Review):
        assert model.objects.exists(), model
    return inmate


def test_every_history_table_and_every_append_only_table_is_listed():
    tables = _tables()
    history = {m._meta.db_table for m in apps.get_models() if m.__name__.startswith("Historical")}
    listed = {apps.get_model(label)._meta.db_table for label in [*append_only.APPEND_ONLY, *append_only.SETTLE_ONCE]}
    assert len(history) >= 14
    assert history | listed == set(tables)


def test_every_listed_table_has_its_guard_in_the_database():
    assert append_only.missing_guards(connection, _tables()) == []


def test_every_read_only_log_in_the_admin_is_protected_or_knowingly_updated():
    """A new log shown with AppendOnlyAdmin must be guarded, or named in UPDATED_BY_DESIGN with the reason."""
    logs = {model._meta.label for model, model_admin in admin.site._registry.items()
            if isinstance(model_admin, AppendOnlyAdmin)}
    known = {*append_only.APPEND_ONLY, *append_only.SETTLE_ONCE, *append_only.DECIDED_ONCE,
             *append_only.UPDATED_BY_DESIGN}
    assert logs - known == set()
    assert not set(append_only.APPEND_ONLY) & set(append_only.UPDATED_BY_DESIGN)
    assert not set(append_only.DECIDED_ONCE) & set(append_only.UPDATED_BY_DESIGN)


def test_the_decided_once_spec_of_a_call_follows_its_state_machine():
    """audit/ cannot import calls (the layers): its spec of Call is checked against Call.TRANSITIONS here."""
    from calls.models import Call

    spec = append_only.DECIDED_ONCE["calls.Call"]
    open_statuses = [status for status, following in Call.TRANSITIONS.items() if following]
    assert open_statuses == [spec.open_status]
    assert set(Call.TRANSITIONS[spec.open_status]) == set(spec.next_statuses)


def test_update_delete_and_truncate_are_refused_on_every_protected_table(world):
    tables = _tables()
    filled = {table for table in tables if _count(table)}
    named = {apps.get_model(label)._meta.db_table for label in [*append_only.APPEND_ONLY, *append_only.SETTLE_ONCE]}
    assert named <= filled
    before = {table: _count(table) for table in filled}
    assert len(filled) >= 12  # the history of inmates, entries, blocks, requests, facilities, roles, clients...
    q = connection.ops.quote_name
    for table in sorted(tables):
        pk = q(_pk_column(table))
        if table in filled:
            assert _refused(f"UPDATE {q(table)} SET {pk} = {pk}"), table
            assert _refused(f"DELETE FROM {q(table)}"), table
        assert _refused(f"TRUNCATE {q(table)}"), table
        assert _refused(f"TRUNCATE {q(table)} CASCADE"), table
    assert {table: _count(table) for table in filled} == before
    assert LedgerEntry.objects.filter(inmate=world).count() == 2


def test_truncating_the_audit_trail_is_refused(world):
    """The hole of 0002's trigger: TRUNCATE passed the row trigger."""
    before = AuditEvent.objects.count()
    assert _refused("TRUNCATE audit_auditevent")
    assert AuditEvent.objects.count() == before > 0


def test_an_entry_finding_is_cleared_once_and_nothing_else_changes(world):
    finding = EntryFinding.objects.get(entry__inmate=world)
    assert finding.cleared_at is None
    # The way the code clears a finding (approvals.services: ``.update(cleared_at=now)``) passes:
    assert EntryFinding.objects.filter(pk=finding.pk).update(cleared_at=timezone.now()) == 1
    for sql in (
        f"UPDATE approvals_entryfinding SET cleared_at = now() - interval '1 day' WHERE id = {finding.pk}",
        f"UPDATE approvals_entryfinding SET cleared_at = NULL WHERE id = {finding.pk}",
        f"UPDATE approvals_entryfinding SET message = 'rewritten' WHERE id = {finding.pk}",
        f"DELETE FROM approvals_entryfinding WHERE id = {finding.pk}",
    ):
        assert _refused(sql), sql
    other = EntryFinding.objects.create(entry=finding.entry, kind=finding.kind, severity=finding.severity,
                                        message="second")
    assert _refused(f"UPDATE approvals_entryfinding SET cleared_at = now(), message = 'x' WHERE id = {other.pk}")
    finding.refresh_from_db()
    assert finding.cleared_at is not None and finding.message != "rewritten"


def test_a_column_added_to_a_settle_once_table_is_guarded_after_migrate(world):
    """UPDATE OF lists the columns: one added by a later migration is covered when migrate ends."""
    finding = EntryFinding.objects.get(entry__inmate=world)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the test's transaction holds deferred FK checks
        cursor.execute("ALTER TABLE approvals_entryfinding ADD COLUMN note text")
    assert append_only.missing_guards(connection, _tables()) == ["approvals_entryfinding"]
    assert append_only.ensure_guards(using="default") == ["approvals_entryfinding"]
    assert append_only.missing_guards(connection, _tables()) == []
    assert _refused(f"UPDATE approvals_entryfinding SET note = 'x' WHERE id = {finding.pk}")
    assert not _refused(f"UPDATE approvals_entryfinding SET cleared_at = now() WHERE id = {finding.pk}")


def test_flush_empties_the_protected_tables_and_leaves_the_guards(world):
    """``manage.py flush`` (pytest-django's teardown of transaction=True tests) is the one way through."""
    with connection.cursor() as cursor:  # the test's transaction holds deferred FK checks, which block TRUNCATE
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEvent.objects.exists() and not LedgerEntry.objects.exists()
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone()[0] == "origin"
    assert append_only.missing_guards(connection, _tables()) == []
    audit_record(action="note", reason="after the flush")
    assert _refused("TRUNCATE audit_auditevent") and _refused("DELETE FROM audit_auditevent")


# --------------------------------------------------------------------------- the two roles (README)


@pytest.fixture
def app_role(db):
    """The README's application role, created in this test's transaction (rolled back with it)."""
    if connection.vendor != "postgresql":
        pytest.skip("roles are PostgreSQL's")
    name = f"portal_app_test_{uuid.uuid4().hex[:12]}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {name} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS")
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {name}")
        cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {name}")
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {name}")
    return name


def _as(role: str, sql: str) -> bool:
    """Run ``sql`` as ``role``; True when the database refused it."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL ROLE {role}")
            cursor.execute(sql)
    except DatabaseError:
        return True
    return False


def test_the_application_role_cannot_empty_alter_or_unguard_the_trail(world, app_role):
    event = AuditEvent.objects.latest("id")
    for sql in (
        "TRUNCATE audit_auditevent",
        "TRUNCATE calls_ledgerentry CASCADE",
        "ALTER TABLE audit_auditevent DISABLE TRIGGER ALL",
        f"ALTER TABLE audit_auditevent DISABLE TRIGGER {append_only.ROW_TRIGGER}",
        f"DROP TRIGGER {append_only.ROW_TRIGGER} ON audit_auditevent",
        f"DROP FUNCTION {append_only.FUNCTION}() CASCADE",
        "DROP TABLE audit_auditevent CASCADE",
        "ALTER TABLE audit_auditevent RENAME TO old_trail",
        "SET session_replication_role = replica",
        f"UPDATE audit_auditevent SET reason = 'rewritten' WHERE id = {event.pk}",
        f"DELETE FROM audit_auditevent WHERE id = {event.pk}",
        "DELETE FROM calls_ledgerentry",
        "UPDATE facilities_historicalinmate SET last_name = 'x'",
        "DELETE FROM facilities_custodyevent",
    ):
        assert _as(app_role, sql), sql
    # ... while it does its work: INSERT a trail row, UPDATE a record the code updates.
    assert not _as(app_role, "INSERT INTO audit_auditevent (occurred_at, action, actor_label, target_type, target_id, "
                             "target_repr, reason, data) VALUES (now(), 'note', 'app', '', '', '', 'as the app', '{}')")
    assert not _as(app_role, f"UPDATE calls_minutebalance SET minutes = minutes WHERE inmate_id = {world.pk}")
    assert AuditEvent.objects.filter(reason="as the app").exists()
    assert AuditEvent.objects.get(pk=event.pk).reason == event.reason
    assert append_only.missing_guards(connection, _tables()) == []


def test_the_application_role_cannot_flush(world, app_role):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {app_role}")
        call_command("flush", interactive=False, verbosity=0)
    assert AuditEvent.objects.exists()
