"""The area map: import a new version from a GeoJSON file of wijken and buurten, in two steps.

The upload is checked and kept aside (participatie.maps.pending); a preview lists what the new
version changes against the current one and draws it; only its confirmation imports exactly
that file, and only while the map is still the version the preview compared against.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import abort, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext, ngettext
from werkzeug.utils import secure_filename

from participatie.domain.areas import Area
from participatie.domain.errors import InvariantViolation
from participatie.domain.values import AreaLevel
from participatie.maps import svgmap
from participatie.maps.areas_import import NETHERLANDS, AreaFileError, read_areas
from participatie.maps.mapdiff import compare
from participatie.maps.pending import Pending
from web import context
from web.admin import bp
from web.admin.common import LABEL_LENGTH, Errors, _actor, _add, _done, _prefixed, _render, _text


def _areas_page(
    errors: Errors | None = None,
    kept: Mapping[str, Any] | None = None,
    status: int = 200,
    message: str | None = None,
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
        message=message,
    )


@bp.get("/gebiedskaart")
def areas() -> ResponseReturnValue:
    return _areas_page()


def _read(content: bytes, filename: str) -> tuple[list[Area], str | None]:
    """The areas in an uploaded file, or why it cannot be used (in the page's language)."""
    with tempfile.TemporaryDirectory(prefix="participatie-kaart-") as folder:
        path = Path(folder) / filename
        path.write_bytes(content)
        try:
            return read_areas(path, within=NETHERLANDS), None
        except AreaFileError as error:
            if error.problem is None:  # unreadable: the parser's own words, without our path
                detail = str(error).replace(str(path), filename)
            else:
                detail = gettext(error.problem.dutch, **error.params)
    return [], gettext(
        "Dit bestand is geen bruikbaar wijken-en-buurtenbestand: %(detail)s", detail=detail
    )


@bp.post("/gebiedskaart")
def import_areas() -> ResponseReturnValue:
    """Check the upload and keep it for the preview; nothing is imported yet."""
    app = context.platform()
    label = _text("version")
    upload = request.files.get("file")
    errors: Errors = {}
    if not label:
        _add(errors, "version", gettext("Vul een versielabel in, bijvoorbeeld 2026-2."))
    elif len(label) > LABEL_LENGTH:
        _add(errors, "version", gettext("Gebruik hoogstens %(num)s tekens.", num=LABEL_LENGTH))
    elif label in app.area_map_versions():
        _add(
            errors,
            "version",
            gettext("Kaartversie %(label)s bestaat al; kies een nieuw versielabel.", label=label),
        )
    if upload is None or not upload.filename:
        _add(errors, "file", gettext("Kies het GeoJSON-bestand met de wijken en buurten."))
    found: list[Area] = []
    filename = ""
    content = b""
    if upload is not None and upload.filename:
        filename = secure_filename(upload.filename) or "kaart.geojson"
        content = upload.read()
        found, problem = _read(content, filename)
        if problem is not None:
            _add(errors, "file", problem)
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
    if errors:
        return _areas_page(_prefixed("map", errors), {"version": label}, 422)
    pending = context.container().pending_maps.put(content, label, filename, app.area_map_version())
    return redirect(url_for("admin.preview_areas", token=pending.token), code=303)


def _pending_or_404(token: str) -> Pending:
    pending = context.container().pending_maps.get(token)
    if pending is None:
        abort(404)
    return pending


def _stale(pending: Pending) -> str | None:
    """Why the preview of `pending` no longer holds: the map changed since it was made."""
    current = context.platform().area_map_version()
    if current == pending.base_version:
        return None
    return gettext(
        "Er is niets geïmporteerd: de gebiedskaart is veranderd sinds deze voorvertoning (nu"
        " versie %(current)s, de voorvertoning vergeleek met versie %(base)s). Upload het"
        " bestand opnieuw om de verschillen met de huidige versie te zien.",
        current=current or "–",
        base=pending.base_version or "–",
    )


@bp.get("/gebiedskaart/voorvertoning/<token>")
def preview_areas(token: str) -> ResponseReturnValue:
    """What the pending import changes against the current version, and its confirmation."""
    pending = _pending_or_404(token)
    stale = _stale(pending)
    if stale is not None:
        return _areas_page(status=409, message=stale)
    app = context.platform()
    new, problem = _read(pending.content, pending.filename)
    if problem is not None:  # checked at the upload; only a changed checker gets here
        return _areas_page({"map-file": [problem]}, {"version": pending.label}, 422)
    current = list(app.area_index().areas.values()) if app.has_area_map() else []
    diff = compare(current, new)
    levels: dict[str, int] = {}
    for area in new:
        levels[area.level.value] = levels.get(area.level.value, 0) + 1
    buurten = [a for a in new if a.level is AreaLevel.NEIGHBOURHOOD] or new
    touched = diff.touched_codes()
    picture = svgmap.render(
        buurten,
        {a.code: 1 if a.code in touched else 0 for a in buurten},
        link=None,
        title=gettext(
            "Kaartversie %(label)s; nieuwe en gewijzigde buurten zijn donker", label=pending.label
        ),
        label="{name} ({code})",
    )
    names = {a.code: a.name for a in [*current, *new]}
    return _render(
        "admin/areas_preview.html",
        pending=pending,
        version=app.area_map_version(),
        diff=diff,
        levels=levels,
        total=len(new),
        names=names,
        picture=picture,
    )


@bp.post("/gebiedskaart/voorvertoning/<token>")
def confirm_areas(token: str) -> ResponseReturnValue:
    """Import exactly the previewed file, if the map is still the version it compared with."""
    stash = context.container().pending_maps
    pending = _pending_or_404(token)
    if request.form.get("sha") != pending.sha256:
        return _areas_page(
            status=409,
            message=gettext(
                "Er is niets geïmporteerd: dit is niet het bestand uit de voorvertoning. Upload"
                " het bestand opnieuw."
            ),
        )
    stale = _stale(pending)
    if stale is not None:
        stash.drop(token)
        return _areas_page(status=409, message=stale)
    new, problem = _read(pending.content, pending.filename)
    errors: Errors = {}
    if problem is not None:
        errors = {"file": [problem]}
    else:
        try:
            context.platform().import_area_map(
                pending.label, new, f"upload:{pending.filename}", _actor()
            )
        except InvariantViolation as error:
            if error.field == "version":
                errors = {
                    "version": [
                        gettext(
                            "Kaartversie %(label)s bestaat al; kies een nieuw versielabel.",
                            label=pending.label,
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
    stash.drop(token)
    if errors:
        return _areas_page(_prefixed("map", errors), {"version": pending.label}, 422)
    return _done(
        ngettext(
            "Kaartversie %(label)s is geïmporteerd: %(num)s gebied.",
            "Kaartversie %(label)s is geïmporteerd: %(num)s gebieden.",
            len(new),
            label=pending.label,
        ),
        url_for("admin.areas"),
    )
