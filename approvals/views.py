"""Staff pages: the review queue, an entry and its decision, phone-list changes, orders, cases, blocks."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render

from core.errors import AlreadyDecided, DomainError
from core.views import form_status, page_of
from facilities.decorators import facility_view
from facilities.models import CallingPolicy, Inmate
from facilities.pages import facility_context
from facilities.scoping import READ_ROLES, STAFF_ROLES, WARDEN_ROLES, get_object_for_user
from facilities.times import local_day
from facilities.worklist import queue_key, redirect_to_next

from . import library as library_reads
from . import limits, selectors, services
from .filters import QueueFilter
from .forms import (
    BlockEndForm,
    BlockForm,
    CaseForm,
    DecisionForm,
    EntryAddForm,
    LeaveForm,
    LibraryNumberForm,
    NoteForm,
    OrderChangeForm,
    OrderForm,
    PartyForm,
    PartyNumbersForm,
    ReasonForm,
    split_numbers,
)
from .models import BlockedNumber, CaseParty, CourtCase, ListLeave, NoContactOrder, PhoneListEntry
from .permissions import entry_actions

PAGE_SIZE = 50


def _error_to_form(form, exc: DomainError) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


def _page(request, qs):
    page = page_of(request, qs, per_page=PAGE_SIZE)
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


def _search_text(request, name: str = "q") -> str:
    """A free-text filter from the query string; a value PostgreSQL cannot hold (a NUL character) is ignored."""
    value = request.GET.get(name, "").strip()
    return "" if "\x00" in value else value


def _policy(facility) -> CallingPolicy:
    return CallingPolicy.objects.get(facility=facility)


# --------------------------------------------------------------------------- review queue


@facility_view(READ_ROLES)
def queue(request, facility):
    policy = _policy(facility)
    data = request.GET.copy()
    data.setdefault("status", PhoneListEntry.Status.PENDING)
    filterset = QueueFilter(data, queryset=selectors.queue_entries(user=request.user, facility=facility),
                            review_target_days=policy.review_target_days)
    valid = filterset.is_valid()
    qs = filterset.qs if valid else selectors.queue_entries(
        user=request.user, facility=facility).filter(status=PhoneListEntry.Status.PENDING)
    counts = selectors.queue_counts(facility=facility, review_target_days=policy.review_target_days)
    status = filterset.form.cleaned_data.get("status") if valid else PhoneListEntry.Status.PENDING
    unfiltered = not valid or not any(v for k, v in filterset.form.cleaned_data.items() if k != "status")
    page = selectors.queue_page(entries=qs, number=request.GET.get("page"), per_page=PAGE_SIZE,
                                known_count=counts[status] if unfiltered else None)
    query = request.GET.copy()
    query.pop("page", None)
    querystring = query.urlencode()
    overdue_before = selectors.review_overdue_before(review_target_days=policy.review_target_days)
    for entry in page:
        entry.overdue = selectors.is_review_overdue(entry, overdue_before=overdue_before)
    return render(request, "approvals/queue.html", facility_context(
        request, facility, filter=filterset, page=page, querystring=querystring, counts=counts, policy=policy,
    ))


def _entry(request, facility, pk) -> PhoneListEntry:
    return get_object_for_user(
        PhoneListEntry.objects.select_related("inmate", "decided_by", "legal_verified_by", "replaces", "replaced_by"),
        request.user, pk=pk, facility=facility,
    )


@facility_view(READ_ROLES, write_roles=STAFF_ROLES, write_action="Deciding phone-list numbers")
def entry_detail(request, facility, pk: int):
    entry = _entry(request, facility, pk)
    actions = entry_actions(entry=entry, user=request.user)
    form = DecisionForm(request.POST or None, can_approve=actions.can_approve, verify_legal=actions.verify_legal)
    queue = queue_key(request)  # the worklist queue this entry was opened from: after the decision, its next item
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["decision"] == "approve":
                services.entry_approve(entry=entry, actor=request.user, note=data["note"],
                                       legal_verified=data["legal_verified"])
                messages.success(request, f"{entry.contact_name}'s number is now live.")
            else:
                services.entry_deny(entry=entry, actor=request.user, reason=data["reason"], note=data["note"])
                messages.success(request, f"{entry.contact_name}'s number was denied.")
        except AlreadyDecided as exc:
            messages.error(request, exc.message)
            return redirect("approvals-entry", code=facility.code, pk=entry.pk)
        except DomainError as exc:
            _error_to_form(form, exc)
            if exc.code == "screening_changed":  # the page shows the entry as screening left it
                entry = _entry(request, facility, pk)
                actions = entry_actions(entry=entry, user=request.user)
        else:
            if queue:
                return redirect_to_next(request, queue)
            return redirect("approvals-queue", code=facility.code)
    findings = entry.findings.order_by("cleared_at", "found_at", "id")
    transitions = entry.transitions.select_related("actor")
    status = form_status(request)
    return render(request, "approvals/entry_detail.html", facility_context(
        request, facility, entry=entry, form=form, findings=findings, transitions=transitions, actions=actions,
        review_form=NoteForm(auto_id="review_%s"),
    ), status=status)


@facility_view(STAFF_ROLES, action="Changing phone lists")
def entry_add(request, facility, inmate_pk: int):
    inmate = get_object_for_user(Inmate.objects.all(), request.user, pk=inmate_pk, facility=facility)
    replaceable = list(selectors.replaceable_entries(inmate=inmate))
    initial = {}
    chosen = next((e for e in replaceable if str(e.pk) == request.GET.get("replaces")), None)
    if chosen is not None:  # "Number changed" on the list: the same contact, a new number
        initial = {"replaces": chosen.pk, "contact_name": chosen.contact_name, "relationship": chosen.relationship}
    form = EntryAddForm(request.POST or None, replaceable=replaceable, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.entry_add(inmate=inmate, source=PhoneListEntry.Source.STAFF, actor=request.user,
                                       **form.cleaned_data)
        except DomainError as exc:
            _error_to_form(form, exc)
        else:
            messages.success(request, _added_message(entry))
            return redirect("inmate-detail", code=facility.code, pk=inmate.pk)
    status = form_status(request)
    return render(request, "approvals/entry_add.html", facility_context(request, facility, inmate=inmate, form=form),
                  status=status)


def _added_message(entry: PhoneListEntry) -> str:
    """What happened to a number just added, in a plain sentence."""
    name = entry.contact_name
    if entry.status == PhoneListEntry.Status.LIVE:
        return f"{name}'s number was added and is live."
    if entry.status == PhoneListEntry.Status.DENIED:
        return f"{name}'s number was not added: screening refused it ({entry.get_decision_reason_display()})."
    return f"{name}'s number was added and waits for review."


def _entry_note_action(request, facility, pk, *, action, title, button):
    entry = _entry(request, facility, pk)
    form = NoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            action(entry=entry, actor=request.user, note=form.cleaned_data["note"])
        except DomainError as exc:
            _error_to_form(form, exc)
        else:
            messages.success(request, f"{title}: done.")
            return redirect("inmate-detail", code=facility.code, pk=entry.inmate_id)
    status = form_status(request)
    return render(request, "approvals/entry_action.html", facility_context(
        request, facility, entry=entry, form=form, title=title, button=button), status=status)


@facility_view(STAFF_ROLES, action="Changing phone lists")
def entry_remove(request, facility, pk: int):
    return _entry_note_action(request, facility, pk, action=services.entry_remove, title="Remove a number",
                              button="Remove")


@facility_view(STAFF_ROLES, action="Changing phone lists")
def entry_suspend(request, facility, pk: int):
    return _entry_note_action(request, facility, pk, action=services.entry_suspend, title="Suspend a number",
                              button="Suspend")


@facility_view(STAFF_ROLES, action="Changing phone lists")
def entry_return_to_review(request, facility, pk: int):
    return _entry_note_action(request, facility, pk, action=services.entry_return_to_review,
                              title="Send a suspended number back to review", button="Send back to review")


# --------------------------------------------------------------------------- no-contact orders


@facility_view(READ_ROLES, write_roles=STAFF_ROLES, write_action="Recording no-contact orders")
def order_list(request, facility):
    form = OrderForm(request.POST or None, facility=facility)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            order = services.order_create(
                facility=facility, inmate=d["register_number"], protected_name=d["protected_name"],
                numbers=split_numbers(d["numbers"]), court=d["court"], order_number=d["order_number"],
                starts_on=d["starts_on"], ends_on=d["ends_on"], document_reference=d["document_reference"],
                case=d["case_number"], actor=request.user,
            )
        except DomainError as exc:
            _error_to_form(form, exc)
        else:
            messages.success(request, f"Order {order.order_number} was recorded; the lists it touches are "
                                      "being screened again.")
            return redirect("approvals-order", code=facility.code, pk=order.pk)
    qs = selectors.orders_for(user=request.user, facility=facility)
    state = request.GET.get("state", "active")
    today = local_day(facility)
    if state == "active":
        qs = qs.in_force(today)
    elif state == "ended":
        qs = qs.exclude(pk__in=NoContactOrder.objects.in_force(today).values("pk"))
    q = _search_text(request)
    if q:
        qs = qs.filter(inmate__register_number__istartswith=q) | qs.filter(order_number__istartswith=q)
    page, querystring = _page(request, qs)
    status = form_status(request)
    return render(request, "approvals/order_list.html", facility_context(
        request, facility, form=form, page=page, querystring=querystring, state=state, q=q, today=today,
    ), status=status)


@facility_view(READ_ROLES, write_roles=STAFF_ROLES, write_action="Recording no-contact orders")
def order_detail(request, facility, pk: int):
    order = get_object_for_user(NoContactOrder.objects.select_related("inmate", "case", "created_by", "ended_by"),
                                request.user, pk=pk, facility=facility)
    numbers = [n.number for n in order.numbers.all()]
    change_form = OrderChangeForm(
        request.POST if request.POST.get("action") == "change" else None,
        initial={"numbers": "\n".join(numbers), "ends_on": order.ends_on},
    )
    end_form = NoteForm(request.POST if request.POST.get("action") == "end" else None)
    if request.method == "POST" and order.ended_at is not None:  # ended meanwhile: its forms are gone
        messages.error(request, "This order has ended; it can no longer be changed or ended.")
        return redirect("approvals-order", code=facility.code, pk=order.pk)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "change" and change_form.is_valid():
                d = change_form.cleaned_data
                services.order_update(order=order, actor=request.user, reason=d["reason"],
                                      numbers=split_numbers(d["numbers"]), ends_on=d["ends_on"])
                messages.success(request, "The order was changed.")
                return redirect("approvals-order", code=facility.code, pk=order.pk)
            if request.POST.get("action") == "end" and end_form.is_valid():
                services.order_end(order=order, actor=request.user, reason=end_form.cleaned_data["note"])
                messages.success(request, "The order was ended; the affected numbers wait for review again.")
                return redirect("approvals-order", code=facility.code, pk=order.pk)
        except DomainError as exc:
            if exc.code == "order_ended":  # ended by someone else a moment ago
                messages.error(request, exc.message)
                return redirect("approvals-order", code=facility.code, pk=order.pk)
            _error_to_form(change_form if request.POST.get("action") == "change" else end_form, exc)
    history = order.history.select_related("history_user").order_by("-history_date")[:20]
    status = form_status(request)
    return render(request, "approvals/order_detail.html", facility_context(
        request, facility, order=order, numbers=numbers, change_form=change_form, end_form=end_form,
        history=history, active=order.is_active(local_day(facility)),
    ), status=status)


# --------------------------------------------------------------------------- court cases


@facility_view(READ_ROLES, write_roles=STAFF_ROLES, write_action="Recording court cases")
def case_list(request, facility):
    form = CaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_create(facility=facility, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            _error_to_form(form, exc)
        else:
            messages.success(request, f"Case {case.case_number} was recorded. Add its parties.")
            return redirect("approvals-case", code=facility.code, pk=case.pk)
    qs = selectors.cases_for(user=request.user, facility=facility)
    q = _search_text(request)
    if q:
        qs = qs.filter(case_number__icontains=q)
    page, querystring = _page(request, qs)
    status = form_status(request)
    return render(request, "approvals/case_list.html", facility_context(
        request, facility, form=form, page=page, querystring=querystring, q=q), status=status)


@facility_view(READ_ROLES, write_roles=STAFF_ROLES, write_action="Recording court cases")
def case_detail(request, facility, pk: int):
    case = get_object_for_user(CourtCase.objects.all(), request.user, pk=pk, facility=facility)
    action = request.POST.get("action")
    party_form = PartyForm(request.POST if action == "add_party" else None, facility=facility)
    numbers_form = PartyNumbersForm(request.POST if action == "party_numbers" else None)
    remove_form = NoteForm(request.POST if action == "remove_party" else None)
    if request.method == "POST":
        try:
            if action == "add_party" and party_form.is_valid():
                d = party_form.cleaned_data
                services.party_add(case=case, role=d["role"], name=d["name"], numbers=split_numbers(d["numbers"]),
                                   inmate=d["register_number"], actor=request.user)
                messages.success(request, f"{d['name']} was added to the case.")
                return redirect("approvals-case", code=facility.code, pk=case.pk)
            if action in ("party_numbers", "remove_party"):
                party_pk = request.POST.get("party", "")
                if not party_pk.isdigit():
                    raise Http404("No such party on this case.")
                party = get_object_for_user(CaseParty.objects.all(), request.user, path="case__facility",
                                            pk=int(party_pk), case=case)
                if action == "party_numbers" and numbers_form.is_valid():
                    services.party_update_numbers(party=party, numbers=split_numbers(numbers_form.cleaned_data[
                        "numbers"]), reason=numbers_form.cleaned_data["reason"], actor=request.user)
                    messages.success(request, f"{party.name}'s numbers were changed.")
                    return redirect("approvals-case", code=facility.code, pk=case.pk)
                if action == "remove_party" and remove_form.is_valid():
                    services.party_remove(party=party, reason=remove_form.cleaned_data["note"], actor=request.user)
                    messages.success(request, f"{party.name} was removed from the case.")
                    return redirect("approvals-case", code=facility.code, pk=case.pk)
        except DomainError as exc:
            target = {"add_party": party_form, "party_numbers": numbers_form}.get(action, remove_form)
            _error_to_form(target, exc)
            messages.error(request, exc.message)
    parties = case.parties.select_related("inmate").prefetch_related("numbers").order_by("removed_at", "role", "name")
    status = form_status(request)
    return render(request, "approvals/case_detail.html", facility_context(
        request, facility, case=case, parties=parties, party_form=party_form, numbers_form=numbers_form,
        remove_form=remove_form,
    ), status=status)


# --------------------------------------------------------------------------- blocked numbers


@facility_view(READ_ROLES, write_roles=STAFF_ROLES, write_action="Blocking numbers")
def block_list(request, facility):
    form = BlockForm(request.POST or None, facility=facility)
    if request.method == "POST" and form.is_valid():
        try:
            block = services.block_create(facility=facility, actor=request.user, **form.service_kwargs())
        except DomainError as exc:
            _error_to_form(form, exc)
        else:
            messages.success(request, f"{block.number} is blocked; the lists carrying it are being screened again.")
            return redirect("approvals-blocks", code=facility.code)
    qs = selectors.blocks_for(user=request.user, facility=facility)
    state = request.GET.get("state", "active")
    if state == "active":
        qs = qs.active()
    elif state == "ended":
        qs = qs.exclude(pk__in=BlockedNumber.objects.active().values("pk"))
    q = _search_text(request)
    if q:
        qs = qs.filter(number__contains="".join(ch for ch in q if ch.isdigit()) or q)
    page, querystring = _page(request, qs)
    status = form_status(request)
    return render(request, "approvals/block_list.html", facility_context(
        request, facility, form=form, page=page, querystring=querystring, state=state, q=q), status=status)


@facility_view(READ_ROLES, write_roles=STAFF_ROLES, write_action="Blocking numbers")
def block_detail(request, facility, pk: int):
    block = selectors.blocks_for(user=request.user, facility=facility).filter(pk=pk).first()
    if block is None:
        raise Http404("No such block at your facilities.")
    form = BlockEndForm(request.POST or None)
    if request.method == "POST":
        if block.facility_id != facility.pk:
            messages.error(request, f"This block was entered at {block.facility.code}; it is lifted there.")
            return redirect("approvals-block", code=facility.code, pk=block.pk)
        if block.ended_at is not None:  # lifted meanwhile: the form is gone from the page
            messages.error(request, "This block was already lifted; nothing was changed.")
            return redirect("approvals-block", code=facility.code, pk=block.pk)
        if form.is_valid():
            try:
                services.block_end(block=block, actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                if exc.code == "block_ended":  # lifted by someone else a moment ago
                    messages.error(request, exc.message)
                    return redirect("approvals-block", code=facility.code, pk=block.pk)
                _error_to_form(form, exc)
            else:
                messages.success(request, "The block was lifted; the affected numbers wait for review again.")
                return redirect("approvals-block", code=facility.code, pk=block.pk)
    history = block.history.select_related("history_user").order_by("-history_date")[:20]
    status = form_status(request)
    return render(request, "approvals/block_detail.html", facility_context(
        request, facility, blocked_number=block, form=form, history=history, active=block.is_active()),
        status=status)  # not "block": inside {% block %} Django's own ``block`` variable would shadow it


# --------------------------------------------------------------------------- the facility number library


@facility_view(READ_ROLES, write_roles=WARDEN_ROLES)
def library_list(request, facility):
    form = LibraryNumberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            row = services.library_add(facility=facility, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            _error_to_form(form, exc)
        else:
            messages.success(request, f"{row.name} was added to the library: every inmate here may call it.")
            return redirect("approvals-library", code=facility.code)
    qs = library_reads.library_for(user=request.user, facility=facility)
    state = request.GET.get("state", "open")
    if state == "open":
        qs = qs.open()
    elif state == "removed":
        qs = qs.filter(removed_at__isnull=False)
    page, querystring = _page(request, qs)
    status = form_status(request)
    return render(request, "approvals/library_list.html", facility_context(
        request, facility, form=form, page=page, querystring=querystring, state=state), status=status)


@facility_view(READ_ROLES, write_roles=WARDEN_ROLES)
def library_detail(request, facility, pk: int):
    row = library_reads.library_for(user=request.user, facility=facility).filter(pk=pk).first()
    if row is None:
        raise Http404("No such library number at your facilities.")
    form = ReasonForm(request.POST or None)
    if request.method == "POST":
        if row.facility_id != facility.pk:
            messages.error(request, f"This number was added at {row.facility.code}; it is removed there.")
            return redirect("approvals-library-number", code=facility.code, pk=row.pk)
        if form.is_valid():
            try:
                services.library_remove(library_number=row, actor=request.user, reason=form.cleaned_data["reason"])
            except DomainError as exc:
                if exc.code == "library_number_removed":  # removed by someone else a moment ago
                    messages.error(request, exc.message)
                    return redirect("approvals-library-number", code=facility.code, pk=row.pk)
                _error_to_form(form, exc)
            else:
                messages.success(request, f"{row.name} was removed from the library.")
                return redirect("approvals-library-number", code=facility.code, pk=row.pk)
    history = row.history.select_related("history_user").order_by("-history_date", "-history_id")[:20]
    status = form_status(request)
    return render(request, "approvals/library_detail.html", facility_context(
        request, facility, row=row, form=form, history=history), status=status)


# --------------------------------------------------------------------------- list limits with a warden's leave


@facility_view(READ_ROLES, write_roles=WARDEN_ROLES)
def leave_list(request, facility):
    initial = {"register_number": _search_text(request, "register_number")}
    form = LeaveForm(request.POST or None, facility=facility, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            leave = services.leave_grant(inmate=d["register_number"], list_size=d["list_size"],
                                         waive_interval=d["waive_interval"], ends_on=d["ends_on"],
                                         reason=d["reason"], actor=request.user)
        except DomainError as exc:
            _error_to_form(form, exc)
        else:
            messages.success(request, f"The leave for {leave.inmate.register_number} was granted.")
            return redirect("approvals-leave", code=facility.code, pk=leave.pk)
    state = request.GET.get("state", "open")
    qs = limits.leaves_for(user=request.user, facility=facility,
                           in_force_on=local_day(facility) if state == "open" else None)
    page, querystring = _page(request, qs)
    status = form_status(request)
    return render(request, "approvals/leave_list.html", facility_context(
        request, facility, form=form, page=page, querystring=querystring, state=state,
        policy=_policy(facility), today=local_day(facility)), status=status)


@facility_view(READ_ROLES, write_roles=WARDEN_ROLES)
def leave_detail(request, facility, pk: int):
    leave = get_object_for_user(
        ListLeave.objects.select_related("inmate", "granted_by", "ended_by", "waiver_used_by"),
        request.user, pk=pk, facility=facility)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.leave_end(leave=leave, actor=request.user, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            if exc.code == "leave_ended":
                messages.error(request, exc.message)
                return redirect("approvals-leave", code=facility.code, pk=leave.pk)
            _error_to_form(form, exc)
        else:
            messages.success(request, "The leave was ended: the policy's limits apply again.")
            return redirect("approvals-leave", code=facility.code, pk=leave.pk)
    policy = _policy(facility)
    today = local_day(facility)
    limits_now = limits.effective_list_limits(policy=policy, leave=limits.LeaveFacts.of(leave), day=today)
    history = leave.history.select_related("history_user").order_by("-history_date", "-history_id")[:20]
    status = form_status(request)
    return render(request, "approvals/leave_detail.html", facility_context(
        request, facility, leave=leave, form=form, history=history, policy=policy,
        in_force=leave.ended_at is None and leave.ends_on >= today, limits_now=limits_now), status=status)
