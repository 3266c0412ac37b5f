"""Writes to facilities, policies, the roster and roles. Each records who, when and why."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_login_failed
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict
from django.utils import timezone
from django_otp import device_classes, devices_for_user
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.services import actor_label_for, actor_user, audit_record
from core.errors import DomainError

from . import login_security
from .models import CallingPolicy, CustodyEvent, Facility, Inmate, Role, RoleAssignment
from .periods import reset_day_change
from .signals import inmate_booked, inmate_released, inmate_transferred


class RosterError(DomainError):
    """A roster change that cannot be made; ``code`` is stable for the API."""

    default_status = 409


def _policy_values(policy: CallingPolicy) -> dict[str, Any]:
    values = model_to_dict(policy, exclude=["id", "facility"])
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in values.items()}


@transaction.atomic
def facility_create(*, code: str, name: str, kind: str, timezone: str, actor=None, **policy: Any) -> Facility:
    facility = Facility(code=code, name=name, kind=kind, timezone=timezone)
    facility.full_clean()
    facility.save()
    pol = CallingPolicy(facility=facility, **policy)
    pol.full_clean()
    pol.save()
    audit_record(action="facility_created", actor=actor, facility=facility, target=facility, data=_policy_values(pol))
    return facility


@transaction.atomic
def policy_update(*, facility: Facility, actor, reason: str = "", **changes: Any) -> CallingPolicy:
    """Change a facility's calling policy; refuses invalid values and records old and new values."""
    policy = CallingPolicy.objects.select_for_update().get(facility=facility)
    before = _policy_values(policy)
    for name, value in changes.items():
        if not hasattr(policy, name) or name in ("id", "facility", "facility_id", "reset_period_held", "reset_day_from"):
            raise ValidationError({name: "Not a policy setting."})
        setattr(policy, name, value)
    policy.full_clean()
    after = _policy_values(policy)
    changed = {k: {"old": before[k], "new": after[k]} for k in after if before.get(k) != after[k]}
    if not changed:
        return policy
    if "reset_day" in changed:
        # A new reset day takes effect at the next reset moment: the current period is held until the first
        # 00:00 on the new day (facilities/periods.py says how, and why nobody is reset at another time).
        policy.reset_period_held, policy.reset_day_from = reset_day_change(
            policy=policy, tz=facility.timezone, old_day=before["reset_day"], at=timezone.now()
        )
        changed["reset_day"]["first_reset_on_new_day"] = policy.reset_day_from.isoformat()
    policy._change_reason = reason or "policy edited"
    if getattr(actor, "pk", None) is not None:  # the history names who, in a request or not (a command, a task)
        policy._history_user = actor
    policy.save()
    audit_record(action="policy_changed", actor=actor, facility=facility, target=policy, reason=reason, data=changed)
    return policy


def _actor_label(actor) -> str:
    return actor_label_for(actor)[:100]


def _refuse_future(day: dt.date, *, facility: Facility, what: str) -> None:
    """Roster dates may be today (facility-local) or earlier; a day ahead allows for clocks and time zones."""
    latest = timezone.localdate(timezone=facility.tz) + dt.timedelta(days=1)
    if day > latest:
        raise RosterError(code="invalid_date", message=f"The {what} date {day.isoformat()} is in the future.", status=400)


