"""Reads of phone lists, the review queue and screening data."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field

from django.utils import timezone

from .models import BlockedNumber, PhoneListEntry, ProtectedNumber

NO_CONTACT_ORDER = "no_contact_order"
BLOCKED_NUMBER = "blocked_number"


@dataclass(frozen=True)
class CallScreening:
    """What the call decision needs to know about one number for one inmate, right now."""

    entry: PhoneListEntry | None  # the inmate's live entry for the number
    legal: bool  # the live entry is a verified attorney number
    block_codes: list[str] = field(default_factory=list)  # "no_contact_order", "blocked_number"


def call_screening(*, inmate, number: str) -> CallScreening:
    """For the calls app: the live entry and the blocks that apply now. At most 3 queries.

    ``number`` is E.164. Blocks and orders are read from the active records themselves, not from
    stored findings, so an order entered a minute ago counts at once.
    """
    now = timezone.now()
    entry = (
        PhoneListEntry.objects.filter(inmate_id=inmate.pk, number=number, status=PhoneListEntry.Status.LIVE)
        .order_by("-id")
        .first()
    )
    codes: list[str] = []
    order_rows = list(
        ProtectedNumber.objects.filter(number=number, order__inmate_id=inmate.pk, order__ended_at__isnull=True)
        .values_list("order__starts_on", "order__ends_on", "order__inmate__facility__timezone")
    )
    for starts_on, ends_on, tz_name in order_rows:
        today = now.astimezone(zoneinfo.ZoneInfo(tz_name)).date()
        if starts_on <= today and (ends_on is None or ends_on >= today):
            codes.append(NO_CONTACT_ORDER)
            break
    if BlockedNumber.objects.active(now).applying_to(inmate.facility_id).filter(number=number).exists():
        codes.append(BLOCKED_NUMBER)
    legal = bool(entry is not None and entry.legal and entry.legal_verified_at is not None)
    return CallScreening(entry=entry, legal=legal, block_codes=codes)


def active_block_codes(*, inmate, number: str) -> list[str]:
    """Only the block codes of ``call_screening`` (2 queries)."""
    return call_screening(inmate=inmate, number=number).block_codes
