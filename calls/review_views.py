"""The facility's queue of reviews coming due, and the review forms of a restriction (wardens) and of a block
(staff and wardens). Watch entries are reviewed on their investigator's own page."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone

from approvals.models import BlockedNumber
from core.errors import DomainError
from core.numbers import display_number
from core.views import form_status
from facilities.decorators import facility_view
from facilities.pages import facility_context
from facilities.scoping import READ_ROLES, STAFF_ROLES, WARDEN_ROLES, get_object_for_user
from investigations import services as investigations
from investigations.forms import BlockReviewForm, ReviewForm
from investigations.models import Review
from investigations.reviews import review_default_days

from . import review_selectors, reviews
from .models import PhoneRestriction


@facility_view(READ_ROLES)
def review_queue(request, facility):
    rows = review_selectors.reviews_due(user=request.user, facility=facility)
    return render(request, "calls/review_queue.html", facility_context(
        request, facility, rows=rows, overdue=sum(r.overdue for r in rows),
        soon_days=review_selectors.DUE_SOON_DAYS,
    ))


def _review_page(request, facility, form, *, title: str, subject: str, kind: str, history, status: int):
    return render(request, "calls/review_form.html", facility_context(
        request, facility, form=form, title=title, subject=subject, history=history,
        default_days=review_default_days(kind),
    ), status=status)


def _history(kind: str, pk: int):
    return Review.objects.filter(kind=kind, object_id=pk).select_related("reviewed_by")


def _apply(form, call) -> bool:
    try:
        call()
    except DomainError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return False
    return True


@facility_view(WARDEN_ROLES, action="Reviewing a phone restriction")
def restriction_review(request, facility, pk: int):
    restriction = get_object_for_user(PhoneRestriction.objects.select_related("inmate"), request.user,
                                      pk=pk, facility=facility, lifted_at__isnull=True)
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _apply(form, lambda: reviews.restriction_review(
            restriction=restriction, actor=request.user, **form.cleaned_data)):
        messages.success(request, "Your review of the restriction is recorded.")
        return redirect("calls-reviews", code=facility.code)
    inmate = restriction.inmate
    subject = (f"{inmate.last_name}, {inmate.first_name} ({inmate.register_number}), since "
               f"{timezone.localtime(restriction.starts_at):%Y-%m-%d}: {restriction.reason}")
    return _review_page(request, facility, form, title="Review a phone restriction", subject=subject,
                        kind="restriction", history=_history(Review.Kind.RESTRICTION, restriction.pk),
                        status=form_status(request))


@facility_view(STAFF_ROLES, action="Reviewing a block")
def block_review(request, facility, pk: int):
    block = get_object_for_user(BlockedNumber.objects.all(), request.user, pk=pk, facility=facility,
                                ended_at__isnull=True)
    form = BlockReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _apply(form, lambda: investigations.block_review(
            block=block, actor=request.user, **form.cleaned_data)):
        messages.success(request, "Your review of the block is recorded.")
        return redirect("calls-reviews", code=facility.code)
    subject = f"{display_number(block.number)}: {block.get_reason_display()} — {block.note}"
    return _review_page(request, facility, form, title="Review a block", subject=subject, kind="block",
                        history=_history(Review.Kind.BLOCK, block.pk), status=form_status(request))
