"""Demo phone lists, court cases, no-contact orders, blocks (called-party ones too), the facility number library
and a list leave for ``manage.py seed_demo``. Safe to run twice."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from facilities.models import Facility, Inmate

from . import services
from .demo_more import called_party_library_and_leave
from .models import BlockedNumber, CaseParty, CourtCase, DecisionReason, PhoneListEntry

FACILITY_CODES = ["fed-dub", "tx-huntsville", "cook-county"]
FAMILY = [("Maria", "parent"), ("Luis", "sibling"), ("Tanya", "spouse"), ("Grace", "child"), ("Kevin", "friend"),
          ("Rosa", "other_family")]


def _number(area: int, n: int) -> str:
    return f"+1{area}555{n:04d}"  # 555-01xx style fictional numbers, valid for phonenumbers


def seed(*, stdout) -> None:
    actor = get_user_model().objects.filter(username="staff").first() or "seed_demo"
    for index, code in enumerate(FACILITY_CODES):
        facility = Facility.objects.filter(code=code).first()
        if facility is None:
            continue
        marker = f"DEMO-{code.upper()}-1"
        if CourtCase.objects.filter(facility=facility, case_number=marker).exists():
            stdout.write(f"approvals: demo data for {code} already there")
            continue
        inmates = list(Inmate.objects.filter(facility=facility, status=Inmate.Status.IN_CUSTODY)
                       .order_by("register_number")[:20])
        if len(inmates) < 8:
            continue
        area = [415, 936, 312][index]
        base = 100 + index * 30

        case = services.case_create(facility=facility, case_number=marker, court="District Court",
                                    description=f"State v. {inmates[0].last_name} and {inmates[1].last_name}",
                                    actor=actor)
        services.party_add(case=case, role=CaseParty.Role.DEFENDANT, name=inmates[0].full_name, inmate=inmates[0],
                           actor=actor)
        services.party_add(case=case, role=CaseParty.Role.DEFENDANT, name=inmates[1].full_name, inmate=inmates[1],
                           numbers=[_number(area, base + 1)], actor=actor)
        services.party_add(case=case, role=CaseParty.Role.VICTIM, name="Jordan Doe",
                           numbers=[_number(area, base + 2)], actor=actor)
        services.party_add(case=case, role=CaseParty.Role.WITNESS, name="Sam Witness",
                           numbers=[_number(area, base + 3)], actor=actor)
        services.order_create(
            facility=facility, inmate=inmates[2], protected_name="Pat Roe", numbers=[_number(area, base + 4)],
            court="Superior Court", order_number=f"NCO-{code.upper()}-1",
            starts_on=timezone.localdate() - dt.timedelta(days=60), document_reference="Order signed, docket 14",
            actor=actor,
        )
        services.block_create(facility=facility, number=_number(area, base + 5),
                              reason=BlockedNumber.Reason.CALLED_PARTY_REQUEST,
                              note="The called party phoned in and asked not to be called.", actor=actor,
                              source=BlockedNumber.Source.PHONE,
                              identity_check="Called back on the number itself; the caller answered.")
        called_party_library_and_leave(facility, inmates, number=_number, area=area, base=base, actor=actor)

        requests = [
            (inmates[0], _number(area, base + 1), "Co-defendant's home", "friend"),
            (inmates[0], _number(area, base + 2), "Jordan", "friend"),
            (inmates[1], _number(area, base + 3), "Sam", "friend"),
            (inmates[2], _number(area, base + 4), "Pat", "spouse"),
            (inmates[3], _number(area, base + 5), "Chris", "friend"),
            (inmates[4], _number(area, base + 6), "Shared aunt", "other_family"),
            (inmates[5], _number(area, base + 6), "Shared aunt", "other_family"),
        ]
        for n, inmate in enumerate(inmates):
            for k, (first, relationship) in enumerate(FAMILY[: 2 + n % 3]):
                requests.append((inmate, _number(area, 2000 + index * 500 + n * 10 + k),
                                 f"{first} {inmate.last_name}", relationship))
        for inmate, number, name, relationship in requests:
            try:
                services.entry_add(inmate=inmate, number=number, contact_name=name, relationship=relationship,
                                   source=PhoneListEntry.Source.STAFF if len(name) % 2 else PhoneListEntry.Source.KIOSK,
                                   actor=actor)
            except services.EntryError:
                continue
        services.entry_add(inmate=inmates[6], number=_number(area, base + 7), contact_name="Alex Counsel, Esq.",
                           relationship="attorney", legal=True, bar_number=f"{24000000 + index}", bar_state="TX",
                           source=PhoneListEntry.Source.KIOSK, actor=actor)
        _review_history(facility, actor=actor)
        counts = {s: PhoneListEntry.objects.filter(facility=facility, status=s).count()
                  for s in PhoneListEntry.Status.values}
        stdout.write(f"approvals: {code}: phone lists {counts}, 1 case, 1 no-contact order, 1 block")


def _review_history(facility: Facility, *, actor) -> None:
    """Thirty days of review work, for the dashboard's charts: half the clean numbers waiting (at most 16) are
    decided (through the services: mostly approved, some denied), then every number of the facility is moved
    back to one of the last 30 days (decided 0 to 5 days after it was added, never in the future; those still
    waiting in the last 12 days), so the queue has numbers on both sides of the review target. Only the entries' own dates move: their transition
    rows and audit records, append-only, keep the time the demo ran."""
    now = timezone.now()
    waiting = PhoneListEntry.objects.filter(facility=facility, status=PhoneListEntry.Status.PENDING, has_block=False,
                                            has_review=False, legal=False).order_by("id")
    for n, entry in enumerate(waiting[:32]):
        try:
            if n % 2:
                continue
            if n % 7 == 3:
                services.entry_deny(entry=entry, actor=actor, reason=DecisionReason.NOT_VERIFIED,
                                    note="The number's owner could not be reached to confirm it.")
            else:
                services.entry_approve(entry=entry, actor=actor)
        except services.EntryError:
            continue
    for n, entry in enumerate(PhoneListEntry.objects.filter(facility=facility).order_by("id")):
        # Numbers still waiting were added in the last 12 days (the review target is 7), the others in the last 29.
        days = (n * 5) % 13 if entry.status == PhoneListEntry.Status.PENDING else (n * 11) % 29
        added = now - dt.timedelta(days=days, hours=(n * 5) % 9, minutes=(n * 17) % 60)
        decided = min(added + dt.timedelta(days=n % 6, hours=2 + n % 5), now) if entry.decided_at else None
        changed = decided or added
        PhoneListEntry.objects.filter(pk=entry.pk).update(
            created_at=added, decided_at=decided, status_changed_at=changed,
            went_live_at=changed if entry.went_live_at else None,
        )
