"""The weekly digest for staff: per team of theirs, what waits for the team to accept (new
hand-offs) and what is past its deadline, with links; one mail per account and week.

The relay enqueues the job once a week (Monday morning, `workers/relay.py`); the mail ledger's
key names the week and the account, so a second run sends nothing. Accounts without an e-mail
address, deactivated ones and roles without a queue (admin, auditor) get none, and nor does
anyone whose teams have nothing new and nothing late: a digest says something or is not sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from participatie.application.schemas import N_
from participatie.domain.values import Role
from participatie.views import queries

if TYPE_CHECKING:  # annotations only: no import cycle at run time
    from participatie.bootstrap import Container

WITH_QUEUES = (Role.TEAM_MEMBER, Role.AREA_MANAGER, Role.REGIE)
LISTED = 10  # titles per list; the count says how many there are


@dataclass(frozen=True)
class TeamDigest:
    team: str
    name: str
    new: list[Any]  # QueueItem: the lead team still has to accept it
    new_total: str
    late: list[Any]  # QueueItem: past its deadline
    late_total: str

    @property
    def empty(self) -> bool:
        return not self.new and not self.late


def team_digest(container: Container, team: str, name: str, now: datetime) -> TeamDigest:
    views = container.views
    waiting = queries.team_queue(views, team, role="lead", sort="deadline", limit=100, now=now)
    new = [i for i in waiting.items if i.deadline_kind == "handoff"]
    late = queries.team_queue(views, team, overdue=True, sort="deadline", limit=LISTED, now=now)
    new_total = str(len(new)) if waiting.next_cursor is None else f"{len(new)}+"
    return TeamDigest(team, name, new[:LISTED], new_total, late.items, late.total_text)


def week_key(now: datetime) -> str:
    year, week, _ = now.isocalendar()
    return f"{year}-W{week:02d}"


def digest_key(now: datetime, username: str) -> str:
    return f"digest-{week_key(now)}-{username}"


def digests(container: Container, now: datetime) -> list[tuple[Any, list[TeamDigest]]]:
    """(account, its teams' digests) for every account that should get one this week."""
    names = {t.code: t.name for t in container.app.teams()}
    cache: dict[str, TeamDigest] = {}
    found = []
    for account in container.staff.all():
        if not account.active or not account.email or account.role not in WITH_QUEUES:
            continue
        teams = []
        for team in sorted(account.teams):
            if team not in cache:
                cache[team] = team_digest(container, team, names.get(team, team), now)
            if not cache[team].empty:
                teams.append(cache[team])
        if teams:
            found.append((account, teams))
    return found


def send_digests(container: Container, now: datetime) -> list[str]:
    """Mail this week's digests (each once: the ledger key names the week and the account)."""
    from participatie.notifications.mail import compose
    from participatie.notifications.messages import environment, translations

    settings = container.settings
    base = settings.public_url.rstrip("/")
    results = []
    for account, teams in digests(container, now):
        subject = translations("nl").gettext(SUBJECT) % {"week": week_key(now)}
        context = {
            "subject": subject,
            "language": "nl",
            "name": account.name,
            "teams": teams,
            "base": base,
            "mute_url": None,
        }
        env = environment("nl")
        message = compose(
            account.email,
            subject,
            env.get_template("digest.txt").render(context),
            html=env.get_template("digest.html").render(context),
            sender=settings.mail_from,
        )
        key = digest_key(now, account.username)
        outcome = container.mailer.send(key, message, audience=f"staff:{account.username}")
        results.append(f"{key}: {outcome}")
    return results


SUBJECT = N_("Weekoverzicht van uw wachtrij (%(week)s)")
