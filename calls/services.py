"""Writes of the calls app: the minute ledger, restrictions, the call decision and its completion.

The monthly reset (bulk SQL) lives in ``calls/reset.py``.
Every write keeps ``MinuteBalance`` and the ledger in step inside one transaction.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from approvals.screening.catalogue import CALL_BLOCKING  # which findings block a call: the catalogue
from approvals.selectors import call_screening_day, call_screening_of
from audit.services import actor_label_for, actor_user, audit_record
from core.errors import DomainError, IllegalTransition
from core.metrics import call_decision_counted
from core.tasks import enqueue_on_commit
from emergencies.selectors import EmergencyGrant, emergency_grant_of
from emergencies.services import emergency_call_completed, emergency_grant_use
from facilities.models import Facility, Inmate
from facilities.periods import period_for_facility
from investigations.selectors import watch_since

from . import gather
from .decision import (
    CallFacts,
    Decision,
    EmergencyGrantFacts,
    LibraryFacts,
    OpenCallFacts,
    PolicyFacts,
    decide,
)
from .models import Call, CallKind, LedgerEntry, MinuteBalance, PhoneRestriction

EXTRA_GRANT_MAX = 10_000
MAX_DURATION_SECONDS = 24 * 3600  # a report longer than a day is not a call


def completion_grace() -> dt.timedelta:
    """How long after its last allowed minute an authorisation waits for its completion report."""
    return dt.timedelta(minutes=settings.CALLS_COMPLETION_GRACE_MINUTES)


class CallError(DomainError):
    """A call request that cannot be honoured; ``code`` is stable for the API."""


# --------------------------------------------------------------------------- ledger


def _balance_locked(inmate_id: int) -> MinuteBalance:
    """The inmate's balance row, locked; created (with 0 minutes) when it does not exist yet."""
    balance = MinuteBalance.objects.select_for_update().filter(inmate_id=inmate_id).first()
    if balance is None:
        MinuteBalance.objects.bulk_create([MinuteBalance(inmate_id=inmate_id)], ignore_conflicts=True)
        balance = MinuteBalance.objects.select_for_update().get(inmate_id=inmate_id)
    return balance


def _post(
    balance: MinuteBalance,
    *,
    kind: str,
    minutes: int,
    facility_id: int,
    at: dt.datetime,
    period: dt.date | None = None,
    call: Call | None = None,
    actor=None,
    reason: str = "",
) -> LedgerEntry:
    """Append one ledger entry and move the (locked) balance with it. The caller saves the balance."""
    balance.minutes += minutes
    return LedgerEntry.objects.create(
        inmate_id=balance.inmate_id, facility_id=facility_id, kind=kind, minutes=minutes,
        balance_after=balance.minutes, period=period, call=call, created_at=at, actor=actor_user(actor),
        actor_label=actor_label_for(actor)[:150], reason=reason,
    )


def _grant_period(balance: MinuteBalance, *, facility: Facility, period: dt.date, at: dt.datetime, actor) -> None:
    """Void what is left and grant ``period``'s allowance (and bonus): the reset, for one inmate."""
    policy = facility.policy
    if balance.minutes:
        _post(balance, kind=LedgerEntry.Kind.VOID, minutes=-balance.minutes, facility_id=facility.pk, at=at,
              period=period, actor=actor, reason="Unused minutes voided at the start of a new period.")
    _post(balance, kind=LedgerEntry.Kind.MONTHLY_GRANT, minutes=policy.monthly_minutes, facility_id=facility.pk,
          at=at, period=period, actor=actor)
    bonus = policy.bonus_for_month(period.month)
    if bonus:
        _post(balance, kind=LedgerEntry.Kind.MONTHLY_BONUS, minutes=bonus, facility_id=facility.pk, at=at,
              period=period, actor=actor)
    balance.period = period


@transaction.atomic
def minutes_grant_on_booking(*, inmate: Inmate, actor=None, at: dt.datetime | None = None) -> MinuteBalance:
    """An inmate booked mid-month gets the current period's allowance now (once per period)."""
    at = at or timezone.now()
    facility = Facility.objects.select_related("policy").get(pk=inmate.facility_id)
    period = period_for_facility(facility, at=at)
    balance = _balance_locked(inmate.pk)
    if balance.period is not None and balance.period >= period:
        return balance
    _grant_period(balance, facility=facility, period=period, at=at, actor=actor)
    balance.save()
    audit_record(action="minutes_granted_on_booking", actor=actor, facility=facility, target=inmate,
                 data={"period": period.isoformat(), "balance": balance.minutes})
    return balance


