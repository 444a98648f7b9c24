"""Photos kept beside the log, on SQLite and PostgreSQL: sealed, served only as the log names
them, gone with the initiator, and left-over rows of a crashed submission cleaned up."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

from participatie.application.schemas import SubmissionSchema
from participatie.bootstrap import Container
from participatie.domain.values import Actor
from participatie.infra.photostore import StoredPhoto
from participatie.media.photos import PhotoLimits, read_photo
from participatie.privacy.erasure import erase_initiative, finish_erasures
from tests.conftest import submission
from tests.unit.test_photos import camera_jpeg, png_with_text

OFFICER = Actor.system("privacy")


def submit_with_photos(container: Container) -> tuple[object, list[object]]:
    app = container.app
    photos = [read_photo(camera_jpeg(), PhotoLimits()), read_photo(png_with_text(), PhotoLimits())]
    data = SubmissionSchema(app.area_index()).load_submission(submission())
    return app.submit(data, photos=photos).initiative_id, photos


def test_photos_are_sealed_served_as_named_and_erased_with_the_initiator(
    container: Container,
) -> None:
    app = container.app
    initiative_id, photos = submit_with_photos(container)
    for position, photo in enumerate(photos, start=1):
        assert app.photo(initiative_id, position) == (photo.mime, photo.data)  # type: ignore[attr-defined]
        assert app.photo(initiative_id, position, thumbnail=True) == (
            photo.mime,  # type: ignore[attr-defined]
            photo.thumbnail,  # type: ignore[attr-defined]
        )
        stored = app.photo_store.get(initiative_id, position)  # type: ignore[arg-type]
        assert stored is not None
        assert photo.data[-48:] not in stored.photo and len(photo.data) > 48  # type: ignore[attr-defined]
    assert app.photo(initiative_id, 3) is None  # type: ignore[arg-type]

    # Rows swapped behind the log's back: neither is served.
    first, second = (app.photo_store.get(initiative_id, n) for n in (1, 2))  # type: ignore[arg-type]
    assert first is not None and second is not None
    app.photo_store.forget(initiative_id)  # type: ignore[arg-type]
    swapped = [
        StoredPhoto(1, second.mime, second.photo, second.thumbnail),
        StoredPhoto(2, first.mime, first.photo, first.thumbnail),
    ]
    app.photo_store.put(initiative_id, swapped, app.clock())  # type: ignore[arg-type]
    assert app.photo(initiative_id, 1) is None and app.photo(initiative_id, 2) is None  # type: ignore[arg-type]

    erase_initiative(container, initiative_id, OFFICER, "art. 17 AVG")  # type: ignore[arg-type]
    assert app.photo_store.get(initiative_id, 1) is None  # type: ignore[arg-type]
    assert str(initiative_id) not in app.photo_store.initiatives()


def test_photos_of_a_submission_never_saved_are_deleted_after_an_hour(
    container: Container,
) -> None:
    app = container.app
    kept, _ = submit_with_photos(container)
    old, fresh = uuid4(), uuid4()
    row = [StoredPhoto(1, "image/jpeg", b"sealed", b"sealed-thumbnail")]
    app.photo_store.put(old, row, app.clock() - timedelta(hours=2))
    app.photo_store.put(fresh, row, app.clock())
    finish_erasures(container)
    assert app.photo_store.initiatives() == {str(kept), str(fresh)}
