"""The P&C report page of an area: its table, and the CSV and Excel downloads holding the same
numbers (the XLSX opened with openpyxl); the numbers themselves are checked against a hand-made
fixture in tests/integration/test_pc_report.py."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

import pytest

from participatie.config import Settings
from participatie.domain.values import Actor, Role
from tests.e2e.conftest import PASSWORD, Site, client_of, make_site

AREA = "WK999902"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    built = make_site(Settings(var_dir=tmp_path_factory.mktemp("pc") / "var"))
    staff = built.container.staff
    system = Actor.system("test")
    staff.add("gea", "Gea", Role.AREA_MANAGER, ["gebiedsteam-oude-haven"], PASSWORD, system)
    staff.add("beheer", "Bea", Role.ADMIN, [], PASSWORD, system)
    try:
        yield built
    finally:
        built.container.close()


def table_rows(text: str, table_id: str, row_prefix: str) -> list[list[str]]:
    table = re.search(rf'<table class="queue" id="{table_id}">.*?</table>', text, re.S)
    assert table, f"no table {table_id}"
    rows = []
    for row in re.findall(rf"<tr id=\"{row_prefix}-[^\"]+\">(.*?)</tr>", table.group(0), re.S):
        rows.append(
            [
                re.sub(r"<[^>]+>", "", c).strip()
                for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
            ]
        )
    return rows


def page_rows(text: str) -> list[list[str]]:
    """The report's rows as the page shows them: the main table, and per quarter the
    satisfaction table's columns after them (the downloads have them in one row)."""
    main = table_rows(text, "pc-rapport", "kwartaal")
    if 'id="pc-tevredenheid-kwartaal"' not in text:
        return [[*row, "0", "–", "–"] for row in main]
    satisfaction = {
        r[0]: r[1:] for r in table_rows(text, "pc-tevredenheid-kwartaal", "tevredenheid")
    }
    return [[*row, *satisfaction[row[0]]] for row in main]


def test_page_csv_and_xlsx_hold_the_same_numbers(site: Site) -> None:
    from openpyxl import load_workbook

    gea = client_of(site, "gea")
    text = gea.get(f"/beheer/gebieden/{AREA}/pc").get_data(as_text=True)
    shown = page_rows(text)
    assert shown, "the demo has figures for Oude Haven"
    header = re.findall(r'<th scope="col">([^<]+)</th>', text.split('id="pc-rapport"')[1])[:9]
    assert header == [
        "Kwartaal",
        "Ingediend",
        "Besloten",
        "Gehonoreerd",
        "Deels gehonoreerd",
        "Niet gehonoreerd",
        "Mediaan dagen tot besluit",
        "Te laat",
        "Gekoppeld aan de gebiedsagenda",
    ]
    # The downloads carry the satisfaction per quarter in the same row (on the page: its own
    # table, so the report stays readable at 1280 px).
    header += ["Beoordeeld", "Gem. cijfer (1-5)", "Tevreden, %"]
    download = gea.get(f"/beheer/gebieden/{AREA}/pc.xlsx")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"] == 'attachment; filename="pc-WK999902.xlsx"'
    sheet = load_workbook(io.BytesIO(download.data)).active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0] == header
    as_page = [
        [
            str(v) if isinstance(v, str) else ("–" if v is None else f"{v:g}".replace(".", ","))
            for v in r
        ]
        for r in values[1:]
    ]
    assert as_page == shown
    for row in values[1:]:
        assert all(isinstance(v, int | float) or v is None for v in row[1:])  # numbers stay numbers
    text_csv = gea.get(f"/beheer/gebieden/{AREA}/pc.csv").get_data(as_text=True)
    lines = list(csv.reader(io.StringIO(text_csv.lstrip("\ufeff")), delimiter=";"))
    assert lines[0] == header
    assert [[c or "–" for c in line] for line in lines[1:]] == shown
    # The per-quarter totals add up: every initiative of the area in one quarter.
    total = sum(int(r[1]) for r in shown)
    assert f'<dd id="aantal-totaal">{total}</dd>' in gea.get(f"/beheer/gebieden/{AREA}").get_data(
        as_text=True
    )


def test_the_report_is_for_staff_who_see_areas(site: Site) -> None:
    admin = client_of(site, "beheer")
    for suffix in ("", ".csv", ".xlsx", ".svg"):
        assert admin.get(f"/beheer/gebieden/{AREA}/pc{suffix}").status_code == 403
    gea = client_of(site, "gea")
    assert gea.get("/beheer/gebieden/WK000000/pc").status_code == 404
    chart = gea.get(f"/beheer/gebieden/{AREA}/pc.svg")
    assert chart.mimetype == "image/svg+xml" and "<script" not in chart.get_data(as_text=True)
