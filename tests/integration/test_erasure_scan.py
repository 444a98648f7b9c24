"""After an erasure, nothing the platform wrote holds a trace of the erased person.

Zoë submits through the web form, confirms her address with the mailed link, and asks to support
someone else's initiative through the web form and through the API, confirming with the link.
Every request goes through a real HTTP server (werkzeug, as `flask run`) whose request log and
the application's logs are written under var/log/. Then she is erased, as initiator and as
supporter, and everything is scanned with what an intruder holding var/ would have:

- every file under var/ (event store, key store and their -wal/-shm files, views, mail ledger,
  outbox, logs) read as bytes, for her name, address and phone number, plain, lower-cased and
  base64 (both alphabets, every alignment);
- her sealed fields decrypted with every key on disk: each key store row unwrapped with
  var/master.key, and every 60-byte window of the key store's files tried as her wrapped key;
- every link token found in the logs and the outbox, and every one she was sent, opened with
  var/secret.key and, for support links, the sealed address in it with the keys on disk;
- on PostgreSQL every table of the schema, and every key in Redis (RQ's jobs and registries).
"""

from __future__ import annotations

import base64
import email
import email.policy
import http.cookiejar
import json
import logging
import re
import sqlite3
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest
import redis
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from werkzeug.serving import make_server

from participatie.application.schemas import SubmissionSchema
from participatie.config import Settings
from participatie.domain.values import Actor, SealedPersonalData
from participatie.infra.secrets_store import load_or_create_key
from participatie.notifications.tokens import TokenBox, TokenExpired, TokenInvalid
from participatie.privacy.erasure import erase_subject
from tests.conftest import POSTGRES_URL, REDIS_URL, submission
from tests.e2e.conftest import CSRF, Site, make_site
from tests.services import drop_queue, pump, redis_for_test, unique_queue
from workers import jobs

ZOE = {"name": "Zoë Wissel-Test", "email": "zoe.erasable@example.org", "phone": "0612345678"}
# Her data as it may be written: whole, and the parts that stay recognisable when encoded
# (a mail header may write "Zo=C3=AB_Wissel-Test"; a phone number may lose its leading 0).
NEEDLES = [*ZOE.values(), "Wissel-Test", "zoe.erasable", "612345678"]
TOKEN_SHAPE = re.compile(rb"gAAAAA[0-9A-Za-z_-]{20,}={0,2}")  # written out here on purpose
OFFICER = Actor.system("privacy")


def encodings(value: str) -> set[bytes]:
    """`value` plain, lower-cased and in base64 at each of the three alignments."""
    forms: set[bytes] = set()
    for text in {value, value.lower()}:
        raw = text.encode()
        forms.add(raw)
        for offset in range(3):
            encoded = base64.b64encode(b"\0" * offset + raw)
            start, end = (offset * 8 + 5) // 6, ((offset + len(raw)) * 8) // 6
            forms.add(encoded[start:end])
            forms.add(encoded[start:end].translate(bytes.maketrans(b"+/", b"-_")))
    return forms


FORMS = {form: needle for needle in NEEDLES for form in encodings(needle)}


def traces(blob: bytes) -> set[str]:
    """The needles found in `blob` (any of their forms)."""
    return {needle for form, needle in FORMS.items() if form in blob}


@dataclass
class Browser:
    """A cookie-keeping HTTP client against the live server."""

    base: str
    jar: http.cookiejar.CookieJar = field(default_factory=http.cookiejar.CookieJar)

    def __post_init__(self) -> None:
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def request(
        self,
        path: str,
        form: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, str]:
        data, sent = None, dict(headers or {})
        if form is not None:
            data = urllib.parse.urlencode(form, doseq=True).encode()
        if body is not None:
            data, sent["Content-Type"] = json.dumps(body).encode(), "application/json"
        request = urllib.request.Request(self.base + path, data=data, headers=sent)
        try:
            with self.opener.open(request, timeout=30) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def post_form(self, path: str, form: dict[str, Any], page: str = "") -> tuple[int, str]:
        """Post `form` to `path` with the CSRF token of the page at `page` (default: `path`)."""
        _, html = self.request(page or path)
        found = CSRF.search(html)
        assert found, f"no CSRF token on {page or path}"
        return self.request(path, form={"csrf_token": found.group(1), **form})


@dataclass
class Live:
    site: Site
    browser: Browser
    logs: Path


