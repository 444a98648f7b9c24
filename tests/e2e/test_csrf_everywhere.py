"""CSRF on every state-changing route of the whole application, found from its URL map.

Every rule that takes POST, PUT, PATCH or DELETE has a hand-written request below, sent by a
browser that may otherwise use it (logged in as the right staff account, or holding the
initiator's tracking session) and that has a CSRF token in its session: only the form's token is
left out. Such a request must be refused with 400 and change nothing. Only the endpoints listed
by hand in EXEMPT (the bearer-token JSON API and Open311, which use no cookies) take posts
without a token; exempting anything else (say, a whole blueprint) fails this test.
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from participatie.config import Settings
from participatie.domain.agenda import Priority
from participatie.domain.commands import AcceptHandoff, RequestInfo
from participatie.domain.initiative import INITIATOR
from participatie.domain.values import Actor, Role
from participatie.media.photos import PhotoLimits, read_photo
from participatie.notifications.addresses import address_key
from participatie.notifications.links import support_link
from participatie.notifications.mail import compose
from tests.conftest import submission
from tests.e2e.conftest import PASSWORD, Site, csrf_token, follow, login, make_site
from tests.unit.test_photos import camera_jpeg

ROOT = Path(__file__).resolve().parents[2]
DEMO_MAP = ROOT / "participatie/demo/data/wijken_en_buurten.geojson"
DEMO_RULEBOOK = ROOT / "participatie/demo/data/rulebook.yaml"
STAFF_COOKIE = "participatie_medewerker"
CENTRUM = "gebiedsteam-centrum"
KERKBUURT = "BU99990101"  # a buurt of gebiedsteam-centrum
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
REFUSED_HEADING = "Het formulier is verlopen"
TOKEN_MISSING = "The CSRF token is missing."  # what Flask-WTF logs when it refuses

# The only endpoints that take unsafe methods without a CSRF token: no cookie opens them.
EXEMPT = frozenset(
    {
        "api_public.submit",
        "api_public.tracking",
        "api_public.support",
        "api_staff.act",
        "api_audit.verify_log",
        "open311.create_request",
        "open311.unknown",
    }
)
# What each exempt endpoint answers to its request below, sent without any CSRF token.
EXEMPT_ANSWERS = {
    "api_public.submit": 201,
    "api_public.tracking": 200,
    "api_public.support": 202,
    "api_staff.act": 200,
    "api_audit.verify_log": 200,
    "open311.create_request": 200,
    "open311.unknown": 404,
}
# What each protected endpoint answers to the same request WITH its CSRF token: proof that the
# browser could otherwise have used it (no Redis is configured here: requeueing answers 409).
ACCEPTED = {
    "public.submit": 303,
    "public.confirm_email": 200,
    "public.track_start": 303,
    "public.track_link": 303,
    "public.track_answer": 303,
    "public.track_withdraw": 303,
    "public.support": 303,
    "public.support_confirm": 303,
    "public.track_access": 303,
    "mine.request_link": 303,
    "mine.sign_in": 303,
    "mine.follow": 303,
    "mine.sign_out": 303,
    "mine.mute": 200,
    "follow.request_follow": 303,
    "follow.confirm": 200,
    "follow.stop": 200,
    "public.track_mail": 303,
    # The tracked initiative is not finished: past the token, the state refuses (422).
    "public.track_rate": 422,
    "public.track_reopen": 422,
    "staff.login": 303,
    "staff.logout": 303,
    "staff.bulk": 303,
    "staff.act": 303,
    "staff.contact": 200,
    "staff.search": 303,
    "staff.moderation_bulk": 200,
    "staff.moderate": 303,
    "staff.save_priority": 303,
    "staff.move_priority": 303,
    "staff.agenda_step": 303,
    "staff.order_challenges": 303,
    "staff.link_initiative": 303,
    "staff.set_capacity": 303,
    "admin.add_account": 303,
    "admin.change_account": 303,
    "admin.deactivate_account": 303,
    "admin.reactivate_account": 303,
    "admin.set_password": 303,
    "admin.save_team": 303,
    "admin.save_challenge": 303,
    "admin.apply_themes": 303,
    "admin.import_areas": 303,
    "admin.confirm_areas": 303,
    "admin.rulebook_step": 303,
    "admin.requeue_jobs": 409,
    "admin.erase": 303,
    "admin.subject_access": 200,
    "admin.mail_message": 200,
    "audit.integrity": 200,
    "audit.export": 200,
    "audit.search": 303,
}
PROTECTED = sorted(ACCEPTED)


@dataclass
class World:
    site: Site
    case: UUID  # led by gebiedsteam-centrum, public
    asked: str  # tracking code of an initiative waiting for its initiator's answer
    tracked: str  # tracking code of a freshly submitted initiative
    confirm_token: str
    support_token: str
    erase_me: UUID
    subject: UUID  # the initiator of `case`
    pending: UUID  # its public text waits for a moderator
    hide_me: UUID  # public, for a moderator to hide
    tracked_id: UUID  # the initiative of `tracked`, its address confirmed (mijn initiatieven)
    track_token: str  # the personal link to its tracking page
    signin_token: str  # a sign-in link for its initiator's address
    mute_token: str  # the link in a mail that turns public updates about `tracked` off
    follow_token: str  # the confirmation link of a request to follow a wijk
    unfollow_token: str  # the stop link of another (confirmed) follow
    bearers: dict[str, str] = field(default_factory=dict)

    def version(self, initiative_id: UUID) -> int:
        return int(self.site.app.get_initiative(initiative_id).version)

    def version_of(self, code: str) -> int:
        return self.version(self.site.app.find_by_tracking_code(code))


@dataclass
class Req:
    """One hand-written request: who sends it, where, and with what."""

    user: str | None  # a staff username, or None for a member of the public
    path: str
    form: dict[str, Any] | None = None
    json: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    tracking: str | None = None  # the tracking code this browser follows
    signin: str | None = None  # the sign-in token this browser opened (mijn initiatieven)


def _submission_form() -> dict[str, Any]:
    return {
        "kind": "resident",
        "name": "Kees Kanarie",
        "email": "kees.kanarie@example.org",
        "phone": "06-11223344",
        "address": "",
        "organisation_name": "",
        "kvk_number": "",
        "title": "Bankje bij de vijver",
        "description": "Een bankje bij de vijver zodat ouderen er even kunnen uitrusten.",
        "themes": ["groen"],
        "area_code": KERKBUURT,
        "lat": "",
        "lon": "",
        "consent": "ja",
        "requested_support": "",
        "website": "",
    }


def _api_submission() -> dict[str, Any]:
    data = submission()
    data["location"] = {"area_code": KERKBUURT}
    return data


def _new_rulebook() -> str:
    text = DEMO_RULEBOOK.read_text(encoding="utf-8")
    assert 'version: "2026-1"' in text
    return text.replace('version: "2026-1"', 'version: "2026-9"')


def _rulebook_form() -> dict[str, Any]:
    text = _new_rulebook()
    return {"text": text, "stap": "publiceren", "sha": hashlib.sha256(text.encode()).hexdigest()}


def _map_form() -> dict[str, Any]:
    return {"version": "2026-9", "file": (io.BytesIO(DEMO_MAP.read_bytes()), "kaart.geojson")}


def _map_preview(w: World) -> tuple[str, dict[str, str]]:
    """A fresh preview of the demo map under a new label: its address and confirmation form."""
    pending = w.site.container.pending_maps.put(
        DEMO_MAP.read_bytes(),
        f"csrf-{uuid4().hex[:8]}",
        "kaart.geojson",
        w.site.app.area_map_version(),
    )
    return f"/beheer/admin/gebiedskaart/voorvertoning/{pending.token}", {"sha": pending.sha256}


def _open311_form() -> dict[str, str]:
    return {
        "service_code": "groen",
        "address_id": KERKBUURT,
        "email": "melder@example.org",
        "first_name": "Mel",
        "last_name": "Der",
        "description": "Er ligt zwerfafval in de plantsoenen bij de kerk.",
    }


# Endpoint → its request. Every rule of the URL map with an unsafe method must be here.
REQUESTS: dict[str, Callable[[World], Req]] = {
    # public pages
    "public.submit": lambda w: Req(None, "/indienen", _submission_form()),
    "public.confirm_email": lambda w: Req(None, f"/bevestigen/{w.confirm_token}", {}),
    "public.track_start": lambda w: Req(None, "/volgen", {"code": w.tracked}),
    "public.track_link": lambda w: Req(None, f"/volgen/{w.tracked}", {}),
    "public.track_answer": lambda w: Req(
        None,
        "/mijn-initiatief/antwoord",
        {"version": w.version_of(w.asked), "answer": "De noordkant, bij de eik."},
        tracking=w.asked,
    ),
    "public.track_withdraw": lambda w: Req(
        None,
        "/mijn-initiatief/intrekken",
        {"version": w.version_of(w.tracked), "reason": "Opgelost met de buren"},
        tracking=w.tracked,
    ),
    "public.support": lambda w: Req(
        None, f"/initiatieven/{w.case}/steunen", {"email": "steuner@example.org"}
    ),
    "public.support_confirm": lambda w: Req(None, f"/steun/{w.support_token}", {}),
    "public.track_access": lambda w: Req(None, f"/volgen/toegang/{w.track_token}", {}),
    "mine.request_link": lambda w: Req(None, "/mijn-initiatieven", {"email": "anna@example.org"}),
    "mine.sign_in": lambda w: Req(None, f"/mijn-initiatieven/toegang/{w.signin_token}", {}),
    "mine.follow": lambda w: Req(
        None, "/mijn-initiatieven/volgen", {"initiative": str(w.tracked_id)}, signin=w.signin_token
    ),
    "mine.sign_out": lambda w: Req(None, "/mijn-initiatieven/afmelden", {}, signin=w.signin_token),
    "mine.mute": lambda w: Req(None, f"/berichten/uit/{w.mute_token}", {}),
    "follow.request_follow": lambda w: Req(
        None, "/gebieden/WK999901/volgen", {"email": "nieuw@example.org"}
    ),
    "follow.confirm": lambda w: Req(None, f"/gebieden/volgen/bevestigen/{w.follow_token}", {}),
    "follow.stop": lambda w: Req(None, f"/gebieden/volgen/stoppen/{w.unfollow_token}", {}),
    "public.track_rate": lambda w: Req(
        None,
        "/mijn-initiatief/beoordelen",
        {"version": w.version_of(w.tracked), "score": "4"},
        tracking=w.tracked,
    ),
    "public.track_reopen": lambda w: Req(
        None,
        "/mijn-initiatief/heropenen",
        {"version": w.version_of(w.tracked), "reason": "Nog niet goed."},
        tracking=w.tracked,
    ),
    "public.track_mail": lambda w: Req(
        None, "/mijn-initiatief/berichten", {"mail": ["completed"]}, tracking=w.tracked
    ),
    # staff pages
    "staff.login": lambda w: Req(
        None, "/beheer/inloggen", {"username": "gea", "password": PASSWORD}
    ),
    "staff.logout": lambda w: Req("gea", "/beheer/uitloggen", {}),
    "staff.bulk": lambda w: Req(
        "gea",
        f"/beheer/wachtrij/{CENTRUM}/bulk",
        {
            "ids": [str(w.case)],
            "bulk_action": "set_priority",
            "priority": "high",
            "reason": "Buurtbewoners wachten",
            f"version-{w.case}": str(w.version(w.case)),
        },
    ),
    "staff.act": lambda w: Req(
        "gea",
        f"/beheer/initiatieven/{w.case}/add_internal_note",
        {"version": str(w.version(w.case)), "note": "Besproken in het overleg"},
    ),
    "staff.contact": lambda w: Req("gea", f"/beheer/initiatieven/{w.case}/contactgegevens", {}),
    "staff.search": lambda w: Req("gea", "/beheer/zoeken", {"q": str(w.case)}),
    "staff.moderation_bulk": lambda w: Req(
        "rita",
        "/beheer/moderatie",
        {"ids": [str(w.pending)], f"version-{w.pending}": str(w.version(w.pending))},
    ),
    "staff.moderate": lambda w: Req(
        "rita",
        f"/beheer/moderatie/{w.hide_me}",
        {
            "action": "hide_public_text",
            "version": str(w.version(w.hide_me)),
            "reason": "Noemt de buren bij naam",
        },
    ),
    # area steering (each on its own agenda, so the order the tests run in does not matter)
    "staff.save_priority": lambda w: Req(
        "gea",
        "/beheer/gebieden/WK999901/agenda/prioriteit",
        {"periode": "2031", "key": "p1", "title": "Groen", "team": CENTRUM, "reason": "r"},
    ),
    "staff.move_priority": lambda w: Req(
        "gea",
        "/beheer/gebieden/WK999901/agenda/volgorde",
        {"periode": "2032", "key": "p2", "move": "up", "reason": "r"},
    ),
    "staff.agenda_step": lambda w: Req(
        "rita", "/beheer/gebieden/WK999904/agenda/vaststellen", {"periode": "2033", "reason": "r"}
    ),
    "staff.set_capacity": lambda w: Req(
        "rita", "/beheer/capaciteit", {"team": CENTRUM, "cases": "12", "reason": "r"}
    ),
    "staff.link_initiative": lambda w: Req(
        "gea",
        f"/beheer/initiatieven/{w.case}/agenda",
        {"area": "WK999904", "periode": "2033", "key": "p1", "reason": "r"},
    ),
    "staff.order_challenges": lambda w: Req(
        "rita",
        "/beheer/gebieden/WK999901/opgaven",
        {"rank-klimaatadaptatie": "1", "reason": "r"},
    ),
    # admin pages
    "admin.add_account": lambda w: Req(
        "beheer",
        "/beheer/admin/medewerkers",
        {
            "username": "nieuwlid",
            "name": "Nieuw Lid",
            "email": "nieuw@example.org",
            "role": "team_member",
            "teams": [CENTRUM],
            "password": "correct paard batterij nietje",
        },
    ),
    "admin.change_account": lambda w: Req(
        "beheer",
        "/beheer/admin/medewerkers/wijzigmij/wijzigen",
        {"name": "Andere Naam", "email": "", "role": "area_manager", "teams": [CENTRUM]},
    ),
    "admin.deactivate_account": lambda w: Req(
        "beheer", "/beheer/admin/medewerkers/wegermee/deactiveren", {"reason": "uit dienst"}
    ),
    "admin.reactivate_account": lambda w: Req(
        "beheer", "/beheer/admin/medewerkers/oud/heractiveren", {"reason": "terug in dienst"}
    ),
    "admin.set_password": lambda w: Req(
        "beheer",
        "/beheer/admin/medewerkers/wijzigmij/wachtwoord",
        {"password": "een heel ander lang wachtwoord"},
    ),
    "admin.save_team": lambda w: Req(
        "beheer",
        "/beheer/admin/teams",
        {"code": "lijn-nieuw", "name": "Afdeling Nieuw", "kind": "line", "email": ""},
    ),
    "admin.apply_themes": lambda w: Req("beheer", "/beheer/admin/themas", _themes_form(w)),
    "admin.save_challenge": lambda w: Req(
        "beheer",
        "/beheer/admin/opgaven",
        {
            "code": "energietransitie",
            "name": "Energietransitie in de buurt",
            "themes": ["energie", "wonen"],
            "team": "opgaveteam-energie",
            "focus_areas": ["BU99990201", "BU99990202", "BU99990302"],
        },
    ),
    "admin.import_areas": lambda w: Req("beheer", "/beheer/admin/gebiedskaart", _map_form()),
    "admin.confirm_areas": lambda w: Req("beheer", *_map_preview(w)),
    "admin.mail_message": lambda w: Req(
        "beheer", f"/beheer/admin/mail/bericht/{_mail_name(w)}", {}
    ),
    "admin.rulebook_step": lambda w: Req("beheer", "/beheer/admin/regelboek", _rulebook_form()),
    "admin.requeue_jobs": lambda w: Req("beheer", "/beheer/admin/taken", {"alles": "1"}),
    "admin.erase": lambda w: Req(
        "beheer",
        "/beheer/admin/privacy/verwijderen",
        {"scope": "initiative", "identifier": str(w.erase_me), "reason": "verzoek 2026-3"},
    ),
    "admin.subject_access": lambda w: Req(
        "beheer",
        "/beheer/admin/privacy/inzage",
        {"subject": str(w.subject), "purpose": "verzoek 2026-4"},
    ),
    # audit pages
    "audit.integrity": lambda w: Req("audrey", "/beheer/audit/controle", {}),
    "audit.search": lambda w: Req("audrey", "/beheer/audit/zoeken", {"q": str(w.case)}),
    "audit.export": lambda w: Req(
        "audrey", "/beheer/audit/export", {"format": "csv", "persoonsgegevens": "1"}
    ),
    # exempt: the JSON API (bearer tokens) and Open311
    "api_public.submit": lambda w: Req(None, "/api/v1/initiatives", json=_api_submission()),
    "api_public.tracking": lambda w: Req(
        None, "/api/v1/tracking", json={"tracking_code": w.tracked}
    ),
    "api_public.support": lambda w: Req(
        None, f"/api/v1/initiatives/{w.case}/support", json={"email": "api@example.org"}
    ),
    "api_staff.act": lambda w: Req(
        None,
        f"/api/v1/initiatives/{w.case}/actions/add_internal_note",
        json={"version": w.version(w.case), "note": "Via de API"},
        headers={"Authorization": f"Bearer {w.bearers['gea']}"},
    ),
    "api_audit.verify_log": lambda w: Req(
        None, "/api/v1/audit/verify", headers={"Authorization": f"Bearer {w.bearers['audrey']}"}
    ),
    "open311.create_request": lambda w: Req(None, "/open311/v2/requests.json", _open311_form()),
    "open311.unknown": lambda w: Req(None, "/open311/v2/bestaat-niet", {}),
}


def support_token(site: Site, initiative_id: UUID) -> str:
    """A support link's token, as the support form mails it."""
    link = support_link(site.app, site.container.tokens, initiative_id, "steuner@example.org")
    assert link is not None
    return link.token


