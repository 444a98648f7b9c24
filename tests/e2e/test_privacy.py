"""Erasure by crypto-shredding, end to end: a canary submits through the web (their name in the
title and description too), a supporter signs up, mail goes out through the relay and a worker,
staff ask a question the canary answers (naming themselves), staff open the contact details; an
admin erases. Afterwards the canary is nowhere: not in the SQLite files (WAL included) or PostgreSQL
tables, not in any Redis key (RQ job data included), not in the logs, the views or the outbox.
Replay, a view rebuild and the audit verification still pass."""

from __future__ import annotations

import email
import email.policy
import io
import logging
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest
import redis
from PIL import ExifTags, Image

from participatie.audit.chain import signing_key, verify
from participatie.config import Settings
from participatie.domain.commands import AcceptHandoff, ProvideInfo, RequestInfo, Withdraw
from participatie.domain.initiative import Initiative
from participatie.domain.values import Actor, Role
from participatie.views.projector import ViewsProjection, check, rebuild
from tests.conftest import POSTGRES_URL, REDIS_URL
from tests.e2e.conftest import (
    Site,
    add_staff,
    client_of,
    csrf_token,
    export_events,
    login,
    make_site,
    open_contact,
)
from tests.services import pump, redis_for_test, unique_queue
from workers import jobs

TOKEN = uuid.uuid4().hex[:8]
CANARY = {
    "name": f"Canarius Zwavelgeel {TOKEN}",
    "email": f"kanarie.{TOKEN}@example.org",
    "phone": "06-91827364",
}
SUPPORTER = f"steuner.{TOKEN}@example.org"
WRITTEN = f"Kanariepiet Okergeel {TOKEN}"  # what the canary writes about themselves
TITLE = f"Speeltuin op het Kerkplein van {WRITTEN}"
ERASED = "(tekst verwijderd op verzoek van de indiener)"
CENTRUM = "gebiedsteam-centrum"


@pytest.fixture
def privacy_site(settings: Settings, tmp_path: Path) -> Iterator[Site]:
    with redis_for_test(REDIS_URL, tmp_path / "redis") as url:
        site = make_site(settings.with_(redis_url=url, queue_name=unique_queue()))
        add_staff(site, "gea", Role.AREA_MANAGER, [CENTRUM])
        add_staff(site, "beheer", Role.ADMIN, [])
        add_staff(site, "audrey", Role.AUDITOR, [])
        try:
            yield site
        finally:
            jobs.unload()
            connection = redis.Redis.from_url(url)
            for key in connection.scan_iter(f"*{site.container.settings.queue_name}*"):
                connection.delete(key)
            site.container.close()


NEEDLES = [*CANARY.values(), SUPPORTER, WRITTEN]


def hits(blob: bytes) -> list[str]:
    values = NEEDLES
    lowered = blob.lower()
    return [v for v in values if v.lower().encode() in lowered]


def submit_canary(site: Site) -> UUID:
    client = site.client()
    token = csrf_token(client, "/indienen")
    form = {
        "csrf_token": token,
        "kind": "resident",
        **CANARY,
        "address": "",
        "organisation_name": "",
        "kvk_number": "",
        "title": TITLE,
        "description": f"Een speeltuin voor de kinderen uit de buurt. Groet, {WRITTEN}.",
        "themes": ["jeugd"],
        "area_code": "BU99990101",
        "lat": "",
        "lon": "",
        "consent": "ja",
        "requested_support": "",
        "website": "",
        "doorgaan": "1",  # submit even when an earlier test's initiative is alike
        "photos": (io.BytesIO(photo_of(WRITTEN)), f"IMG {WRITTEN}.jpg"),
    }
    answer = client.post("/indienen", data=form, content_type="multipart/form-data")
    assert answer.status_code == 303
    iid = next(
        i for i in reversed(site.app.initiative_ids()) if site.app.get_initiative(i).title == TITLE
    )
    return iid


def photo_of(name: str) -> bytes:
    """A JPEG whose EXIF names its maker (and a comment too)."""
    exif = Image.Exif()
    exif[ExifTags.Base.Artist] = name
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 30, 30)).save(
        buffer, "JPEG", exif=exif, comment=f"Gemaakt door {name}"
    )
    assert name.encode() in buffer.getvalue()
    return buffer.getvalue()


