"""The one screening statement (issue 13): every finding of many subjects in one query, the same statement
for one number and for many, on PostgreSQL and on SQLite (test_sqlite_stack runs this module there too)."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from approvals import services
from approvals.models import BlockedNumber, CaseParty, LibraryNumber
from approvals.screening import Subject, evaluate, screen_number
from approvals.screening.engine import statement
from facilities.models import CallingPolicy

from ..factories import InmateFactory, facility_today
from .factories import (
    BlockedNumberFactory,
    CasePartyFactory,
    CourtCaseFactory,
    NoContactOrderFactory,
    PhoneListEntryFactory,
)

pytestmark = pytest.mark.django_db

ORDERED = "+13125550161"
BLOCKED_HOME = "+13125550162"  # blocked at home, and at the other facility
BLOCKED_ONE = "+13125550163"  # a called party's block against the home inmate only
BLOCKED_WIDE = "+13125550164"  # blocked system-wide (entered at the other facility)
LIBRARY = "+13125550165"  # in home's library, and on a peer's list
VICTIM = "+13125550166"  # a victim's number on the home inmate's case
SHARED = "+13125550167"  # on a peer's list (pending) and on the away inmate's
NUMBERS = (ORDERED, BLOCKED_HOME, BLOCKED_ONE, BLOCKED_WIDE, LIBRARY, VICTIM, SHARED)


@pytest.fixture
def world(home, other, inmate, warden):
    peer = InmateFactory(facility=home, register_number="55555-001")
    away = InmateFactory(facility=other, register_number="77777-001")
    NoContactOrderFactory(inmate=inmate, numbers=[ORDERED], order_number="NCO-IN-FORCE")
    NoContactOrderFactory(inmate=inmate, numbers=[ORDERED], ended_at=timezone.now())  # ended
    NoContactOrderFactory(inmate=inmate, numbers=[ORDERED],
                          starts_on=facility_today(home) + dt.timedelta(days=3))  # not yet
    NoContactOrderFactory(inmate=away, numbers=[ORDERED], ends_on=facility_today(other) - dt.timedelta(days=1))
    BlockedNumberFactory(facility=home, number=BLOCKED_HOME)
    BlockedNumberFactory(facility=other, number=BLOCKED_HOME)
    BlockedNumberFactory(facility=home, number=BLOCKED_HOME,
                         ends_at=timezone.now() - dt.timedelta(seconds=1))  # over
    BlockedNumberFactory(facility=home, number=BLOCKED_ONE, inmate=inmate,
                         reason=BlockedNumber.Reason.CALLED_PARTY_REQUEST, source=BlockedNumber.Source.PHONE)
    BlockedNumberFactory(facility=other, number=BLOCKED_WIDE, system_wide=True)
    services.library_add(facility=home, number=LIBRARY, name="Public defender", reason="Counsel for inmates.",
                         category=LibraryNumber.Category.PUBLIC_DEFENDER, actor=warden)
    PhoneListEntryFactory(inmate=peer, number=LIBRARY)
    case = CourtCaseFactory(facility=home, case_number="CR-STATEMENT")
    CasePartyFactory(case=case, role=CaseParty.Role.DEFENDANT, inmate=inmate)
    CasePartyFactory(case=case, role=CaseParty.Role.VICTIM, name="Vera Victim", numbers=[VICTIM])
    PhoneListEntryFactory(inmate=peer, number=SHARED, status="pending")
    PhoneListEntryFactory(inmate=away, number=SHARED)
    return {"inmate": inmate, "away": away, "peer": peer}


EXPECTED = {  # (who, number): the kinds found
    ("inmate", ORDERED): ["no_contact_order"],
    ("inmate", BLOCKED_HOME): ["blocked_number"],
    ("inmate", BLOCKED_ONE): ["blocked_number"],
    ("inmate", BLOCKED_WIDE): ["blocked_number"],
    ("inmate", LIBRARY): [],  # a library number of home's is never shared there
    ("inmate", VICTIM): ["victim_witness"],
    ("inmate", SHARED): ["shared_number"],
    ("away", ORDERED): [],  # the away inmate's order ended yesterday
    ("away", BLOCKED_HOME): ["blocked_number"],  # the other facility's own block
    ("away", BLOCKED_ONE): [],  # the block names the home inmate only
    ("away", BLOCKED_WIDE): ["blocked_number"],
    ("away", LIBRARY): ["shared_number"],  # home's library is not the other facility's
    ("away", VICTIM): [],  # not the away inmate's case
    ("away", SHARED): ["shared_number"],  # the peer's pending entry (its own entry is not counted)
}


def _subjects(world, copies=1):
    return [Subject(key=(who, number, n), inmate_id=world[who].pk, facility_id=world[who].facility_id,
                    number=number)
            for n in range(copies) for who, number in EXPECTED]


def test_one_statement_finds_every_kind_for_many_subjects(world, django_assert_num_queries):
    with django_assert_num_queries(2):  # the two facilities' policies, then the statement
        found = evaluate(_subjects(world))
    assert {(who, number): [f.kind for f in findings] for (who, number, _n), findings in found.items()} == EXPECTED
    one_inmate = found[("inmate", BLOCKED_ONE, 0)][0]
    assert one_inmate.message.endswith("is blocked for this inmate (called party's request).")
    assert found[("inmate", BLOCKED_WIDE, 0)][0].message.endswith("is blocked system-wide (investigation).")
    assert found[("inmate", ORDERED, 0)][0].reference == "order NCO-IN-FORCE"
    assert found[("inmate", VICTIM, 0)][0].reference == "case CR-STATEMENT"
    assert found[("away", SHARED, 0)][0].reference == "inmates 1 inmate at home"  # not theirs to name
    assert found[("inmate", SHARED, 0)][0].reference == "inmates 55555-001, 1 inmate at other"


def test_each_subject_alone_finds_what_it_finds_among_many(world, django_assert_num_queries):
    many = evaluate(_subjects(world))
    for (who, number, n), findings in many.items():
        with django_assert_num_queries(2):  # its policy, then the statement
            alone = screen_number(inmate=world[who], number=number)
        assert alone == findings, (who, number, n)


def test_the_statement_count_is_the_same_for_ten_times_the_subjects(world, django_assert_num_queries):
    with django_assert_num_queries(2):
        found = evaluate(_subjects(world, copies=10))
    assert len(found) == 10 * len(EXPECTED)
    assert all([f.kind for f in found[(who, number, 9)]] == kinds for (who, number), kinds in EXPECTED.items())


def test_a_list_request_reads_its_list_and_leave_in_the_same_statement(home, inmate, warden,
                                                                       django_assert_num_queries):
    CallingPolicy.objects.filter(facility=home).update(list_size=2, list_change_interval_days=30)
    policy = CallingPolicy.objects.select_related("facility").get(facility=home)
    for n in range(2):
        PhoneListEntryFactory(inmate=inmate, number=f"+1312555{n + 420:04d}")
    recent = PhoneListEntryFactory(inmate=inmate, number="+13125550422", went_live_at=timezone.now())
    with django_assert_num_queries(1):  # the policy given: the statement alone
        findings = screen_number(inmate=inmate, number=ORDERED, purpose="list", policy=policy)
    assert [f.kind for f in findings] == ["list_full", "change_too_soon"]
    assert findings[0].reference == "3 of 2"
    # Leaving out the entry a request replaces: neither its place nor its change counts.
    findings = screen_number(inmate=inmate, number=ORDERED, purpose="list", policy=policy,
                             exclude_entry_id=recent.pk)
    assert [(f.kind, f.reference) for f in findings] == [("list_full", "2 of 2")]
    services.leave_grant(inmate=inmate, actor=warden, reason="Large family.", list_size=4, waive_interval=True,
                         ends_on=facility_today(home) + dt.timedelta(days=5))
    with django_assert_num_queries(1):
        assert screen_number(inmate=inmate, number=ORDERED, purpose="list", policy=policy) == []
    assert screen_number(inmate=inmate, number=ORDERED, purpose="rescreen", policy=policy) == []


def test_the_statement_is_built_once_per_database_vendor():
    sql, params = statement(connection)
    assert statement(connection)[0] is sql
    assert sql.count("UNION ALL") == 5
    for kind in ("'order'", "'block'", "'library'", "'party'", "'shared'", "'list'"):
        assert kind in sql


def test_the_statement_shows_in_the_query_log(inmate, django_assert_num_queries):
    for _ in range(3):  # prepared on PostgreSQL from the first run: each run is logged with its SQL
        with django_assert_num_queries(2) as captured:
            screen_number(inmate=inmate, number=SHARED)
        sql = [q["sql"] for q in captured.captured_queries]
        assert all(sql) and sql[-1].startswith("WITH screen_subjects AS"), sql
