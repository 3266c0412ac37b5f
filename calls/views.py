"""Staff pages of the calls app: calls per facility (with CSV), resets, an inmate's ledger, the warden's forms."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseNotAllowed, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from audit.services import audit_record
from core.csv import csv_lines
from core.errors import DomainError
from core.views import form_status, page_of
from facilities.decorators import facility_view
from facilities.models import Inmate, Role
from facilities.pages import facility_context
from facilities.scoping import READ_ROLES, WARDEN_ROLES, get_object_for_user, scope_for_user
from facilities.times import iso_local

from . import selectors, services
from .filters import CallFilter, GrantFilter, RestrictionFilter
from .forms import ExtraMinutesForm, LiftForm, RestrictionForm
from .models import Call, LedgerEntry, MonthlyReset, PhoneRestriction

PAGE_SIZE = 50
RESET_ROLES = frozenset({Role.WARDEN, Role.AUDITOR})


def _querystring(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("export", None)
    return query.urlencode()


def _calls_csv(facility, queryset, user) -> StreamingHttpResponse:
    audit_record(action="csv_export", actor=user, facility=facility, data={"model": "calls.call"})
    header = ["call_id", "requested_at", "inmate", "register_number", "number", "kind", "monitored", "outcome",
              "reasons", "max_minutes", "duration_seconds", "minutes_charged"]

    def rows():
        yield header
        for call in queryset.iterator(chunk_size=2000):
            yield [
                call.pk, iso_local(call.requested_at, facility),
                f"{call.inmate.last_name}, {call.inmate.first_name}", call.inmate.register_number, call.number,
                call.kind, "yes" if call.monitored else "no", call.status, " ".join(call.reasons), call.max_minutes,
                "" if call.duration_seconds is None else call.duration_seconds, call.minutes_charged,
            ]

    response = StreamingHttpResponse(csv_lines(rows()), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="calls-{facility.code}.csv"'
    return response


@facility_view(READ_ROLES)
def call_list(request, facility):
    qs = selectors.call_list(queryset=scope_for_user(Call.objects.filter(facility=facility), request.user))
    filterset = CallFilter(request.GET or None, queryset=qs)  # its dates are the facility's local days
    calls = filterset.qs
    if request.GET.get("export") == "csv":
        return _calls_csv(facility, calls, request.user)
    page = page_of(request, calls, per_page=PAGE_SIZE)
    return render(request, "calls/call_list.html", facility_context(
        request, facility, filter=filterset, page=page, querystring=_querystring(request),
    ))


@facility_view(READ_ROLES)
def restriction_list(request, facility):
    """The facility's phone restrictions, in force now unless the filter asks for others."""
    restrictions = scope_for_user(PhoneRestriction.objects.filter(facility=facility), request.user)
    filterset = RestrictionFilter(request.GET, queryset=restrictions)
    page = page_of(request, filterset.qs, per_page=PAGE_SIZE)
    return render(request, "calls/restriction_list.html", facility_context(
        request, facility, filter=filterset, page=page, querystring=_querystring(request),
        counts=selectors.restriction_counts(queryset=restrictions),
    ))


@facility_view(READ_ROLES)
def grant_list(request, facility):
    """Extra minutes wardens granted at the facility, newest first, with the filtered total."""
    grants = selectors.grant_list(queryset=scope_for_user(LedgerEntry.objects.filter(facility=facility), request.user))
    filterset = GrantFilter(request.GET or None, queryset=grants)
    page = page_of(request, filterset.qs, per_page=PAGE_SIZE)
    return render(request, "calls/grant_list.html", facility_context(
        request, facility, filter=filterset, page=page, querystring=_querystring(request),
        totals=selectors.grant_totals(queryset=filterset.qs),
    ))


@facility_view(RESET_ROLES, action="Reading the monthly minute resets")
def reset_list(request, facility):
    qs = selectors.reset_list(queryset=scope_for_user(MonthlyReset.objects.filter(facility=facility), request.user))
    page = page_of(request, qs, per_page=PAGE_SIZE)
    return render(request, "calls/reset_list.html", facility_context(
        request, facility, page=page, querystring=_querystring(request),
        next_reset=selectors.next_reset_for(facility=facility), policy=facility.policy,
    ))


def _inmate(request, facility, pk: int) -> Inmate:
    return get_object_for_user(Inmate.objects.select_related("facility"), request.user, pk=pk, facility=facility)


@facility_view(READ_ROLES)
def inmate_ledger(request, facility, pk: int):
    inmate = _inmate(request, facility, pk)
    page = page_of(request, selectors.ledger_for(inmate=inmate), per_page=PAGE_SIZE)
    return render(request, "calls/ledger.html", facility_context(
        request, facility, inmate=inmate, page=page, querystring="", balance=selectors.balance_for(inmate=inmate),
    ))


def _form_page(request, facility, inmate, form, *, title: str, action: str, button: str, status: int = 200):
    return render(request, "calls/form.html", facility_context(
        request, facility, inmate=inmate, form=form, title=title, action=action, button=button,
    ), status=status)


def _back(facility, inmate):
    return redirect(reverse("inmate-detail", args=[facility.code, inmate.pk]) + "#minutes")


@facility_view(WARDEN_ROLES, action="Granting extra minutes")
def grant_minutes(request, facility, pk: int):
    inmate = _inmate(request, facility, pk)
    form = ExtraMinutesForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.minutes_grant_extra(
                inmate=inmate, minutes=form.cleaned_data["minutes"], reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"{form.cleaned_data['minutes']} minutes granted to {inmate.register_number}.")
            return _back(facility, inmate)
    return _form_page(
        request, facility, inmate, form, title="Grant extra minutes", button="Grant minutes",
        action=reverse("calls-grant-minutes", args=[facility.code, inmate.pk]),
        status=form_status(request),
    )


@facility_view(WARDEN_ROLES, action="Imposing a phone restriction")
def restriction_new(request, facility, pk: int):
    inmate = _inmate(request, facility, pk)
    # The form's times are facility-local (facility_view activates the facility's zone).
    form = RestrictionForm(request.POST or None, initial={"starts_at": timezone.localtime().replace(second=0, microsecond=0)})
    if request.method == "POST" and form.is_valid():
        try:
            services.restriction_impose(
                inmate=inmate, starts_at=form.cleaned_data["starts_at"], ends_at=form.cleaned_data["ends_at"],
                reason=form.cleaned_data["reason"], actor=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Phone restriction imposed on {inmate.register_number}.")
            return _back(facility, inmate)
    return _form_page(
        request, facility, inmate, form, title="Impose a phone restriction", button="Impose restriction",
        action=reverse("calls-restriction-new", args=[facility.code, inmate.pk]),
        status=form_status(request),
    )


@facility_view(WARDEN_ROLES, action="Lifting a phone restriction")
def restriction_lift(request, facility, pk: int):
    restriction = get_object_for_user(
        PhoneRestriction.objects.select_related("inmate", "facility"), request.user, pk=pk, facility=facility
    )
    inmate = restriction.inmate
    form = LiftForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.restriction_lift(restriction=restriction, reason=form.cleaned_data["reason"], actor=request.user)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"The phone restriction of {inmate.register_number} was lifted.")
            return _back(facility, inmate)
    elif request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    return _form_page(
        request, facility, inmate, form, title="Lift a phone restriction early", button="Lift restriction",
        action=reverse("calls-restriction-lift", args=[facility.code, restriction.pk]),
        status=form_status(request),
    )