@transaction.atomic
def minutes_grant_extra(*, inmate: Inmate, minutes: int, reason: str, actor) -> LedgerEntry:
    """A warden's extra minutes for good cause: recorded with who and why."""
    reason = (reason or "").strip()
    errors = {}
    if not isinstance(minutes, int) or minutes < 1 or minutes > EXTRA_GRANT_MAX:
        errors["minutes"] = f"Grant between 1 and {EXTRA_GRANT_MAX:,} minutes."
    if not reason:
        errors["reason"] = "Say why these minutes are granted."
    if errors:
        raise ValidationError(errors)
    at = timezone.now()
    balance = _balance_locked(inmate.pk)
    entry = _post(balance, kind=LedgerEntry.Kind.EXTRA_GRANT, minutes=minutes, facility_id=inmate.facility_id,
                  at=at, actor=actor, reason=reason)
    balance.save()
    audit_record(action="minutes_granted", actor=actor, facility=inmate.facility, target=inmate, reason=reason,
                 data={"minutes": minutes, "balance": balance.minutes, "ledger_entry": entry.pk})
    return entry


# --------------------------------------------------------------------------- restrictions


@transaction.atomic
def restriction_impose(
    *, inmate: Inmate, starts_at: dt.datetime, ends_at: dt.datetime | None, reason: str, actor
) -> PhoneRestriction:
    restriction = PhoneRestriction(
        inmate=inmate, facility_id=inmate.facility_id, starts_at=starts_at, ends_at=ends_at,
        reason=(reason or "").strip(), imposed_by=actor, imposed_at=timezone.now(),
    )
    restriction.full_clean()
    restriction._change_reason = "imposed"
    restriction.save()
    audit_record(
        action="phone_restriction_imposed", actor=actor, facility=inmate.facility, target=inmate, reason=restriction.reason,
        data={"restriction": restriction.pk, "starts_at": starts_at.isoformat(),
              "ends_at": ends_at.isoformat() if ends_at else None},
    )
    return restriction


@transaction.atomic
def restriction_lift(*, restriction: PhoneRestriction, reason: str, actor) -> PhoneRestriction:
    restriction = PhoneRestriction.objects.select_for_update().select_related("inmate", "facility").get(pk=restriction.pk)
    restriction.lift(by=actor, reason=reason)
    restriction._change_reason = "lifted"
    restriction.save()
    audit_record(action="phone_restriction_lifted", actor=actor, facility=restriction.facility,
                 target=restriction.inmate, reason=restriction.lift_reason, data={"restriction": restriction.pk})
    return restriction


# --------------------------------------------------------------------------- the call decision

@dataclass(frozen=True)
class _Gathered:
    """The gather statement's row (``gather.COLUMNS`` and ``gather.ANNOTATIONS``)."""

    balance_id: int
    inmate_id: int
    minutes: int
    last_call_started_at: dt.datetime | None
    open_call_id: int | None
    inmate_status: str
    calling_hours_start: dt.time
    calling_hours_end: dt.time
    call_gap_minutes: int
    per_call_minutes: int
    open_call_row: object
    restricted: bool
    restriction_spans: object
    watched: bool
    screen_entry: object
    screen_ordered: bool
    screen_blocked: bool
    screen_library: object
    grant: object


def _gather(facility: Facility, register_number: str, now: dt.datetime, number: str, *, lock: bool) -> _Gathered:
    """ONE statement (``gather.statements().gather``): the inmate's balance row, locked unless ``lock`` is false,
    with everything the decision reads. The balance row is created when missing; ``CallError`` for an unknown
    inmate."""
    statements = gather.statements()
    compiled = statements.gather if lock else statements.gather_unlocked
    values = {"now": now, "number": number, "facility_id": facility.pk, "register_number": register_number,
              "day": call_screening_day(facility, now), "watch_since": watch_since(now.date())}
    with gather.cursor() as cursor:
        row = compiled.row(cursor, values)
        if row is None:
            inmate = Inmate.objects.filter(facility=facility, register_number=register_number).values("pk").first()
            if inmate is None:
                raise CallError(code="unknown_inmate", message=f"No inmate {register_number} at {facility.code}.",
                                status=404)
            MinuteBalance.objects.bulk_create([MinuteBalance(inmate_id=inmate["pk"])], ignore_conflicts=True)
            row = compiled.row(cursor, values)
    return _Gathered(*row)


