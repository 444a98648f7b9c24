"""Every singleton can run twice (issue 25 item 1): one leads, the other stands by and takes over.

The leader lock is a PostgreSQL advisory lock (per schema and name) or, on SQLite, a flock under
var/locks/. A holder killed with SIGKILL frees it at once; a leader whose lock connection ends
stops working and stands by. The last test runs two real `participatie relay`, `projector` and
`sealer` processes each on PostgreSQL, kills every leader and checks the standbys carry on.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import pytest
import redis
from rq import Queue

from participatie.application.schemas import SubmissionSchema
from participatie.bootstrap import build
from participatie.config import Settings
from participatie.domain.values import Actor
from participatie.infra.leader import AdvisoryLock, lead, leader_lock, lock_key
from participatie.views.projector import ViewsProjection
from tests.conftest import POSTGRES_URL, REDIS_URL, small_map, submission
from tests.services import Processes, drop_queue, redis_for_test, unique_queue, wait_until

HOLD = """
import sys, time
from participatie.config import Settings
from participatie.views.projector import ViewsProjection
from participatie.infra.leader import leader_lock
settings = Settings.from_env()
lock = leader_lock(settings, sys.argv[1])
assert lock.try_acquire()
print("held", flush=True)
time.sleep(600)
"""


def test_one_holder_per_name_and_store_and_release_frees_it(settings: Settings) -> None:
    relay, second_relay = leader_lock(settings, "relay"), leader_lock(settings, "relay")
    projector = leader_lock(settings, "projector")
    try:
        assert relay.try_acquire()
        assert relay.try_acquire()  # asking again while holding: still ours
        assert not second_relay.try_acquire()
        assert projector.try_acquire()  # another name is another lock
        assert relay.holds() and not second_relay.holds()
        relay.release()
        assert not relay.holds()
        assert second_relay.try_acquire()
        assert not relay.try_acquire()
    finally:
        for lock in (relay, second_relay, projector):
            lock.release()


@pytest.mark.postgres
def test_advisory_locks_of_two_schemas_do_not_meet(postgres_settings: Settings) -> None:
    assert lock_key("a", "relay") != lock_key("b", "relay")
    assert lock_key("a", "relay") != lock_key("a", "sealer")
    here = leader_lock(postgres_settings, "relay")
    elsewhere = AdvisoryLock(postgres_settings.postgres_dsn(), lock_key("other_schema", "relay"))
    try:
        assert here.try_acquire()
        assert elsewhere.try_acquire()
    finally:
        here.release()
        elsewhere.release()


@pytest.mark.postgres
def test_asking_again_while_holding_does_not_take_the_advisory_lock_twice(
    postgres_settings: Settings,
) -> None:
    """Session advisory locks stack in PostgreSQL: taken twice, one unlock would leave it held
    and a release would depend on the session ending, a moment later (found by CI)."""
    lock, other = leader_lock(postgres_settings, "relay"), leader_lock(postgres_settings, "relay")
    try:
        assert isinstance(lock, AdvisoryLock)
        assert lock.try_acquire() and lock.try_acquire() and lock.try_acquire()
        row = lock.connection.execute("SELECT pg_advisory_unlock(%s)", (lock.key,)).fetchone()
        assert row == (True,)
        assert other.try_acquire()  # one unlock freed it, the session still open
    finally:
        lock.release()
        other.release()


def test_a_holder_killed_with_sigkill_frees_the_lock_at_once(settings: Settings) -> None:
    build(settings).close()  # var/ and the schema exist, as when the platform runs
    env = {**os.environ, **settings.as_environ()}
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, "sealer"], env=env, stdout=subprocess.PIPE, text=True
    )
    lock = leader_lock(settings, "sealer")
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        assert not lock.try_acquire()
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
        killed = time.monotonic()
        assert wait_until(lock.try_acquire, 5, interval=0.05)
        assert time.monotonic() - killed < 2.0
    finally:
        lock.release()
        if holder.poll() is None:
            holder.kill()
            holder.wait(10)


def test_lead_works_only_while_it_holds_the_lock_and_the_standby_takes_over(
    settings: Settings,
) -> None:
    """Two leaders of one name in threads: the first works, the second stands by; when the
    first is stopped the second leads."""
    said: list[str] = []
    working: list[str] = []

    def work_as(who: str):  # type: ignore[no-untyped-def]
        def work(term: threading.Event) -> None:
            working.append(who)
            term.wait()
            working.remove(who)

        return work

    stop_a, stop_b = threading.Event(), threading.Event()
    a = threading.Thread(
        target=lead,
        args=(leader_lock(settings, "relay"), stop_a, "relay", work_as("a")),
        kwargs={"say": lambda m: said.append("a " + m), "retry": 0.05, "check_every": 0.05},
    )
    a.start()
    assert wait_until(lambda: working == ["a"], 5)
    b = threading.Thread(
        target=lead,
        args=(leader_lock(settings, "relay"), stop_b, "relay", work_as("b")),
        kwargs={"say": lambda m: said.append("b " + m), "retry": 0.05, "check_every": 0.05},
    )
    b.start()
    try:
        assert wait_until(lambda: any(m.startswith("b relay: standing by") for m in said), 5)
        time.sleep(0.3)
        assert working == ["a"]
        stop_a.set()
        a.join(5)
        assert wait_until(lambda: working == ["b"], 5)
    finally:
        stop_a.set()
        stop_b.set()
        a.join(5)
        b.join(5)
    assert working == []
    assert [m.split(" (")[0] for m in said] == [
        "a relay: leading",
        "b relay: standing by; another relay leads",
        "b relay: leading",
    ]


@pytest.mark.postgres
def test_a_leader_whose_lock_session_ends_stops_working_and_stands_by(
    postgres_settings: Settings,
) -> None:
    said: list[str] = []
    terms: list[threading.Event] = []

    def work(term: threading.Event) -> None:
        terms.append(term)
        term.wait()

    lock = leader_lock(postgres_settings, "projector")
    other = leader_lock(postgres_settings, "projector")
    stop = threading.Event()
    thread = threading.Thread(
        target=lead,
        args=(lock, stop, "projector", work),
        kwargs={"say": said.append, "retry": 0.05, "check_every": 0.05},
    )
    thread.start()
    try:
        assert wait_until(lambda: len(terms) == 1, 5)
        assert isinstance(lock, AdvisoryLock)
        backend = lock.connection.info.backend_pid
        assert not other.try_acquire()
        with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (backend,))
        assert wait_until(lambda: terms[0].is_set(), 5)  # the first term ended
        assert wait_until(lambda: any("lost the leader lock" in m for m in said), 5)
        # It asks again at once: it may well lead a second term (nobody else asked); whoever
        # holds the lock then, there is exactly one holder.
        assert wait_until(lambda: len(terms) == 2, 5)
        assert not other.try_acquire()
    finally:
        stop.set()
        thread.join(5)
        other.release()
    assert not thread.is_alive()


def _leader(processes: Processes, names: tuple[str, str]) -> str:
    leading = [n for n in names if "leading" in processes.log(n)]
    assert len(leading) == 1, {n: processes.log(n) for n in names}
    return leading[0]


@pytest.mark.postgres
def test_two_of_each_singleton_on_postgres_one_leads_and_a_standby_takes_over_a_kill(
    postgres_settings: Settings, tmp_path: Path
) -> None:
    with redis_for_test(REDIS_URL, tmp_path / "redis") as url:
        queue_name = unique_queue()
        settings = postgres_settings.with_(redis_url=url, queue_name=queue_name)
        container = build(settings)
        processes = Processes(settings.as_environ(), tmp_path / "logs")
        pairs = {kind: (f"{kind}-1", f"{kind}-2") for kind in ("relay", "projector", "sealer")}
        try:
            container.app.import_area_map("v1", small_map(), "test", Actor.system("test"))
            for kind, names in pairs.items():
                for name in names:
                    processes.start(name, kind)
            for names in pairs.values():
                assert wait_until(
                    lambda names=names: all(
                        "leading" in processes.log(n) or "standing by" in processes.log(n)
                        for n in names
                    ),
                    30,
                ), {n: processes.log(n) for n in names}
            leaders = {kind: _leader(processes, names) for kind, names in pairs.items()}
            for leader in leaders.values():
                processes.kill(leader)
            killed = time.monotonic()
            standbys = {
                kind: next(n for n in names if n != leaders[kind]) for kind, names in pairs.items()
            }
            assert wait_until(
                lambda: all("leading" in processes.log(n) for n in standbys.values()), 10
            ), {n: processes.log(n) for n in standbys.values()}
            took_over = time.monotonic() - killed
            assert took_over < 5

            schema = SubmissionSchema(container.app.area_index())
            ids = [
                container.app.submit(schema.load_submission(submission())).initiative_id
                for _ in range(3)
            ]
            queue = Queue(queue_name, connection=redis.Redis.from_url(url))
            assert wait_until(lambda: all(f"route-{i}" in queue.job_ids for i in ids), 15), (
                processes.log(standbys["relay"])
            )
            head = int(container.app.recorder.max_notification_id() or 0)
            projection = ViewsProjection(container.views, container.app)
            assert wait_until(lambda: (projection.position() or 0) >= head, 15)
            sealer = container.sealer()
            assert wait_until(lambda: sealer.head()[0] == head, 15)
            _, _, count = sealer.head()
            assert count == head  # every event sealed once, none skipped
        finally:
            processes.stop_all()
            container.close()
            drop_queue(url, queue_name)


def test_lead_counts_the_terms_it_led(sqlite_settings: Settings) -> None:
    """Work that ends by itself gives the lock back; taken again, that is a second term."""
    calls: list[int] = []
    stop = threading.Event()

    def work(term: threading.Event) -> None:
        calls.append(1)
        if len(calls) == 2:
            stop.set()

    lock = leader_lock(sqlite_settings, "sealer")
    assert lead(lock, stop, "sealer", work, say=lambda m: None, retry=0.01) == 2
    assert len(calls) == 2


def test_the_lock_file_is_private_whatever_the_umask(sqlite_settings: Settings) -> None:
    lock = leader_lock(sqlite_settings, "projector")
    before = os.umask(0)
    try:
        assert lock.try_acquire()
    finally:
        os.umask(before)
    try:
        path = sqlite_settings.var_dir / "locks" / "projector.lock"
        assert oct(path.stat().st_mode & 0o777) == oct(0o600)
    finally:
        lock.release()