@transaction.atomic
def inmate_book(
    *,
    facility: Facility,
    register_number: str,
    first_name: str,
    last_name: str,
    date_of_birth: dt.date,
    admitted_on: dt.date,
    housing_unit: str = "",
    actor=None,
) -> Inmate:
    """Book an inmate in. A released inmate with the same number and identity is re-admitted."""
    _refuse_future(admitted_on, facility=facility, what="admission")
    register_number = register_number.strip()
    existing = Inmate.objects.select_for_update().filter(facility=facility, register_number=register_number).first()
    if existing is not None:
        same_person = (
            existing.date_of_birth == date_of_birth
            and existing.last_name.casefold() == last_name.strip().casefold()
        )
        if existing.in_custody or not same_person:
            raise RosterError(
                code="duplicate_register_number",
                message=f"Register number {register_number} is already in use at {facility.code}.",
            )
        inmate = existing
        inmate.first_name, inmate.last_name = first_name.strip(), last_name.strip()
        inmate.status, inmate.admitted_on, inmate.released_on = Inmate.Status.IN_CUSTODY, admitted_on, None
        inmate.housing_unit = housing_unit
    else:
        inmate = Inmate(
            facility=facility,
            register_number=register_number,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            date_of_birth=date_of_birth,
            housing_unit=housing_unit,
            admitted_on=admitted_on,
        )
    inmate.full_clean(validate_unique=False)
    inmate._change_reason = f"booked ({actor_label_for(actor)})"
    try:
        with transaction.atomic():
            inmate.save()
    except IntegrityError:
        raise RosterError(
            code="duplicate_register_number", message=f"Register number {register_number} is already in use at {facility.code}."
        ) from None
    CustodyEvent.objects.create(
        inmate=inmate, kind=CustodyEvent.Kind.BOOKED, to_facility=facility, occurred_on=admitted_on,
        recorded_by=actor_user(actor), source=_actor_label(actor),
    )
    audit_record(action="inmate_booked", actor=actor, facility=facility, target=inmate)
    inmate_booked.send(sender=Inmate, inmate=inmate, actor=actor, occurred_on=admitted_on)
    return inmate


@transaction.atomic
def inmate_transfer(
    *,
    inmate: Inmate,
    to_facility: Facility | None,
    transferred_on: dt.date,
    actor=None,
    housing_unit: str = "",
    reason: str = "",
) -> Inmate:
    """Move an inmate to another facility of the system (or out of it when ``to_facility`` is None)."""
    inmate = Inmate.objects.select_for_update().get(pk=inmate.pk)
    if not inmate.in_custody:
        raise RosterError(code="not_in_custody", message=f"{inmate.register_number} is not in custody and cannot be transferred.")
    if transferred_on < inmate.admitted_on:
        raise RosterError(code="invalid_date", message="The transfer date is before the admission date.", status=400)
    _refuse_future(transferred_on, facility=inmate.facility, what="transfer")
    from_facility = inmate.facility
    if to_facility is not None and to_facility.pk == from_facility.pk:
        raise RosterError(code="same_facility", message="The inmate is already at that facility.", status=400)
    if to_facility is not None and Inmate.objects.filter(
        facility=to_facility, register_number=inmate.register_number
    ).exists():
        raise RosterError(
            code="duplicate_register_number",
            message=f"Register number {inmate.register_number} is already in use at {to_facility.code}.",
        )
    if to_facility is None:
        inmate.status = Inmate.Status.TRANSFERRED
        inmate.released_on = transferred_on
    else:
        inmate.facility = to_facility
        inmate.housing_unit = housing_unit
    inmate._change_reason = f"{reason or 'transfer'} ({actor_label_for(actor)})"
    inmate.save()
    CustodyEvent.objects.create(
        inmate=inmate, kind=CustodyEvent.Kind.TRANSFERRED, from_facility=from_facility, to_facility=to_facility,
        occurred_on=transferred_on, recorded_by=actor_user(actor), source=_actor_label(actor), reason=reason,
    )
    data = {"from": from_facility.code, "to": to_facility.code if to_facility else None}
    audit_record(action="inmate_transferred", actor=actor, facility=from_facility, target=inmate, reason=reason, data=data)
    inmate_transferred.send(
        sender=Inmate, inmate=inmate, actor=actor, occurred_on=transferred_on,
        from_facility=from_facility, to_facility=to_facility,
    )
    return inmate


@transaction.atomic
def inmate_release(*, inmate: Inmate, released_on: dt.date, actor=None, reason: str = "") -> Inmate:
    inmate = Inmate.objects.select_for_update().get(pk=inmate.pk)
    if not inmate.in_custody:
        raise RosterError(code="not_in_custody", message=f"{inmate.register_number} is not in custody and cannot be released.")
    if released_on < inmate.admitted_on:
        raise RosterError(code="invalid_date", message="The release date is before the admission date.", status=400)
    _refuse_future(released_on, facility=inmate.facility, what="release")
    inmate.status = Inmate.Status.RELEASED
    inmate.released_on = released_on
    inmate._change_reason = f"{reason or 'release'} ({actor_label_for(actor)})"
    inmate.save()
    CustodyEvent.objects.create(
        inmate=inmate, kind=CustodyEvent.Kind.RELEASED, from_facility=inmate.facility, occurred_on=released_on,
        recorded_by=actor_user(actor), source=_actor_label(actor), reason=reason,
    )
    audit_record(action="inmate_released", actor=actor, facility=inmate.facility, target=inmate, reason=reason)
    inmate_released.send(sender=Inmate, inmate=inmate, actor=actor, occurred_on=released_on)
    return inmate


