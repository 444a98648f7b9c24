"""Gunicorn hooks for `participatie web` (given to gunicorn as `--config python:web.serving`).

With `PARTICIPATIE_WEB_PIN=1` each web worker is pinned to a core of its own: the arbiter picks,
before it forks a worker, the allowed core that the fewest live workers hold (the lowest such
core on a tie), and the new worker binds itself to it. Without pinning, Linux tends to wake a
worker on the core of the process that woke it (the load balancer, a worker handing over the
SQLite writer's turn) and let it wait there while another core idles; on a machine whose cores
are the platform's, pinning keeps every worker on a core of its own. Leave it off where cores are
shared with other tenants by quota. Nothing happens where the system cannot pin (not Linux).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable
from typing import Any

CPU = "participatie_cpu"  # the attribute of a gunicorn worker naming the core it is pinned to


def pinning() -> bool:
    from participatie.config import Settings

    return hasattr(os, "sched_setaffinity") and Settings.from_env().web_pin


def least_held_core(allowed: Iterable[int], held: Iterable[int | None]) -> int:
    """The allowed core held by the fewest of `held` (None: a worker that is not pinned)."""
    counts = Counter(core for core in held if core is not None)
    return min(sorted(allowed), key=lambda core: counts[core])


def pre_fork(server: Any, worker: Any) -> None:
    """In the arbiter, before the fork: the core the new worker will run on."""
    if pinning():
        cores = os.sched_getaffinity(0)
        held = (getattr(w, CPU, None) for w in server.WORKERS.values())
        setattr(worker, CPU, least_held_core(cores, held))


def post_fork(server: Any, worker: Any) -> None:
    """In the new worker: pin itself to the core the arbiter chose."""
    core = getattr(worker, CPU, None)
    if core is not None:
        os.sched_setaffinity(0, {core})
        server.log.info("Worker %s runs on core %s", worker.pid, core)
