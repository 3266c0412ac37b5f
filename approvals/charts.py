"""The approvals app's charts on the facility dashboard (``pages.dashboard_charts``): how long numbers have waited
for review against the target, and numbers added against numbers decided per day. Figures from one selector each
(``selectors``); drawn by ``core.charts``."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from core.charts import Marker, Series, bar_chart, day_tick, day_words, line_chart
from facilities.models import CallingPolicy
from facilities.pages import DashboardChart

from . import selectors


def queue_ages_chart(*, facility, review_target_days: int) -> DashboardChart:
    buckets = selectors.review_queue_ages(facility=facility, review_target_days=review_target_days)
    waiting = sum(b.count for b in buckets)
    overdue = sum(b.count for b in buckets if b.overdue)
    within = sum(1 for b in buckets if not b.overdue)
    title = "How long numbers have waited for review"
    desc = (f"{waiting:,} numbers waiting for review, by how long they have waited; {overdue:,} of them past the "
            f"{review_target_days}-day review target.")
    svg = bar_chart(
        chart_id="chart-queue-ages", title=title, desc=desc,
        categories=[f"{b.from_days}+ days" if b.to_days is None else b.label for b in buckets],
        series=[Series("numbers waiting", [b.count for b in buckets], "chart-accent")],
        category_css=["chart-bad" if b.overdue else "chart-accent" for b in buckets],
        marker=Marker(f"review target: {review_target_days} days", within),
        x_label="time waiting", y_label="numbers",
    )
    url = reverse("approvals-queue", args=[facility.code])
    return DashboardChart(
        key="queue-ages", title=title, svg=svg, summary=desc, columns=["Waiting", "Numbers", "Past the target"],
        rows=[[b.label, b.count, "yes" if b.overdue else "no"] for b in buckets],
        url=f"{url}?age=overdue" if overdue else url,
        url_label="The numbers past the target" if overdue else "The review queue",
    )


def list_flow_chart(*, facility) -> DashboardChart:
    days = selectors.list_flow_per_day(facility=facility)
    added, decided = sum(d.added for d in days), sum(d.decided for d in days)
    title = f"Numbers added and decided per day, last {len(days)} days"
    desc = (f"Phone-list numbers added each day against numbers decided (approved or denied) from "
            f"{day_words(days[0].day)} to {day_words(days[-1].day)}: {added:,} added, {decided:,} decided.")
    svg = line_chart(
        chart_id="chart-list-flow", title=title, desc=desc, categories=[day_tick(d.day) for d in days],
        series=[Series("added", [d.added for d in days], "chart-accent"),
                Series("decided", [d.decided for d in days], "chart-ok")],
        x_label="local day", y_label="numbers", label_every=5,
    )
    return DashboardChart(
        key="list-flow", title=title, svg=svg, summary=desc, columns=["Day", "Added", "Decided"],
        rows=[[day_words(d.day), d.added, d.decided] for d in days],
        url=f"{reverse('approvals-queue', args=[facility.code])}?{urlencode({'status': 'pending'})}",
        url_label="The review queue",
    )


def dashboard_charts(*, facility, user) -> list[DashboardChart]:
    policy = CallingPolicy.objects.get(facility=facility)
    return [queue_ages_chart(facility=facility, review_target_days=policy.review_target_days),
            list_flow_chart(facility=facility)]
