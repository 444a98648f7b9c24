"""What admins need from RQ: the failed jobs, and putting them back on the queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job
from rq.registry import FailedJobRegistry

from participatie.config import Settings
from participatie.infra.embedded_redis import connect
from participatie.infra.queues import queues_for


@dataclass(frozen=True)
class FailedJob:
    id: str
    description: str
    ended_at: datetime | None
    error: str


def _registries(settings: Settings) -> list[FailedJobRegistry]:
    """The failed jobs of every queue (routing and scheduled jobs, mail)."""
    return [FailedJobRegistry(queue=q) for q in queues_for(settings, connect(settings))]


def failed_jobs(settings: Settings) -> list[FailedJob]:
    """Return the failed jobs, oldest first, with the last line of their error."""
    found: list[FailedJob] = []
    for registry, job_id in ((r, i) for r in _registries(settings) for i in r.get_job_ids()):
        try:
            job = Job.fetch(job_id, connection=registry.connection)
        except NoSuchJobError:
            continue
        result = job.latest_result()
        trace = (result.exc_string if result is not None else None) or ""
        lines = [line for line in trace.strip().splitlines() if line.strip()]
        found.append(
            FailedJob(
                id=job.id,
                description=job.description or job.func_name or job.id,
                ended_at=job.ended_at,
                error=lines[-1] if lines else "(geen foutmelding bewaard)",
            )
        )
    found.sort(key=lambda j: j.ended_at.timestamp() if j.ended_at else 0.0)
    return found


def requeue_failed(settings: Settings, job_ids: list[str] | None) -> tuple[int, list[str]]:
    """Requeue the given failed jobs (None: all); return (requeued, unknown ids)."""
    present = {i: r for r in _registries(settings) for i in r.get_job_ids()}
    wanted = sorted(present) if job_ids is None else job_ids
    done, unknown = 0, []
    for job_id in wanted:
        if job_id not in present:
            unknown.append(job_id)
            continue
        try:
            present[job_id].requeue(job_id)
        except (InvalidJobOperation, NoSuchJobError):
            unknown.append(job_id)
            continue
        done += 1
    return done, unknown
