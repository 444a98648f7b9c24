"""Admission: a check that must pass before this context writes anything durable.

The web layer asks Redis whether a submission is within its rate limit *before* the request is
parsed, but reads the answer only when the request is about to write (issue 25): the round trip
overlaps the parsing, validation and sealing instead of being waited for. `hold(check)` puts
the check in front of this context's next write; the application calls `admit()` before each
durable write (events, photos), which runs the check — it raises to refuse, and then nothing
is written. A check is run at every write, so it must remember its answer (the first read
decides, and a refusal stays one). Outside a request (workers, scripts, tests) nothing is held
and `admit()` does nothing.

A ContextVar, so each thread (and each request of an asynchronous server) has its own.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar, Token

Check = Callable[[], None]

_held: ContextVar[Check | None] = ContextVar("participatie_admission", default=None)


def hold(check: Check) -> Token[Check | None]:
    """Run `check` before this context's next durable write (or at `admit()`); the token
    gives the context back to what it was (`release`)."""
    return _held.set(check)


def release(token: Token[Check | None]) -> None:
    """Forget the check `hold` returned `token` for, run or not."""
    _held.reset(token)


def admit() -> None:
    """Run the held check: it raises when the write may not go ahead."""
    check = _held.get()
    if check is not None:
        check()
