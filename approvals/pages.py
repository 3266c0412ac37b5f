"""What the approvals app plugs into the shared facility pages (registered in apps.py)."""

from __future__ import annotations

from django.urls import reverse

from facilities.models import CallingPolicy
from facilities.pages import AppPages, DashboardCard, InmateSection, NavLink
from facilities.scoping import STAFF_ROLES, roles_at

from . import selectors
from .forms import EntryAddForm


def dashboard_cards(*, facility, user) -> list[DashboardCard]:
    policy = CallingPolicy.objects.get(facility=facility)
    counts = selectors.queue_counts(facility=facility, review_target_days=policy.review_target_days)
    url = reverse("approvals-queue", args=[facility.code])
    return [
        DashboardCard(label="phone-list numbers waiting for review", count=counts["pending"], url=url,
                      note=f"{counts['flagged']} flagged by screening"),
        DashboardCard(label=f"reviews past the {policy.review_target_days}-day target", count=counts["overdue"],
                      url=f"{url}?age=overdue", alert=counts["overdue"] > 0),
    ]


def nav_links(*, facility, user) -> list[NavLink]:
    code = facility.code
    return [
        NavLink("Phone-list review", reverse("approvals-queue", args=[code])),
        NavLink("No-contact orders", reverse("approvals-orders", args=[code])),
        NavLink("Court cases", reverse("approvals-cases", args=[code])),
        NavLink("Blocked numbers", reverse("approvals-blocks", args=[code])),
    ]


def inmate_section(*, request, inmate) -> InmateSection:
    policy = CallingPolicy.objects.get(facility_id=inmate.facility_id)
    entries = selectors.inmate_phone_list(inmate=inmate)
    can_change = bool(roles_at(request.user, inmate.facility_id) & STAFF_ROLES)
    return InmateSection(
        template="approvals/_inmate_section.html",
        context={
            "phone_entries": entries,
            "phone_policy": policy,
            "phone_list_used": selectors.list_size_used(inmate=inmate, policy=policy),
            "phone_add_form": EntryAddForm(replaceable=entries) if can_change and inmate.in_custody else None,
            "phone_can_change": can_change,
            "phone_transfer_notice": selectors.transfer_review_notice(inmate=inmate),
        },
    )


pages = AppPages(app="approvals", dashboard_cards=dashboard_cards, nav_links=nav_links, inmate_section=inmate_section)
