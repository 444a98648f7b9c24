"""Mixed traffic of a municipality's day, for the soak (`benchmarks.soak` runs it headless).

    .venv/bin/locust -f benchmarks/locustfile.py --headless -u 15 -r 2 --run-time 20m \
        --host http://127.0.0.1:PORT --csv var/locust

Four kinds of visitor, each waiting 1-3 s between tasks:

- `Resident` (most users): the home page with the map, area pages, public initiative pages, the
  municipality overview, the Open311 list, tracking (form, then "my initiative"), now and then
  the submission form (CSRF token, honeypot left empty) and a support request by form (a
  confirmation mail goes to the outbox).
- `ApiClient`: the JSON API's reads (areas, themes, teams), submissions (`POST
  /api/v1/initiatives`), status by tracking code and support requests.
- `StaffWeb` (`SOAK_STAFF_WEB` users, default 2): logs in at /beheer with a password, reads its
  team queue (filters, sorts, next page) and initiative pages, and acts through the forms.
- `StaffApi` (`SOAK_STAFF_API` users, default 1): the same work through the staff API with a
  bearer token.

Every answer is checked: an unexpected status is a failure, as is a page without what it must
show. Nothing may conflict by design, so a 409 is a failure too: each staff user works as its
own team's account (one team per user, from `SOAK_STAFF`) and acts only on initiatives its team
leads that were submitted during this run (the deadline sweep may act on the demo's), each time
with the version it has just read. The rate limits must be off (a 429 is a failure).

Environment: `SOAK_STAFF` (JSON file: accounts with username, password, team, role, token),
`SOAK_ACKNOWLEDGED` (file to which the id of every acknowledged submission is appended, one per
line: API 201s, and form submissions once their tracking code resolves), `SOAK_GROUPS` (JSON file
written at the end: requests, failures and percentiles per endpoint group). Request names are
"group: endpoint"; the group is what the soak report sums over. Run locust as one process (no
`--processes`): the users share what they have seen (ids, tracking codes) in memory.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
from pathlib import Path
from typing import Any, TextIO

from locust import HttpUser, between, events, task
from locust.clients import ResponseContextManager
from locust.env import Environment
from locust.stats import StatsEntry

AREAS = (
    "BU99990101", "BU99990102", "BU99990103", "BU99990104", "BU99990201", "BU99990202",
    "BU99990203", "BU99990204", "BU99990301", "BU99990302", "BU99990303", "BU99990304",
    "BU99990401", "BU99990402", "BU99990403", "WK999901", "WK999902", "WK999903", "WK999904",
)  # fmt: skip
MUNICIPALITY = "GM9999"
THEMES = ("groen", "verkeer", "energie", "jeugd", "wonen", "armoede", "ondernemen", "cultuur")
GROUPS = ("pages", "static", "api-read", "tracking", "submit", "support", "staff-web", "staff-api")

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PUBLIC_LINK = re.compile(r'href="/initiatieven/([0-9a-f-]{36})"')
AREA_LINK = re.compile(r'href="/gebieden/([A-Z0-9]+)"')
TRACKING_CODE = re.compile(r'id="volgcode">([^<]+)<')
STAFF_LINK = re.compile(r'href="/beheer/initiatieven/([0-9a-f-]{36})"')
STAFF_FORM = re.compile(r'action="/beheer/initiatieven/([0-9a-f-]{36})/([a-z_]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')
NEXT_PAGE = re.compile(r'href="(/beheer/wachtrij/[^"]*after=[^"]*)"')

# What the users share (one locust process, gevent: no locks needed).
SUBMITTED: set[str] = set()  # ids acknowledged in this run: the only ones staff act on
TRACKING_CODES: list[str] = []
PUBLIC_IDS: set[str] = set()  # public initiatives seen in links on the pages
_ACCOUNTS = itertools.count()
_NUMBERS = itertools.count(1)
_acknowledged_file: TextIO | None = None


def name(group: str, endpoint: str) -> str:
    assert group in GROUPS
    return f"{group}: {endpoint}"


def acknowledge(initiative_id: str, tracking_code: str) -> None:
    """Remember an acknowledged submission, and append its id to `SOAK_ACKNOWLEDGED`."""
    global _acknowledged_file
    SUBMITTED.add(initiative_id)
    TRACKING_CODES.append(tracking_code)
    path = os.environ.get("SOAK_ACKNOWLEDGED")
    if path:
        if _acknowledged_file is None:
            _acknowledged_file = Path(path).open("a", encoding="utf-8")  # noqa: SIM115
        _acknowledged_file.write(initiative_id + "\n")
        _acknowledged_file.flush()


def staff_accounts() -> list[dict[str, str]]:
    path = os.environ.get("SOAK_STAFF")
    if not path:
        raise RuntimeError("SOAK_STAFF names no file of staff accounts (run benchmarks.soak)")
    accounts: list[dict[str, str]] = json.loads(Path(path).read_text("utf-8"))
    return accounts


def next_account() -> dict[str, str]:
    """A staff account no other user has: one team, one user (so no two act on one case)."""
    accounts = staff_accounts()
    number = next(_ACCOUNTS)
    if number >= len(accounts):
        raise RuntimeError(f"more staff users than the {len(accounts)} staff accounts")
    return accounts[number]


def submission(rng: random.Random) -> dict[str, Any]:
    """A valid API submission body: a resident, business or organisation, 1-2 themes."""
    number = next(_NUMBERS)
    kind = rng.choice(("resident", "resident", "resident", "business", "organisation"))
    initiator: dict[str, Any] = {
        "kind": kind,
        "name": f"Soak Indiener {number}",
        "email": f"soak{number}@example.org",
    }
    if kind == "business":
        initiator |= {"kvk_number": "12345678", "organisation_name": f"Soak Bedrijf {number}"}
    elif kind == "organisation":
        initiator |= {"organisation_name": f"Soak Vereniging {number}"}
    area = MUNICIPALITY if rng.random() < 0.05 else rng.choice(AREAS)
    return {
        "initiator": initiator,
        "title": f"Soak-initiatief {number}",
        "description": f"Initiatief {number} van de duurtest: een bankje, een boom of een feest.",
        "themes": rng.sample(THEMES, rng.choice((1, 1, 2))),
        "location": {"area_code": area},
        "consent_to_publish": rng.random() < 0.5,
    }


def expect(response: ResponseContextManager, *statuses: int, contains: str = "") -> bool:
    """Mark `response` a failure unless its status is one of `statuses` (and it holds text)."""
    if response.status_code == 0:  # no answer: refused, reset or timed out
        response.failure(f"no answer: {response.error!r}")
        return False
    if response.status_code not in statuses:
        response.failure(f"status {response.status_code}, expected {statuses}")
        return False
    if contains and contains not in response.text:
        response.failure(f"answer lacks {contains!r}")
        return False
    response.success()
    return True


def csrf_token(response: ResponseContextManager) -> str | None:
    found = CSRF.search(response.text)
    if found is None:
        response.failure("no CSRF token in the form")
        return None
    return found.group(1)


class Visitor(HttpUser):
    """Requests named "group: endpoint"; redirects are never followed, but checked (a staff
    page that sends to the login form, or a form that answers 200 instead of 303, fails)."""

    abstract = True
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.rng = random.Random()

    def get(self, group: str, endpoint: str, path: str, **kwargs: Any) -> Any:
        return self.client.get(
            path, name=name(group, endpoint), allow_redirects=False, catch_response=True, **kwargs
        )

    def post(self, group: str, endpoint: str, path: str, **kwargs: Any) -> Any:
        return self.client.post(
            path, name=name(group, endpoint), allow_redirects=False, catch_response=True, **kwargs
        )


class Resident(Visitor):
    """A resident browsing the public site; now and then submitting or supporting by form."""

    weight = 10

    def on_start(self) -> None:
        super().on_start()
        self.areas: list[str] = list(AREAS)

    def _page(self, path: str, endpoint: str) -> str | None:
        with self.get("pages", endpoint, path) as r:
            if not expect(r, 200):
                return None
            PUBLIC_IDS.update(PUBLIC_LINK.findall(r.text))
            return str(r.text)

    @task(10)
    def home(self) -> None:
        text = self._page("/", "/")
        if text is not None:
            self.areas = sorted(set(AREA_LINK.findall(text))) or self.areas
        if self.rng.random() < 0.2:  # a first visit: the browser has no cached assets yet
            for asset in ("style.css", "kaart.js"):
                with self.get("static", asset, f"/static/{asset}") as r:
                    expect(r, 200)

    @task(8)
    def area(self) -> None:
        self._page(f"/gebieden/{self.rng.choice(self.areas)}", "/gebieden/[buurt|wijk]")

    @task(3)
    def overview(self) -> None:
        """The municipality's overview: every wijk rolled up, and the challenges."""
        self._page(f"/gebieden/{MUNICIPALITY}", "/gebieden/[gemeente]")

    @task(6)
    def initiative(self) -> None:
        if not PUBLIC_IDS:
            self.home()
            return
        initiative_id = self.rng.choice(sorted(PUBLIC_IDS))
        self._page(f"/initiatieven/{initiative_id}", "/initiatieven/[id]")

    @task(1)
    def open311_list(self) -> None:
        """The public list of (open) initiatives on one theme, as Open311 JSON."""
        theme = self.rng.choice(THEMES)
        path = f"/open311/v2/requests.json?service_code={theme}&status=open"
        with self.get("api-read", "/open311/v2/requests.json", path) as r:
            if expect(r, 200) and not isinstance(r.json(), list):
                r.failure("not a list")

    @task(1)
    def small_pages(self) -> None:
        self._page(self.rng.choice(("/privacy", "/toegankelijkheid")), "/privacy|toegankelijkheid")

    @task(1)
    def language(self) -> None:
        code = self.rng.choice(("en", "nl"))
        with self.get("pages", "/taal/[code]", f"/taal/{code}?terug=/") as r:
            expect(r, 303)

    @task(3)
    def track(self) -> None:
        """Enter a tracking code in the form, then read "my initiative"."""
        if not TRACKING_CODES:
            return
        code = self.rng.choice(TRACKING_CODES)
        with self.get("tracking", "/volgen", "/volgen") as r:
            if not expect(r, 200) or (token := csrf_token(r)) is None:
                return
        with self.post(
            "tracking", "POST /volgen", "/volgen", data={"csrf_token": token, "code": code}
        ) as r:
            if not expect(r, 303):
                return
        with self.get("tracking", "/mijn-initiatief", "/mijn-initiatief") as r:
            expect(r, 200, contains="Soak-initiatief")

    @task(1)
    def submit_form(self) -> None:
        """The submission form; the confirmation page's tracking code resolves to the id."""
        with self.get("submit", "/indienen", "/indienen") as r:
            if not expect(r, 200) or (token := csrf_token(r)) is None:
                return
        body = submission(self.rng)
        initiator = body["initiator"]
        form: dict[str, Any] = {
            "csrf_token": token,
            "website": "",  # the honeypot
            "kind": initiator["kind"],
            "name": initiator["name"],
            "email": initiator["email"],
            "title": body["title"],
            "description": body["description"],
            "themes": body["themes"],
            "area_code": body["location"]["area_code"],
            "consent": "ja" if body["consent_to_publish"] else "nee",
        }
        for field in ("kvk_number", "organisation_name"):
            if field in initiator:
                form[field] = initiator[field]
        with self.post("submit", "POST /indienen", "/indienen", data=form) as r:
            if not expect(r, 303):
                return
        with self.get("submit", "/ontvangen", "/ontvangen") as r:
            if not expect(r, 200):
                return
            found = TRACKING_CODE.search(r.text)
            if found is None:
                r.failure("no tracking code on the confirmation page")
                return
            code = found.group(1).strip()
        with self.post(
            "tracking", "POST /api/v1/tracking", "/api/v1/tracking", json={"tracking_code": code}
        ) as r:
            if expect(r, 200):
                acknowledge(str(r.json()["id"]), code)

    @task(1)
    def support_form(self) -> None:
        """Ask to support a public initiative by form: a confirmation mail is sent."""
        if not PUBLIC_IDS:
            return
        page = f"/initiatieven/{self.rng.choice(sorted(PUBLIC_IDS))}"
        with self.get("pages", "/initiatieven/[id]", page) as r:
            if not expect(r, 200) or (token := csrf_token(r)) is None:
                return
        form = {"csrf_token": token, "website": "", "email": f"steun{next(_NUMBERS)}@example.org"}
        with self.post(
            "support", "POST /initiatieven/[id]/steunen", f"{page}/steunen", data=form
        ) as r:
            if expect(r, 303) and "steun=verstuurd" not in r.headers.get("Location", ""):
                r.failure("support not sent")


