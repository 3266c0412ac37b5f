"""An investigator's page of one telephone number: every inmate who lists it (approvals, through the
investigations selectors) and every inmate who dialled it (calls). It reads calls, so it lives in the calls app,
the top layer; the link report and the watch list link here."""

from __future__ import annotations

from django.db.models import Count, Max, Q
from django.http import Http404
from django.shortcuts import render

from core.errors import DomainError
from core.numbers import normalize_number
from facilities.scoping import scope_for_user
from investigations.selectors import number_listers
from investigations.views import investigator_view

from .models import Call


@investigator_view
def number_page(request, number: str):
    try:
        number = normalize_number(number)
    except DomainError:
        raise Http404("That is not a telephone number.") from None
    entries, listed_elsewhere = number_listers(user=request.user, number=number)
    dialled = (
        scope_for_user(Call.objects.filter(number=number), request.user)
        .values("inmate_id", "inmate__last_name", "inmate__first_name", "inmate__register_number", "facility__code",
                "facility__timezone")
        .annotate(calls=Count("id"), denied=Count("id", filter=Q(status=Call.Status.DENIED)),
                  last=Max("requested_at"))
        .order_by("-calls", "inmate__last_name")
    )
    return render(request, "calls/number_page.html", {
        "number": number, "entries": entries,
        "listed_elsewhere": listed_elsewhere, "dialled": list(dialled[:500]),
    })
