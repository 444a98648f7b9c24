"""Follow an area (issue 24 item 5) through the Flask test client: ask on the area's page,
confirm by the mailed link (double opt-in), hear of a new public initiative there, stop by the
link in that mail; bad input is a field error and stores nothing; erasing the person stops
their follows. Mail goes to the outbox; the mail jobs run as the relay would."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from participatie.domain.follow import AreaFollow
from participatie.notifications.messages import deliver
from participatie.privacy.erasure import erase_subject
from tests.e2e.conftest import Site, csrf_token
from tests.e2e.test_mine import LINK, PRIVACY, mails, press, run_mail_jobs, submit_and_confirm
from tests.e2e.test_public_pages import submit

WIJK, BUURT, ELSEWHERE = "WK999901", "BU99990101", "BU99990201"  # the demo's Kerkbuurt in wijk 01
ADDRESS = "volger@example.org"


def ask(site: Site, area: str, address: str = ADDRESS, language: str = "nl") -> Any:
    client = site.client()
    if language == "en":
        client.get("/taal/en")
    token = csrf_token(client, f"/gebieden/{area}/volgen")
    return client.post(
        f"/gebieden/{area}/volgen", data={"csrf_token": token, "email": address, "website": ""}
    )


def follow_jobs(site: Site) -> None:
    """Run the mail job of every follow event (as the relay would)."""
    for n in site.app.notifications(
        AreaFollow.Requested, AreaFollow.RequestedAgain, AreaFollow.Confirmed, AreaFollow.Stopped
    ):
        deliver(site.container, UUID(str(n.originator_id)), n.originator_version)


def links(message: Any, start: str) -> list[str]:
    from tests.e2e.test_mine import text_of

    return [p for p in LINK.findall(text_of(message)) if p.startswith(start)]


def test_ask_confirm_hear_of_a_new_initiative_and_stop(site: Site) -> None:
    area_page = site.client().get(f"/gebieden/{WIJK}").get_data(as_text=True)
    assert f'href="/gebieden/{WIJK}/volgen"' in area_page
    answer = ask(site, WIJK)
    assert answer.status_code == 303
    assert answer.headers["Location"] == f"/gebieden/{WIJK}/volgen?verstuurd=1"
    follow_jobs(site)
    (asked,) = mails(site, "follow-")
    assert asked["To"] == ADDRESS
    (confirm,) = links(asked, "/gebieden/volgen/bevestigen/")
    client = site.client()
    page = client.get(confirm).get_data(as_text=True)
    assert "Bevestigen" in page and 'id="bevestigd"' not in page  # a mail scanner does nothing
    assert site.container.followers.confirmed_in([WIJK]) == []
    done = press(client, confirm)
    assert done.status_code == 200 and 'id="bevestigd"' in done.get_data(as_text=True)
    follow_jobs(site)
    (follow_id,) = site.container.followers.confirmed_in([WIJK])

    # Asking again with the same address: the same answer, no second follow, no new mail.
    before = len(site.container.mailer.messages())
    assert ask(site, WIJK, " Volger@Example.org").status_code == 303
    follow_jobs(site)
    assert len(site.container.mailer.messages()) == before

    code = submit(site, title="Watertappunt bij de kerk", area_code=BUURT)
    initiative_id = site.app.find_by_tracking_code(code)
    assert initiative_id is not None
    run_mail_jobs(site, initiative_id)
    news = [m for m in mails(site, f"follow-{follow_id}-") if "Nieuw initiatief" in m["Subject"]]
    (alert,) = news
    assert alert["Subject"] == "Nieuw initiatief in Centrum: Watertappunt bij de kerk"
    assert links(alert, f"/initiatieven/{initiative_id}")
    (stop,) = links(alert, "/gebieden/volgen/stoppen/")
    stopped = press(site.client(), stop)
    assert stopped.status_code == 200 and 'id="gestopt"' in stopped.get_data(as_text=True)
    assert site.container.followers.confirmed_in([WIJK]) == []
    assert mails(site, f"follow-{follow_id}-") == []  # the outbox keeps nothing of the address
    assert site.app.vault.open(site.app.get_follow(follow_id).follower) is None
    assert site.client().get(confirm).status_code == 410  # the old link opens nothing


def test_bad_input_is_a_field_error_in_the_readers_language_and_stores_nothing(
    site: Site,
) -> None:
    before = site.events()
    dutch = ask(site, WIJK, "geen-adres")
    assert dutch.status_code == 422
    page = dutch.get_data(as_text=True)
    assert 'id="veld-email"' in page and 'aria-invalid="true"' in page
    english = ask(site, WIJK, "no-address", language="en")
    assert english.status_code == 422
    assert "Follow" in english.get_data(as_text=True)
    client = site.client()
    token = csrf_token(client, f"/gebieden/{WIJK}/volgen")
    unknown = client.post(
        "/gebieden/GEEN-GEBIED/volgen", data={"csrf_token": token, "email": ADDRESS}
    )
    assert unknown.status_code == 404
    assert site.client().get("/gebieden/GEEN-GEBIED/volgen").status_code == 404
    assert site.client().get("/gebieden/volgen/bevestigen/onzin").status_code == 404
    assert site.client().get("/gebieden/volgen/stoppen/onzin").status_code == 404
    assert site.events() == before


def test_another_buurt_and_unconfirmed_follows_hear_nothing(site: Site) -> None:
    ask(site, ELSEWHERE, "ver@example.org")
    ask(site, WIJK, "stil@example.org")  # never confirms
    follow_jobs(site)
    for message in mails(site, "follow-"):
        if message["To"] == "ver@example.org":
            (confirm,) = links(message, "/gebieden/volgen/bevestigen/")
            press(site.client(), confirm)
    follow_jobs(site)
    start = len(site.container.mailer.messages())
    code = submit(site, title="Watertappunt bij de kerk", area_code=BUURT)
    initiative_id = site.app.find_by_tracking_code(code)
    assert initiative_id is not None
    run_mail_jobs(site, initiative_id)
    new = site.container.mailer.messages()[start:]
    assert not [p for p in new if p.name.startswith("follow-")]


def test_erasing_a_person_stops_the_follows_of_their_address(site: Site) -> None:
    _, initiative_id = submit_and_confirm(site)  # by kees.kanarie@example.org
    ask(site, WIJK, "kees.kanarie@example.org")
    follow_jobs(site)
    (message,) = [m for m in mails(site, "follow-") if m["To"] == "kees.kanarie@example.org"]
    (confirm,) = links(message, "/gebieden/volgen/bevestigen/")
    press(site.client(), confirm)
    follow_jobs(site)
    (follow_id,) = site.container.followers.confirmed_in([WIJK])
    subject = site.app.get_initiative(initiative_id).initiator.subject_id
    erase_subject(site.container, subject, PRIVACY, "verzoek")
    assert site.container.followers.confirmed_in([WIJK]) == []
    assert site.app.get_follow(follow_id).state == "stopped"
    assert site.app.vault.open(site.app.get_follow(follow_id).follower) is None
    assert mails(site, f"follow-{follow_id}-") == []


def test_the_follower_index_can_be_rebuilt_from_the_log(site: Site) -> None:
    from click.testing import CliRunner

    from participatie.cli import main
    from tests.e2e.test_mine import cli_env

    ask(site, WIJK, "een@example.org")
    ask(site, BUURT, "twee@example.org")
    ask(site, BUURT, "weg@example.org")
    follow_jobs(site)
    for message in mails(site, "follow-"):
        (confirm,) = links(message, "/gebieden/volgen/bevestigen/")
        if message["To"] != "twee@example.org":  # twee never confirms
            press(site.client(), confirm)
    follow_jobs(site)
    gone = next(
        f
        for f in site.container.followers.confirmed_in([BUURT])
        if site.app.vault.open(site.app.get_follow(f).follower) == {"email": "weg@example.org"}
    )
    site.app.stop_follow(gone)  # a crash before the index heard of it
    book = site.container.followers
    book.tables.change("DELETE FROM participatie_followers")  # an upgrade: no index yet
    result = CliRunner().invoke(main, ["privacy", "index-addresses"], env=cli_env(site))
    assert result.exit_code == 0, result.output
    assert "2 gebieden gevolgd" in result.output  # een (confirmed) and twee (waiting)
    assert len(book.confirmed_in([WIJK])) == 1 and book.confirmed_in([BUURT]) == []


def test_an_erasure_a_crash_cut_short_is_finished_in_the_followers_mail_too(site: Site) -> None:
    """The initiator's erasure was recorded and their key shredded, then the process died
    before the outbox was cleaned: `finish_erasures` (the daily retention run) removes the
    followers' copies that quote the title, and keeps the follower's other mail."""
    from participatie.privacy.erasure import finish_erasures

    ask(site, WIJK)
    follow_jobs(site)
    (asked,) = mails(site, "follow-")
    (confirm,) = links(asked, "/gebieden/volgen/bevestigen/")
    press(site.client(), confirm)
    follow_jobs(site)
    (follow_id,) = site.container.followers.confirmed_in([WIJK])
    code = submit(site, title="Watertappunt bij de kerk", area_code=BUURT)
    initiative_id = site.app.find_by_tracking_code(code)
    assert initiative_id is not None
    run_mail_jobs(site, initiative_id)
    alerts = [m for m in mails(site, f"follow-{follow_id}-") if "Watertappunt" in m["Subject"]]
    assert len(alerts) == 1
    initiator = site.app.get_initiative(initiative_id).initiator.subject_id
    site.app.erase_subjects(initiative_id, [initiator], PRIVACY, "verzoek")  # then the crash
    finish_erasures(site.container)
    left = mails(site, f"follow-{follow_id}-")
    assert [m for m in left if "Watertappunt" in m["Subject"]] == []
    assert len(left) == 1  # the confirmation mail names no initiative