class ApiClient(Visitor):
    """Another system or an app on the public JSON API."""

    weight = 3

    @task(5)
    def reads(self) -> None:
        what = self.rng.choice(("areas", "themes", "teams"))
        with self.get("api-read", f"/api/v1/{what}", f"/api/v1/{what}") as r:
            if expect(r, 200) and not r.json():
                r.failure("empty list")

    @task(1)
    def services(self) -> None:
        path = "/open311/v2/services.json"
        with self.get("api-read", path, path) as r:
            expect(r, 200)

    @task(3)
    def submit(self) -> None:
        path = "/api/v1/initiatives"
        with self.post("submit", f"POST {path}", path, json=submission(self.rng)) as r:
            if expect(r, 201):
                answer = r.json()
                acknowledge(str(answer["id"]), str(answer["tracking_code"]))

    @task(3)
    def status(self) -> None:
        if not TRACKING_CODES:
            return
        code = self.rng.choice(TRACKING_CODES)
        with self.post(
            "tracking", "POST /api/v1/tracking", "/api/v1/tracking", json={"tracking_code": code}
        ) as r:
            expect(r, 200)

    @task(1)
    def support(self) -> None:
        if not PUBLIC_IDS:
            return
        path = f"/api/v1/initiatives/{self.rng.choice(sorted(PUBLIC_IDS))}/support"
        email = {"email": f"steun{next(_NUMBERS)}@example.org"}
        with self.post("support", "POST /api/v1/initiatives/[id]/support", path, json=email) as r:
            expect(r, 202)