def _routed(site: Site, photos: int = 0) -> Any:
    data = submission()
    data["location"] = {"area_code": KERKBUURT}
    data["themes"] = ["cultuur"]
    pictures = [read_photo(camera_jpeg(), PhotoLimits()) for _ in range(photos)]
    done = site.app.submit(data, photos=pictures)
    site.app.route_initiative(done.initiative_id, Actor.system("test"))
    return done


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    settings = Settings(
        var_dir=tmp_path_factory.mktemp("csrf") / "var",
        # With OpenID Connect on, its blueprint is in the URL map too (no provider is called).
        oidc_issuer="https://idp.example.invalid",
        oidc_client_id="participatie",
        oidc_role_map="beheer=admin",
        auto_approve=True,
    )
    site = make_site(settings)
    staff = site.container.staff
    system = Actor.system("test")
    accounts = [
        ("beheer", Role.ADMIN, []),
        ("gea", Role.AREA_MANAGER, [CENTRUM]),
        ("audrey", Role.AUDITOR, []),
        ("rita", Role.REGIE, ["regie"]),
        ("wijzigmij", Role.TEAM_MEMBER, [CENTRUM]),
        ("wegermee", Role.TEAM_MEMBER, [CENTRUM]),
        ("oud", Role.TEAM_MEMBER, [CENTRUM]),
    ]
    for username, role, teams in accounts:
        staff.add(username, username.title(), role, teams, PASSWORD, system)
    staff.deactivate("oud", system, "uit dienst")
    staff.grant("audrey", "onderzoek 2026-5", 7, system)  # she may export personal data
    case = _routed(site, photos=2)
    asked = _routed(site)
    manager = Actor(id="staff:gea", role=Role.AREA_MANAGER, team=CENTRUM)
    site.app.act(asked.initiative_id, AcceptHandoff(), actor=manager)
    site.app.act(asked.initiative_id, RequestInfo(question="Welke kant?"), actor=manager)
    tracked = site.app.submit(submission(location={"area_code": KERKBUURT}))
    two = [Priority(k, "Titel", "", (), CENTRUM, (), ()) for k in ("p1", "p2")]
    site.app.draft_agenda("WK999901", "2032", two, "concept", manager)
    site.app.draft_agenda("WK999904", "2033", two, "concept", manager)
    erase_me = _routed(site)
    hide_me = _routed(site)
    site.app.auto_approve = False  # this one waits for a moderator
    pending = _routed(site, photos=1)
    site.app.auto_approve = True
    site.project()
    mail = compose("zoe@example.org", "Uw initiatief", "Beste Zoë, bedankt.")
    welcome = f"submitted-{case.initiative_id}-v1-initiator"
    assert (
        site.container.mailer.send(welcome, mail, audience="initiator", kind="submitted") == "sent"
    )
    tokens = site.container.tokens
    address = address_key(site.app, "anna@example.org")  # tests.conftest.submission's address
    initiator = site.app.get_initiative(tracked.initiative_id).initiator.subject_id
    site.container.addresses.add(
        address, UUID(str(tracked.initiative_id)), initiator, INITIATOR, site.app.clock()
    )
    to_confirm = site.app.request_follow("WK999901", "volger@example.org", "nl")
    following = site.app.request_follow("WK999901", "trouw@example.org", "en")
    site.app.confirm_follow(following.follow_id, 1)
    built = World(
        site=site,
        case=UUID(str(case.initiative_id)),
        asked=asked.tracking_code,
        tracked=tracked.tracking_code,
        confirm_token=tokens.make("confirm-email", {"i": str(tracked.initiative_id)}),
        support_token=support_token(site, UUID(str(case.initiative_id))),
        erase_me=UUID(str(erase_me.initiative_id)),
        subject=site.app.get_initiative(case.initiative_id).initiator.subject_id,
        pending=UUID(str(pending.initiative_id)),
        hide_me=UUID(str(hide_me.initiative_id)),
        tracked_id=UUID(str(tracked.initiative_id)),
        track_token=tokens.make("track", {"i": str(tracked.initiative_id)}),
        signin_token=tokens.make("sign-in", {"a": address}),
        mute_token=tokens.make("mute", {"i": str(tracked.initiative_id), "k": "public_update"}),
        follow_token=tokens.make("follow", {"f": str(to_confirm.follow_id), "r": 1}),
        unfollow_token=tokens.make("unfollow", {"f": str(following.follow_id), "r": 1}),
        bearers={name: staff.issue_token(name, "test", 1) for name in ("gea", "audrey")},
    )
    assert site.client().get(f"/initiatieven/{built.case}").status_code == 200  # public
    try:
        yield built
    finally:
        site.container.close()


