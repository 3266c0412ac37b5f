"""Reads of phone lists, the review queue and screening data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.paginator import Paginator
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    JSONField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.functions import Coalesce, JSONObject, TruncDate
from django.utils import timezone

from facilities.models import CustodyEvent, Inmate
from facilities.scoping import facility_ids_for_user, scope_for_user
from facilities.times import local_day, recent_local_days

from .library import LibraryTerms, library_row
from .models import (
    BlockedNumber,
    CaseParty,
    CourtCase,
    EntryFinding,
    EntryTransition,
    LibraryNumber,
    NoContactOrder,
    PartyNumber,
    PhoneListEntry,
    ProtectedNumber,
    in_force_q,
)

TRANSFER_REASON = "transferred"  # the transition reason of entries a transfer sent to the receiving queue

NO_CONTACT_ORDER = EntryFinding.Kind.NO_CONTACT_ORDER.value
BLOCKED_NUMBER = EntryFinding.Kind.BLOCKED_NUMBER.value


@dataclass(frozen=True)
class CallScreening:
    """What the call decision needs to know about one number for one inmate, right now."""

    entry_id: int | None  # the inmate's live entry for the number
    legal: bool  # the live entry is a verified attorney number
    block_codes: list[str] = field(default_factory=list)  # "no_contact_order", "blocked_number"
    library: LibraryTerms | None = None  # the number is in the facility number library here (or system-wide)


def call_screening_day(facility, now: dt.datetime) -> dt.date:
    """The day a court order must be in force on for a call at ``now``: the facility's local day."""
    return local_day(facility, now)


def call_screening_annotations(*, inmate_ref, facility_id, number, now, day) -> dict:
    """The screening facts of one call as expressions, to fold into another statement (the call decision's
    gather, ``calls.gather``; ``call_screening`` below): ``screen_entry`` (the live entry: its id and whether it
    is a verified attorney number), ``screen_ordered`` (a no-contact order in force on ``day`` protects the
    number), ``screen_blocked`` (a block applying to the inmate here, active at ``now``), ``screen_library`` (the
    library terms). ``inmate_ref`` reaches the inmate (an ``OuterRef``); the others are values or parameter
    expressions; ``day`` is ``call_screening_day``. Read the row with ``call_screening_of``.

    Blocks and orders are read from the active records themselves, not from stored findings, so an order
    entered a minute ago counts at once."""
    live = PhoneListEntry.objects.filter(inmate_id=inmate_ref, number=number, status=PhoneListEntry.Status.LIVE)
    legal = ExpressionWrapper(Q(legal=True, legal_verified_at__isnull=False), output_field=BooleanField())
    ordered = ProtectedNumber.objects.filter(in_force_q(day, prefix="order__"), number=number,
                                             order__inmate_id=inmate_ref)
    blocked = BlockedNumber.objects.active(now).applying_to(facility_id, inmate_ids=[inmate_ref]).filter(number=number)
    return {
        "screen_entry": Subquery(live.order_by("-id").values(row=JSONObject(pk="pk", legal=legal))[:1],
                                 output_field=JSONField()),
        "screen_ordered": Exists(ordered),
        "screen_blocked": Exists(blocked),
        "screen_library": library_row(number, facility_id),
    }


def call_screening_of(row: dict) -> CallScreening:
    """The ``CallScreening`` of a row holding ``call_screening_annotations`` (JSON values as Django reads them)."""
    entry = row["screen_entry"]
    codes = [code for code, found in ((NO_CONTACT_ORDER, row["screen_ordered"]), (BLOCKED_NUMBER, row["screen_blocked"]))
             if found]
    return CallScreening(entry_id=entry["pk"] if entry else None, legal=bool(entry and entry["legal"]),
                         block_codes=codes, library=LibraryTerms.of(row["screen_library"]))


def call_screening(*, inmate, number: str) -> CallScreening:
    """For the calls app and the pages: the live entry, the blocks that apply now and the number's library terms,
    in one query (``call_screening_annotations`` on the inmate's row). ``number`` is E.164."""
    now = timezone.now()
    annotations = call_screening_annotations(inmate_ref=OuterRef("pk"), facility_id=inmate.facility_id, number=number,
                                             now=now, day=call_screening_day(inmate.facility, now))
    row = Inmate.objects.filter(pk=inmate.pk).values(**annotations).first()
    return call_screening_of(row or dict.fromkeys(annotations))


# --------------------------------------------------------------------------- pages


def queue_entries(*, user, facility) -> QuerySet[PhoneListEntry]:
    """The facility's entries for the review queue, oldest first: filter it, then page it with
    ``QueuePaginator`` (which adds what the page shows to the page's rows only)."""
    qs = PhoneListEntry.objects.filter(facility=facility)
    return scope_for_user(qs, user).order_by("created_at", "id")