def staff_action(
    rng: random.Random, possible: list[str], account: dict[str, str]
) -> tuple[str, dict[str, Any]] | None:
    """The next thing a case handler does, from the actions the platform offers now."""
    if "accept_handoff" in possible:
        return "accept_handoff", {}
    texts: dict[str, dict[str, Any]] = {
        "set_priority": {
            "priority": rng.choice(("urgent", "high", "normal", "low")),
            "reason": "Ingeschat in het teamoverleg.",
        },
        "assign": {"assignee": account["username"]},
        "add_internal_note": {"note": "Gebeld met de indiener; zij komt met een tekening."},
        "post_public_update": {"message": "We hebben uw initiatief in behandeling genomen."},
        "decide": {
            "outcome": rng.choice(("honoured", "partly_honoured", "not_honoured")),
            "rationale": "Afgewogen tegen het gebiedsplan en het budget.",
            "reason": "Besproken in het teamoverleg.",
        },
        "publish_decision": {},
        "start_execution": {},
        "complete": {},
    }
    weights = {
        "set_priority": 3,
        "assign": 2,
        "add_internal_note": 4,
        "post_public_update": 2,
        "decide": 1,
        "publish_decision": 4,
        "start_execution": 2,
        "complete": 1,
    }
    offered = [a for a in weights if a in possible]
    if not offered:
        return None
    action = rng.choices(offered, [weights[a] for a in offered])[0]
    return action, texts[action]


