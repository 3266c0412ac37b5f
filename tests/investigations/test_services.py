"""Watch entries' rules (domain.md §9): only an investigator of the facility keeps them, each is the owner's own,
it has a reason and an end date, and its review date defaults to the policy's (REVIEW_DEFAULT_DAYS)."""

import datetime as dt

import pytest

from audit.models import AuditEvent
from core.errors import DomainError
from investigations import services
from investigations.models import Review, WatchEntry
from investigations.reviews import review_default_days

from .conftest import END, NOON

pytestmark = pytest.mark.django_db

NUMBER = "+13125550123"


def _add(actor, facility, **kw):
    values = dict(kind="number", number="(312) 555-0123", reason="Contraband contact", ends_on=END)
    values.update(kw)
    return services.watch_add(actor=actor, facility=facility, **values)


def test_an_investigator_watches_a_number_with_the_default_review_date(clock, investigator, home):
    entry = _add(investigator, home)
    assert (entry.number, entry.owner, entry.ends_on) == (NUMBER, investigator, END)
    assert entry.review_by == NOON.date() + dt.timedelta(days=review_default_days("watch"))
    event = AuditEvent.objects.get(action="watch_added")
    assert event.actor == investigator and event.reason == "Contraband contact"


def test_the_review_date_never_falls_after_the_end(clock, investigator, home):
    entry = _add(investigator, home, ends_on=NOON.date() + dt.timedelta(days=10))
    assert entry.review_by == entry.ends_on


@pytest.mark.parametrize("persona", ["staff", "warden", "auditor", "other_warden"])
def test_only_investigators_keep_watch_entries(clock, request, home, persona):
    with pytest.raises(DomainError) as caught:
        _add(request.getfixturevalue(persona), home)
    assert caught.value.code == "investigator_required" and caught.value.status == 403
    assert WatchEntry.objects.count() == 0


@pytest.mark.parametrize("changes, field", [
    ({"reason": "  "}, "reason"),
    ({"ends_on": NOON.date() - dt.timedelta(days=1)}, "ends_on"),
    ({"ends_on": NOON.date() + dt.timedelta(days=800)}, "ends_on"),
    ({"number": "12"}, "number"),
    ({"kind": "inmate", "inmate": None}, "inmate"),
    ({"kind": "person"}, "kind"),
    ({"review_by": NOON.date() - dt.timedelta(days=2)}, "review_by"),
])
def test_bad_input_is_refused_with_its_field(clock, investigator, home, changes, field):
    with pytest.raises(DomainError) as caught:
        _add(investigator, home, **changes)
    assert caught.value.field == field
    assert WatchEntry.objects.count() == 0


def test_an_inmate_of_another_facility_cannot_be_watched_here(clock, investigator, home, other_inmate):
    with pytest.raises(DomainError) as caught:
        _add(investigator, home, kind="inmate", inmate=other_inmate)
    assert caught.value.field == "inmate"


def test_only_the_owner_ends_an_entry_once_with_a_reason(clock, investigator, home):
    from facilities.models import Role
    from tests.factories import user_with_role

    entry = _add(investigator, home)
    colleague = user_with_role(Role.INVESTIGATOR, home, username="colleague")
    with pytest.raises(DomainError) as caught:
        services.watch_end(watch=entry, actor=colleague, reason="Not mine")
    assert caught.value.code == "not_yours"
    with pytest.raises(DomainError):
        services.watch_end(watch=entry, actor=investigator, reason="")
    services.watch_end(watch=entry, actor=investigator, reason="Case closed")
    entry.refresh_from_db()
    assert entry.ended_at is not None and entry.ended_by == investigator and entry.end_reason == "Case closed"
    with pytest.raises(DomainError) as caught:
        services.watch_end(watch=entry, actor=investigator, reason="Again")
    assert caught.value.code == "illegal_transition"


def test_a_review_keeps_changes_or_ends_with_who_and_why(clock, investigator, home):
    entry = _add(investigator, home)
    first = entry.review_by
    kept = services.watch_review(watch=entry, actor=investigator, outcome="keep", reason="Still active")
    entry.refresh_from_db()
    assert (kept.review_by_before, kept.review_by_after) == (first, entry.review_by)
    assert entry.review_by == NOON.date() + dt.timedelta(days=review_default_days("watch"))
    with pytest.raises(DomainError) as caught:
        services.watch_review(watch=entry, actor=investigator, outcome="change", reason="Sooner")
    assert caught.value.field == "review_by"
    changed = services.watch_review(watch=entry, actor=investigator, outcome="change", reason="Trial date",
                                    review_by=dt.date(2026, 4, 1))
    entry.refresh_from_db()
    assert entry.review_by == changed.review_by_after == dt.date(2026, 4, 1)
    ended = services.watch_review(watch=entry, actor=investigator, outcome="end", reason="Case closed")
    entry.refresh_from_db()
    assert ended.review_by_after is None and entry.ended_at is not None and entry.end_reason == "Case closed"
    assert list(Review.objects.values_list("outcome", "reviewed_by", "reason")) == [
        ("end", investigator.pk, "Case closed"), ("change", investigator.pk, "Trial date"),
        ("keep", investigator.pk, "Still active")]
    assert AuditEvent.objects.filter(action="watch_reviewed").count() == 3


def test_marking_alerts_read_touches_only_ones_own(clock, investigator, home, inmate):
    from facilities.models import Role
    from investigations.models import WatchAlert
    from tests.factories import user_with_role

    mine = _add(investigator, home)
    colleague = user_with_role(Role.INVESTIGATOR, home, username="colleague")
    theirs = _add(colleague, home)
    for n, watch in enumerate((mine, theirs)):
        WatchAlert.objects.create(watch=watch, call_id=n + 1, facility=home, inmate=inmate, number=NUMBER,
                                  allowed=True, occurred_at=NOON)
    assert services.watch_alerts_mark_seen(actor=investigator) == 1
    assert WatchAlert.objects.get(watch=theirs).seen_at is None
