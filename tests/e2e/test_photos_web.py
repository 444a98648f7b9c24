"""Photos through the submission form: kept without metadata, shown to staff at once and to the
public only as the moderator decides; a bad or hostile file is a field error and stores nothing."""

from __future__ import annotations

import base64
import io
import os
from collections.abc import Iterator
from uuid import UUID

import pytest
from flask.testing import FlaskClient
from PIL import Image

from participatie.config import Settings
from participatie.domain.values import Role
from tests.e2e.conftest import Site, add_staff, client_of, csrf_token, make_site
from tests.unit.test_photos import (
    CANARY,
    SVG,
    camera_jpeg,
    crafted_png,
    half,
    noise,
    png_with_text,
    saved,
    traces,
)

KERKBUURT = "BU99990101"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    settings = Settings(var_dir=tmp_path_factory.mktemp("photos") / "var", auto_approve=False)
    built = make_site(settings, moderated=True)
    add_staff(built, "rita", Role.REGIE, ["regie"])
    try:
        yield built
    finally:
        built.container.close()


def form(client: FlaskClient, title: str) -> dict[str, object]:
    return {
        "csrf_token": csrf_token(client, "/indienen"),
        "kind": "resident",
        "name": "Fien Foto",
        "email": "fien@example.org",
        "title": title,
        "description": "Het hek bij de speeltuin is kapot; zie de foto's die ik meestuur.",
        "themes": ["groen"],
        "area_code": KERKBUURT,
        "consent": "ja",
        "doorgaan": "1",  # submit even when an earlier test's initiative is alike
    }


def post(site: Site, title: str, files: list[tuple[bytes, str]]) -> tuple[int, str]:
    client = site.client()
    data = form(client, title)
    data["photos"] = [(io.BytesIO(content), name) for content, name in files]
    answer = client.post("/indienen", data=data, content_type="multipart/form-data")
    return answer.status_code, answer.get_data(as_text=True)


def stored(site: Site) -> tuple[int, set[str]]:
    """The events in the log and the initiatives with photos in the photo store."""
    return site.events(), site.app.photo_store.initiatives()


def by_title(site: Site, title: str) -> UUID:
    return next(i for i in site.app.initiative_ids() if site.app.get_initiative(i).title == title)


def test_photos_are_kept_clean_and_shown_as_the_moderator_decides(site: Site) -> None:
    title = "Kapot hek bij de speeltuin"
    jpeg, png = camera_jpeg(), png_with_text()
    assert traces(jpeg) and traces(png)  # the uploads carry the canary
    status, _ = post(site, title, [(jpeg, f"IMG_{CANARY}.jpg"), (png, f"{CANARY}.png")])
    assert status == 303
    site.project()
    initiative_id = by_title(site, title)
    refs = site.app.get_initiative(initiative_id).photos
    assert [(p.position, p.mime, p.width, p.height) for p in refs] == [
        (1, "image/jpeg", 40, 60),  # turned upright by its EXIF orientation
        (2, "image/png", 30, 20),
    ]
    rita = client_of(site, "rita")
    detail = rita.get(f"/beheer/initiatieven/{initiative_id}").get_data(as_text=True)
    assert f"/beheer/initiatieven/{initiative_id}/fotos/2?klein=1" in detail
    for position, mime in ((1, "image/jpeg"), (2, "image/png")):
        for query in ("", "?klein=1"):
            answer = rita.get(f"/beheer/initiatieven/{initiative_id}/fotos/{position}{query}")
            assert answer.status_code == 200 and answer.mimetype == mime
            assert answer.headers["X-Content-Type-Options"] == "nosniff"
            # Its own policy, not the pages' one beside it: an image opened alone runs nothing.
            policies = answer.headers.getlist("Content-Security-Policy")
            assert policies == ["default-src 'none'; sandbox"]
            assert answer.headers["Content-Disposition"].startswith('inline; filename="foto-')
            assert "no-store" in answer.headers["Cache-Control"]
            assert traces(answer.data) == [] and CANARY not in str(answer.headers)
            with Image.open(io.BytesIO(answer.data)) as image:
                assert not image.getexif() and "comment" not in image.info
    public = site.client()
    assert public.get(f"/initiatieven/{initiative_id}/fotos/1").status_code == 404  # pending

    page = f"/beheer/moderatie/{initiative_id}"
    version = site.app.get_initiative(initiative_id).version
    approve = {"csrf_token": csrf_token(rita, page), "version": version}
    assert rita.post(page, data={**approve, "action": "approve_public_text"}).status_code == 303
    site.project()
    shown = public.get(f"/initiatieven/{initiative_id}").get_data(as_text=True)
    assert f"/initiatieven/{initiative_id}/fotos/1?klein=1" in shown
    first = public.get(f"/initiatieven/{initiative_id}/fotos/1")
    assert first.status_code == 200 and first.mimetype == "image/jpeg"
    assert "public" in first.headers["Cache-Control"]
    (listed,) = public.get(f"/open311/v2/requests/{initiative_id}.json").get_json()
    assert listed["media_url"] == f"http://localhost/initiatieven/{initiative_id}/fotos/1"

    redact = {
        "csrf_token": csrf_token(rita, page),
        "version": version + 1,
        "action": "redact_public_text",
        "title": title,
        "description": "Het hek bij de speeltuin is kapot.",
        "reason": "Foto 1 toont een kenteken",
        "photos": ["2"],
    }
    assert rita.post(page, data=redact).status_code == 303
    site.project()
    assert public.get(f"/initiatieven/{initiative_id}/fotos/1").status_code == 404
    assert public.get(f"/initiatieven/{initiative_id}/fotos/2").status_code == 200
    assert rita.get(f"/beheer/initiatieven/{initiative_id}/fotos/1").status_code == 200
    assert public.get(f"/initiatieven/{initiative_id}/fotos/3").status_code == 404
    (listed,) = public.get(f"/open311/v2/requests/{initiative_id}.json").get_json()
    assert listed["media_url"].endswith(f"/initiatieven/{initiative_id}/fotos/2")


