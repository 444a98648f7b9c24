"""The admin mail page with a full embedded outbox, against the same page with an empty one.

    .venv/bin/python -m benchmarks.mail [--messages 500] [--samples 60]

Two sites on SQLite with the demo municipality and an admin session: one whose embedded outbox
(and e-mail ledger) holds `messages` messages as the notifier writes them (a resident's
confirmation with a text and an HTML part, and a team's hand-off), one with none. For each, p95
over `--samples` requests through the Flask app (ledger query, outbox listing, template,
everything the server does) of the mail page, and of one message of the full outbox opened.
Reported as the p95 of the full page (goal: at most 100 ms) and its ratio against the empty
one, measured in the same run.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.stack import p95
from participatie.config import Settings
from participatie.domain.values import Actor, Role
from participatie.notifications.mail import compose
from web import create_app
from web.staff.sessions import COOKIE

ADMIN = "bench.beheer"


def _site(var: Path) -> tuple[Any, Any]:
    from participatie.demo import load_demo

    flask = create_app(Settings(var_dir=var), test_config={"RATELIMIT_ENABLED": False})
    container = flask.extensions["participatie"]
    load_demo(container.app)
    container.staff.add(ADMIN, "Bench", Role.ADMIN, [], "bench password 123", Actor.system("b"))
    client = flask.test_client()
    client.set_cookie(COOKIE, container.staff.sessions.start(ADMIN), path="/beheer")
    return client, container


def fill_outbox(container: Any, messages: int) -> list[str]:
    """Send `messages` messages through the mailer into the outbox; return their file names."""
    mailer = container.mailer
    initiatives = container.app.initiative_ids()
    names = []
    for number in range(messages):
        initiative = initiatives[number % len(initiatives)]
        if number % 2:
            key = f"handoff-{initiative}-v{number}-team:gebiedsteam-centrum"
            message = compose(
                "centrum@gemeente.example",
                f"Nieuw initiatief voor uw team ({number})",
                "Er is een initiatief aan uw team overgedragen.\n" * 20,
                html="<p>Er is een initiatief aan uw team overgedragen.</p>" * 20,
            )
            audience = "team:gebiedsteam-centrum"
        else:
            key = f"submitted-{initiative}-v{number}"
            message = compose(
                f"bewoner{number}@example.org",
                f"Uw initiatief is ontvangen – volgcode {number:06d}",
                "Beste bewoner,\n\nDank voor uw initiatief. " * 30,
                html="<p>Beste bewoner,</p><p>Dank voor uw initiatief.</p>" * 30,
            )
            audience = "initiator"
        assert mailer.send(key, message, audience=audience, kind=key.split("-")[0]) == "sent"
        names.append(key.replace(":", "_") + ".eml")
    return names


def measure(messages: int, samples: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        client, container = _site(Path(tmp) / "var")
        try:
            names = fill_outbox(container, messages)
            found = {"page": p95(client, ["/beheer/admin/mail"], samples)}
            if names:
                urls = [f"/beheer/admin/mail/bericht/{name}" for name in names]
                found["message"] = p95(client, urls, samples)
        finally:
            container.close()
    print(f"  {messages} messages: {found}", file=sys.stderr, flush=True)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--samples", type=int, default=60)
    options = parser.parse_args()
    empty = measure(0, options.samples)
    full = measure(options.messages, options.samples)
    print("| outbox | mail page p95 (ms) | vs empty outbox | goal | one message opened p95 (ms) |")
    print("|---|---|---|---|---|")
    print(f"| empty | {empty['page'] * 1000:.1f} | 1.00 | | – |")
    print(
        f"| {options.messages:,} messages | {full['page'] * 1000:.1f} |"
        f" {full['page'] / empty['page']:.2f} |"
        f" {'met' if full['page'] <= 0.1 else 'missed'} (≤ 100 ms) |"
        f" {full['message'] * 1000:.1f} |",
        flush=True,
    )


if __name__ == "__main__":
    main()
