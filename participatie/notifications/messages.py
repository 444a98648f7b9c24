"""Which events send e-mail to whom, and the messages themselves (Dutch and English).

The relay enqueues one job per triggering event; the job asks `messages_for` what to send and
hands each message to the mailer, whose ledger sends each (event, recipient) once. Messages are
rendered from `templates/mail/<kind>.txt` and `.html` in the recipient's language: the
initiator's (recorded at submission), Dutch for teams.

The tracking code is not in any message: it exists only as a hash, and the submitter saw it
once. Messages hold the initiative's title and what happened, no personal data of others.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from eventsourcing.utils import get_topic
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from participatie.application import labels
from participatie.application.initiatives import CLOSED
from participatie.application.schemas import N_
from participatie.domain.calendar import AMSTERDAM
from participatie.domain.follow import ASKED, AreaFollow
from participatie.domain.initiative import DECISION, LANGUAGES, MUTABLE_MAIL, Initiative
from participatie.notifications.addresses import index_event
from participatie.notifications.followers import (
    FOLLOW_LINK,
    FOLLOW_LINK_DAYS,
    UNFOLLOW,
    FollowerBook,
    follow_mail_prefix,
)
from participatie.notifications.links import support_mail_prefix
from participatie.notifications.mail import PermanentMailError, TemporaryMailError, compose
from participatie.notifications.tokens import TokenBox
from participatie.notifications.transport import describe

if TYPE_CHECKING:  # annotations only: no import cycle at run time
    from participatie.application.app import ParticipatieApp
    from participatie.bootstrap import Container

TEMPLATES = Path(__file__).with_name("templates") / "mail"
CATALOGUES = Path(__file__).resolve().parents[1] / "translations"  # shared with the pages
CONFIRM_EMAIL = "confirm-email"  # token purpose of the address check link
CONFIRM_DAYS = 7
TRACK_LINK = "track"  # token purpose of the link that opens the initiator's tracking page
TRACK_LINK_DAYS = 365
MUTE = "mute"  # token purpose of the link in a mail that turns its kind of mail off
MUTE_DAYS = 365
SUPPORTED_TITLE = N_("het initiatief dat u steunt")  # its public text was hidden meanwhile

# Event → kind of message, by audience.
TO_INITIATOR: dict[type[Any], str] = {
    Initiative.Submitted: "submitted",
    Initiative.EmailConfirmed: "tracking_link",
    Initiative.HandoffAccepted: "handoff_accepted",
    Initiative.InformationRequested: "information_requested",
    Initiative.PublicUpdatePosted: "public_update",
    Initiative.DecisionPublished: "decision_published",
    Initiative.ExecutionStarted: "execution_started",
    Initiative.Completed: "completed",
    Initiative.Merged: "merged",
}
TO_TEAM: dict[type[Any], str] = {
    Initiative.InformationProvided: "answered",
    Initiative.Routed: "handoff",
    Initiative.Rerouted: "handoff",
    Initiative.Forwarded: "handoff",
    Initiative.HandoffDeclined: "handoff",
    Initiative.Escalated: "handoff",
    Initiative.DeadlineMissed: "overdue",
    Initiative.Reopened: "reopened",
}
# Event → kind of message to each supporter who asked to hear the outcome (Supported.updates).
TO_SUPPORTERS: dict[type[Any], str] = {
    Initiative.DecisionPublished: "supporter_decision",
    Initiative.Completed: "supporter_completed",
}
# Events whose job also indexes the address they confirmed ("mijn initiatieven", addresses.py).
INDEXED: tuple[type[Any], ...] = (Initiative.EmailConfirmed, Initiative.Supported)
# Events after which an initiative may be public for the first time: its area's followers hear
# of it (as they hear of a published decision, TO_INITIATOR).
MADE_PUBLIC: tuple[type[Any], ...] = (
    Initiative.Submitted,
    Initiative.PublicTextApproved,
    Initiative.PublicTextRedacted,
)
# A follow's events: asked (the confirmation link goes), confirmed and stopped (followers.py).
FOLLOW_EVENTS: tuple[type[Any], ...] = (
    AreaFollow.Requested,
    AreaFollow.RequestedAgain,
    AreaFollow.Confirmed,
    AreaFollow.Stopped,
)
TOPICS = tuple(
    dict.fromkeys(
        get_topic(cls) for cls in (*TO_INITIATOR, *TO_TEAM, *INDEXED, *MADE_PUBLIC, *FOLLOW_EVENTS)
    )
)

SUBJECTS = {
    "submitted": N_("Uw initiatief is ontvangen: %(title)s"),
    "tracking_link": N_("Uw link naar de volgpagina: %(title)s"),
    "handoff_accepted": N_("Uw initiatief is in behandeling: %(title)s"),
    "public_update": N_("Nieuws over uw initiatief: %(title)s"),
    "execution_started": N_("De uitvoering van uw initiatief is begonnen: %(title)s"),
    "answered": N_("Antwoord van de indiener: %(title)s"),
    "information_requested": N_("Vraag over uw initiatief: %(title)s"),
    "decision_published": N_("Besluit over uw initiatief: %(title)s"),
    "completed": N_("Uw initiatief is afgerond: %(title)s"),
    "handoff": N_("Nieuw in de wachtrij: %(title)s"),
    "supporter_decision": N_("Besluit over een initiatief dat u steunt: %(title)s"),
    "supporter_completed": N_("Afgerond: een initiatief dat u steunt: %(title)s"),
    "overdue": N_("Termijn verstreken: %(title)s"),
    "reopened": N_("Heropend door de indiener: %(title)s"),
    "merged": N_("Uw initiatief is samengevoegd: %(title)s"),
    "follow_confirm": N_("Bevestig dat u %(title)s wilt volgen"),
    "area_new": N_("Nieuw initiatief in %(area)s: %(title)s"),
    "area_decision": N_("Besluit over een initiatief in %(area)s: %(title)s"),
    "supporter_merged": N_("Samengevoegd: een initiatief dat u steunt: %(title)s"),
}
ERASED_TITLE = N_("(tekst verwijderd op verzoek van de indiener)")  # the initiator was erased
DEADLINES = {
    "handoff": N_("de termijn om de overdracht te accepteren"),
    DECISION: N_("de beslistermijn"),
}


@dataclass(frozen=True)
class Outgoing:
    """One message to one recipient; `key` makes it once-only."""

    key: str
    audience: str  # "initiator" or "team:<code>"
    kind: str
    to: str
    language: str
    subject: str
    text: str
    html: str


@lru_cache(maxsize=len(LANGUAGES))
def translations(language: str) -> NullTranslations:
    """The catalogue for `language` (Dutch is the source language: no catalogue)."""
    po = CATALOGUES / language / "LC_MESSAGES" / "messages.po"
    if language == "nl" or not po.exists():
        return NullTranslations()
    with po.open("rb") as source:
        catalogue = read_po(source)
    compiled = io.BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return Translations(fp=compiled)


@lru_cache(maxsize=len(LANGUAGES))
def environment(language: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    env.filters["date_nl"] = lambda moment: _date(moment, language) or ""
    return env


def mail_key(kind: str, initiative_id: UUID, version: int, audience: str) -> str:
    """The key the message of one event to one audience is sent (and kept in the outbox) under."""
    return f"{kind}-{initiative_id}-v{version}-{audience}"


def initiator_mail_prefixes(initiative_id: UUID) -> list[str]:
    """What the key of every message to the initiative's initiator starts with."""
    return [f"{kind}-{initiative_id}-" for kind in TO_INITIATOR.values()]


