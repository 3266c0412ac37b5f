"""Reviews that come due (domain.md §9): restrictions and investigation blocks are due for review at their
start plus REVIEW_DEFAULT_DAYS (or the date their latest review set); the facility's queue shows what is overdue
or due soon; a review records keep / change / end with who and why, and "end" lifts through the lift services."""

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse

from approvals.models import BlockedNumber
from audit.models import AuditEvent
from calls import reviews
from calls.models import PhoneRestriction
from core.errors import DomainError
from investigations import services as investigations
from investigations.models import Review
from tests.approvals.factories import BlockedNumberFactory
from tests.pages import page

from .conftest import NOON
from .factories import PhoneRestrictionFactory

pytestmark = pytest.mark.django_db

DAYS = settings.REVIEW_DEFAULT_DAYS["restriction"]


@pytest.fixture
def restriction(clock, inmate, warden):
    return PhoneRestrictionFactory(inmate=inmate, starts_at=NOON, ends_at=None, imposed_by=warden,
                                   reason="Hearing 2026-114: phone misuse")


@pytest.fixture
def block(clock, home):
    return BlockedNumberFactory(facility=home, number="+13125550177", starts_at=NOON)


def _queue(client):
    response = client.get(reverse("calls-reviews", args=["home"]))
    return response, response.context["rows"]


def test_nothing_is_due_at_first_then_due_soon_then_overdue(login, warden, restriction, block, clock):
    assert _queue(login(warden))[1] == []
    clock.shift(dt.timedelta(days=DAYS - 10))  # sessions end after hours: sign in again after each shift
    response, rows = _queue(login(warden))
    assert [(r.kind, r.due, r.overdue) for r in rows] == [
        ("block", NOON.date() + dt.timedelta(days=DAYS), False),
        ("restriction", NOON.date() + dt.timedelta(days=DAYS), False)]
    _, text = page(response)
    assert "Due soon" in text and "Lovelace, Ada (12345-001): Hearing 2026-114" in text and "(312) 555-0177" in text
    clock.shift(dt.timedelta(days=11))
    _, text = page(login(warden).get(reverse("calls-reviews", args=["home"])))
    assert "Overdue" in text and "2 overdue, 2 in all." in text


def test_victims_requests_and_ended_or_lifted_things_are_not_reviewed(login, warden, home, inmate, clock):
    BlockedNumberFactory(facility=home, reason=BlockedNumber.Reason.VICTIM_REQUEST, starts_at=NOON)
    PhoneRestrictionFactory(inmate=inmate, starts_at=NOON, ends_at=NOON + dt.timedelta(days=5), imposed_by=warden)
    clock.shift(dt.timedelta(days=DAYS + 1))
    assert _queue(login(warden))[1] == []


def test_a_warden_keeps_changes_then_ends_a_restriction(warden, restriction, clock):
    clock.shift(dt.timedelta(days=DAYS + 3))
    today = NOON.date() + dt.timedelta(days=DAYS + 3)
    kept = reviews.restriction_review(restriction=restriction, actor=warden, outcome="keep", reason="Still needed")
    assert (kept.review_by_before, kept.review_by_after) == (NOON.date() + dt.timedelta(days=DAYS),
                                                             today + dt.timedelta(days=DAYS))
    changed = reviews.restriction_review(restriction=restriction, actor=warden, outcome="change",
                                         reason="Hearing next week", review_by=today + dt.timedelta(days=7))
    assert changed.review_by_before == today + dt.timedelta(days=DAYS)
    assert changed.review_by_after == today + dt.timedelta(days=7)
    ended = reviews.restriction_review(restriction=restriction, actor=warden, outcome="end", reason="Served")
    restriction.refresh_from_db()
    assert ended.review_by_after is None
    assert restriction.lifted_at is not None and restriction.lifted_by == warden and restriction.lift_reason == "Served"
    assert AuditEvent.objects.filter(action="restriction_reviewed").count() == 3
    assert AuditEvent.objects.filter(action="phone_restriction_lifted").count() == 1
    with pytest.raises(DomainError) as caught:
        reviews.restriction_review(restriction=restriction, actor=warden, outcome="keep", reason="again")
    assert caught.value.status == 409