def answer_a_question(site: Site, iid: UUID) -> None:
    """The team asks; the canary answers, naming themselves again."""
    team = Actor("staff:gea", Role.AREA_MANAGER, CENTRUM)
    site.app.act(iid, AcceptHandoff(), actor=team)
    site.app.act(iid, RequestInfo(question="Waar precies op het plein?"), actor=team)
    initiator = Actor.initiator(site.app.get_initiative(iid).initiator.subject_id)
    answer = f"Bij de kerkdeur, zegt {WRITTEN}."
    site.app.act(iid, ProvideInfo(answer=answer), actor=initiator)


def ask_support(site: Site, iid: UUID) -> None:
    site.project()
    client = site.client()
    page = f"/initiatieven/{iid}"
    token = csrf_token(client, page)
    sent = client.post(f"{page}/steunen", data={"csrf_token": token, "email": SUPPORTER})
    assert sent.status_code == 303
    (mail,) = [m for m in site.container.mailer.messages() if m.name.startswith("support-")]
    message = email.message_from_bytes(mail.read_bytes(), policy=email.policy.default)
    text = message.get_content()  # type: ignore[attr-defined]
    link = re.search(r"http://localhost(/steun/\S+)", text).group(1)  # type: ignore[union-attr]
    token = csrf_token(client, link)
    assert client.post(link, data={"csrf_token": token}).status_code == 303


def redis_dump(site: Site) -> bytes:
    """Every key and value in the Redis the site uses (RQ's jobs, queues and registries)."""
    connection = redis.Redis.from_url(site.container.settings.redis_url)
    parts: list[bytes] = []
    for key in connection.scan_iter("*", count=1000):
        parts.append(key)
        kind = connection.type(key)
        if kind == b"string":
            parts.append(connection.get(key) or b"")
        elif kind == b"hash":
            parts.extend(f + v for f, v in connection.hgetall(key).items())
        elif kind == b"list":
            parts.extend(connection.lrange(key, 0, -1))
        elif kind == b"set":
            parts.extend(connection.smembers(key))
        elif kind == b"zset":
            parts.extend(m for m, _ in connection.zrange(key, 0, -1, withscores=True))
    return b"\n".join(parts)


def var_files(site: Site) -> dict[Path, bytes]:
    root = Path(site.container.settings.var_dir)
    return {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}


def postgres_dump(schema: str) -> dict[str, bytes]:
    dumps = {}
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                (schema,),
            )
        ]
        for table in tables:
            rows = conn.execute(f'SELECT t::text FROM "{schema}"."{table}" t').fetchall()
            dumps[table] = "\n".join(r[0] for r in rows).encode()
    return dumps


def pg_hits(dumps: dict[str, bytes]) -> dict[str, list[str]]:
    found = {}
    for table, dump in dumps.items():
        # bytea columns print as hex: look for the hex of each canary too
        lowered = dump.lower()
        matched = [
            v
            for v in NEEDLES
            if v.lower().encode() in lowered or v.encode().hex().encode() in lowered
        ]
        if matched:
            found[table] = matched
    return found