class StaffWeb(Visitor):
    """A case handler at /beheer: queue, initiative pages, forms with CSRF token and version."""

    fixed_count = int(os.environ.get("SOAK_STAFF_WEB", "2"))

    def on_start(self) -> None:
        super().on_start()
        self.account = next_account()
        self.team = self.account["team"]
        self.seen: list[str] = []
        with self.get("staff-web", "/beheer/inloggen", "/beheer/inloggen") as r:
            if not expect(r, 200) or (token := csrf_token(r)) is None:
                return
        form = {
            "csrf_token": token,
            "username": self.account["username"],
            "password": self.account["password"],
            "volgende": "/beheer/",
        }
        with self.post("staff-web", "POST /beheer/inloggen", "/beheer/inloggen", data=form) as r:
            expect(r, 303)

    @task(1)
    def home(self) -> None:
        with self.get("staff-web", "/beheer/", "/beheer/") as r:
            expect(r, 200, contains=f"/beheer/wachtrij/{self.team}")

    @task(4)
    def queue(self) -> None:
        params: dict[str, str] = {"sort": self.rng.choice(("activity", "activity", "submitted"))}
        choice = self.rng.random()
        if choice < 0.2:
            params["theme"] = self.rng.choice(THEMES)
        elif choice < 0.35:
            params["status"] = "routed"
        elif choice < 0.45:
            params["mine"] = "1"
        path = f"/beheer/wachtrij/{self.team}"
        with self.get("staff-web", "/beheer/wachtrij/[team]", path, params=params) as r:
            if not expect(r, 200):
                return
            self.seen = list(dict.fromkeys(STAFF_LINK.findall(r.text)))
            following = NEXT_PAGE.search(r.text)
        if following is not None and self.rng.random() < 0.2:
            path = following.group(1).replace("&amp;", "&")
            with self.get("staff-web", "/beheer/wachtrij/[team]?after", path) as r:
                expect(r, 200)

    @task(1)
    def regie(self) -> None:
        if self.account["role"] != "regie":
            return
        with self.get("staff-web", "/beheer/regie", "/beheer/regie") as r:
            expect(r, 200)

    def _detail(self, initiative_id: str) -> tuple[int, list[str], str] | None:
        """The initiative page: its version, the actions offered, the forms' CSRF token."""
        path = f"/beheer/initiatieven/{initiative_id}"
        with self.get("staff-web", "/beheer/initiatieven/[id]", path) as r:
            if not expect(r, 200):
                return None
            version = VERSION.search(r.text)
            if version is None:
                r.failure("no version on the page")
                return None
            possible = [a for i, a in STAFF_FORM.findall(r.text) if i == initiative_id]
            token = CSRF.search(r.text)
            return int(version.group(1)), possible, token.group(1) if token else ""

    @task(3)
    def read(self) -> None:
        if self.seen:
            self._detail(self.rng.choice(self.seen))

    @task(3)
    def act(self) -> None:
        """Open one of this run's initiatives the team leads, and take the next step."""
        ours = [i for i in self.seen if i in SUBMITTED]
        if not ours:
            return
        initiative_id = self.rng.choice(ours)
        found = self._detail(initiative_id)
        if found is None:
            return
        version, possible, token = found
        if "set_priority" not in possible:
            return  # only involved (a note at most), or closed: not this team's case now
        chosen = staff_action(self.rng, possible, self.account)
        if chosen is None:
            return
        action, fields = chosen
        with self.post(
            "staff-web",
            f"POST /beheer/initiatieven/[id]/{action}",
            f"/beheer/initiatieven/{initiative_id}/{action}",
            data={"csrf_token": token, "version": str(version), **fields},
        ) as r:
            if expect(r, 303) and "gedaan=" not in r.headers.get("Location", ""):
                r.failure("the action was not done")


