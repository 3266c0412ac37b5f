"""Places where the other apps plug their parts into the facility pages.

Each app registers, in its ``AppConfig.ready()``:
- ``dashboard_card(fn)``: ``fn(*, facility, user) -> list[DashboardCard]``, counts on the dashboard;
- ``facility_nav(fn)``: ``fn(*, facility, user) -> list[NavLink]``, links in the facility's menu;
- ``inmate_section(fn)``: ``fn(*, request, inmate) -> InmateSection | None``, a block on the
  inmate page (a template and its context; the template gets ``inmate`` and ``facility`` too).
Each function must run a fixed, small number of queries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class DashboardCard:
    label: str
    count: int
    url: str = ""
    note: str = ""
    alert: bool = False
    order: int = 100


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str
    order: int = 100


@dataclass
class InmateSection:
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 100


_dashboard: list[Callable] = []
_nav: list[Callable] = []
_inmate: list[Callable] = []


def _register(registry: list[Callable], fn: Callable) -> Callable:
    if fn not in registry:
        registry.append(fn)
    return fn


def dashboard_card(fn: Callable) -> Callable:
    return _register(_dashboard, fn)


def facility_nav(fn: Callable) -> Callable:
    return _register(_nav, fn)


def inmate_section(fn: Callable) -> Callable:
    return _register(_inmate, fn)


def dashboard_cards_for(*, facility, user) -> list[DashboardCard]:
    cards = [card for fn in _dashboard for card in fn(facility=facility, user=user)]
    return sorted(cards, key=lambda c: c.order)


def nav_links_for(*, facility, user) -> list[NavLink]:
    links = [link for fn in _nav for link in fn(facility=facility, user=user)]
    return sorted(links, key=lambda n: n.order)


def inmate_sections_for(*, request, inmate) -> list[InmateSection]:
    sections = [s for fn in _inmate if (s := fn(request=request, inmate=inmate)) is not None]
    return sorted(sections, key=lambda s: s.order)