@transaction.atomic
def role_assign(*, user, role: str, facility: Facility | None = None, granted_by=None) -> RoleAssignment:
    """Give ``user`` a role at ``facility`` (auditors: ``facility=None`` means all facilities)."""
    assignment = RoleAssignment(
        user=user, role=role, facility=facility, all_facilities=facility is None and role == Role.AUDITOR,
        granted_by=granted_by,
    )
    assignment.full_clean(validate_constraints=False, validate_unique=False)
    existing = RoleAssignment.objects.filter(
        user=user, role=role, facility=facility, all_facilities=assignment.all_facilities
    ).first()
    if existing:
        return existing
    assignment.save()
    return assignment


@transaction.atomic
def role_revoke(*, assignment: RoleAssignment, revoked_by=None) -> None:
    assignment._changed_by = revoked_by
    assignment.delete()


# ---------------------------------------------------------------- two-factor sign-in (docs/sign-in.md)

RECOVERY_CODES = 10  # shown once at enrolment; each works once


@dataclass(frozen=True)
class CodeCheck:
    """What a second-factor code did: the device that accepted it (None: refused), whether it was a recovery
    code (and how many are left), and whether the user name is now locked out at this address (django-axes)."""

    device: Device | None = None
    recovery_code_used: bool = False
    recovery_codes_left: int | None = None
    locked: bool = False
    wait_seconds: int = 0


def _credentials(user) -> dict[str, str]:
    return {"username": user.get_username()}


def _lock_user(user):
    return get_user_model().objects.select_for_update().get(pk=user.pk)


def _code_refused(*, request, user, step: str) -> CodeCheck:
    """A wrong code is a failed log-in: django-axes counts it toward the lockout (and may lock now), the
    slow-down counts it (facilities.login_security) and the audit trail records it (facilities.receivers)."""
    user_login_failed.send(
        sender=__name__, credentials={**_credentials(user), "second_factor": step}, request=request
    )
    return CodeCheck(locked=bool(getattr(request, "axes_locked_out", False)))


def _refusal_before_checking(*, request, user) -> CodeCheck | None:
    """Locked out (django-axes) or made to wait (the slow-down): the code is not checked at all."""
    if AxesProxyHandler.is_locked(request, _credentials(user)):
        return CodeCheck(locked=True)
    wait = login_security.seconds_to_wait(username=user.get_username(), ip=login_security.client_ip(request))
    if wait:
        login_security.refuse(request=request, username=user.get_username(), wait=wait)
        return CodeCheck(wait_seconds=wait)
    return None


