"""Writes of emergency requests: intake, the warden's decisions, the emergency call, escalation, expiry.

Every decision records who, when and why on the request, in its transition log and in the audit trail.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from approvals.screening import catalogue, screen_number
from audit.services import actor_label_for, actor_user, audit_record
from core.errors import AlreadyDecided, DomainError
from core.numbers import normalize_number
from core.tasks import enqueue_on_commit
from facilities.models import Facility, Inmate
from facilities.times import local_time_label

from .models import EmergencyRequest, EmergencyRequestEvent
from .permissions import may_decide
from .selectors import EmergencyGrant, escalation_cutoff

Status = EmergencyRequest.Status
Kind = EmergencyRequestEvent.Kind

MAX_WINDOW_HOURS = 72
MAX_CALL_MINUTES = 60


class EmergencyError(DomainError):
    """A request that cannot be changed as asked; ``code`` is stable, ``message`` is for people.
    ``request``: the request as the refusal left it (its findings saved), where there is one."""

    def __init__(self, *, code: str | None = None, message: str, request: EmergencyRequest | None = None,
                 status: int | None = None, field: str | None = None):
        super().__init__(code=code, message=message, status=status, field=field)
        self.request = request


# --- helpers ---------------------------------------------------------------------------------------


def _log(
    request: EmergencyRequest, kind: str, *, actor=None, from_status: str = "", note: str = "",
    data: dict | None = None, at: dt.datetime | None = None,
) -> EmergencyRequestEvent:
    return EmergencyRequestEvent.objects.create(
        request=request, kind=kind, at=at or timezone.now(), actor=actor_user(actor),
        actor_label=actor_label_for(actor)[:150], from_status=from_status,
        to_status=request.status if from_status else "", note=note, data=data or {},
    )


def _finding_dict(finding: Any) -> dict[str, str]:
    get = finding.get if isinstance(finding, dict) else (lambda k, d="": getattr(finding, k, d))
    return {
        "code": str(get("code", "") or get("kind", "") or ""),
        "severity": str(get("severity", "") or ""),
        "message": str(get("message", "") or ""),
        "reference": str(get("reference", "") or ""),
    }


def emergency_number_screen(*, inmate: Inmate, number: str, facility_id: int | None = None) -> list[dict[str, str]]:
    """Screen the caller's number like any phone-list number (approvals' screening), as plain dicts.
    ``facility_id``: the request's facility, whose staff read the findings (the inmate may have moved since)."""
    result = screen_number(inmate=inmate, number=number, legal=False, purpose="emergency",
                           readers_facility_id=facility_id)
    findings = getattr(result, "findings", result)
    return [_finding_dict(f) for f in findings or []]


APPROVAL_BLOCKERS = catalogue.EMERGENCY_APPROVAL_BLOCKING
MESSAGE_BLOCKERS = catalogue.EMERGENCY_MESSAGE_BLOCKING


def _blockers(findings: list[dict[str, str]], codes: set[str]) -> list[dict[str, str]]:
    return [f for f in findings if f["code"] in codes]


def _require_warden(actor, facility: Facility) -> None:
    if not may_decide(actor, facility):
        raise PermissionDenied("Only a warden of this facility may decide emergency requests.")


def _lock_open(request_id: int, actor) -> EmergencyRequest:
    request = EmergencyRequest.objects.select_for_update().select_related("facility", "inmate").get(pk=request_id)
    _require_warden(actor, request.facility)
    if not request.is_open:
        who = (request.decided_by.get_full_name() or request.decided_by.get_username()) if request.decided_by else "someone"
        raise AlreadyDecided(
            message=f"This request was already decided: {request.get_status_display().lower()} by {who}"
            f"{' at ' + local_time_label(request.decided_at, request.facility) if request.decided_at else ''}."
            " That decision stands.",
            record=request,
        )
    return request


# --- intake --------------------------------------------------------------------------------------


