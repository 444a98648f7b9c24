"""CSV cells that a spreadsheet would evaluate get a single quote in front (OWASP)."""

from __future__ import annotations

import csv
import io

import pytest

from participatie.infra.csvcells import SafeCsv, safe_cell

# value written -> the cell a spreadsheet reads back (written out by hand)
CELLS = [
    ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
    ('=HYPERLINK("http://evil.example","klik")', '\'=HYPERLINK("http://evil.example","klik")'),
    ("+31 6 12345678", "'+31 6 12345678"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ("＝1+1", "'＝1+1"),
    ("Geen bezwaar = akkoord", "Geen bezwaar = akkoord"),
    ("e-mail", "e-mail"),
    (" =1+1", " =1+1"),
    ("", ""),
]


@pytest.mark.parametrize(("value", "cell"), CELLS)
def test_a_text_cell_that_starts_a_formula_is_quoted(value: str, cell: str) -> None:
    assert safe_cell(value) == cell


def test_numbers_and_empty_cells_are_left_as_they_are() -> None:
    assert [safe_cell(v) for v in (-5, 3.5, None)] == [-5, 3.5, None]


def test_the_writer_quotes_every_row_and_keeps_the_header() -> None:
    out = io.StringIO()
    writer = SafeCsv(out, ["reason", "count"])
    writer.writeheader()
    writer.writerow({"reason": "=1+1", "count": -1})
    writer.writerows([{"reason": "@x", "count": 2}, {"reason": "ok", "count": 3}])
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [
        ["reason", "count"],
        ["'=1+1", "-1"],
        ["'@x", "2"],
        ["ok", "3"],
    ]
