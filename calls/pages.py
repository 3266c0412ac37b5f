"""The calls app's parts on the shared facility pages: dashboard cards, menu links, the inmate section."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from facilities.models import Role
from facilities.pages import AppPages, DashboardCard, InmateSection, ListColumn, NavLink
from facilities.scoping import WARDEN_ROLES, roles_at
from facilities.times import local_day

from . import charts, selectors, worklist
from .forms import ExtraMinutesForm, RestrictionForm

RESET_ROLES = {Role.WARDEN, Role.AUDITOR}


def dashboard_cards(*, facility, user) -> list[DashboardCard]:
    counts = selectors.call_counts_today(facility=facility)
    url = reverse("calls-list", args=[facility.code])
    today = local_day(facility).isoformat()  # the cards count the facility's local day; the list filters the same
    return [
        DashboardCard(label="calls asked today", count=counts["asked"], url=f"{url}?date_from={today}&date_to={today}"),
        DashboardCard(label="calls denied today", count=counts["denied"],
                      url=f"{url}?outcome=denied&date_from={today}&date_to={today}"),
        DashboardCard(label="calls in progress", count=counts["in_progress"], url=f"{url}?outcome=authorized"),
        DashboardCard(label="phone restrictions in force", count=counts["restricted"],
                      url=reverse("calls-restrictions", args=[facility.code]), alert=counts["restricted"] > 0),
    ]


def nav_links(*, facility, user) -> list[NavLink]:
    links = [NavLink(label="Calls", url=reverse("calls-list", args=[facility.code])),
             NavLink(label="Phone restrictions", url=reverse("calls-restrictions", args=[facility.code])),
             NavLink(label="Minute grants", url=reverse("calls-grants", args=[facility.code]))]
    if roles_at(user, facility) & RESET_ROLES:
        links.append(NavLink(label="Minute resets", url=reverse("calls-resets", args=[facility.code])))
    return links


def inmate_list_columns(*, facility, user) -> list[ListColumn]:
    """Minutes left this period and the restriction mark: a join and an EXISTS in the list's query."""
    return [
        ListColumn(label="Minutes left", template="calls/_inmate_list_minutes.html",
                   annotate=selectors.with_minutes_left),
        ListColumn(label="Restriction", template="calls/_inmate_list_restriction.html",
                   annotate=selectors.with_restriction_in_force),
    ]


def inmate_section(*, request, inmate) -> InmateSection:
    """Balance, the latest ledger entries and calls, restrictions; the warden's forms. Four queries."""
    balance = selectors.balance_for(inmate=inmate)
    ledger = list(selectors.ledger_for(inmate=inmate)[:10])
    calls = list(selectors.calls_for(inmate=inmate)[:10])
    restrictions = list(selectors.restrictions_for(inmate=inmate))
    is_warden = bool(roles_at(request.user, inmate.facility) & WARDEN_ROLES)
    # Both forms have a "reason": their own ids keep each label on its own field. The restriction starts now
    # (facility-local, as the form's own page proposes).
    local_now = timezone.localtime(timezone.now(), inmate.facility.tz).replace(second=0, microsecond=0, tzinfo=None)
    return InmateSection(
        template="calls/_inmate_section.html",
        context={
            "balance": balance,
            "ledger": ledger,
            "recent_calls": calls,
            "restrictions": restrictions,
            "restricted_now": any(r.state == "active" for r in restrictions),
            "grant_form": ExtraMinutesForm(auto_id="grant_%s") if is_warden else None,
            "restriction_form": RestrictionForm(auto_id="restriction_%s", initial={"starts_at": local_now})
            if is_warden else None,
        },
    )


pages = AppPages(app="calls", inmate_list_columns=inmate_list_columns, dashboard_cards=dashboard_cards, dashboard_charts=charts.dashboard_charts,
                 nav_links=nav_links, inmate_section=inmate_section,
                 worklist=worklist.worklist)
