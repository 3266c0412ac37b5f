"""What the emergencies app adds to the facility pages (registered in EmergenciesConfig.ready)."""

from __future__ import annotations

from django.urls import reverse

from facilities.models import Role
from facilities.pages import AppPages, DashboardCard, InmateSection, NavLink
from facilities.scoping import STAFF_ROLES, WARDEN_ROLES, facility_ids_for_user, roles_at
from facilities.worklist import WorkItem, WorkQueue, build_queue

from . import permissions, selectors
from . import worklist as queues


def dashboard_cards(*, facility, user) -> list[DashboardCard]:
    counts = selectors.emergency_counts(facility=facility)
    url = reverse("emergency-list", kwargs={"code": facility.code})
    return [
        DashboardCard(
            label="open emergency requests", count=counts["open"], url=url,
            note="waiting for a warden" if counts["open"] else "", alert=bool(counts["open"]),
        ),
        DashboardCard(
            label="escalated emergency requests", count=counts["escalated"], url=f"{url}?status=open&escalated=true",
            note="undecided past the escalation time" if counts["escalated"] else "",
            alert=bool(counts["escalated"]),
        ),
    ]


def nav_links(*, facility, user) -> list[NavLink]:
    links = [NavLink("Emergency requests", reverse("emergency-list", kwargs={"code": facility.code}))]
    if roles_at(user, facility) & STAFF_ROLES:
        links.append(NavLink("Log an emergency", reverse("emergency-new", kwargs={"code": facility.code})))
    return links


def inmate_section(*, request, inmate) -> InmateSection | None:
    held = roles_at(request.user, inmate.facility_id)
    requests = selectors.emergency_requests_for_inmate(inmate=inmate)
    readable = facility_ids_for_user(request.user)  # None: every facility
    for r in requests:  # a request made at the inmate's earlier facility opens there, for those who read it
        r.page_url = (reverse("emergency-detail", kwargs={"code": r.facility.code, "pk": r.pk})
                      if readable is None or r.facility_id in readable else "")
    return InmateSection(
        template="emergencies/_inmate_section.html",
        context={
            "emergency_requests": requests,
            "can_log_emergency": bool(held & STAFF_ROLES) and inmate.in_custody,
            "is_emergency_warden": bool(held & WARDEN_ROLES),
        },
    )


def _request_item(key: str):
    def item(request) -> WorkItem:
        inmate = request.inmate
        return WorkItem(
            label=f"{request.get_category_display()}: {inmate.last_name}, {inmate.first_name} "
                  f"({inmate.register_number}), caller {request.caller_name}",
            url=reverse("emergency-detail", args=[request.facility.code, request.pk]) + f"?queue={key}",
            facility=request.facility, since=request.received_at, badge="; ".join(queues.badges(request)),
        )
    return item


def _list_link(facility) -> tuple[str, str]:
    return (f"Emergency requests at {facility.name}",
            reverse("emergency-list", kwargs={"code": facility.code}) + "?status=open")


def _intake_link(facility) -> tuple[str, str]:
    return f"Log an emergency request at {facility.name}", reverse("emergency-new", kwargs={"code": facility.code})


# The emergency queues of the worklist, most urgent first: (key, title, meaning, roles, selector, links, readers).
WORKLIST = (
    ("escalated", "Escalated emergency requests",
     "Requests still undecided past the facility's escalation time. Most urgent category first, then oldest.",
     permissions.DECIDER_ROLES, queues.escalated_requests, _list_link, True),
    ("emergencies", "Emergency requests to decide",
     "Requests a family made that wait for a warden: approve a call, pass on a message or deny. Most urgent "
     "category first, then oldest.", permissions.DECIDER_ROLES, queues.requests_to_decide, _list_link, True),
    ("intake", "Emergency requests waiting for a warden",
     "Requests logged here that no warden has decided yet. Log a new request from a family with the link below.",
     {Role.STAFF}, queues.requests_waiting, _intake_link, False),
)


def worklist(*, user, facilities, only: str | None = None) -> list[WorkQueue]:
    found = []
    for key, title, meaning, roles, select, links, readers in WORKLIST:
        if only is None or only == key:
            queue = build_queue(key=key, title=title, meaning=meaning, roles=roles, user=user, facilities=facilities,
                                select=select, item=_request_item(key), links=links, readers=readers)
            if queue is not None:
                found.append(queue)
    return found


pages = AppPages(app="emergencies", dashboard_cards=dashboard_cards, nav_links=nav_links, inmate_section=inmate_section,
                 worklist=worklist)
