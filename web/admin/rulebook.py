"""The routing rulebook: edit the YAML, backtest it and publish it as a new version."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path
from typing import Any

import yaml
from flask import request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from marshmallow import ValidationError

from participatie.application.backtest import BacktestResult, backtest
from participatie.application.rulesfile import read_rulebook
from participatie.application.schemas import flatten
from participatie.domain.errors import DomainError
from participatie.domain.rulecheck import RuleBookInvalid
from participatie.infra.datafiles import DataFileError
from web import context
from web.admin import bp
from web.admin.common import _actor, _done, _render, _team_names, log

RULEBOOK_TEMPLATE = """\
version: "1"
description: Eerste versie
default_acceptance_days: 5
rules: []
"""


def _text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _compact(value: Any) -> Any:
    """Leave out empty values (the schema's defaults), so the YAML reads like a handmade file."""
    if isinstance(value, dict):
        pairs = ((k, _compact(v)) for k, v in value.items())
        return {k: v for k, v in pairs if v not in (None, "", [], {})}
    if isinstance(value, list):
        return [_compact(v) for v in value]
    return value


def rulebook_yaml(rulebook: Any) -> str:
    """The YAML of the current rulebook version, in the format `participatie rules` reads: the
    text as its author wrote it (comments and layout kept), or, for a version published before
    the text was kept, the rules written out anew."""
    if rulebook is None or rulebook.current_version is None:
        return RULEBOOK_TEMPLATE
    written: str | None = rulebook.sources.get(rulebook.current_version)
    if written is not None:
        return written
    version = rulebook.versions[rulebook.current_version]
    data = {
        "version": rulebook.current_version,
        "description": version["description"],
        "default_acceptance_days": version["default_acceptance_days"],
        "rules": [_compact(rule) for rule in version["rules"]],
    }
    text: str = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=10_000)
    return text


def _unreadable(error: DataFileError) -> str:
    """Why the text cannot be read as a rulebook, with the line and column where known."""
    if error.syntax and error.line:
        return gettext(
            "Dit is geen geldige YAML (regel %(line)s, kolom %(column)s): %(problem)s",
            line=error.line,
            column=error.column,
            problem=error.problem,
        )
    if error.syntax:
        return gettext("Dit is geen geldige YAML: %(problem)s", problem=error.problem)
    if error.line:
        return gettext(
            "Dit regelboek is niet te gebruiken (regel %(line)s): %(problem)s",
            line=error.line,
            problem=error.problem,
        )
    return gettext("Dit regelboek is niet te gebruiken: %(problem)s", problem=error.problem)


def _read_candidate(text: str) -> tuple[dict[str, Any] | None, Any, list[str]]:
    """Parse and check a rulebook text as `participatie rules check` does.

    Returns the data, the candidate Book and the problems (the first two None on problems).
    """
    if not text.strip():
        return None, None, [gettext("Vul het regelboek in (YAML).")]
    with tempfile.TemporaryDirectory(prefix="participatie-regels-") as folder:
        path = Path(folder) / "regelboek.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            data = read_rulebook(path)
        except DataFileError as error:
            return None, None, [_unreadable(error)]
        except ValidationError as error:
            return (
                None,
                None,
                [
                    f"{'.'.join(str(k) for k in path) or '_schema'}: {message}"
                    for path, message in flatten(error.messages)
                ],
            )
    rulebook = context.platform().rulebook()
    if rulebook is not None and data["version"] in rulebook.versions:
        return (
            None,
            None,
            [
                gettext(
                    "version: versie %(version)s bestaat al. Geef het regelboek een nieuwe versie.",
                    version=data["version"],
                )
            ],
        )
    try:
        book = context.platform().candidate_book(
            data["version"], data["default_acceptance_days"], data["rules"]
        )
    except RuleBookInvalid as error:
        return None, None, [str(problem) for problem in error.problems]
    return data, book, []


def _rulebook_page(
    text: str,
    *,
    problems: list[str] | None = None,
    result: BacktestResult | None = None,
    message: str | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    rulebook = context.platform().rulebook()
    errors = {"rules-text": problems} if problems else {}
    return _render(
        "admin/rulebook.html",
        status,
        current_version=rulebook.current_version if rulebook else None,
        versions=list(rulebook.versions) if rulebook else [],
        text=text,
        digest=_text_hash(text) if result is not None else "",
        result=result,
        team_names=_team_names(),
        message=message,
        errors=errors,
    )


@bp.get("/regelboek")
def rulebook() -> ResponseReturnValue:
    return _rulebook_page(rulebook_yaml(context.platform().rulebook()))


@bp.post("/regelboek")
def rulebook_step() -> ResponseReturnValue:
    text = (request.form.get("text") or "").replace("\r\n", "\n")
    step = request.form.get("stap") or "backtest"
    data, book, problems = _read_candidate(text)
    if step == "publiceren" and request.form.get("sha") != _text_hash(text):
        message = gettext(
            "Er is niets gepubliceerd: de tekst is veranderd sinds de backtest. Bekijk hieronder"
            " de backtest van de tekst zoals die nu is en publiceer dan opnieuw."
        )
        if problems:
            return _rulebook_page(text, problems=problems, message=message, status=422)
        return _rulebook_page(
            text, result=backtest(context.platform(), book), message=message, status=409
        )
    if problems or data is None:
        return _rulebook_page(text, problems=problems, status=422)
    if step != "publiceren":
        return _rulebook_page(text, result=backtest(context.platform(), book))
    try:
        context.platform().publish_rulebook(
            data["version"],
            data["description"],
            data["default_acceptance_days"],
            data["rules"],
            _actor(),
            source=text,
        )
    except RuleBookInvalid as error:
        return _rulebook_page(
            text, problems=[str(problem) for problem in error.problems], status=422
        )
    except DomainError as error:
        log.info("rulebook publish refused: %s", error)
        return _rulebook_page(
            text, problems=[gettext("Dit kan niet: %(reason)s", reason=str(error))], status=422
        )
    return _done(
        gettext(
            "Regelboek %(version)s is gepubliceerd (%(num)s regels). Lopende initiatieven zijn"
            " niet verplaatst; nieuwe initiatieven worden met deze versie gerouteerd.",
            version=data["version"],
            num=len(data["rules"]),
        ),
        url_for("admin.rulebook"),
    )
