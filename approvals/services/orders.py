"""No-contact orders: the protected person's numbers an inmate may not call."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import actor_user, audit_record
from facilities.models import Facility, Inmate

from ..models import (
    CourtCase,
    NoContactOrder,
    ProtectedNumber,
)
from .common import EntryError, _normalize_many, _require
from .rescreen import _queue_rescreen


@transaction.atomic
def order_create(
    *,
    facility: Facility,
    inmate: Inmate,
    protected_name: str,
    numbers: Iterable[str],
    court: str,
    order_number: str,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
    document_reference: str,
    case: CourtCase | None = None,
    actor,
) -> NoContactOrder:
    if inmate.facility_id != facility.pk:
        raise EntryError(code="invalid_input", message="The restrained inmate is not held at this facility.", field="inmate")
    numbers = _normalize_many(numbers)
    if not numbers:
        raise EntryError(code="invalid_input", message="Give at least one number of the protected person.", field="numbers")
    order = NoContactOrder(
        facility=facility, inmate=inmate,
        protected_name=_require(protected_name, "protected_name", "Enter the protected person's name."),
        court=_require(court, "court", "Enter the court."),
        order_number=_require(order_number, "order_number", "Enter the order number."),
        starts_on=starts_on, ends_on=ends_on, case=case,
        document_reference=_require(document_reference, "document_reference", "Name the document the order rests on."),
        created_by=actor_user(actor),
    )
    try:
        order.full_clean(exclude=["facility", "inmate", "case", "created_by"])
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise EntryError(code="invalid_input", message=messages[0], field=field) from None
    order.save()
    ProtectedNumber.objects.bulk_create(ProtectedNumber(order=order, number=n) for n in numbers)
    audit_record(action="no_contact_order_created", actor=actor, facility=facility, target=order,
                 data={"inmate": inmate.register_number, "numbers": numbers, "order_number": order.order_number})
    _queue_rescreen("order", order.pk)
    return order



@transaction.atomic
def order_update(*, order: NoContactOrder, actor, reason: str, numbers: Iterable[str] | None = None,
                 ends_on: dt.date | None | str = "unchanged") -> NoContactOrder:
    order = NoContactOrder.objects.select_for_update().select_related("facility").get(pk=order.pk)
    reason = _require(reason, "reason", "Say why the order changes.")
    if order.ended_at is not None:
        raise EntryError(code="order_ended", message="This order has ended and cannot be changed.", status=409)
    old = set(order.numbers.values_list("number", flat=True))
    removed: set[str] = set()
    if numbers is not None:
        new = _normalize_many(numbers)
        if not new:
            raise EntryError(code="invalid_input", message="Give at least one number of the protected person.", field="numbers")
        removed = old - set(new)
        order.numbers.filter(number__in=removed).delete()
        ProtectedNumber.objects.bulk_create(ProtectedNumber(order=order, number=n) for n in new if n not in old)
    if ends_on != "unchanged":
        if ends_on is not None and ends_on < order.starts_on:
            raise EntryError(code="invalid_input", message="The order cannot end before it starts.", field="ends_on")
        order.ends_on = ends_on
    order._change_reason = reason
    order.save()
    audit_record(action="no_contact_order_changed", actor=actor, facility=order.facility, target=order, reason=reason,
                 data={"numbers": sorted(order.numbers.values_list("number", flat=True)),
                       "ends_on": order.ends_on.isoformat() if order.ends_on else None})
    _queue_rescreen("order", order.pk, removed)
    return order



@transaction.atomic
def order_end(*, order: NoContactOrder, actor, reason: str) -> NoContactOrder:
    order = NoContactOrder.objects.select_for_update().select_related("facility").get(pk=order.pk)
    reason = _require(reason, "reason", "Say why the order ends (the court's decision).")
    if order.ended_at is not None:
        raise EntryError(code="order_ended", message="This order has already ended.", status=409)
    order.ended_at, order.ended_by, order.end_reason = timezone.now(), actor_user(actor), reason
    order._change_reason = reason
    order.save()
    audit_record(action="no_contact_order_ended", actor=actor, facility=order.facility, target=order, reason=reason)
    _queue_rescreen("order", order.pk)
    return order
