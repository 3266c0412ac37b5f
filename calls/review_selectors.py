"""The queue of reviews coming due at one facility (domain.md §9): phone restrictions still in force, investigation
blocks in force, and the reader's own watch entries, whose review date is past or within ``DUE_SOON_DAYS``.

It reads restrictions, so it lives in the calls app (the top layer). A fixed number of queries at any volume."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from approvals.models import BlockedNumber
from core.numbers import display_number
from facilities.scoping import INVESTIGATOR_ROLES, STAFF_ROLES, WARDEN_ROLES, roles_at, scope_for_user
from facilities.times import local_day
from investigations.models import Review, WatchEntry
from investigations.reviews import latest_review_dates, review_due

from .models import PhoneRestriction

DUE_SOON_DAYS = 14  # the queue shows what is overdue and what comes due within two weeks
# Blocks that are reviewed: those placed for an investigation (or another reason staff gave). A victim's or a
# called party's block ends only at their request or on paperwork, never on a schedule.
REVIEWED_BLOCK_REASONS = (BlockedNumber.Reason.INVESTIGATION, BlockedNumber.Reason.OTHER)


@dataclass(frozen=True)
class DueReview:
    kind: str
    kind_label: str
    what: str
    since: dt.date
    due: dt.date
    overdue: bool
    review_url: str  # "" when the reader may not review it
    detail_url: str


def _in_force_restrictions(facility, user, now):
    return scope_for_user(PhoneRestriction.objects.filter(facility=facility, lifted_at__isnull=True), user) \
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now)).select_related("inmate")


def _reviewed_blocks(facility, user, now):
    return scope_for_user(BlockedNumber.objects.filter(facility=facility, ended_at__isnull=True,
                                                       reason__in=REVIEWED_BLOCK_REASONS), user) \
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))


def reviews_due(*, user, facility, horizon_days: int = DUE_SOON_DAYS) -> list[DueReview]:
    """Everything at ``facility`` whose review is overdue or due within ``horizon_days``, soonest first."""
    now = timezone.now()
    today = local_day(facility, now)
    horizon = today + dt.timedelta(days=horizon_days)
    held = roles_at(user, facility)
    code = facility.code
    rows: list[DueReview] = []
    restrictions = list(_in_force_restrictions(facility, user, now))
    last = latest_review_dates(Review.Kind.RESTRICTION, [r.pk for r in restrictions])
    for r in restrictions:
        since = local_day(facility, r.starts_at)
        due = review_due(Review.Kind.RESTRICTION, since=since, last_review_by=last.get(r.pk))
        if due <= horizon:
            rows.append(DueReview(
                kind="restriction", kind_label="Phone restriction",
                what=f"{r.inmate.last_name}, {r.inmate.first_name} ({r.inmate.register_number}): {r.reason}",
                since=since, due=due, overdue=due < today,
                review_url=reverse("calls-review-restriction", args=[code, r.pk]) if held & WARDEN_ROLES else "",
                detail_url=reverse("inmate-detail", args=[code, r.inmate_id])))
    blocks = list(_reviewed_blocks(facility, user, now))
    last = latest_review_dates(Review.Kind.BLOCK, [b.pk for b in blocks])
    for b in blocks:
        since = local_day(facility, b.starts_at)
        due = review_due(Review.Kind.BLOCK, since=since, last_review_by=last.get(b.pk))
        if due <= horizon:
            rows.append(DueReview(
                kind="block", kind_label="Blocked number",
                what=f"{display_number(b.number)}: {b.get_reason_display()} — {b.note}",
                since=since, due=due, overdue=due < today,
                review_url=reverse("calls-review-block", args=[code, b.pk]) if held & STAFF_ROLES else "",
                detail_url=reverse("approvals-block", args=[code, b.pk])))
    if held & INVESTIGATOR_ROLES:
        for w in WatchEntry.objects.open().filter(owner=user, facility=facility, ends_on__gte=today,
                                                  review_by__lte=horizon).select_related("inmate"):
            url = reverse("investigations-watch", args=[w.pk])
            rows.append(DueReview(
                kind="watch", kind_label="Your watch entry", what=f"{w.target_label}: {w.reason}",
                since=local_day(facility, w.created_at), due=w.review_by, overdue=w.review_by < today,
                review_url=url, detail_url=url))
    return sorted(rows, key=lambda row: (row.due, row.kind))
