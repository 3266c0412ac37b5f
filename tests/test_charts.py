"""core.charts: round ticks, what the SVG says to a screen reader, escaping, geometry that follows the figures."""

import re

import pytest

from core.charts import Marker, Series, bar_chart, hbar_chart, line_chart, nice_ticks


@pytest.mark.parametrize("top, ticks", [
    (0, [0, 1]), (1, [0, 1]), (3, [0, 1, 2, 3]), (7, [0, 2, 4, 6, 8]), (10, [0, 2, 4, 6, 8, 10]),
    (23, [0, 5, 10, 15, 20, 25]), (571, [0, 200, 400, 600]), (1000, [0, 200, 400, 600, 800, 1000]),
])
def test_nice_ticks(top, ticks):
    assert nice_ticks(top) == ticks


def _heights(svg: str, css: str) -> list[float]:
    """The heights of the bars of class ``css`` (a bar carries its figure in a <title>; the legend's swatch does not)."""
    return [float(h) for h in re.findall(
        rf'<rect class="{css}" x="[^"]+" y="[^"]+" width="[^"]+" height="([^"]+)"><title>', svg)]


def test_bar_chart_is_labelled_and_scaled():
    svg = bar_chart(chart_id="c1", title="Calls <per> day", desc="Two days & more", categories=["Mar 9", "Mar 10"],
                    series=[Series("allowed", [2, 4], "chart-ok"), Series("denied", [1, 0], "chart-bad")],
                    stacked=True, x_label="local day", y_label="calls", marker=Marker("target", 1))
    assert svg.startswith('<svg class="chart-svg"') and 'role="img"' in svg
    assert 'aria-labelledby="c1-title c1-desc"' in svg
    assert '<title id="c1-title">Calls &lt;per&gt; day</title>' in svg
    assert '<desc id="c1-desc">Two days &amp; more</desc>' in svg
    assert "<title>Mar 9: 2 allowed</title>" in svg and "<title>Mar 9: 1 denied</title>" in svg
    allowed = _heights(svg, "chart-ok")
    assert allowed[1] == pytest.approx(2 * allowed[0])  # 4 against 2, on the same scale
    assert "style=" not in svg and "<script" not in svg
    assert 'class="chart-marker"' in svg and ">target</text>" in svg
    assert ">local day</text>" in svg and ">calls</text>" in svg


def test_bar_chart_category_classes_and_empty_figures():
    svg = bar_chart(chart_id="c2", title="t", desc="d", categories=["a", "b"], series=[Series("n", [0, 0], "chart-accent")],
                    category_css=["chart-accent", "chart-bad"], x_label="x", y_label="y")
    assert _heights(svg, "chart-bad") == [0.0] and _heights(svg, "chart-accent") == [0.0]


def test_hbar_and_line_charts():
    svg = hbar_chart(chart_id="c3", title="Why", desc="d", categories=["Outside the facility's calling hours."],
                     values=[5], x_label="denied calls")
    assert "Outside the facility&#x27;s calling hours." in svg and ">5</text>" in svg
    empty = hbar_chart(chart_id="c4", title="Why", desc="d", categories=[], values=[], x_label="x")
    assert "Nothing to show." in empty
    line = line_chart(chart_id="c5", title="Flow", desc="d", categories=["Mar 9", "Mar 10"],
                      series=[Series("added", [1, 3], "chart-accent"), Series("decided", [0, 2], "chart-ok")],
                      x_label="local day", y_label="numbers")
    assert line.count("<polyline") == 2 and "chart-dash-1" in line
    assert "<title>Mar 10: 3 added</title>" in line and "<title>Mar 10: 2 decided</title>" in line