@pytest.fixture
def live(settings: Settings, tmp_path: Path) -> Iterator[Live]:
    """The demo site behind a real HTTP server, logging to var/log/ as a deployment would."""
    with redis_for_test(REDIS_URL, tmp_path / "redis") as url:
        site = make_site(settings.with_(redis_url=url, queue_name=unique_queue()))
        logs = Path(site.container.settings.var_dir) / "log"
        logs.mkdir()
        handler = logging.FileHandler(logs / "platform.log", encoding="utf-8")
        root = logging.getLogger()
        level = root.level
        root.addHandler(handler)
        root.setLevel(logging.DEBUG)
        server = make_server("127.0.0.1", 0, site.flask, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield Live(site, Browser(f"http://127.0.0.1:{server.server_port}"), logs)
        finally:
            server.shutdown()
            root.removeHandler(handler)
            root.setLevel(level)
            handler.close()
            jobs.unload()
            drop_queue(url, site.container.settings.queue_name)
            site.container.close()


def outbox(site: Site, prefix: str = "") -> dict[str, str]:
    """Outbox file name -> the text of the message, for the names starting with `prefix`."""
    found = {}
    for path in site.container.mailer.messages():
        if not path.name.startswith(prefix):
            continue
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        part = message.get_body(("plain",))  # type: ignore[attr-defined]
        found[path.name] = part.get_content() if part else ""
    return found


def link(site: Site, prefix: str, path: str) -> str:
    """The path of the one link to `path` in the outbox messages named `prefix`..."""
    (text,) = outbox(site, prefix).values()
    found = re.search(rf"https?://[^/\s]+({path}/\S+)", text)
    assert found, text
    return found.group(1)


def zoe_submits(live: Live) -> UUID:
    form = {
        "kind": "resident",
        **ZOE,
        "address": "",
        "organisation_name": "",
        "kvk_number": "",
        "title": "Bankjes langs de singel",
        "description": "Een paar bankjes langs de singel, zodat ouderen onderweg kunnen rusten.",
        "themes": ["groen"],
        "area_code": "BU99990101",
        "lat": "",
        "lon": "",
        "consent": "ja",
        "requested_support": "",
        "website": "",
    }
    status, _ = live.browser.post_form("/indienen", form)
    assert status == 200  # after the redirect to the confirmation page
    app = live.site.app
    return next(i for i in app.initiative_ids() if app.get_initiative(i).title == form["title"])


def someone_elses(live: Live) -> UUID:
    app = live.site.app
    person = {"kind": "resident", "name": "Bram Anders", "email": "bram@example.org"}
    data = submission(initiator=person, location={"area_code": "BU99990101"})
    initiative_id = app.submit(SubmissionSchema(app.area_index()).load_submission(data))
    live.site.project()
    return initiative_id.initiative_id


def zoe_takes_part(live: Live) -> tuple[UUID, UUID, list[str]]:
    """Everything Zoë does; returns her initiative, the one she supports, the links she got."""
    site, browser = live.site, live.browser
    mine = zoe_submits(live)
    pump(site.container)  # routing, and the confirmation mail with the address check link
    confirm = link(site, f"submitted-{mine}-", "/bevestigen")
    assert browser.request(confirm)[0] == 200
    assert browser.post_form(confirm, {})[0] == 200
    assert site.app.get_initiative(mine).email_confirmed

    theirs = someone_elses(live)
    page = f"/initiatieven/{theirs}"
    assert browser.post_form(f"{page}/steunen", {"email": ZOE["email"]}, page)[0] == 200
    api = f"/api/v1/initiatives/{theirs}/support"
    assert browser.request(api, body={"email": ZOE["email"]})[0] == 202
    supports = outbox(site, "support-")
    assert len(supports) == 2  # one mail from each entrance
    links = [
        re.search(r"(/steun/\S+)", text).group(1)  # type: ignore[union-attr]
        for text in supports.values()
    ]
    for path in links:  # the link opened, with the previous page as Referer
        assert browser.request(path, headers={"Referer": browser.base + confirm})[0] == 200
    assert browser.post_form(links[0], {})[0] == 200  # confirmed; back on the initiative page
    browser.request(f"/volgen?email={ZOE['email']}&naam={urllib.parse.quote(ZOE['name'])}")
    pump(site.container)
    site.project()
    assert len(site.app.get_initiative(theirs).supporters) == 1
    return mine, theirs, [confirm, *links]


def var_files(site: Site) -> dict[Path, bytes]:
    root = Path(site.container.settings.var_dir)
    return {p: p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def redis_dump(site: Site) -> bytes:
    """Every key and value of this test's namespace in Redis: its queues' keys, every job in
    them (RQ's job hashes and results) and the rate limiter's counters."""
    connection = redis.Redis.from_url(site.container.settings.redis_url)
    queue = site.container.settings.queue_name
    prefix = site.flask.config["RATELIMIT_KEY_PREFIX"]
    keys = {*connection.scan_iter(f"*{queue}*", 1000), *connection.scan_iter(f"{prefix}*", 1000)}
    parts: list[bytes] = []
    jobs_seen: set[bytes] = set()
    while keys:
        key = keys.pop()
        parts.append(key)
        kind = connection.type(key)
        values: list[bytes] = []
        if kind == b"string":
            values = [connection.get(key) or b""]
        elif kind == b"hash":
            values = [f + v for f, v in connection.hgetall(key).items()]
        elif kind == b"list":
            values = connection.lrange(key, 0, -1)
        elif kind == b"set":
            values = list(connection.smembers(key))
        elif kind == b"zset":
            values = connection.zrange(key, 0, -1)
        elif kind == b"stream":
            values = [repr(entry).encode() for entry in connection.xrange(key)]
        parts.extend(values)
        if kind in (b"list", b"set", b"zset"):  # job ids: read each job too
            for job in set(values) - jobs_seen:
                jobs_seen.add(job)
                keys |= {b"rq:job:" + job, b"rq:results:" + job} - {b"rq:job:", b"rq:results:"}
    assert jobs_seen, "the scan must see this test's jobs"
    return b"\n".join(parts)


def postgres_dump(schema: str) -> dict[str, bytes]:
    """Each table of the schema as text (bytea columns print as hex: search that too)."""
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


def pg_traces(dumps: dict[str, bytes]) -> dict[str, set[str]]:
    found = {}
    for table, dump in dumps.items():
        hexed = {n for n in NEEDLES if n.encode().hex().encode() in dump.lower()}
        if traces(dump) | hexed:
            found[table] = traces(dump) | hexed
    return found


def stored_keys(settings: Settings) -> list[tuple[UUID, bytes]]:
    """Every (subject id, wrapped key) row of the key store, read as an intruder would."""
    if settings.uses_postgres:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            rows = conn.execute(
                f'SELECT subject_id, wrapped_key FROM "{settings.database_schema}"'
                ".participatie_subject_keys"
            ).fetchall()
        return [(UUID(str(s)), bytes(w)) for s, w in rows]
    db = sqlite3.connect(settings.keystore_path)
    try:
        rows = db.execute("SELECT subject_id, wrapped_key FROM subject_keys").fetchall()
    finally:
        db.close()
    return [(UUID(hex=s), bytes(w)) for s, w in rows]


def opens(key: bytes, blob: bytes, subject: UUID) -> bytes | None:
    try:
        return AESGCM(key).decrypt(blob[:12], blob[12:], subject.bytes)
    except (InvalidTag, ValueError):
        return None


def data_keys(settings: Settings) -> list[bytes]:
    """Every data key the key store holds, unwrapped with var/master.key."""
    master = load_or_create_key("", settings.var_dir / "master.key", "PARTICIPATIE_MASTER_KEY")
    keys = [opens(master, wrapped, subject) for subject, wrapped in stored_keys(settings)]
    return [key for key in keys if key is not None]


def recoverable(
    settings: Settings, files: dict[Path, bytes], sealed: list[SealedPersonalData]
) -> list[str]:
    """What of `sealed` opens with the keys on disk (empty: nothing)."""
    found = [
        f"{item.subject_id} opens with a key in the key store"
        for data_key in data_keys(settings)
        for item in sealed
        if opens(data_key, item.ciphertext, item.subject_id) is not None
    ]
    master = load_or_create_key("", settings.var_dir / "master.key", "PARTICIPATIE_MASTER_KEY")
    key_files = [b for p, b in files.items() if p.name.startswith(settings.keystore_path.name)]
    for blob in key_files:
        for start in range(len(blob) - 59):
            window = blob[start : start + 60]
            for item in sealed:
                if opens(master, window, item.subject_id) is not None:
                    found.append(f"{item.subject_id}'s wrapped key is at byte {start}")
    return found


def tokens_in(files: dict[Path, bytes]) -> list[bytes]:
    """Every link token in the files (a message's parts decoded: quoted-printable wraps them)."""
    found = []
    for path, blob in files.items():
        texts = [blob]
        if path.suffix == ".eml":
            message = email.message_from_bytes(blob, policy=email.policy.default)
            texts += [
                part.get_content().encode()  # type: ignore[attr-defined]
                for part in message.walk()
                if part.get_content_maintype() == "text"
            ]
        found += [t for text in texts for t in TOKEN_SHAPE.findall(text)]
    return found


def token_traces(site: Site, tokens: list[bytes]) -> list[str]:
    """What each token reveals, opened with var/secret.key and the data keys on disk."""
    settings = site.container.settings
    box = TokenBox(load_or_create_key("", settings.var_dir / "secret.key", "SECRET"))
    keys = data_keys(settings)
    found = []
    for token in tokens:
        for purpose in ("support", "confirm-email"):
            try:
                payload = box.open(purpose, token.decode(), max_age=10**9)
            except (TokenInvalid, TokenExpired):
                continue
            if traces(json.dumps(payload).encode()):
                found.append(f"{purpose} token payload: {payload}")
            if "s" in payload and "c" in payload:  # an address sealed for one subject
                subject, blob = UUID(hex=payload["s"]), base64.urlsafe_b64decode(payload["c"])
                opened = [opens(key, blob, subject) for key in keys]
                found += [f"{purpose} token opens to {o!r}" for o in opened if o is not None]
    return found


def test_an_erased_person_leaves_no_trace_anywhere_the_platform_wrote(live: Live) -> None:
    site = live.site
    settings = site.container.settings
    mine, theirs, sent_links = zoe_takes_part(live)
    app = site.app
    initiator = app.get_initiative(mine).initiator.subject_id
    (supporter,) = app.get_initiative(theirs).supporters
    sealed = [app.sealed_data(mine, initiator), app.sealed_data(theirs, supporter)]
    assert all(sealed)
    wrapped = [site.container.keys.get(initiator), site.container.keys.get(supporter)]
    assert all(wrapped)

    # The scan works: before the erasure it finds her in the outbox, her tokens open to her
    # address and her data opens with the keys on disk; the logs saw her links.
    before = {p.name for p, blob in var_files(site).items() if traces(blob)}
    assert before and all(name.endswith(".eml") for name in before), before
    outbox_tokens = tokens_in(var_files(site))
    assert outbox_tokens and token_traces(site, outbox_tokens)
    assert recoverable(settings, var_files(site), sealed)  # type: ignore[arg-type]
    log = (live.logs / "platform.log").read_text(encoding="utf-8")
    assert '"GET /steun/[redacted] HTTP/1.1" 200' in log
    assert '"POST /bevestigen/[redacted] HTTP/1.1" 200' in log
    assert "/volgen?email=[redacted]&naam=[redacted]" in log

    erase_subject(site.container, initiator, OFFICER, "Verzoek van betrokkene (art. 17 AVG)")
    erase_subject(site.container, supporter, OFFICER, "Verzoek van betrokkene (art. 17 AVG)")
    pump(site.container)
    site.project()
    # Her links, opened again after the erasure (and logged again).
    for path in sent_links:
        assert live.browser.request(path)[0] == 410

    files = var_files(site)
    assert any(p.name.endswith("-wal") for p in files) or settings.uses_postgres
    assert {str(p): traces(blob) for p, blob in files.items() if traces(blob)} == {}
    assert not any(w in blob for w in wrapped for blob in files.values())  # type: ignore[operator]
    assert recoverable(settings, files, sealed) == []  # type: ignore[arg-type]
    logged = {p.name: TOKEN_SHAPE.findall(b) for p, b in files.items() if p.suffix == ".log"}
    assert logged == {"platform.log": []}  # no token in a log
    sent = [p.rsplit("/", 1)[1].encode() for p in sent_links]
    assert token_traces(site, sent + outbox_tokens + tokens_in(files)) == []
    if settings.uses_postgres:
        dumps = postgres_dump(settings.database_schema)
        assert {"participatie_events", "participatie_subject_keys"} <= set(dumps)
        assert pg_traces(dumps) == {}
    dump = redis_dump(site)
    assert settings.queue_name.encode() in dump  # the scan sees this test's jobs
    assert traces(dump) == set()
