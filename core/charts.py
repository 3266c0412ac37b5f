"""Charts drawn on the server as SVG: no JavaScript, no CDN, no inline ``style`` (colours come from CSS classes
in ``static/css/charts.css``; geometry from SVG attributes).

Each chart is an ``<svg role="img">`` labelled by its own ``<title>`` and ``<desc>`` (``aria-labelledby``), with
axis labels, ticks at round numbers and a legend; every bar or point carries a ``<title>`` with its figure (shown
on hover). A page shows the same figures as a table next to the chart (the dashboard: ``DashboardChart``), so
nothing is told by colour or shape alone.

- ``bar_chart``: vertical bars per category, one series or several (side by side, or ``stacked``), an optional
  ``marker`` line between two categories (e.g. the review target) and a class per category (``category_css``);
- ``hbar_chart``: one horizontal bar per category, its label written above it (long labels fit);
- ``line_chart``: one line per series over the categories, with a distinct dash and point shape per series.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH = 640
HEIGHT = 280
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 40, 52


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[int]
    css: str  # a class of static/css/charts.css: chart-a, chart-b, chart-alert, ...


@dataclass(frozen=True)
class Marker:
    """A vertical line at ``position`` categories from the left (2 = between the second and the third)."""

    label: str
    position: float


def day_tick(day: dt.date) -> str:
    """A day on a chart's axis: ``Dec 1``."""
    return f"{day:%b} {day.day}"


def day_words(day: dt.date) -> str:
    """A day in a chart's description or table: ``Tue Dec 1``."""
    return f"{day:%a} {day:%b} {day.day}"


def nice_ticks(top: float, count: int = 5) -> list[int]:
    """Round, whole-number ticks from 0 to at least ``top`` (steps of 1, 2 or 5 times a power of ten)."""
    if top <= 0:
        return [0, 1]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    step = max(int(step), 1)
    last = math.ceil(top / step) * step
    return list(range(0, last + 1, step))


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _open(chart_id: str, title: str, desc: str, height: int) -> list[str]:
    cid = escape(chart_id)
    return [
        f'<svg class="chart-svg" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{cid}-title {cid}-desc" focusable="false">',
        f'<title id="{cid}-title">{escape(title)}</title>',
        f'<desc id="{cid}-desc">{escape(desc)}</desc>',
    ]


def _legend(series: Sequence[Series], *, shapes: bool = False) -> list[str]:
    out, x = [], LEFT
    for index, s in enumerate(series):
        if shapes:
            out.append(f'<line class="chart-line {s.css} chart-dash-{index}" x1="{x}" y1="16" x2="{x + 18}" y2="16"/>')
            out.append(_point(index, x + 9, 16, s.css, ""))
        else:
            out.append(f'<rect class="{s.css}" x="{x}" y="10" width="12" height="12"/>')
        out.append(f'<text class="chart-legend" x="{x + 24}" y="20">{escape(s.label)}</text>')
        x += 36 + 8 * len(s.label)
    return out


def _y_axis(ticks: list[int], *, label: str, bottom: float, scale: float) -> list[str]:
    out = []
    for tick in ticks:
        y = bottom - tick * scale
        out.append(f'<line class="chart-grid" x1="{LEFT}" y1="{_n(y)}" x2="{WIDTH - RIGHT}" y2="{_n(y)}"/>')
        out.append(f'<text class="chart-tick" x="{LEFT - 6}" y="{_n(y + 4)}" text-anchor="end">{tick:,}</text>')
    middle = (TOP + bottom) / 2
    out.append(f'<text class="chart-axis-label" x="14" y="{_n(middle)}" text-anchor="middle" '
               f'transform="rotate(-90 14 {_n(middle)})">{escape(label)}</text>')
    return out


