"""Asking to support an initiative, by the form and by the API, tried as an attacker would.

Only a published initiative can be supported: an unpublished one answers exactly as an unknown
one. The mailed link starts with PARTICIPATIE_PUBLIC_URL whatever Host the request names. A title
with a line break reaches no header. The mail goes through a real SMTP server on loopback.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from participatie.application.schemas import SubmissionSchema
from participatie.config import Settings
from tests.conftest import submission
from tests.e2e.conftest import CSRF, Site, make_site
from tests.services import SMTPServer, smtp_server

PUBLIC_URL = "https://participatie.example.nl"
EVIL = "evil.example"
SUPPORTER = "steuner@example.org"
TITLE = "Bankje bij de vijver"
# The headers of a support mail: nothing else may be there (no Bcc, no Cc, nothing injected).
HEADERS = {
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "Content-Type",
    "Content-Transfer-Encoding",
    "MIME-Version",
}


@pytest.fixture
def smtp() -> Iterator[SMTPServer]:
    with smtp_server() as server:
        yield server


@pytest.fixture
def mailing(tmp_path: Path, smtp: SMTPServer) -> Iterator[Site]:
    settings = Settings(
        var_dir=tmp_path / "var",
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        smtp_security="none",
        public_url=PUBLIC_URL,
    )
    site = make_site(settings)
    try:
        yield site
    finally:
        site.container.close()


def stored(site: Site, title: str = TITLE, *, consent: bool = True) -> str:
    """An initiative with `title` as it stands in the log (written past the input checks, as a
    value stored before they existed would be), projected."""
    raw = submission(location={"area_code": "BU99990101"}, consent_to_publish=consent)
    data = SubmissionSchema(site.app.area_index()).load_submission(raw)
    data["title"] = title
    initiative_id = site.app.submit(data).initiative_id
    site.project()
    return str(initiative_id)


def by_form(site: Site, initiative_id: str, host: str = "localhost") -> Any:
    """The support form, every request naming `host`; the CSRF token comes from the submit page,
    so an initiative without a public page can be asked for too."""
    client = site.client()
    headers = {"Host": host}
    found = CSRF.search(client.get("/indienen", headers=headers).get_data(as_text=True))
    assert found, "no CSRF token"
    data = {"csrf_token": found.group(1), "email": SUPPORTER}
    return client.post(f"/initiatieven/{initiative_id}/steunen", data=data, headers=headers)


def by_api(site: Site, initiative_id: str, host: str = "localhost") -> Any:
    return site.client().post(
        f"/api/v1/initiatives/{initiative_id}/support",
        json={"email": SUPPORTER},
        headers={"Host": host},
    )


ASK = {"form": by_form, "api": by_api}
ANSWERED = {"form": 303, "api": 202}


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


@pytest.mark.parametrize("entrance", ASK)
def test_the_mailed_link_starts_with_the_public_url_whatever_the_host_header(
    mailing: Site, smtp: SMTPServer, entrance: str
) -> None:
    initiative_id = stored(mailing)
    response = ASK[entrance](mailing, initiative_id, host=EVIL)
    assert response.status_code == ANSWERED[entrance], response.get_data(as_text=True)
    [message] = smtp.received
    links = re.findall(r"\S+/steun/\S+", text_of(message))
    assert len(links) == 1 and links[0].startswith(f"{PUBLIC_URL}/steun/"), links
    assert EVIL not in message.as_string()


@pytest.mark.parametrize("entrance", ASK)
def test_a_line_break_in_the_title_reaches_no_header(
    mailing: Site, smtp: SMTPServer, entrance: str
) -> None:
    initiative_id = stored(mailing, "Bankje\r\nBcc: x@evil.example")
    response = ASK[entrance](mailing, initiative_id)
    assert response.status_code == ANSWERED[entrance], response.get_data(as_text=True)
    [message] = smtp.received
    assert smtp.recipients == [[SUPPORTER]]
    assert sorted(message.keys()) == sorted(HEADERS)  # each once
    assert str(message["To"]) == SUPPORTER
    assert str(message["Subject"]) == "Bevestig uw steun voor: Bankje Bcc: x@evil.example"
    entries = mailing.container.mailer.log.entries()
    assert [(e.kind, e.state) for e in entries] == [("support", "sent")]


@pytest.mark.parametrize("entrance", ASK)
def test_an_unpublished_initiative_answers_as_an_unknown_one_and_mails_nothing(
    mailing: Site, smtp: SMTPServer, entrance: str
) -> None:
    hidden = stored(mailing, "Geheim plan van de buren", consent=False)
    unknown = str(uuid.uuid4())
    before = mailing.events()
    answers = [ASK[entrance](mailing, ident) for ident in (hidden, unknown)]
    assert [a.status_code for a in answers] == [404, 404]
    # The page names the address asked for (in its language links); apart from that, the same.
    idents = (hidden, unknown)
    bodies = [
        a.get_data(as_text=True).replace(i, "ID") for a, i in zip(answers, idents, strict=True)
    ]
    assert bodies[0] == bodies[1]
    assert "Geheim plan" not in bodies[0]
    assert smtp.received == []
    assert mailing.container.mailer.log.entries() == []
    assert mailing.events() == before