BAD = [
    (b"Boodschappen: melk, brood, kaas.\n", "boodschappen.jpg", "Dit bestand is geen foto."),
    (crafted_png(20_000, 20_000), "groot.png", "Deze foto heeft te veel pixels"),
    (half(saved(noise(256, 256), "JPEG")), "half.jpg", "Deze foto is beschadigd"),
    (os.urandom(30_000_000), "groot.jpg", "Deze foto is groter dan 10 MB."),
    (SVG, "tekening.svg", "Een SVG-bestand kan hier niet."),
]


@pytest.mark.parametrize(("content", "name", "message"), BAD, ids=[b[1] for b in BAD])
def test_a_bad_file_is_a_field_error_and_nothing_is_stored(
    site: Site, content: bytes, name: str, message: str
) -> None:
    before = stored(site)
    status, page = post(
        site, "Een foto die niet kan", [(camera_jpeg(), "goed.jpg"), (content, name)]
    )
    assert status == 422
    assert 'id="fout-photos"' in page and f"Foto 2: {message}" in page
    assert 'aria-invalid="true"' in page.split('id="veld-photos"')[1].split(">")[0]
    assert stored(site) == before


def test_too_many_photos_are_refused_and_the_english_page_says_so(site: Site) -> None:
    client = site.client()
    client.get("/taal/en")
    data = form(client, "Vijf foto's")
    data["photos"] = [(io.BytesIO(camera_jpeg()), f"{n}.jpg") for n in range(5)]
    before = stored(site)
    answer = client.post("/indienen", data=data, content_type="multipart/form-data")
    assert answer.status_code == 422
    assert "at most 4" in answer.get_data(as_text=True).lower()
    assert stored(site) == before


def test_a_form_without_photos_still_submits(site: Site) -> None:
    status, _ = post(site, "Zonder foto", [])
    assert status == 303


def api_submission(photos: list[str]) -> dict[str, object]:
    return {
        "initiator": {"kind": "resident", "name": "Api Anna", "email": "api@example.org"},
        "title": "Losse stoeptegel bij de bakker",
        "description": "Een losse stoeptegel waar mensen over struikelen, zie de foto.",
        "themes": ["groen"],
        "location": {"area_code": KERKBUURT},
        "consent_to_publish": True,
        "photos": photos,
    }


def test_the_api_takes_photos_as_base64_and_names_a_bad_one_by_its_index(site: Site) -> None:
    client = site.client()
    good = base64.b64encode(camera_jpeg()).decode()
    before = stored(site)
    for photos, errors in [
        (["niet base64!"], {"0": ["Geen geldige base64."]}),
        (
            [good, base64.b64encode(b"tekst").decode()],
            {
                "1": [
                    "Dit bestand is geen foto. Stuur een foto in een van deze vormen:"
                    " JPEG, PNG, WebP."
                ]
            },
        ),
    ]:
        answer = client.post("/api/v1/initiatives", json=api_submission(photos))
        assert answer.status_code == 422
        assert answer.get_json()["errors"]["json"]["photos"] == errors
        assert stored(site) == before
    answer = client.post("/api/v1/initiatives", json=api_submission([good]))
    assert answer.status_code == 201
    initiative = site.app.get_initiative(UUID(answer.get_json()["id"]))
    assert [(p.mime, p.width, p.height) for p in initiative.photos] == [("image/jpeg", 40, 60)]
    assert initiative.channel == "api"
