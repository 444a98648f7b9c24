"""Language: Dutch by default, English on request; Dutch date formats in Europe/Amsterdam.

The catalogues are `.po` files in `participatie/translations` (the e-mail uses them too); their
`.mo` form is compiled when the application starts (and whenever a `.po` is newer), so no build
step can be forgotten.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, current_app, g, request
from flask_babel import Babel, format_date, format_datetime, format_decimal, lazy_gettext

import participatie
from participatie.application import labels

LOCALES = ("nl", "en")
DEFAULT_LOCALE = "nl"
TIMEZONE = "Europe/Amsterdam"
COOKIE = "taal"
TRANSLATIONS = Path(participatie.__file__).with_name("translations")


def select_locale() -> str:
    chosen = request.cookies.get(COOKIE, "")
    return chosen if chosen in LOCALES else DEFAULT_LOCALE


def accepted_language() -> str:
    """The language an API client asks for (Accept-Language), Dutch by default."""
    return request.accept_languages.best_match(LOCALES, default=DEFAULT_LOCALE) or DEFAULT_LOCALE


def compile_catalogues(folder: Path = TRANSLATIONS) -> list[Path]:
    """Compile every `.po` under `folder` whose `.mo` is missing or older; return those written."""
    written = []
    for po in sorted(folder.glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalogue = read_po(source)
        # Write beside and rename: several web workers may start at the same moment.
        handle, temporary = tempfile.mkstemp(dir=mo.parent, suffix=".mo.tmp")
        with os.fdopen(handle, "wb") as target:
            write_mo(target, catalogue)
        os.replace(temporary, mo)
        written.append(mo)
    return written


def init_app(app: Flask) -> None:
    compile_catalogues()
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", TIMEZONE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    Babel(app, locale_selector=select_locale)
    app.jinja_env.globals.update(
        locale=select_locale,
        LOCALES=LOCALES,
        STATUS=STATUS,
        theme_labels=theme_labels,
        KINDS=KINDS,
        OUTCOMES=OUTCOMES,
        MAIL_KINDS=MAIL_KINDS,
        timeline_text=timeline_text,
        PUBLIC_TEXT=PUBLIC_TEXT,
    )
    app.jinja_env.filters["theme_label"] = lambda code: theme_labels().get(code, code)
    app.jinja_env.filters["date"] = lambda value: format_date(value, "long") if value else ""
    app.jinja_env.filters["datetime"] = _datetime_text
    app.jinja_env.filters["moment"] = _moment_text  # to the second: the audit pages
    app.jinja_env.filters["resident_text"] = resident_text
    # Numbers as the page's language writes them: 104,7 on a Dutch page, 104.7 on an English one.
    app.jinja_env.filters["number"] = lambda value: format_decimal(value, format="#,##0.#")


# Where an initiator's public text stands, told to them (domain.values.Moderation).
PUBLIC_TEXT = {
    "none": lazy_gettext("Nee, u gaf geen toestemming om het te publiceren."),
    "pending": lazy_gettext("Nog niet: een moderator bekijkt uw tekst eerst."),
    "approved": lazy_gettext("Ja, zoals u het schreef."),
    "redacted": lazy_gettext("Ja, in een versie die de moderator heeft aangepast."),
    "hidden": lazy_gettext("Nee, de moderator heeft uw tekst niet gepubliceerd."),
}
ERASED_TEXT = lazy_gettext("(tekst verwijderd op verzoek van de indiener)")


def resident_text(value: str | None) -> str:
    """What a person wrote (a title, a description, an answer), or, once it was erased with
    them, a note saying so: an initiative's title is never empty otherwise."""
    return value if value else str(ERASED_TEXT)


def theme_labels() -> dict[str, str]:
    """Code → label in the page's language, of every theme of the current list (retired ones
    too: stored work keeps showing its themes). Read once per request."""
    found: dict[str, str] | None = g.get("theme_labels")
    if found is None:
        language = select_locale()
        catalogue = current_app.extensions["participatie"].app.theme_list()
        found = {t.code: t.label(language) for t in catalogue.themes}
        g.theme_labels = found
    return found


def _datetime_text(value: datetime | str | None) -> str:
    """A moment in Dutch (or English) words; ISO text from event details works too."""
    if not value:
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return str(format_datetime(moment, "d MMMM y, HH:mm"))


def _moment_text(value: datetime | str | None) -> str:
    """A moment to the second, on the municipal clock (Europe/Amsterdam)."""
    if not value:
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return str(format_datetime(moment, "d MMMM y, HH:mm:ss"))


# Plain-language names for what the platform stores as codes.
STATUS = {
    "submitted": lazy_gettext("Ontvangen, wordt doorgestuurd"),
    "routed": lazy_gettext("Doorgestuurd naar een team"),
    "in_progress": lazy_gettext("In behandeling"),
    "waiting_for_initiator": lazy_gettext("Wacht op informatie van de indiener"),
    "decided": lazy_gettext("Besluit genomen"),
    "in_execution": lazy_gettext("In uitvoering"),
    "completed": lazy_gettext("Afgerond"),
    "withdrawn": lazy_gettext("Ingetrokken"),
    "merged": lazy_gettext("Samengevoegd met een ander initiatief"),
}
KINDS = {
    "resident": lazy_gettext("Inwoner"),
    "business": lazy_gettext("Ondernemer"),
    "organisation": lazy_gettext("Organisatie"),
}
OUTCOMES = {code: lazy_gettext(text) for code, text in labels.OUTCOMES.items()}
MAIL_KINDS = {kind: lazy_gettext(text) for kind, text in labels.MAIL_KINDS.items()}
# Public timeline entries, by kind; {team} is the team's name.
TIMELINE = {
    "submitted": lazy_gettext("Initiatief ingediend"),
    "routed": lazy_gettext("Doorgestuurd naar %(team)s"),
    "rerouted": lazy_gettext("Opnieuw doorgestuurd naar %(team)s"),
    "accepted": lazy_gettext("In behandeling bij %(team)s"),
    "declined": lazy_gettext("Doorgestuurd naar %(team)s"),
    "forwarded": lazy_gettext("Doorgestuurd naar %(team)s"),
    "escalated": lazy_gettext("Voorgelegd aan %(team)s"),
    "details_changed": lazy_gettext("Thema of locatie aangepast"),
    "information_requested": lazy_gettext("Het team heeft de indiener een vraag gesteld"),
    "information_provided": lazy_gettext("De indiener heeft de vraag beantwoord"),
    "decision_published": lazy_gettext("Besluit gepubliceerd"),
    "execution_started": lazy_gettext("Uitvoering gestart"),
    "completed": lazy_gettext("Afgerond"),
    "withdrawn": lazy_gettext("Ingetrokken door de indiener"),
    "merged": lazy_gettext("Samengevoegd met een ander initiatief"),
    "reopened": lazy_gettext("Heropend op verzoek van de indiener, terug naar %(team)s"),
}


def timeline_text(entry: Any, teams: Mapping[str, str]) -> str:
    """One public timeline entry in the reader's language (a team's own update as written)."""
    fields = entry if isinstance(entry, Mapping) else vars(entry)
    template = TIMELINE.get(fields["kind"])
    if template is None:
        return str(fields["text"])
    team = teams.get(fields["team"], fields["team"]) if fields["team"] else ""
    return str(template) % {"team": team}
