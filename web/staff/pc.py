"""The P&C report of an area (planning & control: begroting, voorjaarsnota, jaarrekening): per
quarter what was submitted, decided by outcome, the median days to a decision, what is overdue
and what is linked to the area agenda's priorities; as a page with a chart, and as CSV and Excel
(XLSX) with the same numbers."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Response, abort, render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from participatie.domain.values import Outcome
from participatie.infra.csvcells import safe_cell
from participatie.views import queries
from web import charts
from web.context import container, platform
from web.i18n import OUTCOMES
from web.staff.areas import _allowed_to_see
from web.staff.common import bp

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _report(code: str) -> tuple[Any, list[queries.QuarterFigures], list[dict[str, Any]]]:
    app = platform()
    index = app.area_index()
    if code not in index:
        abort(404)
    below = {c for c in index.areas if code in index.ancestors(c)}
    agendas = [a for a in app.agendas() if a.area in below or a.area in index.ancestors(code)]
    linked = {str(i) for a in agendas for (i, _) in a.links}
    figures = queries.pc_figures(container().views, code, now=app.clock(), linked=linked)
    priorities = []
    for agenda in agendas:
        version = agenda.adopted or agenda.latest
        for priority in version.priorities if version else ():
            priorities.append(
                {
                    "area": index.name(agenda.area),
                    "period": agenda.period,
                    "title": priority.title,
                    "linked": len(agenda.links_of(priority.key)),
                }
            )
    return index.areas[code], figures, priorities


def _header() -> list[str]:
    return [
        gettext("Kwartaal"),
        gettext("Ingediend"),
        gettext("Besloten"),
        *[str(OUTCOMES[o.value]) for o in Outcome],
        gettext("Mediaan dagen tot besluit"),
        gettext("Te laat"),
        gettext("Gekoppeld aan de gebiedsagenda"),
        gettext("Beoordeeld"),
        gettext("Gem. cijfer (1-5)"),
        gettext("Tevreden, %"),
    ]


SATISFACTION_COLUMNS = 3  # the last columns of a row: shown in their own table on the page


def _rows(figures: list[queries.QuarterFigures]) -> list[list[Any]]:
    return [
        [
            q.quarter,
            q.submitted,
            q.decided_total,
            *[q.decided.get(o.value, 0) for o in Outcome],
            q.median_days_to_decision,
            q.overdue,
            q.linked,
            q.rated_total,
            q.average_rating,
            q.satisfied_percent,
        ]
        for q in figures
    ]


def _team_header() -> list[str]:
    return [
        gettext("Kwartaal"),
        gettext("Behandelend team"),
        gettext("Beoordeeld"),
        gettext("Gem. cijfer (1-5)"),
    ]


def _team_rows(figures: list[queries.QuarterFigures]) -> list[list[Any]]:
    """Satisfaction per quarter and lead team: how many ratings, and their mean."""
    names = {t.code: t.name for t in platform().teams()}
    return [
        [q.quarter, names.get(team, team or gettext("Geen team")), count, average]
        for q in figures
        for team, count, average in q.team_ratings()
    ]


@bp.get("/gebieden/<code>/pc")
def pc_report(code: str) -> ResponseReturnValue:
    _allowed_to_see()
    area, figures, priorities = _report(code)
    return render_template(
        "staff/pc.html",
        area=area,
        header=_header()[:-SATISFACTION_COLUMNS],
        rows=[row[:-SATISFACTION_COLUMNS] for row in _rows(figures)],
        satisfaction=[[row[0], *row[-SATISFACTION_COLUMNS:]] for row in _rows(figures)],
        satisfaction_header=[_header()[0], *_header()[-SATISFACTION_COLUMNS:]],
        team_rows=_team_rows(figures),
        team_header=_team_header(),
        priorities=priorities,
    )


@bp.get("/gebieden/<code>/pc.svg")
def pc_chart(code: str) -> ResponseReturnValue:
    _allowed_to_see()
    area, figures, _ = _report(code)
    svg = charts.bar_chart(
        gettext("Ingediend en besloten per kwartaal in %(area)s", area=area.name),
        [q.quarter for q in figures],
        {
            gettext("Ingediend"): [q.submitted for q in figures],
            gettext("Besloten"): [q.decided_total for q in figures],
        },
    )
    return charts.svg_response(svg)


def _download(body: bytes, mimetype: str, name: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _csv_value(value: Any) -> str:
    """A cell as the page shows it, with a decimal comma for Dutch spreadsheets: 30 (not
    30,0), 17,5; empty for no value."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    return str(value)


@bp.get("/gebieden/<code>/pc.csv")
def pc_csv(code: str) -> ResponseReturnValue:
    _allowed_to_see()
    area, figures, _ = _report(code)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")  # what Dutch spreadsheet settings expect
    writer.writerow([safe_cell(h) for h in _header()])
    for row in _rows(figures):
        writer.writerow([safe_cell(_csv_value(v)) for v in row])
    return _download(("\ufeff" + out.getvalue()).encode(), "text/csv", f"pc-{area.code}.csv")


@bp.get("/gebieden/<code>/pc.xlsx")
def pc_xlsx(code: str) -> ResponseReturnValue:
    from openpyxl import Workbook

    _allowed_to_see()
    area, figures, _ = _report(code)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "P&C"
    sheet.append([safe_cell(h) for h in _header()])
    for row in _rows(figures):
        sheet.append(row)  # numbers stay numbers; the quarter is the only text
    sheet.freeze_panes = "A2"
    teams = book.create_sheet(gettext("Tevredenheid per team")[:31])
    teams.append([safe_cell(h) for h in _team_header()])
    for row in _team_rows(figures):
        teams.append([safe_cell(v) if isinstance(v, str) else v for v in row])
    out = io.BytesIO()
    book.save(out)
    return _download(out.getvalue(), XLSX, f"pc-{area.code}.xlsx")
