"""Reviews that come due (domain.md §9): the policy's default review dates and the record of one review.

Phone restrictions (calls), blocks (approvals) and watch entries (here) carry a ``review_by`` date. Each kind's
review service (``calls.services.restriction_review``, ``approvals.services.blocks.block_review`` and
``services.watch_review``) checks the outcome with ``review_next``, ends the thing through its own end or lift
service when the outcome is "end", and appends the record with ``review_record`` inside its transaction.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from audit.services import audit_record
from core.errors import DomainError
from facilities.models import Facility
from facilities.times import local_day

from .models import Review


class ReviewError(DomainError):
    default_code = "invalid_input"


def review_default_days(kind: str) -> int:
    """Days from today to the next review of a restriction, a block or a watch entry (``REVIEW_DEFAULT_DAYS``)."""
    return int(settings.REVIEW_DEFAULT_DAYS[kind])


def default_review_by(kind: str, *, facility: Facility, today: dt.date | None = None) -> dt.date:
    return (today or local_day(facility)) + dt.timedelta(days=review_default_days(kind))


def review_next(*, kind: str, facility: Facility, outcome: str, review_by: dt.date | None) -> dt.date | None:
    """The next review date a review sets (None when it ends the thing reviewed); ``ReviewError`` when unusable:
    keep takes ``review_by`` or the default, change needs ``review_by``, which must be after today."""
    today = local_day(facility)
    if outcome not in Review.Outcome.values:
        raise ReviewError(message="Choose keep, change or end.", field="outcome")
    if outcome == Review.Outcome.END:
        return None
    if outcome == Review.Outcome.CHANGE and review_by is None:
        raise ReviewError(message="Give the new review date.", field="review_by")
    if review_by is not None and review_by <= today:
        raise ReviewError(message="The next review date must be after today.", field="review_by")
    return review_by or default_review_by(kind, facility=facility, today=today)


def review_record(*, kind: str, target, facility: Facility, outcome: str, before, after, reason: str,
                  actor) -> Review:
    """Append the review and its audit event, inside the caller's transaction (each kind's review service)."""
    reason = (reason or "").strip()
    if not reason:
        raise ReviewError(message="Give the reason for the review.", field="reason")
    review = Review.objects.create(
        kind=kind, object_id=target.pk, facility=facility, outcome=outcome, review_by_before=before,
        review_by_after=after, reason=reason, reviewed_by=actor,
    )
    audit_record(action=f"{kind}_reviewed", actor=actor, facility=facility, target=target, reason=reason,
                 data={"outcome": outcome, "review_by_before": before.isoformat() if before else None,
                       "review_by_after": after.isoformat() if after else None})
    return review


def review_due(kind: str, *, since: dt.date, last_review_by: dt.date | None) -> dt.date:
    """When a restriction or a block is next reviewed: the date its latest review set, or, never reviewed, its
    start plus the policy's default. (Watch entries keep theirs in ``WatchEntry.review_by``.)"""
    return last_review_by or since + dt.timedelta(days=review_default_days(kind))


def latest_review_dates(kind: str, ids) -> dict[int, dt.date | None]:
    """{object id: the next review date its latest review set} for the ``ids`` of ``kind`` reviewed. One query."""
    rows = (Review.objects.filter(kind=kind, object_id__in=list(ids)).order_by("object_id", "-reviewed_at", "-id")
            .distinct("object_id").values_list("object_id", "review_by_after"))
    return dict(rows)
