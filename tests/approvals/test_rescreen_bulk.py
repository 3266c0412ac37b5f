"""Re-screening many entries at once: the same findings as one at a time, a fixed number of statements
whatever the count, and every change of status logged, audited and kept in the history."""

import datetime as dt

from django.utils import timezone

from approvals import services
from approvals.models import BlockedNumber, CaseParty, EntryTransition, PhoneListEntry
from approvals.screening import screen_entries, screen_number
from audit.models import AuditEvent
from facilities.models import CallingPolicy

from ..factories import InmateFactory, facility_today
from .factories import (
    BlockedNumberFactory,
    CasePartyFactory,
    CourtCaseFactory,
    NoContactOrderFactory,
    PhoneListEntryFactory,
)

S = PhoneListEntry.Status
N = [f"+1312555{1000 + i:04d}" for i in range(10)]


def test_screen_entries_finds_what_screen_number_finds(home, other):
    CallingPolicy.objects.filter(facility=home).update(screen_codefendants=True)
    CallingPolicy.objects.filter(facility=other).update(screen_codefendants=False)
    a = InmateFactory(facility=home)
    b = InmateFactory(facility=other)
    c = InmateFactory(facility=home)
    today = facility_today(home)
    NoContactOrderFactory(inmate=a, numbers=[N[0]])
    NoContactOrderFactory(inmate=a, numbers=[N[1]], ends_on=today - dt.timedelta(days=1))  # over
    NoContactOrderFactory(inmate=a, numbers=[N[1]], starts_on=today + dt.timedelta(days=3))  # not yet
    NoContactOrderFactory(inmate=b, numbers=[N[0]], ended_at=timezone.now())  # ended
    BlockedNumberFactory(facility=home, number=N[0])
    BlockedNumberFactory(facility=home, number=N[0], reason=BlockedNumber.Reason.INVESTIGATION)
    BlockedNumberFactory(facility=other, number=N[2], system_wide=True)
    BlockedNumberFactory(facility=other, number=N[3])  # applies at other only
    BlockedNumberFactory(facility=home, number=N[3], ended_at=timezone.now())  # lifted
    case = CourtCaseFactory(facility=home)
    CasePartyFactory(case=case, inmate=a)
    CasePartyFactory(case=case, inmate=b)
    CasePartyFactory(case=case, name="Dee Fendant", numbers=[N[4]])
    CasePartyFactory(case=case, role=CaseParty.Role.VICTIM, name="Vic Tim", numbers=[N[5], N[4]])
    CasePartyFactory(case=case, role=CaseParty.Role.WITNESS, inmate=c, numbers=[N[6]])
    CasePartyFactory(case=case, role=CaseParty.Role.WITNESS, name="Gone", numbers=[N[6]], removed_at=timezone.now())
    for _ in range(8):  # N[7] live on many lists
        PhoneListEntryFactory(inmate=InmateFactory(facility=home), number=N[7])
    PhoneListEntryFactory(inmate=InmateFactory(facility=other), number=N[8], status=S.SUSPENDED)
    entries = [PhoneListEntryFactory(inmate=a, number=n) for n in N]
    entries += [PhoneListEntryFactory(inmate=b, number=n, status=S.PENDING) for n in (N[0], N[2], N[3], N[4], N[7])]
    entries += [PhoneListEntryFactory(inmate=c, number=n, status=S.SUSPENDED) for n in (N[4], N[6], N[7], N[8])]
    entries = list(PhoneListEntry.objects.filter(pk__in=[e.pk for e in entries]).select_related("inmate"))

    bulk = screen_entries(entries)

    kinds = set()
    for entry in entries:
        one = screen_number(inmate=entry.inmate, number=entry.number, legal=entry.legal, purpose="rescreen",
                            exclude_entry_id=entry.pk)
        assert sorted(bulk[entry.pk], key=repr) == sorted(one, key=repr), (entry.inmate, entry.number)
        assert [f.severity for f in bulk[entry.pk]] == [f.severity for f in one]  # blocks first
        kinds |= {f.kind for f in one}
    assert kinds == {"no_contact_order", "blocked_number", "co_defendant", "victim_witness", "shared_number"}


def _shared_live(home, n, number=N[9]):
    return [PhoneListEntryFactory(inmate=InmateFactory(facility=home), number=number) for _ in range(n)]


def _block(home, staff, number=N[9]):
    return services.block_create(facility=home, number=number, reason="investigation", note="Case 77", actor=staff)


def _count_statements(django_assert_max_num_queries, fn):
    with django_assert_max_num_queries(10_000) as captured:
        fn()
    return len(captured.captured_queries)