def initiative_mail_prefixes(initiative_id: UUID) -> list[str]:
    """What the key of every message about the initiative starts with, to anyone: each quotes
    its title, the initiator's words (support mails start with `support-<id>-` too)."""
    kinds = sorted({*TO_INITIATOR.values(), *TO_TEAM.values(), "support"})
    return [f"{kind}-{initiative_id}-" for kind in kinds]


def kind_of(event: Any) -> tuple[str, str] | None:
    """(audience, kind) for an event that sends mail, else None."""
    if type(event) in TO_INITIATOR:
        return "initiator", TO_INITIATOR[type(event)]
    if type(event) in TO_TEAM:
        return "team", TO_TEAM[type(event)]
    return None


class Notifier:
    """Turns one stored event into the messages it should send."""

    def __init__(
        self,
        app: ParticipatieApp,
        tokens: TokenBox,
        public_url: str,
        reopen_days: int = 28,
        followers: FollowerBook | None = None,
    ) -> None:
        self.app = app
        self.tokens = tokens
        self.public_url = public_url.rstrip("/")
        self.reopen_days = reopen_days
        self.followers = followers

    def messages_for(self, initiative_id: UUID, version: int, event: Any = None) -> list[Outgoing]:
        """The messages the event at `version` calls for (`event`: that event, when the caller
        has read it already)."""
        event = event if event is not None else stored_event(self.app, initiative_id, version)
        if event is None:
            return []
        if isinstance(event, FOLLOW_EVENTS):
            if not isinstance(event, (AreaFollow.Requested, AreaFollow.RequestedAgain)):
                return []
            asked: AreaFollow = self.app.repository.get(initiative_id, version=version)
            confirmation = self.follow_confirmation(initiative_id, asked.round)
            return [] if confirmation is None else [confirmation]
        found = kind_of(event)
        if found is None and not isinstance(event, MADE_PUBLIC):
            return []
        initiative: Initiative = self.app.repository.get(initiative_id, version=version)
        found_messages = self._to_followers(initiative, event)
        if found is None:
            return found_messages
        audience, kind = found
        if audience == "initiator":
            message = self._to_initiator(initiative, event, kind)
        else:
            message = self._to_team(initiative, event, kind)
        if message is not None:
            found_messages.insert(0, message)
        if type(event) in TO_SUPPORTERS:
            found_messages += self._to_supporters(initiative, event, TO_SUPPORTERS[type(event)])
        if isinstance(event, Initiative.Merged):
            found_messages += self._merged_supporters(initiative, event)
        return found_messages

    # -- audiences -------------------------------------------------------------------------

    def _to_initiator(self, initiative: Initiative, event: Any, kind: str) -> Outgoing | None:
        if kind in MUTABLE_MAIL and kind in self.app.get_initiative(initiative.id).muted_mail:
            return None  # turned off by the initiator (their choice now, not at the event)
        contact = self.app.vault.open(initiative.initiator)  # None once erased
        address = (contact or {}).get("email")
        if not address:
            return None
        language = initiative.language if initiative.language in LANGUAGES else "nl"
        context: dict[str, Any] = {
            "title": _title(initiative, language),
            "track_url": f"{self.public_url}/volgen",
        }
        if kind in MUTABLE_MAIL:
            token = self.tokens.make(MUTE, {"i": str(initiative.id), "k": kind})
            context["mute_url"] = f"{self.public_url}/berichten/uit/{token}"
        if kind == "completed":
            context["reopen_days"] = self.reopen_days
        if kind == "submitted":
            token = self.tokens.make(CONFIRM_EMAIL, {"i": str(initiative.id)})
            context["confirm_url"] = (
                None if initiative.email_confirmed else f"{self.public_url}/bevestigen/{token}"
            )
            context["confirm_days"] = CONFIRM_DAYS
            context["decision_due"] = _date(initiative.decision_due, language)
        elif kind == "tracking_link":
            token = self.tokens.make(TRACK_LINK, {"i": str(initiative.id)})
            context["open_url"] = f"{self.public_url}/volgen/toegang/{token}"
            context["link_days"] = TRACK_LINK_DAYS
            context["mine_url"] = f"{self.public_url}/mijn-initiatieven"
        elif kind == "information_requested":
            context["question"] = event.question
        elif kind == "handoff_accepted":
            context["team"] = self._team_name(event.team)
        elif kind == "public_update":
            context["message"] = event.message
            context["team"] = self._team_name(initiative.lead_team)
        elif kind == "merged":
            context.update(self._other(event.into))
            context["reason"] = event.reason
        elif kind == "decision_published":
            outcome = initiative.outcome.value if initiative.outcome else ""
            context["outcome"] = translations(language).gettext(
                labels.OUTCOMES.get(outcome, outcome)
            )
            context["rationale"] = event.rationale
        return self._render(initiative, event, kind, "initiator", address, language, context)

    def _to_supporters(self, initiative: Initiative, event: Any, kind: str) -> list[Outgoing]:
        """One message to each supporter who asked for it and still wants it (never erased)."""
        wanted = set(self.app.get_initiative(initiative.id).updates_for)
        found = []
        for supported in self._supports(initiative.id, event.originator_version):
            subject = supported.supporter.subject_id
            if subject.hex not in wanted or subject in initiative.erased:
                continue
            contact = self.app.vault.open(supported.supporter)
            address = (contact or {}).get("email")
            if not address:
                continue
            language = supported.language if supported.language in LANGUAGES else "nl"
            public = initiative.public_text  # supporters know only what the public sees
            title = public[0] if public else translations(language).gettext(SUPPORTED_TITLE)
            token = self.tokens.make(MUTE, {"i": str(initiative.id), "s": subject.hex})
            context: dict[str, Any] = {
                "title": title,
                "public_url": f"{self.public_url}/initiatieven/{initiative.id}",
                "mute_url": f"{self.public_url}/berichten/uit/{token}",
            }
            if kind == "supporter_decision":
                outcome = initiative.outcome.value if initiative.outcome else ""
                context["outcome"] = translations(language).gettext(
                    labels.OUTCOMES.get(outcome, outcome)
                )
                context["rationale"] = initiative.rationale
            # Under the supporter's prefix: erasing them (or the initiator) finds the copy.
            key = f"{support_mail_prefix(initiative.id, subject)}{kind}-v{event.originator_version}"
            audience = f"supporter:{subject.hex}"
            found.append(
                self._render(initiative, event, kind, audience, address, language, context, key)
            )
        return found

    def _merged_supporters(self, initiative: Initiative, event: Any) -> list[Outgoing]:
        """Move the supporters of a merged initiative to the one it went into (once; again it
        changes nothing) and tell each of them, whether or not they asked for updates: their
        support changed place."""
        found = []
        for moved in self.app.move_supporters(initiative.id, event.originator_version):
            address = (self.app.vault.open(moved.supported.supporter) or {}).get("email")
            if not address:
                continue
            supported = moved.supported
            language = supported.language if supported.language in LANGUAGES else "nl"
            public = initiative.public_text
            title = public[0] if public else translations(language).gettext(SUPPORTED_TITLE)
            context: dict[str, Any] = {
                "title": title,
                "closed": moved.outcome == CLOSED,
                **self._other(moved.into),
            }
            subject = moved.subject_id
            key = f"{support_mail_prefix(initiative.id, subject)}merged-v{event.originator_version}"
            found.append(
                self._render(
                    initiative,
                    event,
                    "supporter_merged",
                    f"supporter:{subject.hex}",
                    address,
                    language,
                    context,
                    key,
                )
            )
        return found

    def _other(self, into: UUID) -> dict[str, Any]:
        """The page of the initiative another was merged into, when the public may see it. Its
        words are not quoted: a copy of this mail must not keep its initiator's text after they
        are erased."""
        public = self.app.get_initiative(into).public_text is not None
        return {"other_url": f"{self.public_url}/initiatieven/{into}" if public else None}

    # -- followers of an area --------------------------------------------------------------

    def follow_confirmation(
        self, follow_id: UUID, round: int | None = None, key: str | None = None
    ) -> Outgoing | None:
        """The mail with the confirmation link of a follow that waits for it (None: it does not
        wait, or the address was erased). `round`: only for that round (a later one has its own
        mail); `key`: another than the round's (a second mail when the person asks again)."""
        follow: AreaFollow = self.app.get_follow(follow_id)
        if round is not None and round != follow.round:
            return None
        if follow.state != ASKED:
            return None
        address = (self.app.vault.open(follow.follower) or {}).get("email")
        if not address:
            return None
        language = follow.language if follow.language in LANGUAGES else "nl"
        area = self._area_name(follow.area_code)
        payload = {"f": str(follow_id), "r": follow.round}
        token = self.tokens.make(FOLLOW_LINK, payload)
        context: dict[str, Any] = {
            "title": area,
            "area": area,
            "confirm_url": f"{self.public_url}/gebieden/volgen/bevestigen/{token}",
            "confirm_days": FOLLOW_LINK_DAYS,
            "mute_url": self._unfollow_url(follow_id, follow.round),
        }
        key = key or f"{follow_mail_prefix(follow_id)}r{follow.round}-confirm"
        return self._render(
            follow, None, "follow_confirm", f"follower:{follow_id}", address, language, context, key
        )

    def _to_followers(self, initiative: Initiative, event: Any) -> list[Outgoing]:
        """New public initiatives and published decisions, to the confirmed followers of the
        initiative's area and every area above it, each in their language."""
        public = initiative.public_text
        if self.followers is None or public is None:
            return []
        version = event.originator_version
        if isinstance(event, Initiative.DecisionPublished):
            kind = "area_decision"
        elif isinstance(event, MADE_PUBLIC) and not self._was_public(initiative.id, version - 1):
            kind = "area_new"
        else:
            return []
        index = self.app.area_index()
        code = initiative.location.area_code
        found = []
        for follow_id in self.followers.confirmed_in(index.ancestors(code) or [code]):
            follow: AreaFollow = self.app.get_follow(follow_id)
            address = (self.app.vault.open(follow.follower) or {}).get("email")
            if not follow.confirmed or not address:
                continue
            language = follow.language if follow.language in LANGUAGES else "nl"
            context: dict[str, Any] = {
                "title": public[0],
                "area": self._area_name(follow.area_code),
                "public_url": f"{self.public_url}/initiatieven/{initiative.id}",
                "mute_url": self._unfollow_url(follow_id, follow.round),
            }
            if kind == "area_decision":
                outcome = initiative.outcome.value if initiative.outcome else ""
                context["outcome"] = translations(language).gettext(
                    labels.OUTCOMES.get(outcome, outcome)
                )
            key = f"{follow_mail_prefix(follow_id)}{initiative.id}-v{version}"
            found.append(
                self._render(
                    initiative,
                    event,
                    kind,
                    f"follower:{follow_id}",
                    address,
                    language,
                    context,
                    key,
                )
            )
        return found

    def _was_public(self, initiative_id: UUID, version: int) -> bool:
        if version < 1:
            return False
        before: Initiative = self.app.repository.get(initiative_id, version=version)
        return before.public_text is not None

    def _unfollow_url(self, follow_id: UUID, round: int) -> str:
        token = self.tokens.make(UNFOLLOW, {"f": str(follow_id), "r": round})
        return f"{self.public_url}/gebieden/volgen/stoppen/{token}"

    def _area_name(self, code: str) -> str:
        index = self.app.area_index()
        return index.name(code) if code in index else code

    def _supports(self, initiative_id: UUID, version: int) -> list[Any]:
        """The Supported events of an initiative up to `version`."""
        return [
            e
            for e in self.app.events.get(initiative_id, lte=version)
            if isinstance(e, Initiative.Supported)
        ]

    def _to_team(self, initiative: Initiative, event: Any, kind: str) -> Outgoing | None:
        code = event.team if kind == "overdue" else initiative.lead_team
        team = next((t for t in self.app.teams() if t.code == code), None)
        if team is None or not team.email:
            return None
        context: dict[str, Any] = {
            "title": _title(initiative, "nl"),
            "team": team.name,
            "reason": event.reason,
            "staff_url": f"{self.public_url}/beheer/initiatieven/{initiative.id}",
        }
        if kind in ("handoff", "reopened"):
            context["due"] = _date(initiative.handoff_due, "nl")
        elif kind == "answered":
            context["answer"] = event.answer
        else:
            context["deadline"] = DEADLINES.get(event.deadline, event.deadline)
            context["due"] = _date(event.due, "nl")
            context["escalated"] = self._escalated_with(event)
        return self._render(initiative, event, kind, f"team:{code}", team.email, "nl", context)

    def _team_name(self, code: str | None) -> str:
        return next((t.name for t in self.app.teams() if t.code == code), code or "")

    def _escalated_with(self, missed: Any) -> bool:
        """Whether the sweep sent the initiative to regie in the same breath."""
        following = self.app.events.get(missed.originator_id, gt=missed.originator_version, limit=3)
        return any(
            isinstance(e, Initiative.Escalated) and e.timestamp == missed.timestamp
            for e in following
        )

    def _render(
        self,
        initiative: Any,  # the initiative, or the follow (with `key` given)
        event: Any,
        kind: str,
        audience: str,
        address: str,
        language: str,
        context: dict[str, Any],
        key: str | None = None,
    ) -> Outgoing:
        env = environment(language)
        subject = translations(language).gettext(SUBJECTS[kind]) % {
            "title": context["title"],
            "area": context.get("area", ""),
        }
        context = {"mute_url": None, **context, "subject": subject, "language": language}
        return Outgoing(
            key=key or mail_key(kind, initiative.id, event.originator_version, audience),
            audience=audience,
            kind=kind,
            to=address,
            language=language,
            subject=subject,
            text=env.get_template(f"{kind}.txt").render(context),
            html=env.get_template(f"{kind}.html").render(context),
        )