@transaction.atomic
def emergency_request_log(
    *,
    facility: Facility,
    inmate: Inmate,
    caller_name: str,
    caller_number: str,
    relationship: str,
    category: str,
    description: str,
    channel: str,
    received_at: dt.datetime | None = None,
    actor,
) -> EmergencyRequest:
    """Staff log a request. The number is normalised (``NumberNotCallable`` if it cannot be) and screened."""
    if inmate.facility_id != facility.pk:
        raise EmergencyError(code="unknown_inmate", message="That inmate is not at this facility.")
    if not inmate.in_custody:
        raise EmergencyError(code="not_in_custody", message=f"{inmate.register_number} is not in custody here.")
    now = timezone.now()
    received_at = received_at or now
    if received_at > now + dt.timedelta(minutes=5):
        raise EmergencyError(code="received_in_future", message="The time the request came in cannot be in the future.")
    number = normalize_number(caller_number)
    findings = emergency_number_screen(inmate=inmate, number=number)
    request = EmergencyRequest(
        facility=facility, inmate=inmate, caller_name=caller_name.strip(), caller_number=number,
        relationship=relationship.strip(), category=category, description=description.strip(), channel=channel,
        received_at=received_at, logged_by=actor_user(actor), findings=findings,
    )
    request.full_clean()
    request._change_reason = "logged"
    request.save()
    _log(request, Kind.LOGGED, actor=actor, data={"findings": findings})
    audit_record(
        action="emergency_request_logged", actor=actor, facility=facility, target=request,
        data={"category": category, "caller_number": number, "findings": [f["code"] for f in findings]},
    )
    enqueue_on_commit("emergencies.notify_new", request_id=request.pk)
    return request


# --- the warden's decisions ---------------------------------------------------------------------------


def _refusal(request: EmergencyRequest, actor, code: str, message: str, blockers: list[dict]) -> EmergencyError:
    """Record a decision the screening ruled out (findings saved, log, audit); the caller raises it after commit."""
    request._change_reason = "re-screened at decision time"
    request.save(update_fields=["findings"])
    _log(request, Kind.DECISION_REFUSED, actor=actor, note=message, data={"code": code, "findings": blockers})
    audit_record(
        action="emergency_decision_refused", actor=actor, facility=request.facility, target=request,
        reason=message, data={"code": code, "findings": blockers},
    )
    return EmergencyError(code=code, message=message, request=request)


def _rescreen(request: EmergencyRequest) -> list[dict[str, str]]:
    findings = emergency_number_screen(inmate=request.inmate, number=request.caller_number,
                                       facility_id=request.facility_id)
    request.findings = findings
    return findings


def emergency_request_approve(
    *,
    request: EmergencyRequest | int,
    actor,
    window_start: dt.datetime | None = None,
    window_hours: int = 24,
    call_minutes: int = EmergencyRequest.DEFAULT_CALL_MINUTES,
    charged: bool = False,
    note: str = "",
) -> EmergencyRequest:
    """Approve one emergency call inside a window. Refused on a no-contact order or a blocked number."""
    request_id = request if isinstance(request, int) else request.pk
    if not 1 <= int(window_hours) <= MAX_WINDOW_HOURS:
        raise EmergencyError(code="invalid_window", message=f"The window must last between 1 and {MAX_WINDOW_HOURS} hours.")
    if not 1 <= int(call_minutes) <= MAX_CALL_MINUTES:
        raise EmergencyError(code="invalid_length", message=f"The call must last between 1 and {MAX_CALL_MINUTES} minutes.")
    with transaction.atomic():
        req = _lock_open(request_id, actor)
        blockers = _blockers(_rescreen(req), APPROVAL_BLOCKERS)
        if blockers:
            message = "A call cannot be approved: " + "; ".join(b["message"] or b["code"] for b in blockers)
            refused = _refusal(req, actor, "approval_ruled_out", message, blockers)
        else:
            now = timezone.now()
            start = window_start or now
            old = req.transition_to(Status.APPROVED, actor=actor, reason=note).from_status
            req.decided_by, req.decided_at, req.decision_note = actor_user(actor), now, note.strip()
            req.window_start, req.window_end = start, start + dt.timedelta(hours=int(window_hours))
            req.call_minutes, req.charged = int(call_minutes), bool(charged)
            req._change_reason = "approved"
            req.save()
            data = {
                "window_start": req.window_start.isoformat(), "window_end": req.window_end.isoformat(),
                "call_minutes": req.call_minutes, "charged": req.charged,
            }
            _log(req, Kind.APPROVED, actor=actor, from_status=old, note=req.decision_note, data=data)
            audit_record(action="emergency_call_approved", actor=actor, facility=req.facility, target=req,
                         reason=req.decision_note, data=data)
            return req
    raise refused  # after the refusal was committed


