"""What the investigations app adds to the shared facility pages (registered in apps.py): for an investigator,
the dashboard's count of unread watch alerts and menu links to their watch list and the link report; for every
reader, the menu link to the facility's reviews coming due."""

from __future__ import annotations

from django.urls import reverse

from facilities.pages import AppPages, DashboardCard, NavLink
from facilities.scoping import INVESTIGATOR_ROLES, roles_at

from . import selectors


def _is_investigator(user, facility) -> bool:
    return bool(roles_at(user, facility) & INVESTIGATOR_ROLES)


def dashboard_cards(*, facility, user) -> list[DashboardCard]:
    if not _is_investigator(user, facility):
        return []
    unread = selectors.unread_alert_count(user=user, facility=facility)
    return [DashboardCard(label="unread watch alerts", count=unread, url=reverse("investigations-watches"),
                          note="calls to or from what you watch", alert=unread > 0)]


def nav_links(*, facility, user) -> list[NavLink]:
    # The queue of reviews coming due is the calls app's page (it reads restrictions), named here by its URL.
    links = [NavLink("Reviews due", reverse("calls-reviews", args=[facility.code]))]
    if _is_investigator(user, facility):
        links += [NavLink("Watch list", reverse("investigations-watches")),
                  NavLink("Link report", reverse("investigations-links"))]
    return links


pages = AppPages(app="investigations", dashboard_cards=dashboard_cards, nav_links=nav_links)