def _date(moment: datetime | None, language: str) -> str | None:
    if moment is None:
        return None
    return format_date(moment.astimezone(AMSTERDAM).date(), format="long", locale=language)


def deliver(
    container: Container, initiative_id: UUID, version: int, final: bool = False
) -> list[str]:
    """Send what one event calls for through the container's mailer; return what happened.

    An SMTP server that cannot be reached raises TemporaryMailError (try again later); a
    message it refuses for good is recorded as failed in the ledger and not tried again.
    """
    settings = container.settings
    notifier = Notifier(
        container.app,
        container.tokens,
        settings.public_url,
        settings.reopen_days,
        container.followers,
    )
    results = []
    key = event_key(initiative_id, version)
    try:
        event = stored_event(container.app, initiative_id, version)  # read once, used thrice
        outgoing = notifier.messages_for(initiative_id, version, event)
    except Exception as error:
        if final:  # no message to file it under: the admins see the event's key instead
            _failed_for_good(container, key, "", "event", initiative_id, error)
        raise
    _settle(container, key)
    if event is not None:
        index_addresses(container, event)
        sync_follow(container, initiative_id, event)
    for message in outgoing:
        try:
            composed = compose(
                message.to,
                message.subject,
                message.text,
                html=message.html,
                sender=settings.mail_from,
                key=message.key,
            )
        except Exception as error:
            if final:
                _failed_for_good(
                    container, message.key, message.audience, message.kind, initiative_id, error
                )
            raise
        try:
            outcome = container.mailer.send(
                message.key,
                composed,
                audience=message.audience,
                kind=message.kind,
                initiative_id=str(initiative_id),
                final=final,
            )
        except PermanentMailError:
            outcome = "failed"  # in the ledger for admins; trying again cannot help
        if outcome == "skipped":
            entry = container.mailer.log.get(message.key)
            if entry is not None and entry.state == "sending":
                # Another sender holds it, or one that crashed mid-send: look again later, when
                # a stale claim can be taken over, instead of reporting it done.
                raise TemporaryMailError(f"{message.key} is being sent by another job")
        results.append(f"{message.key}: {outcome}")
    return results