def emergency_request_message_only(
    *,
    request: EmergencyRequest | int,
    actor,
    delivered_by: str,
    delivered_at: dt.datetime | None = None,
    note: str = "",
) -> EmergencyRequest:
    """No call: the message was passed on to the inmate by ``delivered_by`` at ``delivered_at``."""
    request_id = request if isinstance(request, int) else request.pk
    delivered_by = (delivered_by or "").strip()
    if not delivered_by:
        raise EmergencyError(code="delivered_by_required", message="Say who passed the message on.")
    now = timezone.now()
    delivered_at = delivered_at or now
    if delivered_at > now + dt.timedelta(minutes=5):
        raise EmergencyError(code="delivered_in_future", message="The message cannot have been passed on in the future.")
    with transaction.atomic():
        req = _lock_open(request_id, actor)
        if delivered_at < req.received_at - dt.timedelta(minutes=5):
            raise EmergencyError(code="delivered_before_request", message="The message cannot have been passed on before the request came in.")
        blockers = _blockers(_rescreen(req), MESSAGE_BLOCKERS)
        if blockers:
            message = "No message may be passed on: " + "; ".join(b["message"] or b["code"] for b in blockers)
            refused = _refusal(req, actor, "message_ruled_out", message, blockers)
        else:
            old = req.transition_to(Status.MESSAGE_ONLY, actor=actor, reason=note).from_status
            req.decided_by, req.decided_at, req.decision_note = actor_user(actor), now, note.strip()
            req.message_delivered_by, req.message_delivered_at = delivered_by, delivered_at
            req._change_reason = "message only"
            req.save()
            data = {"delivered_by": delivered_by, "delivered_at": delivered_at.isoformat()}
            _log(req, Kind.MESSAGE_ONLY, actor=actor, from_status=old, note=req.decision_note, data=data)
            audit_record(action="emergency_message_only", actor=actor, facility=req.facility, target=req,
                         reason=req.decision_note, data=data)
            return req
    raise refused  # after the refusal was committed


@transaction.atomic
def emergency_request_deny(*, request: EmergencyRequest | int, actor, reason: str) -> EmergencyRequest:
    request_id = request if isinstance(request, int) else request.pk
    reason = (reason or "").strip()
    if not reason:
        raise EmergencyError(code="reason_required", message="Give the reason for the denial.")
    req = _lock_open(request_id, actor)
    old = req.transition_to(Status.DENIED, actor=actor, reason=reason).from_status
    req.decided_by, req.decided_at, req.decision_note = actor_user(actor), timezone.now(), reason
    req._change_reason = "denied"
    req.save()
    _log(req, Kind.DENIED, actor=actor, from_status=old, note=reason)
    audit_record(action="emergency_request_denied", actor=actor, facility=req.facility, target=req, reason=reason)
    return req


# --- the emergency call (used by the calls app) ------------------------------------------------------


def emergency_grant_use(*, grant: EmergencyGrant, call) -> None:
    """Inside the calls app's authorize transaction, after it creates ``call``: the grant is spent.

    A second attempt (or a concurrent one, thanks to the row lock of ``emergency_grant_for``) finds
    nothing. Raises ``EmergencyError("grant_unavailable")`` if the grant was already used.
    """
    now = timezone.now()
    with transaction.atomic():
        updated = EmergencyRequest.objects.filter(
            pk=grant.request_id, status=Status.APPROVED, used_at__isnull=True
        ).update(used_at=now)
        if updated != 1:
            raise EmergencyError(code="grant_unavailable", message="This emergency approval has already been used.")
        request = EmergencyRequest.objects.select_related("facility").get(pk=grant.request_id)
        _log(request, Kind.CALL_ALLOWED, actor="platform", data={"call_id": call.pk}, at=now)


