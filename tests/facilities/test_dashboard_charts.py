"""The facility dashboard: its five charts show the figures (in the SVG and in the tables under them), each tile is
a link to the list it counts, and the page's query count does not grow with the volume."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from calls.models import MinuteBalance
from tests.approvals.test_dashboard_charts import _flow, _queue
from tests.calls.test_dashboard_charts import NOW, _example
from tests.factories import InmateFactory


@pytest.fixture
def busy(home, other, time_machine):
    time_machine.move_to(NOW, tick=False)
    _example(home, other)
    _queue(home, other)
    _flow(home, other)
    for minutes in (0, 0, 50, 280):
        MinuteBalance.objects.create(inmate=InmateFactory(facility=home), minutes=minutes)
    return home


def _dashboard(login, user, facility):
    response = login(user).get(reverse("facility-dashboard", args=[facility.code]))
    assert response.status_code == 200
    return response.content.decode()


def _section(html: str, key: str) -> str:
    match = re.search(rf'<section class="chart" id="{key}".*?</section>', html, re.S)
    assert match, f"no chart {key}"
    return match.group(0)


def _row(*cells) -> str:
    head, *rest = cells
    return f'<tr><th scope="row">{head}</th>' + "".join(f"<td>{c}</td>" for c in rest) + "</tr>"


def test_the_five_charts_show_their_figures(busy, warden, login):
    html = _dashboard(login, warden, busy)
    assert html.count('<svg class="chart-svg"') == 5
    assert html.count('role="img"') == 5

    calls = _section(html, "calls-per-day")
    assert "<h3 id=\"calls-per-day-heading\">Calls per day, last 30 days</h3>" in calls
    assert 'aria-labelledby="chart-calls-per-day-title chart-calls-per-day-desc"' in calls
    assert "4 allowed and 3 denied in all" in calls  # the other facility's calls are not counted
    assert "<title>Mar 10: 2 denied</title>" in calls and "<title>Mar 9: 2 allowed</title>" in calls
    assert _row("Tue Mar 10", 0, 2, 2) in calls and _row("Mon Mar 9", 2, 0, 2) in calls
    assert _row("Mon Feb 9", 1, 0, 1) in calls and "Sun Feb 8" not in calls
    assert "?date_from=2026-02-09&amp;date_to=2026-03-10" in calls

    denials = _section(html, "denials")
    assert _row("This number is not live on the inmate&#x27;s phone list.", 2) in denials
    assert _row("Too soon after the start of the previous call.", 1) in denials
    assert _row("The inmate has no minutes left this month.", 1) in denials
    assert "not_on_list" not in denials  # reasons in words, never codes

    minutes = _section(html, "minutes")
    assert "Minutes left this period (allowance 300 minutes)" in minutes
    assert _row("none left", 2) in minutes and _row("under a quarter left", 1) in minutes
    assert _row("three quarters or more left", 1) in minutes
    assert "19 minutes used on calls since the period began on Sun Mar 1; 330 minutes left" in minutes

    ages = _section(html, "queue-ages")
    assert "review target: 7 days" in ages
    assert "past the 7-day review target" in ages
    assert _row("5\N{EN DASH}7 days", 2, "no") in ages and _row("7\N{EN DASH}14 days", 1, "yes") in ages
    assert _row("28 days or more", 2, "yes") in ages  # 40 days, and 29 days (a number _flow added)

    flow = _section(html, "list-flow")
    assert _row("Tue Mar 10", 1, 1) in flow and _row("Mon Mar 9", 2, 1) in flow  # _queue added one on Mar 9 too


def test_every_tile_is_a_link_with_its_filter(busy, warden, login):
    html = _dashboard(login, warden, busy)
    cards = re.search(r'<div class="cards">(.*?)\n</div>', html, re.S).group(1)
    assert '<div class="card' not in cards
    tiles = re.findall(r'<a class="card[^"]*" href="([^"]+)">', cards)
    assert len(tiles) >= 12
    code = busy.code
    assert f"/f/{code}/calls/?date_from=2026-03-10&amp;date_to=2026-03-10" in tiles
    assert f"/f/{code}/calls/?outcome=denied&amp;date_from=2026-03-10&amp;date_to=2026-03-10" in tiles
    assert f"/f/{code}/restrictions/" in tiles
    assert f"/f/{code}/phone-lists/queue/?age=overdue" in tiles
    assert f"/f/{code}/inmates/?status=in_custody" in tiles


def test_no_inline_style_or_script(busy, staff, login):
    html = _dashboard(login, staff, busy)
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"<script(?![^>]*\ssrc=)", html)  # scripts only from static files
    assert "<style" not in html


def test_dashboard_queries_do_not_grow(home, other, warden, login, time_machine):
    time_machine.move_to(NOW, tick=False)
    client = login(warden)
    url = reverse("facility-dashboard", args=[home.code])
    _example(home, other)
    _queue(home, other)
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as once:
        assert client.get(url).status_code == 200
    _example(home, other, copies=9)
    _queue(home, other, copies=9)
    _flow(home, other, copies=10)
    with CaptureQueriesContext(connection) as tenfold:
        assert client.get(url).status_code == 200
    assert len(tenfold) == len(once)
