"""Charts drawn on the server as SVG by pygal: no script runs (pygal's tooltips are left out),
they work without JavaScript, and each page shows the same numbers as a table beside the chart
(the text alternative). Pages embed a chart as an image with a short alt text."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pygal
from flask import Response
from flask_babel import format_decimal
from pygal.style import Style

# pygal writes its configuration as an inline script even without its tooltip script; a chart
# shown as an image would never run it, and it has no use here, so it is taken out.
SCRIPT = re.compile(r"<script\b.*?</script>", re.S)

STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1a1a1a",
    foreground_strong="#154273",
    foreground_subtle="#595959",
    colors=("#01689b", "#8a4b00", "#154273", "#39870c"),
    font_family="system-ui, sans-serif",
    title_font_size=16,
    label_font_size=12,
    major_label_font_size=12,
    legend_font_size=12,
)


def _options(title: str, legend: bool) -> dict[str, object]:
    return {
        # The page's conventions: "2,5" on a Dutch page, "2.5" on an English one.
        "value_formatter": lambda value: format_decimal(value, format="#,##0.#"),
        "title": title,
        "style": STYLE,
        "js": [],  # no script: nothing to load, nothing to run
        "disable_xml_declaration": True,
        "width": 720,
        "height": 360,
        "show_legend": legend,
        "legend_at_bottom": True,
        "print_values": False,
        "explicit_size": False,
    }


def line_chart(title: str, labels: Sequence[str], series: dict[str, Sequence[float | None]]) -> str:
    chart = pygal.Line(**_options(title, len(series) > 1), x_label_rotation=30)
    chart.x_labels = list(labels)
    for name, values in series.items():
        chart.add(name, list(values))
    return SCRIPT.sub("", str(chart.render(is_unicode=True)))


def bar_chart(title: str, labels: Sequence[str], series: dict[str, Sequence[float | None]]) -> str:
    chart = pygal.Bar(**_options(title, len(series) > 1), x_label_rotation=30)
    chart.x_labels = list(labels)
    for name, values in series.items():
        chart.add(name, list(values))
    return SCRIPT.sub("", str(chart.render(is_unicode=True)))


def svg_response(svg: str) -> Response:
    response = Response(svg, mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "no-store"
    return response