def emergency_call_completed(*, call) -> None:
    """The platform reported the emergency call finished: the request it was placed for
    (``Call.emergency_request``, the one link between the two) is completed. Idempotent."""
    if call.emergency_request_id is None:
        return
    with transaction.atomic():
        request = (
            EmergencyRequest.objects.select_for_update().select_related("facility")
            .filter(pk=call.emergency_request_id, used_at__isnull=False).first()
        )
        if request is None or request.status == Status.COMPLETED:
            return
        old = request.transition_to(Status.COMPLETED, actor="platform", reason="call completed").from_status
        request.closed_at = timezone.now()
        request._change_reason = "call completed"
        request.save()
        data = {"call_id": call.pk}
        _log(request, Kind.COMPLETED, actor="platform", from_status=old, data=data)
        audit_record(action="emergency_call_completed", actor="platform", facility=request.facility,
                     target=request, data=data)


# --- periodic work ---------------------------------------------------------------------------------


def emergency_requests_escalate(*, now: dt.datetime | None = None) -> list[int]:
    """Mark open requests past their facility's escalation time; returns the ids newly escalated."""
    now = now or timezone.now()
    escalated: list[int] = []
    candidates = (
        EmergencyRequest.objects.filter(status=Status.OPEN, escalated_at__isnull=True)
        .select_related("facility__policy")
        .only("id", "received_at", "facility__policy__emergency_escalation_hours", "facility__id")
    )
    for candidate in candidates.iterator():
        if candidate.received_at > escalation_cutoff(facility=candidate.facility, now=now):
            continue
        with transaction.atomic():
            req = (
                EmergencyRequest.objects.select_for_update(skip_locked=True)
                .select_related("facility")
                .filter(pk=candidate.pk, status=Status.OPEN, escalated_at__isnull=True)
                .first()
            )
            if req is None:
                continue
            req.escalated_at = now
            req._change_reason = "escalated"
            req.save(update_fields=["escalated_at"])
            hours = candidate.facility.policy.emergency_escalation_hours
            note = f"Undecided {hours} hour{'s' if hours != 1 else ''} after it came in."
            _log(req, Kind.ESCALATED, actor="system", note=note, at=now)
            audit_record(action="emergency_request_escalated", actor="system", facility=req.facility, target=req,
                         reason=note)
            enqueue_on_commit("emergencies.notify_escalated", request_id=req.pk)
            escalated.append(req.pk)
    return escalated


def emergency_windows_expire(*, now: dt.datetime | None = None) -> list[int]:
    """Approved calls whose window passed unused expire; so do those whose allowed call lapsed unreported
    (the calls app expired its authorisation). Returns the ids expired."""
    now = now or timezone.now()
    expired: list[int] = []
    due = Q(status=Status.APPROVED, window_end__lte=now)
    unused = Q(used_at__isnull=True)
    lapsed = Q(used_at__isnull=False, calls__status="expired")  # its one call (Call.emergency_request)
    ids = list(EmergencyRequest.objects.filter(due & (unused | lapsed)).values_list("id", flat=True).distinct())
    for request_id in ids:
        with transaction.atomic():
            req = (
                EmergencyRequest.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("facility")
                .filter(due & (unused | lapsed), pk=request_id)
                .first()
            )
            if req is None:
                continue
            old = req.transition_to(Status.EXPIRED, actor="system", reason="expired", at=now).from_status
            req.closed_at = now
            req._change_reason = "expired"
            req.save()
            if req.used_at is None:
                note = "The approved window passed without a call."
            else:
                note = "The emergency call was allowed but never reported complete; its authorisation lapsed."
            _log(req, Kind.EXPIRED, actor="system", from_status=old, note=note, at=now)
            audit_record(action="emergency_approval_expired", actor="system", facility=req.facility, target=req,
                         reason=note, data={"window_end": req.window_end.isoformat(), "call_id": req.calls.values_list("pk", flat=True).first()})
            expired.append(req.pk)
    return expired