def _x_axis(categories: Sequence[str], *, band: float, bottom: float, label: str, every: int) -> list[str]:
    out = [f'<line class="chart-axis" x1="{LEFT}" y1="{_n(bottom)}" x2="{WIDTH - RIGHT}" y2="{_n(bottom)}"/>']
    for index, name in enumerate(categories):
        if index % every == 0 or (every > 1 and index == len(categories) - 1 and index % every >= every // 2):
            x = LEFT + band * (index + 0.5)
            out.append(f'<text class="chart-tick" x="{_n(x)}" y="{_n(bottom + 16)}" text-anchor="middle">'
                       f'{escape(name)}</text>')
    out.append(f'<text class="chart-axis-label" x="{_n((LEFT + WIDTH - RIGHT) / 2)}" y="{HEIGHT - 8}" '
               f'text-anchor="middle">{escape(label)}</text>')
    return out


def bar_chart(*, chart_id: str, title: str, desc: str, categories: Sequence[str], series: Sequence[Series],
              x_label: str, y_label: str, stacked: bool = False, label_every: int = 1,
              marker: Marker | None = None, category_css: Sequence[str] | None = None) -> SafeString:
    """Vertical bars. ``category_css`` (one series only): a class per category instead of the series' own."""
    n = max(len(categories), 1)
    bottom = HEIGHT - BOTTOM
    totals = [sum(s.values[i] for s in series) if stacked else max((s.values[i] for s in series), default=0)
              for i in range(len(categories))]
    ticks = nice_ticks(max(totals, default=0))
    scale = (bottom - TOP) / ticks[-1]
    band = (WIDTH - LEFT - RIGHT) / n
    out = _open(chart_id, title, desc, HEIGHT)
    out += _legend(series) + _y_axis(ticks, label=y_label, bottom=bottom, scale=scale)
    width = band * 0.7 if stacked else band * 0.7 / max(len(series), 1)
    for i, name in enumerate(categories):
        base = bottom
        for k, s in enumerate(series):
            value = s.values[i]
            css = category_css[i] if category_css and len(series) == 1 else s.css
            height = value * scale
            x = LEFT + band * i + band * 0.15 + (0 if stacked else k * width)
            y = base - height if stacked else bottom - height
            out.append(f'<rect class="{escape(css)}" x="{_n(x)}" y="{_n(y)}" width="{_n(width)}" '
                       f'height="{_n(height)}"><title>{escape(name)}: {value:,} {escape(s.label)}</title></rect>')
            if stacked:
                base -= height
    if marker is not None:
        x = LEFT + band * marker.position
        # The line rises above the plot and its label sits there, clear of the bars (and of the legend, which is
        # higher still).
        out.append(f'<line class="chart-marker" x1="{_n(x)}" y1="{TOP - 14}" x2="{_n(x)}" y2="{_n(bottom)}"/>')
        anchor = "end" if marker.position > n / 2 else "start"
        shift = -4 if anchor == "end" else 4
        out.append(f'<text class="chart-marker-label" x="{_n(x + shift)}" y="{TOP - 4}" text-anchor="{anchor}">'
                   f'{escape(marker.label)}</text>')
    out += _x_axis(categories, band=band, bottom=bottom, label=x_label, every=label_every)
    out.append("</svg>")
    return mark_safe("".join(out))  # every text above went through escape()


def hbar_chart(*, chart_id: str, title: str, desc: str, categories: Sequence[str], values: Sequence[int],
               x_label: str, css: str = "chart-a") -> SafeString:
    """Horizontal bars, each category's label above its bar and its figure after it."""
    row = 38
    height = TOP + row * max(len(categories), 1) + 40
    bottom = height - 40
    ticks = nice_ticks(max(values, default=0))
    right = WIDTH - RIGHT - 40
    scale = (right - LEFT) / ticks[-1]
    out = _open(chart_id, title, desc, height)
    for tick in ticks:
        x = LEFT + tick * scale
        out.append(f'<line class="chart-grid" x1="{_n(x)}" y1="{TOP - 8}" x2="{_n(x)}" y2="{_n(bottom)}"/>')
        out.append(f'<text class="chart-tick" x="{_n(x)}" y="{_n(bottom + 16)}" text-anchor="middle">{tick:,}</text>')
    for i, (name, value) in enumerate(zip(categories, values, strict=True)):
        y = TOP + row * i
        out.append(f'<text class="chart-category" x="{LEFT}" y="{y + 4}">{escape(name)}</text>')
        width = value * scale
        out.append(f'<rect class="{escape(css)}" x="{LEFT}" y="{y + 10}" width="{_n(width)}" height="16">'
                   f'<title>{escape(name)}: {value:,}</title></rect>')
        out.append(f'<text class="chart-value" x="{_n(LEFT + width + 6)}" y="{y + 23}">{value:,}</text>')
    if not categories:
        out.append(f'<text class="chart-category" x="{LEFT}" y="{TOP + 12}">Nothing to show.</text>')
    out.append(f'<line class="chart-axis" x1="{LEFT}" y1="{TOP - 8}" x2="{LEFT}" y2="{_n(bottom)}"/>')
    out.append(f'<text class="chart-axis-label" x="{_n((LEFT + right) / 2)}" y="{height - 6}" '
               f'text-anchor="middle">{escape(x_label)}</text>')
    out.append("</svg>")
    return mark_safe("".join(out))  # every text above went through escape()


def _point(index: int, x: float, y: float, css: str, tip: str) -> str:
    inner = f"<title>{escape(tip)}</title>" if tip else ""
    if index % 2:
        return (f'<rect class="chart-point {escape(css)}" x="{_n(x - 3.5)}" y="{_n(y - 3.5)}" width="7" height="7">'
                f"{inner}</rect>")
    return f'<circle class="chart-point {escape(css)}" cx="{_n(x)}" cy="{_n(y)}" r="3.5">{inner}</circle>'


def line_chart(*, chart_id: str, title: str, desc: str, categories: Sequence[str], series: Sequence[Series],
               x_label: str, y_label: str, label_every: int = 1) -> SafeString:
    """One line per series, its points at the categories (a circle for the first series, a square for the next)."""
    n = max(len(categories), 1)
    bottom = HEIGHT - BOTTOM
    ticks = nice_ticks(max((v for s in series for v in s.values), default=0))
    scale = (bottom - TOP) / ticks[-1]
    band = (WIDTH - LEFT - RIGHT) / n
    out = _open(chart_id, title, desc, HEIGHT)
    out += _legend(series, shapes=True) + _y_axis(ticks, label=y_label, bottom=bottom, scale=scale)
    for index, s in enumerate(series):
        points = [(LEFT + band * (i + 0.5), bottom - value * scale) for i, value in enumerate(s.values)]
        path = " ".join(f"{_n(x)},{_n(y)}" for x, y in points)
        out.append(f'<polyline class="chart-line {escape(s.css)} chart-dash-{index}" points="{path}"/>')
        for (x, y), name, value in zip(points, categories, s.values, strict=True):
            out.append(_point(index, x, y, s.css, f"{name}: {value:,} {s.label}"))
    out += _x_axis(categories, band=band, bottom=bottom, label=x_label, every=label_every)
    out.append("</svg>")
    return mark_safe("".join(out))  # every text above went through escape()