def queue_rows(ids) -> QuerySet[PhoneListEntry]:
    """The rows of one queue page (``ids``: a sliced id query), with the inmate and the open findings."""
    return (
        PhoneListEntry.objects.filter(pk__in=ids)
        .select_related("inmate")
        .prefetch_related(Prefetch("findings", queryset=EntryFinding.objects.filter(cleared_at__isnull=True),
                                   to_attr="open_findings"))
        .order_by("created_at", "id")
    )


class QueuePaginator(Paginator):
    """Numbered pages that stay cheap deep into a long queue.

    A page's ids are read first, in the queue's order, from the queue's partial index alone (an
    index-only scan: skipping 50,000 entries reads 50,000 index tuples, not 50,000 table rows); then
    only those rows are fetched, with the inmate and findings, in the same statement.
    """

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        return self._get_page(queue_rows(self.object_list.values("pk")[bottom:top]), number, self)


def queue_page(*, entries: QuerySet[PhoneListEntry], number, per_page: int, known_count: int | None = None):
    """One page of the (filtered) queue. ``known_count``: the number of entries when already counted
    (the queue's counts cover the unfiltered statuses), which spares counting them again."""
    paginator = QueuePaginator(entries, per_page)
    if known_count is not None:
        paginator.count = known_count
    return paginator.get_page(number)


def review_overdue_before(*, review_target_days: int, now: dt.datetime | None = None) -> dt.datetime:
    """An entry waiting for review since before this moment is overdue (past the facility's review target)."""
    return (now or timezone.now()) - dt.timedelta(days=review_target_days)


def is_review_overdue(entry: PhoneListEntry, *, overdue_before: dt.datetime) -> bool:
    """Whether ``entry`` is overdue, given ``review_overdue_before``: pending, and waiting since before it."""
    return entry.status == PhoneListEntry.Status.PENDING and entry.created_at < overdue_before


def queue_counts(*, facility, review_target_days: int) -> dict[str, int]:
    """The queue's counts in one aggregate, read from the queue's partial index alone (it includes
    every column counted), so the cost is one index pass over the open entries of the facility."""
    overdue_before = review_overdue_before(review_target_days=review_target_days)
    pending = Q(status=PhoneListEntry.Status.PENDING)
    return PhoneListEntry.objects.filter(facility=facility, status__in=[
        PhoneListEntry.Status.PENDING, PhoneListEntry.Status.SUSPENDED]).aggregate(
        pending=Count("id", filter=pending),
        overdue=Count("id", filter=pending & Q(created_at__lt=overdue_before)),
        flagged=Count("id", filter=pending & Q(has_review=True)),
        blocked=Count("id", filter=pending & Q(has_block=True)),
        legal=Count("id", filter=pending & Q(legal=True)),
        suspended=Count("id", filter=Q(status=PhoneListEntry.Status.SUSPENDED)),
    )


def inmate_phone_list(*, inmate) -> list[PhoneListEntry]:
    """The inmate's list: open entries first, then the last closed ones, with their open findings."""
    return list(
        PhoneListEntry.objects.filter(inmate=inmate)
        .select_related("replaces")
        .prefetch_related(Prefetch("findings", queryset=EntryFinding.objects.filter(cleared_at__isnull=True),
                                   to_attr="open_findings"))
        .annotate(closed=Case(When(status__in=PhoneListEntry.OPEN_STATUSES, then=0), default=1))
        .order_by("closed", "contact_name", "-id")[:200]
    )


@dataclass(frozen=True)
class TransferNotice:
    """Numbers that came with the inmate's transfer and wait for the receiving facility's review."""

    count: int
    from_facility: object  # a Facility
    transferred_on: dt.date


def transfer_review_notice(*, inmate) -> TransferNotice | None:
    """The inmate's entries waiting for review because of a transfer (their last transition is the
    transfer's), with where and when they came from; None when there are none. Two queries at most."""
    last_reason = Subquery(
        EntryTransition.objects.filter(entry=OuterRef("pk")).order_by("-at", "-id").values("reason")[:1]
    )
    count = (
        PhoneListEntry.objects.filter(inmate=inmate, status=PhoneListEntry.Status.PENDING)
        .annotate(last_reason=last_reason).filter(last_reason=TRANSFER_REASON).count()
    )
    if not count:
        return None
    event = (
        CustodyEvent.objects.filter(inmate=inmate, kind=CustodyEvent.Kind.TRANSFERRED,
                                    to_facility_id=inmate.facility_id)
        .select_related("from_facility").order_by("-recorded_at", "-id").first()
    )
    if event is None or event.from_facility is None:
        return None
    return TransferNotice(count=count, from_facility=event.from_facility, transferred_on=event.occurred_on)


