"""The submission limit is asked of Redis before the request is read and its answer read only when
the submission is about to be written (issue 25): a refused submission still writes nothing (no
event, no photo), a refusal still outranks a field error, and no answer is left in a connection
for the next request to read."""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from participatie.application import admission
from participatie.application.initiatives import InitiativeCommands
from participatie.application.schemas import SubmissionSchema
from participatie.config import Settings
from tests.conftest import REDIS_URL
from tests.e2e.conftest import Site, csrf_token, make_site
from tests.services import private_redis, redis_for_test
from tests.unit.test_photos import camera_jpeg
from web.ratelimit import Counters, Window

pytestmark = pytest.mark.redis

KERKBUURT = "BU99990101"


def body(title: str = "Losse stoeptegel bij de bakker", photos: int = 0) -> dict[str, Any]:
    return {
        "initiator": {"kind": "resident", "name": "Anna Api", "email": "anna@example.org"},
        "title": title,
        "description": "Een losse stoeptegel waar mensen over struikelen, al weken.",
        "themes": ["groen"],
        "location": {"area_code": KERKBUURT},
        "consent_to_publish": True,
        "photos": [base64.b64encode(camera_jpeg()).decode()] * photos,
    }


@pytest.fixture
def limited(tmp_path: Path) -> Iterator[tuple[Site, str]]:
    with redis_for_test(REDIS_URL, tmp_path / "redis") as url:
        site = make_site(
            Settings(var_dir=tmp_path / "var", redis_url=url),
            SUBMIT_RATE_LIMIT="2 per minute",
            RATELIMIT_KEY_PREFIX=f"t-{uuid.uuid4().hex}",  # the shared Redis outlives the test
        )
        try:
            yield site, url
        finally:
            site.container.close()


def stored(site: Site) -> tuple[int, set[str]]:
    return site.events(), site.app.photo_store.initiatives()


def test_a_refused_submission_with_photos_writes_nothing_and_says_when_to_try(
    limited: tuple[Site, str],
) -> None:
    site, _ = limited
    client = site.client()
    assert client.post("/api/v1/initiatives", json=body("Eerste", photos=1)).status_code == 201
    assert client.post("/api/v1/initiatives", json=body("Tweede")).status_code == 201
    before = stored(site)
    refused = client.post("/api/v1/initiatives", json=body("Derde", photos=2))
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert stored(site) == before  # no event and no photo of the third
    titles = {site.app.get_initiative(i).title for i in site.app.initiative_ids()}
    assert {"Eerste", "Tweede"} <= titles and "Derde" not in titles


def test_a_refusal_outranks_a_field_error_and_errors_do_not_count(
    limited: tuple[Site, str],
) -> None:
    site, _ = limited
    client = site.client()
    for _ in range(3):  # within the limit, a field error is a field error and is not counted
        assert client.post("/api/v1/initiatives", json={"title": "x"}).status_code == 422
    for title in ("Een losse tegel", "Twee losse tegels"):
        assert client.post("/api/v1/initiatives", json=body(title)).status_code == 201
    before = stored(site)
    token = csrf_token(client, "/indienen")
    answers = [  # over the limit, every door answers 429 before it looks at the fields
        client.post("/api/v1/initiatives", json={"title": "x"}).status_code,
        client.post("/open311/v2/requests.json", data={"service_code": "groen"}).status_code,
        client.post("/indienen", data={"csrf_token": token, "title": "x"}).status_code,
        client.post("/api/v1/initiatives", json=body("Drie losse tegels")).status_code,
    ]
    assert answers == [429, 429, 429, 429]
    assert stored(site) == before