def test_an_erased_canary_is_nowhere_and_history_still_verifies(
    privacy_site: Site, caplog: Any
) -> None:
    site = privacy_site
    caplog.set_level(logging.DEBUG)
    iid = submit_canary(site)
    ask_support(site, iid)
    pump(site.container)  # routing, confirmation mail to the canary
    answer_a_question(site, iid)
    pump(site.container)
    site.project()
    initiative = site.app.get_initiative(iid)
    assert initiative.lead_team == CENTRUM and len(initiative.supporters) == 1
    assert [p.position for p in initiative.photos] == [1] and site.app.photo(iid, 1)
    staff = site.client()
    login(staff, "gea")
    contact = open_contact(staff, iid).get_data(as_text=True)
    assert CANARY["email"] in contact

    # Before erasure the scan finds the canary (in the outbox, and what they wrote in the views
    # and their search words): the scan works. The event store holds it only sealed.
    before = {p: hits(blob) for p, blob in var_files(site).items() if hits(blob)}
    assert any(p.suffix == ".eml" for p in before), before
    views = [p for p in before if "-views.sqlite" in p.name]
    assert all(p.suffix == ".eml" or p in views for p in before), before
    assert views or site.container.settings.uses_postgres
    assert all(found == [WRITTEN] for p, found in before.items() if p in views)
    if site.container.settings.uses_postgres:
        tables = pg_hits(postgres_dump(site.container.settings.database_schema))
        assert {t for t, found in tables.items() if WRITTEN in found} == {"v_initiatives"}

    admin = site.client()
    login(admin, "beheer")
    token = csrf_token(admin, "/beheer/admin/privacy")
    erased = admin.post(
        "/beheer/admin/privacy/verwijderen",
        data={
            "csrf_token": token,
            "scope": "initiative",
            "identifier": str(iid),
            "reason": "Verzoek van de indiener (art. 17 AVG)",
        },
    )
    assert erased.status_code == 303
    assert "De gegevens van 2 personen zijn verwijderd." in admin.get(
        erased.headers["Location"]
    ).get_data(as_text=True)
    pump(site.container)
    site.project()

    # The record of the erasure holds no personal data, and the data can no longer be read.
    events = [e for e in site.app.history(iid) if isinstance(e, Initiative.PersonalDataErased)]
    assert sorted(e.subject for e in events) == ["initiator", "supporter"]  # type: ignore[attr-defined]
    assert site.app.personal_data(iid) is None
    shown = open_contact(staff, iid).get_data(as_text=True)
    assert "De persoonsgegevens van de indiener zijn verwijderd." in shown
    assert "Persoonsgegevens verwijderd" in shown  # on the timeline
    public = site.client().get(f"/initiatieven/{iid}").get_data(as_text=True)
    assert ERASED in public and "Speeltuin" not in public  # what they wrote is gone
    assert "De indiener heeft de vraag beantwoord" in public  # what happened stays on record
    assert site.app.photo(iid, 1) is None and str(iid) not in site.app.photo_store.initiatives()
    auditor = client_of(site, "audrey")
    for fmt in ("jsonl", "csv"):  # an auditor's export of the whole log: the record, no words
        exported = export_events(auditor, format=fmt)
        assert exported.status_code == 200 and str(iid).encode() in exported.data
        assert hits(exported.data) == [], fmt
    history_page = auditor.get(f"/beheer/audit/initiatieven/{iid}").get_data(as_text=True)
    assert ERASED in history_page and hits(history_page.encode()) == []
    history = [type(e).__name__ for e in site.app.history(iid)]
    assert history[0] == "Submitted" and {"Routed", "InformationProvided"} <= set(history)
    assert f"Antwoord: <em>{ERASED}</em>" in shown and "Speeltuin" not in shown

    # Nowhere: files under var/ (event store, WAL, keys, views, staff, mail ledger, outbox).
    files = var_files(site)
    assert any(p.name.endswith("-wal") for p in files) or site.container.settings.uses_postgres
    assert {str(p): hits(b) for p, b in files.items() if hits(b)} == {}
    if site.container.settings.uses_postgres:
        dumps = postgres_dump(site.container.settings.database_schema)
        assert {"participatie_events", "participatie_subject_keys"} <= set(dumps)
        assert pg_hits(dumps) == {}
    dump = redis_dump(site)
    assert site.container.settings.queue_name.encode() in dump  # the jobs are in the scan
    assert hits(dump) == []
    assert hits(caplog.text.encode()) == [], "personal data in the logs"
    assert hits(contact.encode()) != []  # (what staff saw before is not the system's copy)

    # Replay, a view rebuild and the audit chain still work.
    projection = ViewsProjection(site.container.views, site.app)
    rebuild(projection)
    position, differences = check(projection)
    assert differences == [] and position == site.events()
    sealer = site.container.sealer()
    sealer.seal()
    checkpoint = sealer.checkpoint()
    public = signing_key(site.container.settings).public_key()
    report = verify(site.app, site.container.audit_tables, public, checkpoint)
    assert report.ok, report
    again = admin.post(
        "/beheer/admin/privacy/verwijderen",
        data={
            "csrf_token": token,
            "scope": "initiative",
            "identifier": str(iid),
            "reason": "nogmaals",
        },
    )
    assert "Deze gegevens waren al verwijderd." in admin.get(again.headers["Location"]).get_data(
        as_text=True
    )