def _open_call(row: _Gathered) -> OpenCallFacts | None:
    if row.open_call_id is None:
        return None
    seen = gather.open_call_of(row.open_call_row)
    if seen is not None and seen[0] == row.open_call_id:
        _, status, expires_at = seen
    else:
        # The row was changed by a transaction we waited for (the lock re-reads the balance row
        # but not the joined call): read the call it now points to.
        found = Call.objects.filter(pk=row.open_call_id).values_list("status", "expires_at").first()
        if found is None:
            return None
        status, expires_at = found
    return OpenCallFacts(pk=row.open_call_id, authorized=status == Call.Status.AUTHORIZED, expires_at=expires_at)


def _call_facts(row: _Gathered, *, facility: Facility) -> tuple[CallFacts, EmergencyGrant | None]:
    """The facts of ``decision.decide`` (screening, emergency grant, restrictions in the way) and the grant."""
    screening = call_screening_of({name: getattr(row, name) for name in _SCREENING})
    library = screening.library
    # A legal or library call is never the emergency call: no grant.
    grant = None if screening.legal or library else emergency_grant_of(row.grant)
    restrictions = () if screening.legal else gather.spans_of(row.restriction_spans)
    facts = CallFacts(
        in_custody=row.inmate_status == Inmate.Status.IN_CUSTODY,
        policy=PolicyFacts(tz=facility.tz, calling_hours=(row.calling_hours_start, row.calling_hours_end),
                           call_gap_minutes=row.call_gap_minutes, per_call_minutes=row.per_call_minutes),
        on_list=screening.entry_id is not None, legal=screening.legal,
        blocking_findings=tuple(c for c in CALL_BLOCKING if c in screening.block_codes),
        emergency=None if grant is None else EmergencyGrantFacts(max_minutes=grant.max_minutes, charged=grant.charged),
        library=None if library is None else LibraryFacts(
            monitored=library.monitored, charged=library.charged, calling_hours_apply=library.calling_hours_apply,
            gap_applies=library.gap_applies),
        restricted=bool(row.restricted), restrictions=restrictions,
        balance_minutes=row.minutes, last_charged_call_start=row.last_call_started_at,
        open_call=_open_call(row),
    )
    return facts, grant


_SCREENING = ("screen_entry", "screen_ordered", "screen_blocked", "screen_library")


def call_authorize(
    *, facility: Facility, register_number: str, number: str, dialed_number: str = "", client=None,
    at: dt.datetime | None = None,
) -> Call:
    """Decide one call (domain.md §4, ``decision.decide``). Allowed or denied, the attempt is kept with every reason:
    the ``Call`` row is the decision's audit record (who: the client, what, why: the reasons, when).

    ``number`` is E.164. Raises ``CallError("unknown_inmate")`` (nothing written) for an unknown inmate. A fixed
    number of statements (``calls/gather.py``). On PostgreSQL a plain decision is two, with no transaction around
    them and no row lock: the gather (the balance row with the inmate, its policy, open call, restrictions, watch,
    screening and emergency grant), then the call's insert, which for an allowed call is one statement with the
    balance update and holds only if the balance row is still as read. When it is not (another decision, a
    completion or a reset came between), or when the decision writes more (a lapsed open call's expiry, an
    emergency grant's use), or on SQLite, the decision is made in a transaction with the balance row locked:
    the gather, the call insert, and for an allowed call the balance update. Either way one decision stands per
    moment of the balance row: two at once for one inmate never both open a call.
    """
    started = time.monotonic()
    now = at or timezone.now()
    args = {"facility": facility, "register_number": register_number, "number": number,
            "dialed_number": dialed_number, "client": client, "now": now}
    decided = _decide_unlocked(**args) if gather.statements().gather_unlocked is not None else None
    if decided is None:
        decided = _decide_locked(**args)
    row, decision, call = decided
    if row.watched:  # an investigator watches the number or the inmate: alert after the commit, no query here
        enqueue_on_commit("investigations.watch_alerts", call_id=call.pk, facility_id=facility.pk,
                          inmate_id=row.inmate_id, number=number, allowed=decision.allowed,
                          occurred_at=now.isoformat())
    # Prometheus figures (core/metrics.py): in memory, no SQL statement.
    call_decision_counted(allowed=decision.allowed, kind=decision.kind, reasons=decision.reasons,
                          seconds=time.monotonic() - started)
    return call


