"""Reviews of phone restrictions (domain.md §9 "reviews come due"): a warden records keep / change / end, with
who and why. "End" lifts the restriction through ``services.restriction_lift``.

A restriction still in force (not lifted, not over) is due for review at the date its latest review set, or,
never reviewed, its start plus ``REVIEW_DEFAULT_DAYS["restriction"]`` (``investigations.reviews``).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from facilities.scoping import WARDEN_ROLES, roles_at
from facilities.times import local_day
from investigations.models import Review
from investigations.reviews import ReviewError, latest_review_dates, review_due, review_next, review_record

from . import services
from .models import PhoneRestriction


@transaction.atomic
def restriction_review(
    *, restriction: PhoneRestriction, actor, outcome: str, reason: str, review_by: dt.date | None = None,
) -> Review:
    """Record a warden's review of a restriction still in force; "end" lifts it (with the review's reason)."""
    restriction = PhoneRestriction.objects.select_for_update().select_related("facility", "inmate") \
        .get(pk=restriction.pk)
    if not (roles_at(actor, restriction.facility) & WARDEN_ROLES):
        raise ReviewError(code="warden_required", status=403, message="Only a warden reviews phone restrictions.")
    if restriction.lifted_at is not None:
        raise ReviewError(code="illegal_transition", status=409, message="This restriction was already lifted.")
    reason = (reason or "").strip()
    if not reason:
        raise ReviewError(message="Give the reason for the review.", field="reason")
    before = review_due(Review.Kind.RESTRICTION, since=local_day(restriction.facility, restriction.starts_at),
                        last_review_by=latest_review_dates(Review.Kind.RESTRICTION, [restriction.pk]).get(restriction.pk))
    after = review_next(kind=Review.Kind.RESTRICTION, facility=restriction.facility, outcome=outcome,
                        review_by=review_by)
    if outcome == Review.Outcome.END:
        services.restriction_lift(restriction=restriction, reason=reason, actor=actor)
    return review_record(kind=Review.Kind.RESTRICTION, target=restriction, facility=restriction.facility,
                         outcome=outcome, before=before, after=after, reason=reason, actor=actor)