def unsafe_rules(site: Site) -> dict[str, set[str]]:
    """Endpoint → the unsafe methods its rule takes, from the application's URL map."""
    found: dict[str, set[str]] = {}
    for rule in site.flask.url_map.iter_rules():
        methods = set(rule.methods or ()) & UNSAFE
        if methods:
            found.setdefault(rule.endpoint, set()).update(methods)
    return found


def browser(w: World, req: Req) -> FlaskClient:
    """A client as `req` says: logged in as its user, or following its tracking code."""
    client = w.site.client()
    if req.user is not None:
        # A real session, as the login form starts one (the password check is tested elsewhere).
        token = w.site.container.staff.sessions.start(req.user)
        client.set_cookie(STAFF_COOKIE, token, path="/beheer")
        assert client.get("/beheer/").status_code == 200, req.user
    if req.tracking is not None:
        assert follow(client, req.tracking).status_code == 303
    if req.signin is not None:
        path = f"/mijn-initiatieven/toegang/{req.signin}"
        token = csrf_token(client, path)
        assert client.post(path, data={"csrf_token": token}).status_code == 303
    return client


def prepare(
    w: World, endpoint: str, *, with_token: bool
) -> tuple[FlaskClient, Callable[[str], TestResponse]]:
    """A browser for `endpoint`'s request, and a function that sends it with a method."""
    req = REQUESTS[endpoint](w)
    client = browser(w, req)
    form = dict(req.form) if req.form is not None else None
    if form is not None:
        # The session holds a CSRF token either way; only the form's copy is left out.
        page = "/beheer/" if req.user else "/indienen"
        token = csrf_token(client, page)
        if with_token:
            form["csrf_token"] = token

    def fire(method: str) -> TestResponse:
        return client.open(req.path, method=method, data=form, json=req.json, headers=req.headers)

    return client, fire