def _decide_unlocked(
    *, facility: Facility, register_number: str, number: str, dialed_number: str, client, now: dt.datetime,
) -> tuple[_Gathered, Decision, Call] | None:
    """The decision without a transaction (PostgreSQL): the unlocked gather, then one statement that writes it.
    None (nothing written) when the decision writes more than the call and the balance row, or when the balance
    row changed since the gather: the caller decides again, locked."""
    row = _gather(facility, register_number, now, number, lock=False)
    facts, grant = _call_facts(row, facility=facility)
    decision = decide(facts, now)
    if decision.expire_open_call or decision.uses_emergency_grant:
        return None
    call = _call_of(row, decision, facility=facility, grant=grant, number=number, dialed_number=dialed_number,
                    client=client, now=now)
    statements = gather.statements()
    with gather.cursor() as cursor:
        if decision.allowed:
            pk = statements.insert_call_and_open_it_if_unchanged(
                cursor, call, balance_id=row.balance_id,
                read=(row.minutes, row.open_call_id, row.last_call_started_at),
                last_call_started_at=now if decision.charged else row.last_call_started_at, now=now)
            if pk is None:
                return None
            call.pk = pk
        else:  # a denial reads the balance row and changes nothing: the row as read is its moment
            call.pk = statements.insert_call(cursor, call)
    call._state.adding, call._state.db = False, "default"
    return row, decision, call


@transaction.atomic
def _decide_locked(
    *, facility: Facility, register_number: str, number: str, dialed_number: str, client, now: dt.datetime,
) -> tuple[_Gathered, Decision, Call]:
    row = _gather(facility, register_number, now, number, lock=True)
    facts, grant = _call_facts(row, facility=facility)
    decision = decide(facts, now)
    call = _record_decision(row, decision, facility=facility, facts=facts, grant=grant, number=number,
                            dialed_number=dialed_number, client=client, now=now)
    return row, decision, call


def _call_of(
    row: _Gathered, decision: Decision, *, facility: Facility, grant: EmergencyGrant | None, number: str,
    dialed_number: str, client, now: dt.datetime,
) -> Call:
    """The attempt as a ``Call`` (not saved): the decision's audit record."""
    allowed = decision.allowed
    return Call(
        facility_id=facility.pk, inmate_id=row.inmate_id, dialed_number=(dialed_number or number)[:40], number=number,
        status=Call.Status.AUTHORIZED if allowed else Call.Status.DENIED, kind=decision.kind,
        monitored=decision.monitored, charged=decision.charged, max_minutes=decision.max_minutes,
        reasons=list(decision.reasons), retry_after=decision.retry_after, requested_at=now,
        expires_at=now + dt.timedelta(minutes=decision.max_minutes) + completion_grace() if allowed else None,
        previous_call_started_at=row.last_call_started_at,
        emergency_request_id=grant.request_id if decision.uses_emergency_grant else None,
        client_id=client.pk if getattr(client, "_meta", None) is not None else None,
        client_label=actor_label_for(client)[:150],
    )


def _record_decision(
    row: _Gathered, decision: Decision, *, facility: Facility, facts: CallFacts, grant: EmergencyGrant | None,
    number: str, dialed_number: str, client, now: dt.datetime,
) -> Call:
    """Keep the attempt (a ``Call``: the decision's audit record), move the balance row's open call and gap start,
    use the emergency grant. In the transaction that locked the balance row."""
    allowed = decision.allowed
    call = _call_of(row, decision, facility=facility, grant=grant, number=number, dialed_number=dialed_number,
                    client=client, now=now)
    statements = gather.statements()
    with gather.cursor() as cursor:
        if allowed:  # the call in progress, and the gap's start when charged
            call.pk = statements.insert_call_and_open_it(
                cursor, call, balance_id=row.balance_id,
                last_call_started_at=now if decision.charged else row.last_call_started_at, now=now)
        else:
            call.pk = statements.insert_call(cursor, call)
        call._state.adding, call._state.db = False, "default"
        if decision.expire_open_call:
            Call.objects.filter(pk=facts.open_call.pk, status=Call.Status.AUTHORIZED).update(status=Call.Status.EXPIRED)
            if not allowed:  # no call in progress any more
                statements.update_balance(cursor, balance_id=row.balance_id, open_call_id=None,
                                          last_call_started_at=row.last_call_started_at, now=now)
    if decision.uses_emergency_grant:
        emergency_grant_use(grant=grant, call=call)
    return call


@dataclass(frozen=True)
class Completion:
    call: Call
    minutes_charged: int
    minutes_remaining: int