@transaction.atomic
def second_factor_enrol_begin(*, user) -> TOTPDevice:
    """The authenticator the user is setting up: a new secret (an unconfirmed TOTP device), made once and kept
    until it is confirmed (the page shows it again on every visit)."""
    _lock_user(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator app", confirmed=False)
    return device


@transaction.atomic
def second_factor_enrol_confirm(*, request, user, code: str) -> tuple[CodeCheck, list[str]]:
    """Confirm the authenticator being set up with a code it shows. On success the user's other devices go,
    ``RECOVERY_CODES`` new recovery codes are made (returned, to be shown once) and the enrolment is audited;
    a wrong code is a failed log-in (``_code_refused``)."""
    refusal = _refusal_before_checking(request=request, user=user)
    if refusal is not None:
        return refusal, []
    _lock_user(user)
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("pk").first()
    if device is None or not device.verify_token("".join((code or "").split())):
        return _code_refused(request=request, user=user, step="enrolment"), []
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    for model in device_classes():
        if model is not TOTPDevice:
            model.objects.filter(user=user).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _new_recovery_codes(user)
    audit_record(action="two_factor_enrolled", actor=user, target=user, ip_address=login_security.client_ip(request),
                 data={"recovery_codes": RECOVERY_CODES})
    login_security.clear_failures(request=request, username=user.get_username())
    return CodeCheck(device=device), codes


def _new_recovery_codes(user) -> list[str]:
    """``RECOVERY_CODES`` new recovery codes for ``user`` (one static device), in place of any they had."""
    StaticDevice.objects.filter(user=user).delete()
    recovery = StaticDevice.objects.create(user=user, name="recovery codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=recovery, token=token) for token in codes])
    return codes


@transaction.atomic
def second_factor_recovery_codes_renew(*, request, user, code: str) -> tuple[CodeCheck, list[str]]:
    """New recovery codes in place of the user's old ones, which all stop working, on a code from their
    authenticator app. A recovery code is not enough here: whoever held one could otherwise take the whole set
    from its owner. The new codes are returned, to be shown once; the renewal is audited; a wrong code is a
    failed log-in (``_code_refused``)."""
    refusal = _refusal_before_checking(request=request, user=user)
    if refusal is not None:
        return refusal, []
    _lock_user(user)
    token = "".join((code or "").split())
    device = next((d for d in TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk")
                   if token and d.verify_token(token)), None)
    if device is None:
        return _code_refused(request=request, user=user, step="recovery codes"), []
    codes = _new_recovery_codes(user)
    audit_record(action="two_factor_recovery_codes_renewed", actor=user, target=user,
                 ip_address=login_security.client_ip(request), data={"recovery_codes": RECOVERY_CODES})
    login_security.clear_failures(request=request, username=user.get_username())
    return CodeCheck(device=device), codes


@transaction.atomic
def second_factor_verify(*, request, user, code: str) -> CodeCheck:
    """The code step: a code from the user's authenticator, or one of their recovery codes (used up). Success
    and recovery-code use are audited and clear the failures; a wrong code is a failed log-in."""
    refusal = _refusal_before_checking(request=request, user=user)
    if refusal is not None:
        return refusal
    token = "".join((code or "").split()).lower()
    device = next((d for d in devices_for_user(user, confirmed=True, for_verify=True) if token
                   and d.verify_token(token)), None)
    if device is None:
        return _code_refused(request=request, user=user, step="verify")
    recovery = isinstance(device, StaticDevice)
    left = device.token_set.count() if recovery else None
    audit_record(
        action="two_factor_recovery_code_used" if recovery else "two_factor_verified", actor=user,
        target=user, ip_address=login_security.client_ip(request),
        data={"recovery_codes_left": left} if recovery else {},
    )
    login_security.clear_failures(request=request, username=user.get_username())
    return CodeCheck(device=device, recovery_code_used=recovery, recovery_codes_left=left)


def _user_sessions(user) -> list[str]:
    """The keys of the user's current sessions (the session store holds a few hundred at most: 30-minute idle)."""
    return [s.session_key for s in Session.objects.filter(expire_date__gt=timezone.now())
            if s.get_decoded().get("_auth_user_id") == str(user.pk)]


@transaction.atomic
def sign_out_everywhere(*, user, actor, reason: str = "") -> int:
    """End every session of ``user`` (a system administrator's action, audited); returns how many ended."""
    _lock_user(user)
    keys = _user_sessions(user)
    Session.objects.filter(session_key__in=keys).delete()
    audit_record(action="signed_out_everywhere", actor=actor, target=user, reason=reason, data={"sessions": len(keys)})
    return len(keys)


@transaction.atomic
def second_factor_reset(*, user, actor, reason: str = "") -> int:
    """Remove the user's authenticator and recovery codes (lost phone): they enrol again at their next sign-in.
    Their sessions end too, so that nobody holding one enrols a device of their own. Audited; returns how many
    devices went."""
    _lock_user(user)
    removed = 0
    for model in device_classes():
        removed += model.objects.filter(user=user).delete()[1].get(model._meta.label, 0)
    audit_record(action="two_factor_reset", actor=actor, target=user, reason=reason, data={"devices": removed})
    sign_out_everywhere(user=user, actor=actor, reason=reason or "two-factor reset")
    return removed
