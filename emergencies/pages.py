"""What the emergencies app adds to the facility pages (registered in EmergenciesConfig.ready)."""

from __future__ import annotations

from django.urls import reverse

from facilities.pages import AppPages, DashboardCard, InmateSection, NavLink
from facilities.scoping import STAFF_ROLES, WARDEN_ROLES, roles_at

from . import selectors


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
    return InmateSection(
        template="emergencies/_inmate_section.html",
        context={
            "emergency_requests": selectors.emergency_requests_for_inmate(inmate=inmate),
            "can_log_emergency": bool(held & STAFF_ROLES) and inmate.in_custody,
            "is_emergency_warden": bool(held & WARDEN_ROLES),
        },
    )


pages = AppPages(app="emergencies", dashboard_cards=dashboard_cards, nav_links=nav_links, inmate_section=inmate_section)