def replaceable_entries(*, inmate) -> QuerySet[PhoneListEntry]:
    """The entries a contact's changed number may replace: live, or waiting for review."""
    return PhoneListEntry.objects.filter(inmate=inmate, status__in=PhoneListEntry.LISTED_STATUSES).order_by(
        "contact_name", "id")


def list_size_used(*, inmate, policy) -> int:
    """How many numbers on ``inmate``'s list count against its size (``list_counted_q``, the one rule)."""
    return PhoneListEntry.objects.filter(
        list_counted_q(legal_apart=policy.legal_counted_separately), inmate=inmate
    ).count()


def list_counted_q(*, legal_apart: bool) -> Q:
    """The entries counted against the list's size: live or waiting for review; attorneys' numbers
    left out when the policy counts them apart (``legal_counted_separately``)."""
    counted = Q(status__in=PhoneListEntry.LISTED_STATUSES)
    return counted & Q(legal=False) if legal_apart else counted


def with_list_size_used(queryset: QuerySet, *, policy) -> QuerySet:
    """Inmates annotated with ``phone_list_used``: the numbers on each one's list that count against its size
    (``list_counted_q``, the one rule, under ``policy``), as one subquery of the list's own query."""
    counted = (
        PhoneListEntry.objects.filter(list_counted_q(legal_apart=policy.legal_counted_separately), inmate=OuterRef("pk"))
        .order_by().values("inmate").annotate(n=Count("id")).values("n")
    )
    return queryset.annotate(phone_list_used=Coalesce(Subquery(counted), 0))


def live_numbers(*, inmate) -> QuerySet[PhoneListEntry]:
    return PhoneListEntry.objects.filter(inmate=inmate, status=PhoneListEntry.Status.LIVE).order_by(
        "contact_name", "id"
    )


def orders_for(*, user, facility) -> QuerySet[NoContactOrder]:
    return (
        scope_for_user(NoContactOrder.objects.filter(facility=facility), user)
        .select_related("inmate", "case")
        .prefetch_related("numbers")
    )


def cases_for(*, user, facility) -> QuerySet[CourtCase]:
    return scope_for_user(CourtCase.objects.filter(facility=facility), user).annotate(
        party_count=Count("parties", filter=Q(parties__removed_at__isnull=True))
    ).order_by("-created_at", "-id")


def blocks_for(*, user, facility) -> QuerySet[BlockedNumber]:
    """Blocks entered here and system-wide blocks entered anywhere (those apply here too)."""
    ids = facility_ids_for_user(user)
    if ids is not None and facility.pk not in ids:
        return BlockedNumber.objects.none()
    return BlockedNumber.objects.filter(Q(facility=facility) | Q(system_wide=True)).select_related(
        "facility", "created_by", "ended_by", "inmate"
    )


def called_party_notices(*, inmate) -> QuerySet[BlockedNumber]:
    """The called-party blocks the inmate is told of (a notice on the inmate's page): in force, marked
    "inmate told", and either naming this inmate or, for every inmate, on a number the inmate's list carries."""
    carried = PhoneListEntry.objects.filter(inmate_id=inmate.pk, status__in=PhoneListEntry.OPEN_STATUSES,
                                            number=OuterRef("number"))
    return (BlockedNumber.objects.active().applying_to(inmate.facility_id, inmate_ids=[inmate.pk])
            .filter(inmate_told=True).filter(Q(inmate_id=inmate.pk) | Exists(carried))
            .order_by("-created_at", "-id"))


@dataclass(frozen=True)
class RescreenScope:
    """Which open entries a change to an order, a block or a case party touches: those carrying one of
    ``numbers``, limited to ``inmate_ids`` and/or ``facility_id`` when set."""

    numbers: list[str]
    inmate_ids: set[int] | None = None
    facility_id: int | None = None