def refused_for_csrf(response: TestResponse, caplog: pytest.LogCaptureFixture) -> bool:
    return response.status_code == 400 and TOKEN_MISSING in caplog.messages


def state(w: World) -> tuple[Any, ...]:
    """Everything a request could store: events, mails, staff accounts and their sessions."""
    staff = w.site.container.staff
    accounts = tuple(
        (a.username, a.name, a.role, tuple(a.teams), a.active, a.email) for a in staff.all()
    )
    sessions = sorted(staff.tables.run("SELECT token_hash FROM participatie_staff_sessions"))
    passwords = sorted(staff.tables.run("SELECT username, hash FROM participatie_staff_passwords"))
    return w.site.events(), len(w.site.container.mailer.messages()), accounts, sessions, passwords


def test_every_unsafe_route_in_the_url_map_has_a_hand_written_request(world: World) -> None:
    """A new POST (PUT, PATCH, DELETE) route fails here until it gets a request above."""
    rules = unsafe_rules(world.site)
    assert set(rules) == set(REQUESTS)
    assert set(REQUESTS) == set(ACCEPTED) | EXEMPT
    assert not set(ACCEPTED) & EXEMPT
    # Every blueprint is in the map, OpenID Connect's too (its routes are GET only).
    blueprints = {rule.endpoint.split(".")[0] for rule in world.site.flask.url_map.iter_rules()}
    assert {"public", "staff", "admin", "audit", "oidc", "health", "open311"} <= blueprints
    assert {"api_public", "api_staff", "api_audit"} <= blueprints


