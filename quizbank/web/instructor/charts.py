"""Statistics charts as SVG drawn on the server by pygal; each page shows the same data as a table too."""

from __future__ import annotations

import re

import pygal
from pygal.style import Style

from quizbank.services.statistics import ModuleStats

STYLE = Style(background="white", plot_background="white", foreground="#212529", foreground_strong="#212529",
              foreground_subtle="#6c757d", colors=("#0b5563", "#c2410c", "#198754"), font_family="sans-serif")
COMMON = {"style": STYLE, "js": [], "disable_xml_declaration": False, "width": 720, "height": 360,
          "show_legend": False, "explicit_size": True}


def histogram(stats: ModuleStats) -> bytes:
    chart = pygal.Bar(title="Score distribution", x_title="Total score (points)", y_title="Attempts", **COMMON)
    chart.x_labels = [f"{b.lower:g}–{b.upper:g}" for b in stats.report.bins]
    chart.add("Attempts", [b.count for b in stats.report.bins])
    return chart.render()


def facility_vs_discrimination(stats: ModuleStats) -> bytes:
    chart = pygal.XY(title="Facility against discrimination", x_title="Facility (proportion correct)",
                     y_title="Point-biserial (item–rest)", stroke=False, range=(-1, 1), xrange=(0, 1), **COMMON)
    chart.add("Items", [
        {"value": (row.report.facility, row.report.point_biserial), "label": row.external_id}
        for row in stats.items if row.report.facility is not None and row.report.point_biserial is not None])
    return chart.render()


def pass_rate(stats: ModuleStats) -> bytes:
    chart = pygal.Line(title="Pass rate by month", y_title="Passed (%)", range=(0, 100), **COMMON)
    chart.x_labels = [month for month, _n, _p in stats.pass_rate_by_month]
    chart.add("Pass rate", [round(100 * passed / n, 1) if n else None for _m, n, passed in stats.pass_rate_by_month])
    return chart.render()


def _without_scripts(svg: bytes) -> bytes:
    # pygal always embeds its tooltip configuration as a script; an <img> never runs it, so drop it.
    return re.sub(rb"<script\b.*?</script>", b"", svg, flags=re.DOTALL)


DRAWINGS = {"histogram": histogram, "scatter": facility_vs_discrimination, "passrate": pass_rate}


def render(kind: str, stats: ModuleStats) -> bytes | None:
    draw = DRAWINGS.get(kind)
    return _without_scripts(draw(stats)) if draw else None