@pytest.mark.parametrize("outcome, review_by, field", [
    ("change", None, "review_by"), ("keep", NOON.date(), "review_by"), ("later", None, "outcome")])
def test_a_review_with_bad_input_writes_nothing(warden, restriction, outcome, review_by, field):
    with pytest.raises(DomainError) as caught:
        reviews.restriction_review(restriction=restriction, actor=warden, outcome=outcome, reason="r",
                                   review_by=review_by)
    assert caught.value.field == field
    assert Review.objects.count() == 0 and PhoneRestriction.objects.get().lifted_at is None


@pytest.mark.parametrize("persona", ["staff", "auditor", "investigator"])
def test_only_wardens_review_restrictions(request, restriction, persona):
    with pytest.raises(DomainError) as caught:
        reviews.restriction_review(restriction=restriction, actor=request.getfixturevalue(persona), outcome="keep",
                                   reason="r")
    assert caught.value.status == 403


def test_staff_review_an_investigation_block_and_end_it_through_block_end(staff, block):
    investigations.block_review(block=block, actor=staff, outcome="keep", reason="Investigation open")
    investigations.block_review(block=block, actor=staff, outcome="end", reason="Investigation closed")
    block.refresh_from_db()
    assert block.ended_at is not None and block.end_note == "Investigation closed"
    assert list(Review.objects.filter(kind="block").values_list("outcome", flat=True)) == ["end", "keep"]


def test_ending_a_victims_block_by_review_still_needs_paperwork(staff, home, clock):
    victim = BlockedNumberFactory(facility=home, reason=BlockedNumber.Reason.VICTIM_REQUEST, starts_at=NOON)
    with pytest.raises(DomainError) as caught:
        investigations.block_review(block=victim, actor=staff, outcome="end", reason="Asked")
    assert caught.value.field == "paperwork"
    victim.refresh_from_db()
    assert victim.ended_at is None and Review.objects.count() == 0


def test_the_review_pages(login, warden, staff, auditor, restriction, block, clock):
    clock.shift(dt.timedelta(days=DAYS))
    url = reverse("calls-review-restriction", args=["home", restriction.pk])
    assert login(staff).get(url).status_code == 403
    heading, text = page(login(warden).get(url))
    assert heading == "Review a phone restriction" and "Hearing 2026-114" in text and "Not reviewed yet." in text
    assert login(warden).post(url, {"outcome": "change", "reason": "r"}).status_code == 400
    assert Review.objects.count() == 0
    assert login(warden).post(url, {"outcome": "keep", "reason": "Still needed"}).status_code == 302
    block_url = reverse("calls-review-block", args=["home", block.pk])
    assert login(staff).post(block_url, {"outcome": "end", "reason": "Closed"}).status_code == 302
    block.refresh_from_db()
    assert block.ended_at is not None
    _, text = page(login(auditor).get(reverse("calls-reviews", args=["home"])))
    assert "Nothing is due for review." in text  # kept (next review in 90 days) and ended


def test_an_auditor_reads_the_queue_but_reviews_nothing(login, auditor, restriction, clock):
    clock.shift(dt.timedelta(days=DAYS))
    _, text = page(login(auditor).get(reverse("calls-reviews", args=["home"])))
    assert "Lovelace, Ada" in text and "Not yours to review" in text


def test_an_investigator_sees_their_own_watch_entries_due(login, investigator, home, clock):
    from tests.factories import user_with_role

    entry = investigations.watch_add(actor=investigator, facility=home, kind="number", number="+13125550123",
                                     reason="Tip-off", ends_on=NOON.date() + dt.timedelta(days=200),
                                     review_by=NOON.date() + dt.timedelta(days=3))
    colleague = user_with_role("investigator", home, username="colleague")
    investigations.watch_add(actor=colleague, facility=home, kind="number", number="+13125550124",
                             reason="Theirs", ends_on=NOON.date() + dt.timedelta(days=200),
                             review_by=NOON.date() + dt.timedelta(days=3))
    response, rows = _queue(login(investigator))
    assert [(r.kind, r.due, r.review_url) for r in rows] == [
        ("watch", entry.review_by, reverse("investigations-watch", args=[entry.pk]))]
