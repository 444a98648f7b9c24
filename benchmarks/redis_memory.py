"""Redis memory after a burst of submissions and a drain: the job lifetimes of today against
those of before issue 25 (every job that ran well kept an hour), in the same run.

    .venv/bin/python -m benchmarks.redis_memory [--submissions 10000] [--wait 310]

Each arm has its own redis-server on loopback (no persistence) and its own SQLite store with the
demo municipality. The submissions go in through the application, the relay carries them to RQ
and an in-process worker works the queues empty (routing, the confirmation mail and the team's
hand-off mail, to the outbox). Redis's `used_memory` is read before, right after the drain, and
`--wait` seconds later (the longest lifetime of a job that ran well, the mail job's five
minutes, plus a margin). Printed as Markdown for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import redis

from benchmarks.report import write
from benchmarks.stack import machine
from participatie.application.schemas import SubmissionSchema
from participatie.bootstrap import Container, build
from participatie.config import Settings
from participatie.demo import load_demo
from tests.conftest import submission
from tests.services import RedisServer
from workers import jobs
from workers.relay import Relay
from workers.worker import make_worker

BEFORE = {"ROUTE_RESULT_TTL": 3600, "MAIL_RESULT_TTL": 3600}  # what each job kept until now
BUURTEN = ("BU99990101", "BU99990102", "BU99990201", "BU99990301", "BU99990401")


@dataclass
class Arm:
    name: str
    server: RedisServer
    container: Container
    empty: int = 0
    drained: int = 0
    later: int = 0
    keys_drained: int = 0
    keys_later: int = 0
    seconds: float = 0.0

    def memory(self) -> tuple[int, int]:
        client = redis.Redis.from_url(self.server.url)
        return int(client.info("memory")["used_memory"]), int(client.dbsize())


def run_arm(name: str, workdir: Path, submissions: int, ttls: dict[str, int]) -> Arm:
    server = RedisServer(workdir / "redis")
    server.start()
    settings = Settings(var_dir=workdir / "var", redis_url=server.url, auto_approve=True)
    container = build(settings)
    load_demo(container.app)
    arm = Arm(name, server, container)
    arm.empty, _ = arm.memory()
    saved = {key: getattr(jobs, key) for key in ttls}
    for key, value in ttls.items():
        setattr(jobs, key, value)
    start = time.monotonic()
    try:
        connection = redis.Redis.from_url(server.url)
        relay = Relay(container, connection)
        schema = SubmissionSchema(container.app.area_index())
        jobs.unload()
        jobs.preload(settings)
        for n in range(submissions):
            data = submission(
                title=f"Bankje bij de speeltuin, nummer {n}",
                location={"area_code": BUURTEN[n % len(BUURTEN)]},
                themes=["openbare_ruimte"],
            )
            container.app.submit(schema.load_submission(data))
            if n % 500 == 499:
                drain(relay, settings, connection)
        drain(relay, settings, connection)
    finally:
        for key, value in saved.items():
            setattr(jobs, key, value)
        jobs.unload()
    arm.seconds = time.monotonic() - start
    arm.drained, arm.keys_drained = arm.memory()
    return arm


def drain(relay: Relay, settings: Settings, connection: redis.Redis) -> None:
    """Relay everything and work the queues empty (twice: routing makes hand-off mail)."""
    for _ in range(2):
        while relay.relay_once():
            pass
        make_worker(settings, connection).work(burst=True, logging_level="ERROR")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--submissions", type=int, default=10_000)
    parser.add_argument("--wait", type=float, default=jobs.MAIL_RESULT_TTL + 10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        arms = [
            run_arm("before: every job kept 1 h", base / "a", args.submissions, BEFORE),
            run_arm("now: routing 0 s, mail 5 min", base / "b", args.submissions, {}),
        ]
        time.sleep(args.wait)
        for arm in arms:
            arm.later, arm.keys_later = arm.memory()
            arm.container.close()
            arm.server.kill()
    before, now = arms
    grown = {arm.name: (arm.drained - arm.empty, arm.later - arm.empty) for arm in arms}
    ratio = grown[now.name][1] / grown[before.name][1] if grown[before.name][1] else 0.0
    lines = [
        f"Measured {machine()}; `.venv/bin/python -m benchmarks.redis_memory"
        f" --submissions {args.submissions} --wait {args.wait:g}`.",
        "",
        "| arm | submissions | drained in | Redis growth right after the drain (keys) |"
        f" growth {args.wait:g} s later (keys) |",
        "|---|---|---|---|---|",
    ]
    for arm in arms:
        drained, later = grown[arm.name]
        lines.append(
            f"| {arm.name} | {args.submissions:,} | {arm.seconds:.0f} s |"
            f" {drained / 1024:,.0f} KiB ({arm.keys_drained:,}) |"
            f" {later / 1024:,.0f} KiB ({arm.keys_later:,}) |"
        )
    lines += [
        "",
        f"Growth {args.wait:g} s after the drain, now ÷ before: **{ratio:.3f}** (goal ≤ 0.10).",
    ]
    text = "\n".join(lines)
    print(text)
    write("redis-memory", text)


if __name__ == "__main__":
    main()