def test_the_erasure_form_refuses_bad_input_and_changes_nothing(privacy_site: Site) -> None:
    site = privacy_site
    admin = site.client()
    login(admin, "beheer")
    token = csrf_token(admin, "/beheer/admin/privacy")
    before = site.events()
    for data, field, message in [
        ({"identifier": "geen-id", "reason": "x"}, "identifier", "Vul een id in"),
        ({"identifier": str(uuid.uuid4()), "reason": "x"}, "identifier", "Er is geen persoon"),
        ({"identifier": str(uuid.uuid4()), "reason": ""}, "reason", "Vul een reden in"),
    ]:
        page = admin.post(
            "/beheer/admin/privacy/verwijderen",
            data={"csrf_token": token, "scope": "subject", **data},
        )
        assert page.status_code == 422
        body = page.get_data(as_text=True)
        assert f'id="fout-erase-{field}"' in body and message in body
    assert site.events() == before
    member = site.client()
    login(member, "gea")
    assert member.get("/beheer/admin/privacy").status_code == 403


def test_an_unexpected_error_page_and_log_hold_no_submitted_personal_data(
    privacy_site: Site, caplog: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = privacy_site
    site.flask.config["PROPAGATE_EXCEPTIONS"] = False
    caplog.set_level(logging.DEBUG)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the event store is gone")

    monkeypatch.setattr(site.app, "submit", broken)
    client = site.client()
    token = csrf_token(client, "/indienen")
    response = client.post(
        "/indienen",
        data={
            "csrf_token": token,
            "kind": "resident",
            **CANARY,
            "title": "Speeltuin",
            "description": "Een speeltuin voor de kinderen uit de buurt, met een bank.",
            "themes": ["jeugd"],
            "area_code": "BU99990101",
            "consent": "ja",
        },
    )
    assert response.status_code == 500
    assert hits(response.get_data()) == []
    assert "the event store is gone" in caplog.text  # the error is logged...
    assert hits(caplog.text.encode()) == []  # ...without what the person typed


def test_an_admin_downloads_a_subject_access_export_and_it_is_logged(privacy_site: Site) -> None:
    site = privacy_site
    iid = submit_canary(site)
    subject_id = site.app.get_initiative(iid).initiator.subject_id
    admin = site.client()
    login(admin, "beheer")
    token = csrf_token(admin, "/beheer/admin/privacy")
    response = admin.post(
        "/beheer/admin/privacy/inzage",
        data={"csrf_token": token, "subject": str(subject_id), "purpose": "verzoek 2026-117"},
    )
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="inzage-{subject_id}.json"'
    )
    assert response.headers["Cache-Control"].startswith("no-store")
    export = response.get_json()
    assert export["personal_data"]["email"] == CANARY["email"]
    assert export["initiative"]["id"] == str(iid)
    assert export["events"][0]["event"] == "Submitted"
    (record,) = site.app.processing_log(subject_id)
    assert record.actor.id == "staff:beheer" and "verzoek 2026-117" in record.purpose
    bad = admin.post(
        "/beheer/admin/privacy/inzage",
        data={"csrf_token": token, "subject": "geen-id", "purpose": ""},
    )
    assert bad.status_code == 422
    body = bad.get_data(as_text=True)
    assert 'id="fout-access-subject"' in body and 'id="fout-access-purpose"' in body
    unknown = admin.post(
        "/beheer/admin/privacy/inzage",
        data={"csrf_token": token, "subject": str(uuid.uuid4()), "purpose": "verzoek"},
    )
    assert unknown.status_code == 422
    assert "Er is geen indiener of steuner met dit id." in unknown.get_data(as_text=True)
    assert len(site.app.processing_log(subject_id)) == 1  # refusals opened nothing


def test_the_privacy_page_lists_what_retention_will_erase(privacy_site: Site) -> None:
    from datetime import timedelta

    site = privacy_site
    iid = submit_canary(site)
    initiator = Actor.initiator(site.app.get_initiative(iid).initiator.subject_id)
    site.app.act(iid, Withdraw(reason="verhuisd"), actor=initiator)
    site.project()
    admin = site.client()
    login(admin, "beheer")
    page = admin.get("/beheer/admin/privacy").get_data(as_text=True)
    assert str(iid) not in page  # withdrawn just now: kept for 3 months
    later = site.app.clock() + timedelta(days=100)
    site.app.clock = lambda: later
    admin = site.client()
    login(admin, "beheer")  # the earlier session ended long ago
    page = admin.get("/beheer/admin/privacy").get_data(as_text=True)
    row = page.split(str(iid), 1)[1].split("</tr>", 1)[0]
    assert "Ingetrokken" in row and "<td>1</td>" in row
