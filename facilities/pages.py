"""The facility pages, and the registry through which the apps above facilities add their parts to them.

Every app that adds to the facility pages has a ``pages.py`` holding one ``AppPages`` object, registered in its
``AppConfig.ready()`` with ``register(pages)``. Its hooks (each optional):
- ``dashboard_cards``: ``fn(*, facility, user) -> list[DashboardCard]``, counts on the dashboard;
- ``dashboard_charts``: ``fn(*, facility, user) -> list[DashboardChart]``, the dashboard's charts (an SVG drawn by
  ``core.charts`` and the same figures as a table);
- ``nav_links``: ``fn(*, facility, user) -> list[NavLink]``, links in the facility's menu;
- ``inmate_section``: ``fn(*, request, inmate) -> InmateSection | None``, a block on the inmate page (a
  template and its context; the template gets the page's context, ``inmate`` and ``facility`` included);
- ``worklist``: ``fn(*, user, facilities, only=None) -> list[WorkQueue]``, the app's queues on the worklist home
  (``facilities.worklist``; ``only``: just the queue with that key, for "next in queue").
- ``inmate_list_columns``: ``fn(*, facility, user) -> list[ListColumn]``, columns of the inmate list (a heading,
  the annotations the column adds to the list's one query, the template of a cell).
Each function must run a fixed, small number of queries.

Order: each app's parts stay together, in the order the app lists them; the apps follow one another in the
order ``PAGE_ORDER`` declares for each page (the one place that says it). An app missing there is refused at
registration, so nothing is placed by accident.

``facility_context`` is the context every facility page starts from (the facility, the user's roles there and
the menu); every app's facility views build their context with it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet

from .scoping import STAFF_ROLES, WARDEN_ROLES, roles_at

# Which app's parts come first on each page.
PAGE_ORDER: dict[str, tuple[str, ...]] = {
    "dashboard": ("approvals", "emergencies", "calls", "investigations"),
    "charts": ("calls", "approvals"),
    "nav": ("approvals", "calls", "emergencies", "investigations"),
    "inmate": ("approvals", "calls", "emergencies"),
    "inmate_list": ("approvals", "calls"),
    # Most urgent first: emergencies, then phone-list reviews, then calls' loose ends.
    "worklist": ("emergencies", "approvals", "calls"),
}


@dataclass(frozen=True)
class DashboardCard:
    label: str
    count: int
    url: str = ""
    note: str = ""
    alert: bool = False


@dataclass(frozen=True)
class DashboardChart:
    """One chart on the dashboard: ``svg`` (from ``core.charts``, titled and described for screen readers), then
    the same figures as a table (``columns``: its header row; ``rows``: one list of cells a row), and a link to
    the list the figures come from."""

    key: str
    title: str
    svg: str
    columns: list[str]
    rows: list[list[Any]]
    summary: str = ""
    url: str = ""
    url_label: str = ""


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str


@dataclass
class InmateSection:
    template: str
    context: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ListColumn:
    """A column of the inmate list. ``annotate`` adds what the cells show to the list's queryset (annotations
    and joins: the page stays one query for its rows, whatever their number); ``template`` draws one cell (it
    gets ``inmate``, the annotated row, and the page's context with the column's ``context``)."""

    label: str
    template: str
    annotate: Callable[[QuerySet], QuerySet] | None = None
    context: dict[str, Any] = field(default_factory=dict)  # what every cell of the column also needs


@dataclass(frozen=True)
class AppPages:
    """One app's parts of the facility pages."""

    app: str
    dashboard_cards: Callable[..., list[DashboardCard]] | None = None
    dashboard_charts: Callable[..., list[DashboardChart]] | None = None
    nav_links: Callable[..., list[NavLink]] | None = None
    inmate_section: Callable[..., InmateSection | None] | None = None
    inmate_list_columns: Callable[..., list[ListColumn]] | None = None
    worklist: Callable[..., list] | None = None


_registry: dict[str, AppPages] = {}


def register(pages: AppPages) -> AppPages:
    """Add an app's parts (once; registering the same app again replaces its entry)."""
    for page, hook in (("dashboard", pages.dashboard_cards), ("charts", pages.dashboard_charts),
                       ("nav", pages.nav_links), ("inmate", pages.inmate_section),
                       ("inmate_list", pages.inmate_list_columns), ("worklist", pages.worklist)):
        if hook is not None and pages.app not in PAGE_ORDER[page]:
            raise ImproperlyConfigured(f"facilities.pages.PAGE_ORDER[{page!r}] does not place the app {pages.app!r}")
    _registry[pages.app] = pages
    return pages


def _in_order(page: str) -> list[AppPages]:
    return [_registry[app] for app in PAGE_ORDER[page] if app in _registry]


def dashboard_cards_for(*, facility, user) -> list[DashboardCard]:
    return [card for p in _in_order("dashboard") if p.dashboard_cards
            for card in p.dashboard_cards(facility=facility, user=user)]


def dashboard_charts_for(*, facility, user) -> list[DashboardChart]:
    return [chart for p in _in_order("charts") if p.dashboard_charts
            for chart in p.dashboard_charts(facility=facility, user=user)]


def nav_links_for(*, facility, user) -> list[NavLink]:
    return [link for p in _in_order("nav") if p.nav_links for link in p.nav_links(facility=facility, user=user)]


def inmate_sections_for(*, request, inmate) -> list[InmateSection]:
    return [s for p in _in_order("inmate") if p.inmate_section
            if (s := p.inmate_section(request=request, inmate=inmate)) is not None]


def inmate_list_columns_for(*, facility, user) -> list[ListColumn]:
    return [column for p in _in_order("inmate_list") if p.inmate_list_columns
            for column in p.inmate_list_columns(facility=facility, user=user)]


def facility_context(request, facility, **extra) -> dict[str, Any]:
    """The context of every facility page: ``facility``, ``facility_roles`` (the user's roles there),
    ``is_warden``, ``is_staff_member``, ``facility_nav`` (the menu, every app's links), then ``extra``."""
    held = roles_at(request.user, facility)
    return {
        "facility": facility,
        "facility_roles": held,
        "is_warden": bool(held & WARDEN_ROLES),
        "is_staff_member": bool(held & STAFF_ROLES),
        "facility_nav": nav_links_for(facility=facility, user=request.user),
        **extra,
    }
