"""Writes to facilities, policies, the roster and roles. Each records who, when and why."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from audit.services import actor_label_for, actor_user, audit_record
from core.errors import DomainError

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