def test_block_suspends_every_entry_logged_audited_and_in_history(home, staff, django_capture_on_commit_callbacks):
    entries = _shared_live(home, 12)
    with django_capture_on_commit_callbacks(execute=True):
        block = _block(home, staff)
    for entry in entries:
        entry.refresh_from_db()
        assert entry.status == S.SUSPENDED and entry.has_block and entry.has_review  # blocked, and shared
        step = entry.transitions.get()
        assert (step.from_status, step.to_status, step.actor_label, step.reason) == (
            S.LIVE, S.SUSPENDED, "screening", "blocked_number")
        assert f"block #{block.pk}" not in step.note and "blocked at this facility" in step.note
        assert entry.findings.filter(kind="blocked_number", reference=f"block #{block.pk}", cleared_at=None).exists()
        event = AuditEvent.objects.get(target_type="approvals.phonelistentry", target_id=str(entry.pk),
                                       action="phone_entry_suspended")
        assert event.actor_label == "screening" and event.facility_id == home.pk
        assert f"blocked_number:block #{block.pk}" in event.data["new"] and event.data["status"] == S.SUSPENDED
        latest = entry.history.order_by("-history_id").first()
        assert latest.status == S.SUSPENDED and latest.history_change_reason.startswith("suspended: blocked_number")
    with django_capture_on_commit_callbacks(execute=True):
        services.block_end(block=block, actor=staff, note="Investigation closed")
    for entry in entries:
        entry.refresh_from_db()
        assert entry.status == S.PENDING and not entry.has_block  # back to review, never live by itself
        assert list(entry.transitions.values_list("to_status", "reason")) == [
            (S.SUSPENDED, "blocked_number"), (S.PENDING, "block_lifted")]
    assert AuditEvent.objects.filter(action="phone_entry_returned_to_queue").count() == 12


def test_rescreen_takes_the_same_statements_for_3_or_30_entries(home, staff, django_assert_max_num_queries):
    few = _shared_live(home, 3, number=N[8])
    many = _shared_live(home, 30, number=N[9])
    BlockedNumberFactory(facility=home, number=N[8])
    BlockedNumberFactory(facility=home, number=N[9])
    small = _count_statements(django_assert_max_num_queries,
                              lambda: services.rescreen_entries_for(numbers=[N[8]], facility_id=home.pk))
    large = _count_statements(django_assert_max_num_queries,
                              lambda: services.rescreen_entries_for(numbers=[N[9]], facility_id=home.pk))
    assert small == large <= 16, (small, large)
    assert PhoneListEntry.objects.filter(pk__in=[e.pk for e in few + many], status=S.SUSPENDED).count() == 33
    assert EntryTransition.objects.filter(entry__in=few + many, to_status=S.SUSPENDED).count() == 33


def test_rescreen_in_chunks(home, staff, monkeypatch):
    monkeypatch.setattr("approvals.services.rescreen.RESCREEN_CHUNK", 4)
    chunks: list[int] = []
    rescreen = services.entries_rescreen
    monkeypatch.setattr("approvals.services.rescreen.entries_rescreen",
                        lambda *, entry_ids: chunks.append(len(entry_ids)) or rescreen(entry_ids=entry_ids))
    entries = _shared_live(home, 10)
    BlockedNumberFactory(facility=home, number=N[9])
    assert services.rescreen_entries_for(numbers=[N[9]], facility_id=home.pk) == 10
    assert chunks == [4, 4, 2]
    assert PhoneListEntry.objects.filter(pk__in=[e.pk for e in entries], status=S.SUSPENDED).count() == 10


def test_rescreen_without_change_writes_no_log(home, staff):
    entry = PhoneListEntryFactory(inmate=InmateFactory(facility=home), number=N[9])
    services.rescreen_entries_for(numbers=[N[9]])
    entry.refresh_from_db()
    assert entry.status == S.LIVE and entry.screened_at is not None
    assert not entry.transitions.exists()
    assert not AuditEvent.objects.filter(target_type="approvals.phonelistentry", target_id=str(entry.pk)).exists()


def test_closed_entries_are_left_alone(home, staff):
    denied = PhoneListEntryFactory(inmate=InmateFactory(facility=home), number=N[9], status=S.DENIED)
    BlockedNumberFactory(facility=home, number=N[9])
    assert services.entries_rescreen(entry_ids=[denied.pk]) == []
    assert services.entry_rescreen(entry_id=denied.pk) is None
    assert not denied.findings.exists()