def test_a_crash_before_the_write_gives_the_place_back_and_leaves_no_answer_unread(
    limited: tuple[Site, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    site, _ = limited
    site.flask.config["PROPAGATE_EXCEPTIONS"] = False
    client = site.client()
    real = InitiativeCommands._new_initiative
    crashes = iter([True, True, False, False, False])

    def sometimes(self: Any, *args: Any) -> Any:
        if next(crashes):
            raise RuntimeError("a bug before anything is written")
        return real(self, *args)

    monkeypatch.setattr(InitiativeCommands, "_new_initiative", sometimes)
    answers = [
        client.post("/api/v1/initiatives", json=body(f"Nummer {n}")).status_code for n in range(5)
    ]
    # The two 500s were not counted (their places given back), so two of the three others fit;
    # had an answer been left unread, each request would have read the one before it.
    assert answers == [500, 500, 201, 201, 429]


def test_outside_a_request_nothing_is_held(limited: tuple[Site, str]) -> None:
    """A refusal belongs to its request: the same thread writes freely afterwards."""
    site, _ = limited
    client = site.client()
    for n in range(2):
        client.post("/api/v1/initiatives", json=body(f"Binnen {n}"))
    assert client.post("/api/v1/initiatives", json=body("Te veel")).status_code == 429
    admission.admit()  # nothing held: does not raise
    data = SubmissionSchema.of(site.app).load_submission(
        {k: v for k, v in body("Door een medewerker").items() if k != "photos"}
    )
    before = site.events()
    site.app.submit(data, channel="phone")
    assert site.events() > before


def test_a_held_check_runs_before_every_event_the_application_stores(
    limited: tuple[Site, str],
) -> None:
    """Not only submissions: any save in the context of a held check runs it first."""
    site, _ = limited
    data = SubmissionSchema.of(site.app).load_submission(
        {k: v for k, v in body("Een bankje bij de vijver").items() if k != "photos"}
    )
    initiative, index, _ = site.app.new_initiative(data)
    runs: list[str] = []

    def refuse() -> None:
        runs.append("asked")
        raise PermissionError("not now")

    before = site.events()
    token = admission.hold(refuse)
    try:
        with pytest.raises(PermissionError):
            site.app.save_all(initiative, index)
        with pytest.raises(PermissionError):
            site.app.submit(data, channel="phone")
    finally:
        admission.release(token)
    assert runs == ["asked", "asked"] and site.events() == before
    site.app.submit(data, channel="phone")  # released: stored
    assert site.events() == before + 2  # the initiative and its tracking index


def test_the_reservation_is_sent_at_once_and_its_answer_read_when_asked(tmp_path: Path) -> None:
    """send_reserve does not wait for Redis: with Redis holding every client for 0.4 s it
    returns at once, and only the verdict waits (a private Redis: the pause holds everyone)."""
    with private_redis(tmp_path / "redis") as server:
        url = server.url
        counters = Counters(url)
        window = [Window("t/read-later", 1, 60)]
        assert counters.send_reserve(window).verdict().refused is False  # connected, loaded
        redis.Redis.from_url(url).execute_command("CLIENT", "PAUSE", "400", "ALL")
        started = time.monotonic()
        pending = counters.send_reserve(window)
        sent = time.monotonic() - started
        assert not pending.settled
        verdict = pending.verdict()
        answered = time.monotonic() - started
        assert sent < 0.2 <= answered
        assert verdict.refused and 1 <= verdict.retry_after <= 60
        assert pending.verdict() is verdict  # read once
        assert counters.reserve(window).refused  # the connection is in step with Redis


def test_a_reservation_whose_script_redis_forgot_is_asked_again(tmp_path: Path) -> None:
    with private_redis(tmp_path / "redis") as server:  # SCRIPT FLUSH reaches every test
        url = server.url
        counters = Counters(url)
        window = [Window(f"t/flushed/{uuid.uuid4().hex}", 2, 60)]
        assert counters.send_reserve(window).verdict().refused is False
        redis.Redis.from_url(url).script_flush()
        assert counters.send_reserve(window).verdict().refused is False  # loaded again
        assert counters.send_reserve(window).verdict().refused is True


def test_a_reservation_nobody_read_is_read_by_discard(tmp_path: Path) -> None:
    """What teardown relies on: discard reads the answer, so the next one is the next one's."""
    with private_redis(tmp_path / "redis") as server:
        counters = Counters(server.url)
        window = [Window("t/discarded", 2, 60)]
        pending = counters.send_reserve(window)
        pending.discard()
        assert pending.settled and pending.verdict().refused is False
        assert counters.send_reserve(window).verdict().refused is False  # the second place
        assert counters.send_reserve(window).verdict().refused is True


def test_a_reservation_read_later_counts_each_window_with_its_own_expiry(tmp_path: Path) -> None:
    with private_redis(tmp_path / "redis") as server:
        counters = Counters(server.url)
        windows = [Window("t/minute", 5, 60), Window("t/hour", 20, 3600)]
        counters.send_reserve([Window("t/first", 1, 1)]).verdict()  # loads the script
        pending = counters.send_reserve(windows)
        assert pending.counters is counters  # sent to Redis, read later
        assert pending.verdict().refused is False
        assert counters.away_until == 0.0  # Redis answered: nothing counted in memory
        direct = redis.Redis.from_url(server.url)
        assert [int(direct.get(w.key) or 0) for w in windows] == [1, 1]
        assert 55 <= direct.ttl("t/minute") <= 60 and 3595 <= direct.ttl("t/hour") <= 3600


def test_without_redis_a_reservation_read_later_counts_in_memory_until_it_is_back(
    tmp_path: Path,
) -> None:
    clock = Clock()
    with private_redis(tmp_path / "redis") as server:
        counters = Counters(server.url, clock)
        window = [Window("t/away", 2, 60)]
        assert counters.send_reserve(window).verdict().refused is False  # connected
        server.kill()
        pending = counters.send_reserve(window)  # the send or the read finds it gone
        assert pending.verdict().refused is False
        assert counters.away_until == clock.now + 5.0
        assert counters.send_reserve(window).verdict().refused is False  # memory: 2 of 2
        assert counters.send_reserve(window).verdict().refused is True
        clock.now += 4.9
        assert counters.send_reserve(window).settled  # still away: decided in memory
        clock.now += 0.1
        server.start()
        tried = counters.send_reserve(window)  # tried again at the moment it may be
        assert tried.counters is counters and not tried.settled  # sent to Redis
        assert tried.verdict().refused is False  # a fresh Redis: its first place
        assert counters.away_until == clock.now  # and it answered


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now
