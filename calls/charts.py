"""The calls app's charts on the facility dashboard (``pages.dashboard_charts``): calls per day, why calls were
denied, minutes left this period. Figures from one selector each (``selectors``); drawn by ``core.charts``."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from core.charts import Series, bar_chart, day_tick, day_words, hbar_chart
from facilities.pages import DashboardChart
from facilities.times import recent_local_days

from . import selectors

# The minutes chart's axis, in the order of selectors.MINUTES_LEFT_BUCKETS (the table gives them in full words).
MINUTES_AXIS = ["none left", "under \N{VULGAR FRACTION ONE QUARTER}", "\N{VULGAR FRACTION ONE QUARTER} to \N{VULGAR FRACTION ONE HALF}",
                "\N{VULGAR FRACTION ONE HALF} to \N{VULGAR FRACTION THREE QUARTERS}", "\N{VULGAR FRACTION THREE QUARTERS} or more"]




def _calls_url(facility, **params) -> str:
    url = reverse("calls-list", args=[facility.code])
    return f"{url}?{urlencode(params)}" if params else url


def calls_per_day_chart(*, facility) -> DashboardChart:
    days = selectors.calls_per_day(facility=facility)
    allowed, denied = sum(d.allowed for d in days), sum(d.denied for d in days)
    first, last = days[0].day, days[-1].day
    busiest = max(days, key=lambda d: (d.allowed + d.denied, d.day))
    span = f"{day_words(first)} to {day_words(last)}"
    desc = (f"Calls asked each day from {span}: {allowed:,} allowed and {denied:,} denied in all. "
            + (f"Busiest day: {day_words(busiest.day)}, {busiest.allowed + busiest.denied:,} calls."
               if allowed + denied else "No calls in these days."))
    svg = bar_chart(
        chart_id="chart-calls-per-day", title=f"Calls per day, last {len(days)} days", desc=desc,
        categories=[day_tick(d.day) for d in days], stacked=True, label_every=5,
        series=[Series("allowed", [d.allowed for d in days], "chart-ok"),
                Series("denied", [d.denied for d in days], "chart-bad")],
        x_label="local day", y_label="calls",
    )
    return DashboardChart(
        key="calls-per-day", title=f"Calls per day, last {len(days)} days", svg=svg, summary=desc,
        columns=["Day", "Allowed", "Denied", "All calls"],
        rows=[[day_words(d.day), d.allowed, d.denied, d.allowed + d.denied] for d in days],
        url=_calls_url(facility, date_from=first.isoformat(), date_to=last.isoformat()),
        url_label="The calls of these days",
    )


def denials_chart(*, facility) -> DashboardChart:
    reasons = selectors.denials_by_reason(facility=facility)
    listed, _start, _end = recent_local_days(facility, days=selectors.CHART_DAYS)
    title = f"Why calls were denied, last {selectors.CHART_DAYS} days"
    desc = (f"Reasons given for denied calls, most frequent first; a call denied for two reasons counts under both. "
            f"Most frequent ({reasons[0].count:,}): {reasons[0].label}" if reasons
            else "No call was denied in these days.")
    svg = hbar_chart(chart_id="chart-denials", title=title, desc=desc, categories=[r.label for r in reasons],
                     values=[r.count for r in reasons], x_label="denied calls", css="chart-bad")
    return DashboardChart(
        key="denials", title=title, svg=svg, summary=desc, columns=["Reason", "Denied calls"],
        rows=[[r.label, r.count] for r in reasons],
        url=_calls_url(facility, outcome="denied", date_from=listed[0].isoformat(), date_to=listed[-1].isoformat()),
        url_label="The denied calls of these days",
    )


def minutes_chart(*, facility) -> DashboardChart:
    figures = selectors.minutes_left_distribution(facility=facility)
    title = f"Minutes left this period (allowance {figures.allowance:,} minutes)"
    summary = (f"{figures.minutes_used:,} minutes used on calls since the period began on "
               f"{day_words(figures.period)}; {figures.minutes_left:,} minutes left on the balances of "
               f"{figures.inmates:,} inmates in custody.")
    out = figures.buckets[0][1]
    desc = (f"Inmates in custody by how much of this period's allowance they have left: {out:,} with none left. "
            + summary)
    svg = bar_chart(
        chart_id="chart-minutes", title=title, desc=desc, categories=MINUTES_AXIS,
        series=[Series("inmates", [n for _label, n in figures.buckets], "chart-accent")],
        category_css=["chart-bad"] + ["chart-accent"] * (len(figures.buckets) - 1),
        x_label="share of the allowance left", y_label="inmates",
    )
    return DashboardChart(
        key="minutes", title=title, svg=svg, summary=summary, columns=["Minutes left", "Inmates"],
        rows=[[label, n] for label, n in figures.buckets],
        url=f"{reverse('inmate-list', args=[facility.code])}?status=in_custody", url_label="Inmates in custody",
    )


def dashboard_charts(*, facility, user) -> list[DashboardChart]:
    return [calls_per_day_chart(facility=facility), denials_chart(facility=facility), minutes_chart(facility=facility)]
