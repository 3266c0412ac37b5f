"""Staff pages of emergency requests: intake, the queue, the request page and the warden's decisions."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.errors import AlreadyDecided
from core.numbers import NumberNotCallable
from core.views import page_of
from facilities.decorators import facility_view
from facilities.models import Facility
from facilities.pages import facility_context
from facilities.refusals import role_needed
from facilities.scoping import (
    READ_ROLES,
    STAFF_ROLES,
    WARDEN_ROLES,
    facilities_for_user,
    facility_ids_for_user,
    get_object_for_user,
    roles_at,
    scope_for_user,
)
from facilities.worklist import queue_key, redirect_to_next

from . import permissions, selectors, services
from .filters import EmergencyRequestFilter
from .forms import ApproveForm, DenyForm, EmergencyIntakeForm, MessageOnlyForm
from .models import EmergencyRequest

PAGE_SIZE = 25
LOGGING = "Logging an emergency request"


def _mark_overdue(rows, now=None) -> None:
    now = now or timezone.now()
    for row in rows:
        cutoff = selectors.escalation_cutoff(facility=row.facility, now=now)
        row.is_overdue = row.is_open and (row.received_at <= cutoff or row.escalated_at is not None)


def _filtered_page(request, queryset, facilities):
    data = request.GET.copy()
    if "status" not in data:
        data["status"] = EmergencyRequest.Status.OPEN
    filterset = EmergencyRequestFilter(data, queryset=queryset, facilities=facilities)
    queue = selectors.emergency_queue(queryset=filterset.qs, facility_ids=facility_ids_for_user(request.user))
    page = page_of(request, queue, per_page=PAGE_SIZE)
    _mark_overdue(page.object_list)
    for row in page.object_list:
        row.earlier_outcome = selectors.STATUS_LABELS.get(row.earlier_status, "")
    query = data.copy()
    query.pop("page", None)
    return filterset, page, query.urlencode()


@facility_view()
def emergency_list(request, facility: Facility):
    qs = scope_for_user(EmergencyRequest.objects.filter(facility=facility), request.user)
    filterset, page, querystring = _filtered_page(request, qs, [facility])
    counts = selectors.emergency_counts(facility=facility)
    return render(
        request,
        "emergencies/list.html",
        facility_context(
            request, facility, filter=filterset, page=page, querystring=querystring, counts=counts,
            escalation_hours=facility.policy.emergency_escalation_hours,
        ),
    )


@login_required
def emergency_queue_all(request):
    """The warden's queue across every facility where they are warden (others: where they read)."""
    warden_ids = facility_ids_for_user(request.user, roles=WARDEN_ROLES)
    roles = WARDEN_ROLES if warden_ids is None or warden_ids else READ_ROLES
    facilities = list(facilities_for_user(request.user, roles=roles).select_related("policy"))
    qs = scope_for_user(EmergencyRequest.objects.all(), request.user, roles=roles)
    filterset, page, querystring = _filtered_page(request, qs, facilities)
    return render(
        request,
        "emergencies/queue_all.html",
        {"filter": filterset, "page": page, "querystring": querystring, "facilities": facilities},
    )