def charge_for(*, duration_seconds: int, max_minutes: int) -> int:
    """Each started minute, never more than authorised."""
    return min(math.ceil(duration_seconds / 60), max_minutes)


@transaction.atomic
def call_complete(*, call_id: int, duration_seconds: int, facility_ids: set[int], client=None) -> Completion:
    """The platform reports how long a call lasted. Reporting it twice charges once."""
    if not isinstance(duration_seconds, int) or duration_seconds < 0 or duration_seconds > MAX_DURATION_SECONDS:
        raise CallError(code="invalid_duration", message=f"duration_seconds must be between 0 and {MAX_DURATION_SECONDS}.")
    found = Call.objects.filter(pk=call_id, facility_id__in=facility_ids).values_list("inmate_id", flat=True).first()
    if found is None:
        raise CallError(code="unknown_call", message=f"No call {call_id} for this client.", status=404)
    # Lock order everywhere: the balance row, then the call.
    balance = _balance_locked(found)
    call = Call.objects.select_for_update().select_related("facility").get(pk=call_id)
    if call.status == Call.Status.COMPLETED:
        return Completion(call=call, minutes_charged=call.minutes_charged, minutes_remaining=balance.minutes)
    if call.status == Call.Status.DENIED:
        raise CallError(code="call_not_authorized", message="This call was denied; there is nothing to complete.", status=409)
    if call.status == Call.Status.EXPIRED:
        raise CallError(code="call_expired", message="This authorisation expired before the call was reported.", status=409)
    now = timezone.now()
    minutes = charge_for(duration_seconds=duration_seconds, max_minutes=call.max_minutes) if call.charged else 0
    call.transition_to(Call.Status.COMPLETED, actor=client, reason="completion reported", at=now)
    call.completed_at, call.duration_seconds, call.minutes_charged = now, duration_seconds, minutes
    call.save(update_fields=["status", "completed_at", "duration_seconds", "minutes_charged"])
    if minutes:
        _post(balance, kind=LedgerEntry.Kind.CALL_CHARGE, minutes=-minutes, facility_id=call.facility_id, at=now,
              call=call, actor=client, reason=f"{duration_seconds} seconds")
    if balance.open_call_id == call.pk:
        balance.open_call = None
    if duration_seconds == 0 and call.charged and balance.last_call_started_at == call.requested_at:
        balance.last_call_started_at = call.previous_call_started_at  # never connected: no gap to wait
    balance.save(update_fields=["minutes", "open_call", "last_call_started_at", "updated_at"])
    audit_record(action="call_completed", actor=client, facility=call.facility, target=call,
                 data={"duration_seconds": duration_seconds, "minutes_charged": minutes, "balance": balance.minutes})
    if call.kind == CallKind.EMERGENCY:
        emergency_call_completed(call=call)
    return Completion(call=call, minutes_charged=minutes, minutes_remaining=balance.minutes)


def call_authorizations_expire(*, now: dt.datetime | None = None, batch: int = 5000) -> int:
    """Authorisations never reported complete lapse (nothing charged). Returns how many expired."""
    now = now or timezone.now()
    total = 0
    while True:
        with transaction.atomic():
            ids = list(
                Call.objects.filter(status=Call.Status.AUTHORIZED, expires_at__lte=now)
                .order_by("expires_at").values_list("pk", "inmate_id")[:batch]
            )
            if not ids:
                break
            call_ids = [c for c, _ in ids]
            # Lock order: balances first, then the calls (as authorize and complete do).
            list(MinuteBalance.objects.select_for_update().filter(inmate_id__in=[i for _, i in ids]).values_list("pk"))
            expired = Call.objects.filter(pk__in=call_ids, status=Call.Status.AUTHORIZED).update(
                status=Call.Status.EXPIRED
            )
            MinuteBalance.objects.filter(inmate_id__in=[i for _, i in ids], open_call_id__in=call_ids).update(
                open_call=None, updated_at=now
            )
            if expired:
                audit_record(action="call_authorizations_expired", actor="calls expiry task",
                             data={"count": expired, "calls": call_ids[:100]})
            total += expired
        if len(ids) < batch:
            break
    return total


__all__ = [
    "CallError",
    "IllegalTransition",
    "call_authorizations_expire",
    "call_authorize",
    "call_complete",
    "minutes_grant_extra",
    "minutes_grant_on_booking",
    "restriction_impose",
    "restriction_lift",
]
