"""Staff pages: facility dashboard, policy, inmate list and inmate page (the home page, the worklist, is in
worklist_views.py)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.template.loader import render_to_string

from core.views import page_of

from . import selectors, services
from .decorators import facility_view
from .filters import InmateFilter
from .forms import PolicyForm
from .models import CallingPolicy, Inmate
from .pages import (
    dashboard_cards_for,
    dashboard_charts_for,
    facility_context,
    inmate_list_columns_for,
    inmate_sections_for,
)
from .scoping import WARDEN_ROLES, get_object_for_user, roles_at

PAGE_SIZE = 50


@facility_view()
def dashboard(request, facility):
    counts = selectors.facility_roster_counts(facility=facility)
    cards = dashboard_cards_for(facility=facility, user=request.user)
    charts = dashboard_charts_for(facility=facility, user=request.user)
    return render(request, "facilities/dashboard.html",
                  facility_context(request, facility, counts=counts, cards=cards, charts=charts))


@facility_view(write_roles=WARDEN_ROLES, write_action="Changing the calling policy")
def policy(request, facility):
    policy_obj = CallingPolicy.objects.get(facility=facility)
    held = roles_at(request.user, facility)
    form = None
    if held & WARDEN_ROLES:
        form = PolicyForm(request.POST or None, instance=CallingPolicy.objects.get(pk=policy_obj.pk))
        if request.method == "POST" and form.is_valid():
            changes = {k: v for k, v in form.cleaned_data.items() if k != "reason"}
            try:
                services.policy_update(facility=facility, actor=request.user, reason=form.cleaned_data["reason"], **changes)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, "The calling policy was saved.")
                return redirect("facility-policy", code=facility.code)
    history = selectors.policy_history(policy=policy_obj)
    return render(
        request,
        "facilities/policy.html",
        facility_context(request, facility, policy=policy_obj, form=form, history=history),
    )


@facility_view()
def inmate_list(request, facility):
    qs = selectors.inmate_list(user=request.user, facility=facility)
    columns = inmate_list_columns_for(facility=facility, user=request.user)  # minutes, list size, restriction
    for column in columns:
        if column.annotate is not None:
            qs = column.annotate(qs)
    filterset = InmateFilter(request.GET or None, queryset=qs)
    page = page_of(request, filterset.qs, per_page=PAGE_SIZE)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "facilities/inmate_list.html",
        facility_context(request, facility, filter=filterset, page=page, querystring=query.urlencode(),
                         columns=columns),
    )


@facility_view()
def inmate_detail(request, facility, pk: int):
    inmate = get_object_for_user(Inmate.objects.select_related("facility"), request.user, pk=pk, facility=facility)
    events = inmate.custody_events.select_related("from_facility", "to_facility", "recorded_by")[:20]
    context = facility_context(request, facility, inmate=inmate, events=events)
    context["sections"] = [
        render_to_string(s.template, {**context, **s.context}, request=request)
        for s in inmate_sections_for(request=request, inmate=inmate)
    ]
    return render(request, "facilities/inmate_detail.html", context)
