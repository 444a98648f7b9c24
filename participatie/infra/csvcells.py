"""CSV that a spreadsheet opens as data: no cell can start a formula (CSV injection).

A cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is taken as a formula
by Excel, LibreOffice and Google Sheets (`=HYPERLINK(...)`, `=cmd|' /C calc'!A0`). As OWASP
describes, such a text cell gets a single quote in front, which the spreadsheet shows as text and
hides; the full-width forms of the four signs count too, since some spreadsheets fold them to the
ASCII ones. Every CSV the platform writes goes through `SafeCsv`.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def safe_cell(value: Any) -> Any:
    """`value`, with a single quote in front when it is text a spreadsheet would evaluate."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeCsv:
    """A csv.DictWriter whose text cells can never start a formula."""

    def __init__(self, out: Any, fieldnames: Sequence[str]) -> None:
        self._writer = csv.DictWriter(out, fieldnames=fieldnames)

    def writeheader(self) -> None:
        self._writer.writeheader()

    def writerow(self, row: Mapping[str, Any]) -> None:
        self._writer.writerow({name: safe_cell(value) for name, value in row.items()})

    def writerows(self, rows: Iterable[Mapping[str, Any]]) -> None:
        for row in rows:
            self.writerow(row)
