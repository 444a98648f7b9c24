"""Photos at the web's edges: the limits from the settings, the uploads of a form or request,
their refusals in the reader's language, and the answer that serves a photo.

A photo is read by participatie.media.photos (sniffed, bounded, decoded, written anew without
metadata) before anything is stored; it is served as the format it was written in, with
`nosniff`, under a name that says nothing of the sender (foto-1.jpg).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Response, current_app
from flask_babel import gettext
from werkzeug.datastructures import FileStorage

from participatie.media.photos import AT_POSITION, EXTENSIONS, PhotoLimits, PhotosRefused

SLACK = 1_000_000  # bytes a form's other fields and the multipart framing may take


def photo_limits() -> PhotoLimits:
    """The limits of the running application's settings."""
    return limits_of(current_app.extensions["participatie"].settings)


def limits_of(settings: Any) -> PhotoLimits:
    return PhotoLimits(
        max_photos=settings.max_photos,
        max_megabytes=settings.photo_megabytes,
        max_megapixels=settings.photo_megapixels,
    )


def max_request_bytes(limits: PhotoLimits) -> int:
    """The largest request body to accept (Flask's MAX_CONTENT_LENGTH): every photo at its
    largest, and room for the rest. A larger body is refused before it is read (413)."""
    return max(1, limits.max_photos) * limits.max_bytes + SLACK


def uploads(files: Iterable[FileStorage]) -> list[bytes]:
    """The bytes of each file a form sent (the empty part a browser sends for no file skipped).

    The file name and the declared type are not used: the bytes say what a file is."""
    found = []
    for upload in files:
        data = upload.read()
        if data or upload.filename:
            found.append(data)
    return found


def refusals(refused: PhotosRefused) -> list[str]:
    """Each refusal in the page's language ("Foto 2: dit bestand is geen foto ...")."""
    texts = []
    for problem in refused.problems:
        text = gettext(problem.error.problem.dutch) % problem.error.params
        if problem.position is not None:
            text = gettext(AT_POSITION) % {"position": problem.position, "problem": text}
        texts.append(text)
    return texts


def photo_answer(mime: str, data: bytes, position: int, *, public: bool) -> Response:
    """A photo as a response: its own type, never sniffed, inline, named foto-N.ext."""
    answer = Response(data, mimetype=mime)
    answer.headers["X-Content-Type-Options"] = "nosniff"
    answer.headers["Content-Disposition"] = f'inline; filename="foto-{position}.{EXTENSIONS[mime]}"'
    answer.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    answer.headers["Cache-Control"] = "public, max-age=300" if public else "private, no-store"
    return answer