@facility_view(write_roles=STAFF_ROLES, write_action=LOGGING)
def emergency_new(request, facility: Facility):
    can_log = bool(roles_at(request.user, facility) & STAFF_ROLES)
    log_refused = "" if can_log else role_needed(user=request.user, facility=facility, roles=STAFF_ROLES, action=LOGGING)
    initial = {}
    inmate_id = request.GET.get("inmate")
    if inmate_id and inmate_id.isdigit():
        preset = facility.inmates.filter(pk=int(inmate_id)).values_list("register_number", flat=True).first()
        if preset:
            initial["inmate_query"] = preset
    form = EmergencyIntakeForm(request.POST or None, facility=facility, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            emergency = services.emergency_request_log(
                facility=facility, inmate=form.inmate, caller_name=data["caller_name"],
                caller_number=data["caller_number"], relationship=data["relationship"], category=data["category"],
                description=data["description"], channel=data["channel"], received_at=data["received_at"],
                actor=request.user,
            )
        except services.EmergencyError as exc:
            form.add_error(None, exc.message)
        except NumberNotCallable as exc:
            form.add_error("caller_number", exc.message)
        else:
            messages.success(request, "The emergency request was logged and the wardens were notified.")
            return redirect("emergency-detail", code=facility.code, pk=emergency.pk)
    return render(request, "emergencies/new.html", facility_context(request, facility, form=form, can_log=can_log,
                                                                       log_refused=log_refused))


def _detail_context(request, facility, emergency: EmergencyRequest, **forms):
    is_warden = permissions.may_decide(request.user, facility)
    live_findings = None
    if emergency.is_open:
        live_findings = services.emergency_number_screen(inmate=emergency.inmate, number=emergency.caller_number,
                                                         facility_id=emergency.facility_id)
    findings = live_findings if live_findings is not None else emergency.findings
    codes = {f["code"] for f in findings}
    _mark_overdue([emergency])
    earlier = selectors.emergency_requests_by_number(
        facility_ids=facility_ids_for_user(request.user), number=emergency.caller_number, exclude_id=emergency.pk
    )
    context = facility_context(
        request, facility, emergency=emergency, findings=findings, live_findings=live_findings is not None,
        approval_ruled_out=bool(codes & services.APPROVAL_BLOCKERS),
        message_ruled_out=bool(codes & services.MESSAGE_BLOCKERS),
        earlier=earlier, events=emergency.events.select_related("actor"),
        can_decide=is_warden and emergency.is_open,
        escalation_due=emergency.escalation_due_at(facility.policy.emergency_escalation_hours),
        emergency_calls=list(emergency.calls.order_by("requested_at")) if emergency.used_at else [],
        # Opened from a worklist queue: the decision forms carry it, so the next request of that queue follows.
        queue_query=f"?{urlencode({'queue': key})}" if (key := queue_key(request)) else "",
    )
    if context["can_decide"]:
        context["approve_form"] = forms.get("approve_form") or ApproveForm()
        context["message_form"] = forms.get("message_form") or MessageOnlyForm(
            request_obj=emergency, initial={"delivered_by": request.user.get_full_name() or request.user.get_username()}
        )
        context["deny_form"] = forms.get("deny_form") or DenyForm()
    return context


def _get_request(request, facility, pk: int) -> EmergencyRequest:
    return get_object_for_user(
        EmergencyRequest.objects.select_related("inmate", "facility__policy", "logged_by", "decided_by"),
        request.user, pk=pk, facility=facility,
    )


@facility_view()
def emergency_detail(request, facility: Facility, pk: int):
    emergency = _get_request(request, facility, pk)
    return render(request, "emergencies/detail.html", _detail_context(request, facility, emergency))


def _decide(request, facility, pk: int, form_class, form_key: str, action, success: str):
    emergency = _get_request(request, facility, pk)
    kwargs = {"request_obj": emergency} if form_class is MessageOnlyForm else {}
    form = form_class(request.POST, **kwargs)
    if form.is_valid():
        try:
            action(emergency, form.cleaned_data)
        except AlreadyDecided as exc:
            messages.error(request, exc.message)
            return redirect("emergency-detail", code=facility.code, pk=emergency.pk)
        except services.EmergencyError as exc:
            form.add_error(None, exc.message)
            emergency.refresh_from_db()
        else:
            messages.success(request, success)
            if queue_key(request):
                return redirect_to_next(request, queue_key(request))
            return redirect("emergency-detail", code=facility.code, pk=emergency.pk)
    if not emergency.is_open:  # decided meanwhile: show the decision that stands
        return redirect("emergency-detail", code=facility.code, pk=emergency.pk)
    context = _detail_context(request, facility, emergency, **{form_key: form})
    return render(request, "emergencies/detail.html", context, status=400)


@require_POST
@facility_view(permissions.DECIDER_ROLES, action="Deciding emergency requests")
def emergency_approve(request, facility: Facility, pk: int):
    def action(emergency, data):
        services.emergency_request_approve(
            request=emergency.pk, actor=request.user, window_start=data["window_start"],
            window_hours=data["window_hours"], call_minutes=data["call_minutes"], charged=data["charged"],
            note=data["note"],
        )

    return _decide(request, facility, pk, ApproveForm, "approve_form", action,
                   "The emergency call was approved: the platform will allow one call in the window.")


@require_POST
@facility_view(permissions.DECIDER_ROLES, action="Deciding emergency requests")
def emergency_message_only(request, facility: Facility, pk: int):
    def action(emergency, data):
        services.emergency_request_message_only(
            request=emergency.pk, actor=request.user, delivered_by=data["delivered_by"],
            delivered_at=data["delivered_at"], note=data["note"],
        )

    return _decide(request, facility, pk, MessageOnlyForm, "message_form", action,
                   "Recorded: the message was passed on, no call.")


@require_POST
@facility_view(permissions.DECIDER_ROLES, action="Deciding emergency requests")
def emergency_deny(request, facility: Facility, pk: int):
    def action(emergency, data):
        services.emergency_request_deny(request=emergency.pk, actor=request.user, reason=data["reason"])

    return _decide(request, facility, pk, DenyForm, "deny_form", action, "The request was denied.")

