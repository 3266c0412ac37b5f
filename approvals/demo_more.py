"""Demo data of domain.md §9 for ``approvals.demo``: called-party blocks, the facility number library, a list
leave. Called once per facility by ``approvals.demo.seed`` (which runs only on a facility without demo data)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from facilities.models import CallingPolicy, Facility, Inmate

from . import services
from .models import BlockedNumber, LibraryNumber


def called_party_library_and_leave(facility: Facility, inmates: list[Inmate], *, number, area: int, base: int,
                                   actor) -> None:
    """One of each (domain.md §9): a called party's block against one inmate, recorded by staff (the inmate
    told); one filed by the platform's opt-out key; the library's PREA hotline (system-wide, not monitored, not
    charged, at any hour) and a public defender; a warden's leave raising one inmate's list size."""
    services.block_create(facility=facility, number=number(area, base + 9), actor=actor,
                          reason=BlockedNumber.Reason.CALLED_PARTY_REQUEST, inmate=inmates[7],
                          source=BlockedNumber.Source.LETTER, inmate_told=True,
                          identity_check="Letter signed by the subscriber, with a copy of the phone bill.",
                          note="Former partner wrote asking never to be called by this inmate.")
    services.called_party_block_keypad(facility=facility, number=number(area, base + 8),
                                       client="vendor-phones (demo)")
    warden = get_user_model().objects.filter(username="warden").first()
    if warden is None:
        return
    if not LibraryNumber.objects.open().filter(system_wide=True, category=LibraryNumber.Category.PREA_HOTLINE).exists():
        services.library_add(facility=facility, number=number(202, 190), name="PREA sexual-abuse reporting hotline",
                             category=LibraryNumber.Category.PREA_HOTLINE, system_wide=True, monitored=False,
                             charged=False, calling_hours_apply=False, gap_applies=False, actor=warden,
                             reason="PREA §115.51: inmates report abuse privately, at any time, free of charge.")
    services.library_add(facility=facility, number=number(area, 191), name="County public defender",
                         category=LibraryNumber.Category.PUBLIC_DEFENDER, monitored=False, charged=False,
                         reason="Privileged legal line for inmates awaiting an attorney.", actor=warden)
    policy = CallingPolicy.objects.get(facility=facility)
    services.leave_grant(inmate=inmates[8], list_size=policy.list_size + 10, actor=warden,
                         reason="Large family; the chaplain asked for more numbers.",
                         ends_on=timezone.localdate() + dt.timedelta(days=90))
