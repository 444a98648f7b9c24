"""The area map: import a new version from a GeoJSON file of wijken and buurten."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext, ngettext
from werkzeug.utils import secure_filename

from participatie.domain.errors import InvariantViolation
from participatie.maps.areas_import import NETHERLANDS, AreaFileError, read_areas
from web import context
from web.admin import bp
from web.admin.common import LABEL_LENGTH, Errors, _actor, _add, _done, _prefixed, _render, _text


def _areas_page(
    errors: Errors | None = None, kept: Mapping[str, Any] | None = None, status: int = 200
) -> ResponseReturnValue:
    app = context.platform()
    counts: dict[str, int] = {}
    municipality = None
    if app.has_area_map():
        municipality = app.municipality()
        for area in app.area_index().areas.values():
            counts[area.level.value] = counts.get(area.level.value, 0) + 1
    return _render(
        "admin/areas.html",
        status,
        version=app.area_map_version(),
        municipality=municipality,
        counts=counts,
        errors=errors or {},
        kept=kept or {},
    )


@bp.get("/gebiedskaart")
def areas() -> ResponseReturnValue:
    return _areas_page()


@bp.post("/gebiedskaart")
def import_areas() -> ResponseReturnValue:
    app = context.platform()
    label = _text("version")
    upload = request.files.get("file")
    errors: Errors = {}
    if not label:
        _add(errors, "version", gettext("Vul een versielabel in, bijvoorbeeld 2026-2."))
    elif len(label) > LABEL_LENGTH:
        _add(errors, "version", gettext("Gebruik hoogstens %(num)s tekens.", num=LABEL_LENGTH))
    if upload is None or not upload.filename:
        _add(errors, "file", gettext("Kies het GeoJSON-bestand met de wijken en buurten."))
    found: list[Any] = []
    filename = ""
    if upload is not None and upload.filename:
        filename = secure_filename(upload.filename) or "kaart.geojson"
        with tempfile.TemporaryDirectory(prefix="participatie-kaart-") as folder:
            path = Path(folder) / filename
            upload.save(path)
            try:
                found = read_areas(path, within=NETHERLANDS)
            except AreaFileError as error:
                if error.problem is None:  # unreadable: the parser's own words, without our path
                    detail = str(error).replace(str(path), filename)
                else:
                    detail = gettext(error.problem.dutch, **error.params)
                _add(
                    errors,
                    "file",
                    gettext(
                        "Dit bestand is geen bruikbaar wijken-en-buurtenbestand: %(detail)s",
                        detail=detail,
                    ),
                )
        if found and app.has_area_map():
            code, name = app.municipality()
            root = next((a for a in found if a.parent is None), None)
            if root is not None and root.code != code:
                _add(
                    errors,
                    "file",
                    gettext(
                        "Dit bestand is van %(file)s (%(file_code)s); de kaart is van %(name)s"
                        " (%(code)s).",
                        file=root.name,
                        file_code=root.code,
                        name=name,
                        code=code,
                    ),
                )
    if not errors:
        try:
            app.import_area_map(label, found, f"upload:{filename}", _actor())
        except InvariantViolation as error:
            if error.field == "version":
                errors = {
                    "version": [
                        gettext(
                            "Kaartversie %(label)s bestaat al; kies een nieuw versielabel.",
                            label=label,
                        )
                    ]
                }
            else:
                errors = {
                    "file": [
                        gettext(
                            "Dit bestand past niet bij de kaart: %(detail)s", detail=error.message
                        )
                    ]
                }
        else:
            return _done(
                ngettext(
                    "Kaartversie %(label)s is geïmporteerd: %(num)s gebied.",
                    "Kaartversie %(label)s is geïmporteerd: %(num)s gebieden.",
                    len(found),
                    label=label,
                ),
                url_for("admin.areas"),
            )
    return _areas_page(_prefixed("map", errors), {"version": label}, 422)
