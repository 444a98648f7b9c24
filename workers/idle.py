"""A process that starts and waits, for Procfile entries whose issue has not landed yet."""

from __future__ import annotations

import signal
import sys
import threading
from types import FrameType


def idle(name: str, arrives_with: str) -> None:
    """Log that `name` has no work yet and wait until SIGINT or SIGTERM."""
    stop = threading.Event()

    def handle(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
    print(f"{name}: nothing to do until {arrives_with} lands; waiting.", flush=True)
    stop.wait()
    print(f"{name}: stopped.", flush=True)
    sys.exit(0)
