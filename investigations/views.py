"""Investigators' pages: their watch list (add, alerts), one watch entry (end, review) and the link report.

They span every facility where the user is an investigator, so they are not under one facility's address; each
query goes through the scoping helper with the investigator role. Others are refused (403)."""

from __future__ import annotations

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render

from audit.services import audit_record
from core.csv import csv_lines
from core.errors import DomainError
from core.views import form_status, page_of
from facilities.models import Inmate
from facilities.scoping import INVESTIGATOR_ROLES, facility_ids_for_user, scope_for_user

from . import selectors, services
from .forms import EndForm, ReviewForm, WatchForm
from .models import Review, WatchEntry

PAGE_SIZE = 50


def investigator_view(view):
    """Logged in and an investigator somewhere; GET and POST only."""

    @login_required
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        ids = facility_ids_for_user(request.user, roles=INVESTIGATOR_ROLES)
        if ids is not None and not ids:
            raise PermissionDenied("Only investigators keep watch lists and read the link report.")
        return view(request, *args, **kwargs)

    return wrapper


def _form_error(form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


@investigator_view
def watch_list(request):
    facilities = selectors.investigator_facilities(user=request.user)
    form = WatchForm(request.POST or None, facilities=facilities, initial={"kind": WatchEntry.Kind.NUMBER})
    if request.method == "POST" and request.POST.get("action") == "mark_read":
        count = services.watch_alerts_mark_seen(actor=request.user)
        messages.success(request, f"{count} alert(s) marked read.")
        return redirect("investigations-watches")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        inmate = None
        if data["kind"] == WatchEntry.Kind.INMATE:
            inmate = scope_for_user(Inmate.objects.filter(facility=data["facility"]), request.user).filter(
                register_number=data["register_number"].strip()).first()
        try:
            entry = services.watch_add(
                actor=request.user, facility=data["facility"], kind=data["kind"], number=data["number"],
                inmate=inmate, reason=data["reason"], ends_on=data["ends_on"], review_by=data["review_by"],
            )
        except DomainError as exc:
            _form_error(form, exc if exc.field != "inmate" else DomainError(
                message=f"No inmate {data['register_number']} at {data['facility'].code}.", field="register_number"))
        else:
            messages.success(request, f"Now watching {entry.target_label} at {entry.facility.code}.")
            return redirect("investigations-watches")
    alerts = page_of(request, selectors.alerts_for(user=request.user), per_page=PAGE_SIZE)
    return render(request, "investigations/watch_list.html", {
        "form": form, "watches": selectors.watches_for(user=request.user), "page": alerts, "querystring": "",
        "unread": sum(1 for a in alerts if a.seen_at is None),
    }, status=form_status(request) if request.method == "POST" else 200)


@investigator_view
def watch_detail(request, pk: int):
    entry = scope_for_user(WatchEntry.objects.filter(owner=request.user), request.user, roles=INVESTIGATOR_ROLES) \
        .select_related("facility", "inmate", "ended_by").filter(pk=pk).first()
    if entry is None:
        raise Http404("No such watch entry of yours.")
    action = request.POST.get("action")
    end_form = EndForm(request.POST if action == "end" else None, auto_id="end_%s")
    review_form = ReviewForm(request.POST if action == "review" else None, auto_id="review_%s")
    form = end_form if action == "end" else review_form
    if request.method == "POST" and action in ("end", "review") and form.is_valid():
        try:
            if action == "end":
                services.watch_end(watch=entry, actor=request.user, reason=form.cleaned_data["reason"])
                messages.success(request, "The watch entry has ended.")
            else:
                services.watch_review(watch=entry, actor=request.user, **form.cleaned_data)
                messages.success(request, "Your review is recorded.")
        except DomainError as exc:
            _form_error(form, exc)
        else:
            return redirect("investigations-watch", pk=entry.pk)
    alerts = list(entry.alerts.select_related("inmate", "facility")[:100])
    reviews = Review.objects.filter(kind=Review.Kind.WATCH, object_id=entry.pk).select_related("reviewed_by")
    status = 400 if request.method == "POST" else 200
    return render(request, "investigations/watch_detail.html", {
        "entry": entry, "alerts": alerts, "reviews": reviews, "end_form": end_form, "review_form": review_form,
        "is_open": entry.ended_at is None,
    }, status=status)


@investigator_view
def link_report(request):
    numbers = selectors.shared_numbers(user=request.user)
    if request.GET.get("export") == "csv":
        return _links_csv(request.user, numbers)
    page = page_of(request, numbers, per_page=PAGE_SIZE)
    rows = selectors.link_rows(user=request.user, numbers=list(page))
    return render(request, "investigations/link_report.html", {"page": page, "rows": rows, "querystring": ""})


def _links_csv(user, numbers) -> StreamingHttpResponse:
    audit_record(action="csv_export", actor=user, data={"model": "investigations.link_report"})
    header = ["number", "inmates_listing", "inmate", "register_number", "facility", "entry_status", "contact_name",
              "cases_in_common", "not_named_elsewhere"]

    def rows():
        yield header
        chunk = 500
        total = numbers.count()
        for start in range(0, total, chunk):
            for row in selectors.link_rows(user=user, numbers=list(numbers[start:start + chunk])):
                for inmate in row.named:
                    yield [row.number, row.inmate_count, inmate.name, inmate.register_number, inmate.facility_code,
                           inmate.status, inmate.contact_name, "; ".join(inmate.cases), row.unnamed]
                if not row.named:
                    yield [row.number, row.inmate_count, "", "", "", "", "", "", row.unnamed]

    response = StreamingHttpResponse(csv_lines(rows()), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="link-report.csv"'
    return response