class StaffApi(Visitor):
    """A case-management system acting for one team through the staff API (bearer token)."""

    fixed_count = int(os.environ.get("SOAK_STAFF_API", "1"))

    def on_start(self) -> None:
        super().on_start()
        self.account = next_account()
        self.team = self.account["team"]
        self.headers = {"Authorization": f"Bearer {self.account['token']}"}
        self.items: list[dict[str, Any]] = []

    @task(4)
    def queue(self) -> None:
        params: dict[str, str] = {"sort": "activity", "limit": "50"}
        if self.rng.random() < 0.3:
            params["theme"] = self.rng.choice(THEMES)
        path = f"/api/v1/queues/{self.team}"
        with self.get(
            "staff-api", "/api/v1/queues/[team]", path, params=params, headers=self.headers
        ) as r:
            if expect(r, 200):
                self.items = list(r.json()["items"])

    def _case(self, initiative_id: str) -> dict[str, Any] | None:
        path = f"/api/v1/initiatives/{initiative_id}"
        with self.get("staff-api", "/api/v1/initiatives/[id]", path, headers=self.headers) as r:
            if not expect(r, 200):
                return None
            case: dict[str, Any] = r.json()
            return case

    @task(2)
    def read(self) -> None:
        if self.items:
            self._case(str(self.rng.choice(self.items)["initiative_id"]))

    @task(3)
    def act(self) -> None:
        """Take the next step on one of this run's initiatives the team leads."""
        ours = [
            str(i["initiative_id"])
            for i in self.items
            if i["role"] == "lead" and str(i["initiative_id"]) in SUBMITTED
        ]
        if not ours:
            return
        initiative_id = self.rng.choice(ours)
        case = self._case(initiative_id)
        if case is None or case["lead_team"] != self.team:
            return
        # The API lists what the status and the role allow; leave out what the state rules out.
        possible = list(case["actions"])
        if not case["handoff_pending"]:
            possible = [a for a in possible if a != "accept_handoff"]
        if case["decision_published"]:
            possible = [a for a in possible if a != "publish_decision"]
        if case["outcome"] == "not_honoured":
            possible = [a for a in possible if a != "start_execution"]
        chosen = staff_action(self.rng, possible, self.account)
        if chosen is None:
            return
        action, fields = chosen
        with self.post(
            "staff-api",
            f"POST /api/v1/initiatives/[id]/actions/{action}",
            f"/api/v1/initiatives/{initiative_id}/actions/{action}",
            json={"version": case["version"], **fields},
            headers=self.headers,
        ) as r:
            if expect(r, 200) and r.json()["version"] <= case["version"]:
                r.failure("the version did not move on")


@events.quitting.add_listener
def write_groups(environment: Environment, **_: Any) -> None:
    """Write requests, failures and percentiles per group (`SOAK_GROUPS`) for the report."""
    path = os.environ.get("SOAK_GROUPS")
    if not path or environment.stats is None:
        return
    totals: dict[str, StatsEntry] = {}
    for entry in environment.stats.entries.values():
        group = entry.name.split(": ", 1)[0]
        if group not in totals:
            totals[group] = StatsEntry(environment.stats, group, "", use_response_times_cache=False)
        totals[group].extend(entry)
    figures = {
        group: {
            "requests": total.num_requests,
            "failures": total.num_failures,
            "p50": total.get_response_time_percentile(0.5),
            "p95": total.get_response_time_percentile(0.95),
            "p99": total.get_response_time_percentile(0.99),
            "max": total.max_response_time,
        }
        for group, total in sorted(totals.items())
    }
    Path(path).write_text(json.dumps(figures, indent=2), encoding="utf-8")