@pytest.mark.parametrize("endpoint", PROTECTED)
def test_a_request_without_csrf_token_is_refused_with_400_and_changes_nothing(
    world: World, endpoint: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Sent by a browser that may use the form, but without the form's token: 400, no change."""
    methods = unsafe_rules(world.site)[endpoint]
    for method in sorted(methods):
        client, fire = prepare(world, endpoint, with_token=False)
        before = state(world)
        with caplog.at_level(logging.INFO, logger="flask_wtf.csrf"):
            caplog.clear()
            response = fire(method)
        assert response.status_code == 400, (method, response.get_data(as_text=True)[:500])
        assert REFUSED_HEADING in response.get_data(as_text=True)
        assert TOKEN_MISSING in caplog.messages
        assert state(world) == before
        assert STAFF_COOKIE not in response.headers.get("Set-Cookie", "")  # no login or logout
        if REQUESTS[endpoint](world).user is not None:
            assert client.get("/beheer/").status_code == 200  # still logged in


@pytest.mark.parametrize("endpoint", PROTECTED)
def test_with_its_csrf_token_the_same_request_gets_through(
    world: World, endpoint: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The control: the refused request was one this browser could otherwise send."""
    with caplog.at_level(logging.INFO, logger="flask_wtf.csrf"):
        response = prepare(world, endpoint, with_token=True)[1]("POST")
    assert not refused_for_csrf(response, caplog)
    assert response.status_code == ACCEPTED[endpoint], response.get_data(as_text=True)[:2000]


def test_exactly_the_listed_endpoints_take_unsafe_requests_without_a_token(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """The exempt set is EXEMPT, and each exempt endpoint works without token or cookie."""
    answers: dict[str, int] = {}
    refused: set[str] = set()
    for endpoint, methods in sorted(unsafe_rules(world.site).items()):
        for method in sorted(methods):
            fire = prepare(world, endpoint, with_token=False)[1]
            with caplog.at_level(logging.INFO, logger="flask_wtf.csrf"):
                caplog.clear()
                response = fire(method)
            if refused_for_csrf(response, caplog):
                refused.add(endpoint)
            else:
                answers[endpoint] = response.status_code
    assert set(answers) == EXEMPT
    assert refused == set(ACCEPTED)
    assert answers == EXEMPT_ANSWERS


@pytest.mark.parametrize(
    ("user", "path", "body"),
    [
        ("gea", "/api/v1/initiatives/{case}/actions/add_internal_note", {"note": "Via cookie"}),
        ("audrey", "/api/v1/audit/verify", None),
    ],
)
def test_the_exempt_api_ignores_the_staff_session_cookie(
    world: World, user: str, path: str, body: dict[str, Any] | None
) -> None:
    """Exempt is safe only because no cookie opens the API: a session cookie alone gets 401."""
    client = world.site.client()
    token = world.site.container.staff.sessions.start(user)
    client.set_cookie(STAFF_COOKIE, token, path="/")  # even when the browser would send it
    assert client.get("/beheer/").status_code == 200
    before = world.site.events()
    json = None if body is None else {"version": world.version(world.case), **body}
    response = client.post(path.format(case=world.case), json=json)
    assert response.status_code == 401
    assert world.site.events() == before


def test_the_login_form_without_token_logs_nobody_in(world: World) -> None:
    """Login CSRF: a forged login post starts no session, even with the right password."""
    client = world.site.client()
    csrf_token(client, "/beheer/inloggen")
    response = client.post("/beheer/inloggen", data={"username": "gea", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get_cookie(STAFF_COOKIE, path="/beheer") is None
    assert client.get("/beheer/").status_code == 302
    assert login(client, "gea", PASSWORD).status_code == 303  # the control


# -- no GET records anything -----------------------------------------------------------------

# Query parameters that once made a GET open or export personal data (recording it in the name
# of whoever followed the link); every GET below is sent with all of them.
TRIGGERS = "contactgegevens=1&persoonsgegevens=1&format=csv"
AUDIT_MOMENT = "2026-01-01T12:00"


def _themes_form(w: World) -> dict[str, str]:
    """The current theme list as the admin page posts it, under a new version name."""
    unique = uuid4().hex[:8]
    form = {"versie": f"csrf-{unique}", "reden": "controle", "nieuw-code": f"proef_{unique}"}
    form |= {"nieuw-nl": "Proef", "nieuw-en": "Trial"}
    for theme in w.site.app.theme_list().themes:
        form |= {f"{theme.code}-nl": theme.nl, f"{theme.code}-en": theme.en}
        form |= {f"{theme.code}-active": "1"} if theme.active else {}
    return form


def _mail_name(w: World) -> str:
    """The outbox copy of the message to the case's initiator (the world puts it there)."""
    return f"submitted-{w.case}-v1-initiator.eml"


# Endpoint → a GET that reaches its handler, sent by someone who may use it. Every rule of the
# URL map that takes GET must be here.
GETS: dict[str, Callable[[World], Req]] = {
    "static": lambda w: Req(None, "/static/style.css"),
    "health.healthz": lambda w: Req(None, "/healthz"),
    "health.metrics": lambda w: Req(None, "/metrics"),
    # public pages
    "public.home": lambda w: Req(None, "/"),
    "public.submit": lambda w: Req(None, "/indienen"),
    "public.confirm_email": lambda w: Req(None, f"/bevestigen/{w.confirm_token}"),
    "public.received": lambda w: Req(None, "/ontvangen"),
    "public.track_start": lambda w: Req(None, "/volgen"),
    "public.track_link": lambda w: Req(None, f"/volgen/{w.tracked}"),
    "public.track": lambda w: Req(None, "/mijn-initiatief", tracking=w.tracked),
    "public.area": lambda w: Req(None, "/gebieden/GM9999"),
    "public.initiative": lambda w: Req(None, f"/initiatieven/{w.case}"),
    "public.support_confirm": lambda w: Req(None, f"/steun/{w.support_token}"),
    "public.track_access": lambda w: Req(None, f"/volgen/toegang/{w.track_token}"),
    "mine.overview": lambda w: Req(None, "/mijn-initiatieven", signin=w.signin_token),
    "mine.sign_in": lambda w: Req(None, f"/mijn-initiatieven/toegang/{w.signin_token}"),
    "mine.mute": lambda w: Req(None, f"/berichten/uit/{w.mute_token}"),
    "follow.ask": lambda w: Req(None, "/gebieden/WK999901/volgen"),
    "follow.confirm": lambda w: Req(None, f"/gebieden/volgen/bevestigen/{w.follow_token}"),
    "follow.stop": lambda w: Req(None, f"/gebieden/volgen/stoppen/{w.unfollow_token}"),
    "search_public.search": lambda w: Req(None, "/zoeken?q=geveltuinen"),
    "public.privacy": lambda w: Req(None, "/privacy"),
    "public.accessibility": lambda w: Req(None, "/toegankelijkheid"),
    "public.language": lambda w: Req(None, "/taal/en"),
    # staff pages
    "staff.login": lambda w: Req(None, "/beheer/inloggen"),
    "staff.home": lambda w: Req("gea", "/beheer/"),
    "staff.queue": lambda w: Req("gea", f"/beheer/wachtrij/{CENTRUM}"),
    "staff.detail": lambda w: Req("gea", f"/beheer/initiatieven/{w.case}"),
    "staff.regie": lambda w: Req("rita", "/beheer/regie"),
    "staff.regie_trend": lambda w: Req("rita", "/beheer/regie/overdrachten.svg"),
    "staff.areas": lambda w: Req("gea", "/beheer/gebieden"),
    "staff.capacity": lambda w: Req("gea", "/beheer/capaciteit"),
    "staff.challenge": lambda w: Req("gea", "/beheer/opgaven/klimaatadaptatie"),
    "staff.pc_report": lambda w: Req("gea", "/beheer/gebieden/WK999901/pc"),
    "staff.pc_chart": lambda w: Req("gea", "/beheer/gebieden/WK999901/pc.svg"),
    "staff.pc_csv": lambda w: Req("gea", "/beheer/gebieden/WK999901/pc.csv"),
    "staff.pc_xlsx": lambda w: Req("gea", "/beheer/gebieden/WK999901/pc.xlsx"),
    "staff.capacity_chart": lambda w: Req("gea", "/beheer/capaciteit/belasting.svg"),
    "staff.capacity_trend": lambda w: Req("gea", f"/beheer/capaciteit/{CENTRUM}/trend.svg"),
    "staff.area": lambda w: Req("gea", "/beheer/gebieden/WK999901"),
    "staff.search": lambda w: Req("gea", "/beheer/zoeken?q=geveltuinen"),
    "staff.moderation": lambda w: Req("rita", "/beheer/moderatie"),
    "staff.photo": lambda w: Req("gea", f"/beheer/initiatieven/{w.case}/fotos/1?klein=1"),
    "public.photo": lambda w: Req(None, f"/initiatieven/{w.case}/fotos/2"),
    "staff.moderate": lambda w: Req("rita", f"/beheer/moderatie/{w.pending}"),
    "oidc.start": lambda w: Req(None, "/beheer/oidc/start"),
    "oidc.callback": lambda w: Req(None, "/beheer/oidc/terug?code=x&state=y"),
    # admin pages
    "admin.home": lambda w: Req("beheer", "/beheer/admin/"),
    "admin.accounts": lambda w: Req("beheer", "/beheer/admin/medewerkers"),
    "admin.account": lambda w: Req("beheer", "/beheer/admin/medewerkers/gea"),
    "admin.areas": lambda w: Req("beheer", "/beheer/admin/gebiedskaart"),
    "admin.preview_areas": lambda w: Req("beheer", _map_preview(w)[0]),
    "admin.challenges": lambda w: Req("beheer", "/beheer/admin/opgaven"),
    "admin.jobs": lambda w: Req("beheer", "/beheer/admin/taken"),
    "admin.mail": lambda w: Req("beheer", "/beheer/admin/mail"),
    "admin.themes": lambda w: Req("beheer", "/beheer/admin/themas"),
    "admin.mail_message": lambda w: Req("beheer", f"/beheer/admin/mail/bericht/{_mail_name(w)}"),
    "admin.privacy": lambda w: Req("beheer", "/beheer/admin/privacy"),
    "admin.rulebook": lambda w: Req("beheer", "/beheer/admin/regelboek"),
    "admin.teams": lambda w: Req("beheer", "/beheer/admin/teams"),
    # audit pages
    "audit.home": lambda w: Req("audrey", "/beheer/audit/"),
    "audit.history": lambda w: Req("audrey", f"/beheer/audit/initiatieven/{w.case}"),
    "audit.history_json": lambda w: Req("audrey", f"/beheer/audit/initiatieven/{w.case}.json"),
    "audit.queue_as_of": lambda w: Req(
        "audrey", f"/beheer/audit/wachtrij?team={CENTRUM}&op={AUDIT_MOMENT}"
    ),
    "audit.integrity": lambda w: Req("audrey", "/beheer/audit/controle"),
    "audit.agenda_as_of": lambda w: Req("audrey", "/beheer/audit/gebiedsagenda"),
    "audit.processing": lambda w: Req("audrey", "/beheer/audit/verwerkingen"),
    "audit.search": lambda w: Req("audrey", "/beheer/audit/zoeken?q=geveltuinen"),
    # the JSON API and its documentation
    "api-docs.openapi_json": lambda w: Req(None, "/api/v1/openapi.json"),
    "api_docs": lambda w: Req(None, "/api/v1/docs"),
    "api_public.themes": lambda w: Req(None, "/api/v1/themes"),
    "api_public.areas": lambda w: Req(None, "/api/v1/areas"),
    "api_public.teams": lambda w: Req(None, "/api/v1/teams"),
    "api_steering.matrix": lambda w: Req(
        None, "/api/v1/steering/matrix", headers={"Authorization": f"Bearer {w.bearers['gea']}"}
    ),
    "api_steering.area": lambda w: Req(
        None,
        "/api/v1/areas/WK999901/steering",
        headers={"Authorization": f"Bearer {w.bearers['gea']}"},
    ),
    "api_steering.challenge": lambda w: Req(
        None,
        "/api/v1/challenges/klimaatadaptatie/overview",
        headers={"Authorization": f"Bearer {w.bearers['gea']}"},
    ),
    "api_staff.queue": lambda w: Req(
        None, f"/api/v1/queues/{CENTRUM}", headers={"Authorization": f"Bearer {w.bearers['gea']}"}
    ),
    "api_staff.case": lambda w: Req(
        None,
        f"/api/v1/initiatives/{w.case}",
        headers={"Authorization": f"Bearer {w.bearers['gea']}"},
    ),
    "api_audit.history": lambda w: Req(
        None,
        f"/api/v1/audit/initiatives/{w.case}/history",
        headers={"Authorization": f"Bearer {w.bearers['audrey']}"},
    ),
    "api_audit.as_of": lambda w: Req(
        None,
        f"/api/v1/audit/initiatives/{w.case}/as-of?at=2099-01-01T00:00:00Z",
        headers={"Authorization": f"Bearer {w.bearers['audrey']}"},
    ),
    # Open311
    "open311.discovery": lambda w: Req(None, "/open311/v2/discovery.json"),
    "open311.services": lambda w: Req(None, "/open311/v2/services.json"),
    "open311.service_definition": lambda w: Req(None, "/open311/v2/services/groen.json"),
    "open311.list_requests": lambda w: Req(None, "/open311/v2/requests.json"),
    "open311.get_request": lambda w: Req(None, f"/open311/v2/requests/{w.case}.json"),
    "open311.unknown": lambda w: Req(None, "/open311/v2/bestaat-niet"),
}
# What each GET answers (with the trigger parameters): it reached its handler, or was refused
# as it should be. The OpenID Connect pages cannot reach the provider (502) or have no login
# under way (400). The audit export takes no GET at all (see the test below).
GET_ANSWERS = {
    "static": 200,
    "health.healthz": 200,
    "health.metrics": 200,
    "public.home": 200,
    "public.submit": 200,
    "public.confirm_email": 200,
    "public.received": 200,
    "public.track_start": 200,
    "public.track_link": 200,
    "public.track": 200,
    "public.area": 200,
    "public.initiative": 200,
    "public.support_confirm": 200,
    "public.track_access": 200,
    "mine.overview": 200,
    "mine.sign_in": 200,
    "mine.mute": 200,
    "follow.ask": 200,
    "follow.confirm": 200,
    "follow.stop": 200,
    "search_public.search": 200,
    "public.privacy": 200,
    "public.accessibility": 200,
    "public.language": 303,
    "staff.login": 200,
    "staff.home": 200,
    "staff.queue": 200,
    "staff.detail": 200,
    "staff.regie": 200,
    "staff.regie_trend": 200,
    "staff.areas": 200,
    "staff.capacity": 200,
    "staff.challenge": 200,
    "staff.pc_report": 200,
    "staff.pc_chart": 200,
    "staff.pc_csv": 200,
    "staff.pc_xlsx": 200,
    "staff.capacity_chart": 200,
    "staff.capacity_trend": 200,
    "staff.area": 200,
    "staff.search": 200,
    "staff.moderation": 200,
    "staff.photo": 200,
    "public.photo": 200,
    "staff.moderate": 200,
    "oidc.start": 502,
    "oidc.callback": 400,
    "admin.home": 200,
    "admin.accounts": 200,
    "admin.account": 200,
    "admin.areas": 200,
    "admin.preview_areas": 200,
    "admin.challenges": 200,
    "admin.jobs": 200,
    "admin.mail": 200,
    "admin.themes": 200,
    "admin.mail_message": 200,
    "admin.privacy": 200,
    "admin.rulebook": 200,
    "admin.teams": 200,
    "audit.home": 200,
    "audit.history": 200,
    "audit.history_json": 200,
    "audit.queue_as_of": 200,
    "audit.agenda_as_of": 200,
    "audit.integrity": 200,
    "audit.processing": 200,
    "audit.search": 200,
    "api-docs.openapi_json": 200,
    "api_docs": 200,
    "api_public.themes": 200,
    "api_public.areas": 200,
    "api_public.teams": 200,
    "api_staff.queue": 200,
    "api_steering.matrix": 200,
    "api_steering.area": 200,
    "api_steering.challenge": 200,
    "api_staff.case": 200,
    "api_audit.history": 200,
    "api_audit.as_of": 200,
    "open311.discovery": 200,
    "open311.services": 200,
    "open311.service_definition": 200,
    "open311.list_requests": 200,
    "open311.get_request": 200,
    "open311.unknown": 404,
}


def get_rules(site: Site) -> set[str]:
    return {rule.endpoint for rule in site.flask.url_map.iter_rules() if "GET" in rule.methods}


def test_every_get_route_in_the_url_map_has_a_hand_written_request(world: World) -> None:
    """A new GET route fails here until it gets a request above (and is shown to write nothing)."""
    assert get_rules(world.site) == set(GETS)
    assert set(GETS) == set(GET_ANSWERS)


@pytest.mark.parametrize("endpoint", sorted(GETS))
def test_no_get_request_records_anything(world: World, endpoint: str) -> None:
    """A link from another site is a GET: whatever its parameters, it records nothing (no event,
    so no opened personal data and no export), sends no mail and changes no account."""
    req = GETS[endpoint](world)
    client = browser(world, req)
    before = state(world)
    separator = "&" if "?" in req.path else "?"
    response = client.get(f"{req.path}{separator}{TRIGGERS}", headers=req.headers)
    assert response.status_code == GET_ANSWERS[endpoint], response.get_data(as_text=True)[:500]
    assert state(world) == before


def test_a_cross_site_export_link_exports_and_records_nothing(world: World) -> None:
    """An auditor with a grant who follows a link to the export gets no file, and nothing is
    recorded in her name; the audit page's form posts (with its token) instead."""
    client = browser(world, Req("audrey", "/beheer/audit/"))
    before = state(world)
    link = "/beheer/audit/export?format=csv&persoonsgegevens=1"
    response = client.get(link)
    assert response.status_code == 405
    assert "Content-Disposition" not in response.headers
    assert "anna@example.org" not in response.get_data(as_text=True)
    assert state(world) == before
    home = client.get("/beheer/audit/").get_data(as_text=True)
    assert '<form method="post" action="/beheer/audit/export" class="form">' in home


def test_a_link_asking_for_contact_details_shows_the_page_without_opening_them(
    world: World,
) -> None:
    client = browser(world, Req("gea", "/beheer/"))
    before = state(world)
    page = client.get(f"/beheer/initiatieven/{world.case}?contactgegevens=1")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "anna@example.org" not in body  # the initiator's address (tests.conftest.submission)
    assert f'action="/beheer/initiatieven/{world.case}/contactgegevens#contact"' in body
    assert state(world) == before
    # The world's routed initiatives share their title: the page (which test_axe_everywhere
    # checks) shows them as likely duplicates, with a way to merge.
    assert 'id="dubbelingen"' in body and "samenvoegen=" in body