def rescreen_scope(*, source: str, source_id: int, extra_numbers: list[str] | None = None) -> RescreenScope | None:
    """The entries to screen again after ``source`` ("order", "block", "library" or "party") ``source_id`` was added, changed
    or ended; ``extra_numbers`` are numbers it no longer carries. None when the source is gone.

    - an order: its numbers, the ordered inmate's entries only;
    - a block: its number, everywhere when system-wide, else at its facility; one inmate's when it names one;
    - a library number (added or removed): its number, everywhere when system-wide, else at its facility;
    - a case party: every number of the case, the entries of the case's inmates.
    """
    extra = list(extra_numbers or [])
    if source == "order":
        order = NoContactOrder.objects.filter(pk=source_id).first()
        if order is None:
            return None
        numbers = list(order.numbers.values_list("number", flat=True))
        return RescreenScope(numbers=numbers + extra, inmate_ids={order.inmate_id})
    if source == "block":
        block = BlockedNumber.objects.filter(pk=source_id).first()
        if block is None:
            return None
        if block.inmate_id is not None:  # a called party's block against one inmate
            return RescreenScope(numbers=[block.number, *extra], inmate_ids={block.inmate_id})
        return RescreenScope(numbers=[block.number, *extra], facility_id=None if block.system_wide else block.facility_id)
    if source == "library":
        library = LibraryNumber.objects.filter(pk=source_id).first()
        if library is None:
            return None
        return RescreenScope(numbers=[library.number, *extra],
                             facility_id=None if library.system_wide else library.facility_id)
    if source == "party":
        party = CaseParty.objects.filter(pk=source_id).first()
        if party is None:
            return None
        numbers = list(PartyNumber.objects.filter(party__case_id=party.case_id).values_list("number", flat=True))
        inmate_ids = set(
            CaseParty.objects.filter(case_id=party.case_id, inmate__isnull=False).values_list("inmate_id", flat=True)
        )
        return RescreenScope(numbers=numbers + extra, inmate_ids=inmate_ids)
    raise ValueError(f"unknown source {source!r}")


# --------------------------------------------------------------------------- the dashboard's charts


@dataclass(frozen=True)
class AgeBucket:
    label: str  # "under 1 day", "2–4 days", "28 days or more"
    from_days: int
    to_days: int | None  # None: no upper end
    count: int
    overdue: bool  # every entry in it is past the review target


def _age_edges(target: int) -> list[int]:
    """Bucket edges in days: up to five within the target (0, 1, a quarter, a half, three quarters of it, the
    target), then twice and four times the target."""
    within = sorted({0, 1, round(target / 4), round(target / 2), round(target * 3 / 4), target})
    return [edge for edge in within if edge <= target] + [target * 2, target * 4]


def _age_label(lo: int, hi: int | None) -> str:
    if hi is None:
        return f"{lo} days or more"
    if lo == 0:
        return f"under {hi} day{'s' if hi != 1 else ''}"
    return f"{lo}–{hi} days"


def review_queue_ages(*, facility, review_target_days: int, now: dt.datetime | None = None) -> list[AgeBucket]:
    """The numbers waiting for review, by how long they have waited, in buckets on either side of the review
    target (an entry is overdue as ``queue_counts`` counts it: waiting since before ``review_overdue_before``).
    One aggregate over the queue's index."""
    now = now or timezone.now()
    edges = _age_edges(review_target_days)
    spans = [(edges[k], edges[k + 1]) for k in range(len(edges) - 1)] + [(edges[-1], None)]
    filters = {}
    for k, (lo, hi) in enumerate(spans):
        q = Q()
        if lo:
            q &= Q(created_at__lt=now - dt.timedelta(days=lo))
        if hi is not None:
            q &= Q(created_at__gte=now - dt.timedelta(days=hi))
        filters[f"b{k}"] = Count("id", filter=q)
    counts = PhoneListEntry.objects.filter(facility=facility, status=PhoneListEntry.Status.PENDING).aggregate(**filters)
    return [AgeBucket(label=_age_label(lo, hi), from_days=lo, to_days=hi, count=counts[f"b{k}"],
                      overdue=lo >= review_target_days) for k, (lo, hi) in enumerate(spans)]


@dataclass(frozen=True)
class DayFlow:
    day: dt.date  # a local day of the facility
    added: int  # numbers added to phone lists that day (any source)
    decided: int  # numbers decided that day (approved or denied, by a reviewer or by screening)


def list_flow_per_day(*, facility, days: int = 30, now: dt.datetime | None = None) -> list[DayFlow]:
    """Numbers added and numbers decided on each of the facility's last ``days`` local days (every day listed).
    Two GROUP BY queries (the local day of ``created_at``, of ``decided_at``, in the facility's zone)."""
    listed, start, end = recent_local_days(facility, days=days, at=now)
    entries = PhoneListEntry.objects.filter(facility=facility)

    def per_day(field_name: str) -> dict[dt.date, int]:
        rows = (entries.filter(**{f"{field_name}__gte": start, f"{field_name}__lt": end})
                .annotate(day=TruncDate(field_name, tzinfo=facility.tz)).values("day")
                .annotate(n=Count("id")).order_by())
        return {row["day"]: row["n"] for row in rows}

    added, decided = per_day("created_at"), per_day("decided_at")
    return [DayFlow(day=day, added=added.get(day, 0), decided=decided.get(day, 0)) for day in listed]
