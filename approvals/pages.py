"""What the approvals app plugs into the shared facility pages (registered in apps.py)."""

from __future__ import annotations

from django.db.models import OuterRef
from django.urls import reverse

from core.numbers import display_number
from facilities.models import CallingPolicy
from facilities.pages import AppPages, DashboardCard, InmateSection, ListColumn, NavLink
from facilities.scoping import STAFF_ROLES, WARDEN_ROLES, roles_at
from facilities.times import local_day
from facilities.worklist import WorkItem, WorkQueue, build_queue

from . import charts, permissions, selectors
from . import worklist as queues
from .forms import EntryAddForm
from .limits import leave_row, list_limits_for


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
        NavLink("Number library", reverse("approvals-library", args=[code])),
        NavLink("List leaves", reverse("approvals-leaves", args=[code])),
    ]


def inmate_section(*, request, inmate) -> InmateSection:
    policy = CallingPolicy.objects.select_related("facility").get(facility_id=inmate.facility_id)
    entries = selectors.inmate_phone_list(inmate=inmate)
    can_change = bool(roles_at(request.user, inmate.facility_id) & STAFF_ROLES)
    return InmateSection(
        template="approvals/_inmate_section.html",
        context={
            "phone_entries": entries,
            "phone_policy": policy,
            "phone_list_used": selectors.list_size_used(inmate=inmate, policy=policy),
            "phone_limits": list_limits_for(inmate=inmate, policy=policy),
            "phone_can_grant_leave": bool(roles_at(request.user, inmate.facility_id) & WARDEN_ROLES),
            "phone_called_party_notices": list(selectors.called_party_notices(inmate=inmate)),
            "phone_add_form": EntryAddForm(replaceable=entries) if can_change and inmate.in_custody else None,
            "phone_can_change": can_change,
            "phone_transfer_notice": selectors.transfer_review_notice(inmate=inmate),
        },
    )


def _entry_item(key: str):
    def item(entry) -> WorkItem:
        inmate = entry.inmate
        badge = ("Block finding: cannot be approved" if entry.has_block
                 else "Flagged by screening: a warden decides" if entry.has_review else "")
        if entry.legal and entry.legal_verified_at is None and key != "attorneys":
            badge = badge or "Attorney: bar number to verify"
        return WorkItem(
            label=f"{display_number(entry.number)} ({entry.contact_name}) for {inmate.last_name}, "
                  f"{inmate.first_name} ({inmate.register_number})",
            url=reverse("approvals-entry", args=[entry.facility.code, entry.pk]) + f"?queue={key}",
            facility=entry.facility, since=entry.created_at, badge=badge,
        )
    return item


def _queue_link(query: str = ""):
    def link(facility) -> tuple[str, str]:
        return f"The review queue at {facility.name}", reverse("approvals-queue", args=[facility.code]) + query
    return link


# The phone-list queues of the worklist, most urgent first: (key, title, meaning, roles, selector, list link).
WORKLIST = (
    ("flagged", "Flagged numbers waiting for a warden",
     "Screening found something that needs a warden's decision (a shared number, a co-defendant, a victim or "
     "witness, a change too soon). Oldest first.", permissions.FLAGGED_APPROVER_ROLES, queues.flagged_waiting,
     _queue_link()),
    ("overdue", "Reviews past the target",
     "Numbers that have waited for review longer than the facility's review target. Oldest first.",
     permissions.DECIDER_ROLES, queues.reviews_overdue, _queue_link("?age=overdue")),
    ("attorneys", "Attorney numbers to verify",
     "Attorneys' numbers waiting for review: check the bar number, then approve. Oldest first.",
     permissions.DECIDER_ROLES, queues.attorney_numbers_to_verify, _queue_link("?legal=yes")),
    ("reviews", "Numbers waiting for review",
     "Every number waiting in the review queue. Oldest first.", permissions.DECIDER_ROLES, queues.reviews_waiting,
     _queue_link()),
)


def worklist(*, user, facilities, only: str | None = None) -> list[WorkQueue]:
    found = []
    for key, title, meaning, roles, select, link in WORKLIST:
        if only is None or only == key:
            queue = build_queue(key=key, title=title, meaning=meaning, roles=roles, user=user, facilities=facilities,
                                select=select, item=_entry_item(key), links=link)
            if queue is not None:
                found.append(queue)
    return found


def inmate_list_columns(*, facility, user) -> list[ListColumn]:
    """"3 of 30": the numbers on each inmate's list against its list size, the policy's or as a warden's leave
    raises it (one query for the policy; the counts and the leave are subqueries of the list's own query)."""
    policy = CallingPolicy.objects.select_related("facility").get(facility=facility)
    return [ListColumn(label="Phone list", template="approvals/_inmate_list_cell.html",
                       annotate=lambda qs: selectors.with_list_size_used(qs, policy=policy).annotate(
                           list_leave=leave_row(OuterRef("pk"))),
                       context={"policy": policy, "today": local_day(facility),
                                "legal_apart": policy.legal_counted_separately})]


pages = AppPages(app="approvals", inmate_list_columns=inmate_list_columns, dashboard_cards=dashboard_cards, dashboard_charts=charts.dashboard_charts,
                 nav_links=nav_links, inmate_section=inmate_section,
                 worklist=worklist)
