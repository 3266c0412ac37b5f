"""Court cases and their parties (whose numbers screening knows)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from audit.services import actor_user, audit_record
from facilities.models import Facility, Inmate

from ..models import (
    CaseParty,
    CourtCase,
    PartyNumber,
)
from .common import EntryError, _normalize_many, _require
from .rescreen import _queue_rescreen


@transaction.atomic
def case_create(*, facility: Facility, case_number: str, court: str, description: str = "", actor) -> CourtCase:
    case = CourtCase(
        facility=facility, case_number=_require(case_number, "case_number", "Enter the case number."),
        court=_require(court, "court", "Enter the court."), description=(description or "").strip(),
        created_by=actor_user(actor),
    )
    if CourtCase.objects.filter(court__iexact=case.court, case_number__iexact=case.case_number).exists():
        raise EntryError(code="duplicate_case", message=f"Case {case.case_number} of {case.court} is already recorded.",
                         status=409, field="case_number")
    case.save()
    audit_record(action="court_case_created", actor=actor, facility=facility, target=case)
    return case



@transaction.atomic
def party_add(
    *, case: CourtCase, role: str, name: str, numbers: Iterable[str] = (), inmate: Inmate | None = None, actor
) -> CaseParty:
    if role not in CaseParty.Role.values:
        raise EntryError(code="invalid_input", message="Choose the party's role.", field="role")
    name = _require(name, "name", "Enter the party's name.")
    numbers = _normalize_many(numbers)
    if inmate is not None and CaseParty.objects.filter(case=case, inmate=inmate, removed_at__isnull=True).exists():
        raise EntryError(code="duplicate_party", message=f"{inmate} is already a party to this case.", status=409, field="inmate")
    party = CaseParty.objects.create(case=case, role=role, name=name, inmate=inmate, created_by=actor_user(actor))
    PartyNumber.objects.bulk_create(PartyNumber(party=party, number=n) for n in numbers)
    audit_record(action="case_party_added", actor=actor, facility=case.facility, target=party,
                 data={"case": case.case_number, "role": role, "numbers": numbers,
                       "inmate": inmate.register_number if inmate else None})
    _queue_rescreen("party", party.pk)
    return party



@transaction.atomic
def party_update_numbers(*, party: CaseParty, numbers: Iterable[str], actor, reason: str = "") -> CaseParty:
    party = CaseParty.objects.select_for_update().select_related("case__facility").get(pk=party.pk)
    if party.removed_at is not None:
        raise EntryError(code="party_removed", message="This party was removed from the case.", status=409)
    new = _normalize_many(numbers)
    old = set(party.numbers.values_list("number", flat=True))
    party.numbers.exclude(number__in=new).delete()
    PartyNumber.objects.bulk_create(PartyNumber(party=party, number=n) for n in new if n not in old)
    party._change_reason = reason or "numbers changed"
    party.save()
    audit_record(action="case_party_changed", actor=actor, facility=party.case.facility, target=party, reason=reason,
                 data={"old": sorted(old), "new": new})
    _queue_rescreen("party", party.pk, old - set(new))
    return party



@transaction.atomic
def party_remove(*, party: CaseParty, actor, reason: str) -> CaseParty:
    party = CaseParty.objects.select_for_update().select_related("case__facility").get(pk=party.pk)
    reason = _require(reason, "reason", "Say why the party is removed.")
    if party.removed_at is not None:
        raise EntryError(code="party_removed", message="This party was already removed.", status=409)
    party.removed_at, party.removed_by, party.removed_reason = timezone.now(), actor_user(actor), reason
    party._change_reason = reason
    party.save()
    audit_record(action="case_party_removed", actor=actor, facility=party.case.facility, target=party, reason=reason)
    _queue_rescreen("party", party.pk)
    return party