def stored_event(app: ParticipatieApp, aggregate_id: UUID, version: int) -> Any:
    """The event at `version` of an aggregate (None: not stored)."""
    events = list(app.events.get(aggregate_id, gt=version - 1, lte=version))
    return events[0] if events else None


def index_addresses(container: Container, event: Any) -> bool:
    """Index the address an event confirmed, for "mijn initiatieven" (a second time: no-op)."""
    if not isinstance(event, INDEXED):
        return False
    return index_event(container.app, container.addresses, event)


def sync_follow(container: Container, follow_id: UUID, event: Any) -> bool:
    """After a follow's event: its row in the followers index; after a stop, nothing of the
    address anywhere (again: no change)."""
    from participatie.notifications.followers import stop_following

    if not isinstance(event, FOLLOW_EVENTS):
        return False
    if isinstance(event, AreaFollow.Stopped):
        stop_following(container, follow_id, event.reason)
    else:
        container.followers.sync(container.app, follow_id)
    return True


def event_key(initiative_id: UUID, version: int) -> str:
    """The ledger key of an event whose messages could not even be made."""
    return f"event-{initiative_id}-v{version}"


def _failed_for_good(
    container: Container,
    key: str,
    audience: str,
    kind: str,
    initiative_id: UUID,
    error: BaseException,
) -> None:
    """Put what a mail job failed on, on its last try, in the ledger with its error."""
    log = container.mailer.log
    if log.claim(key, audience, kind, str(initiative_id)):
        log.failed(key, describe(error))


def _settle(container: Container, key: str) -> None:
    """An event recorded as failed whose messages are made now (an admin put its job back)."""
    log = container.mailer.log
    entry = log.get(key)
    if entry is not None and entry.state == "failed" and log.claim(key, "", "event"):
        log.sent(key)


def _title(initiative: Initiative, language: str) -> str:
    """The initiative's title, or once its initiator was erased a note saying so."""
    return initiative.title or translations(language).gettext(ERASED_TITLE)
