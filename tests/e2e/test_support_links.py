"""Support links and their mail, from the form and the API alike, go with the supporter's erasure.

A support confirmation is mailed under a key that starts with the initiative and the supporter's
subject id, whichever entrance asked for it; the link's token holds the address sealed under the
supporter's own key. After an erasure the outbox keeps no such mail and no link opens, also not
with var/secret.key; a link page is never cached and never sent as a Referer.
"""

from __future__ import annotations

import email
import email.policy
import re
from typing import Any
from uuid import UUID, uuid4

from participatie.application.schemas import SubmissionSchema
from participatie.bootstrap import secret_key
from participatie.domain.values import Actor
from participatie.notifications.tokens import TokenBox
from participatie.privacy.erasure import erase_initiative, erase_subject
from tests.conftest import submission
from tests.e2e.conftest import Site, csrf_token

ADDRESS = "steuner.wis@example.org"
OFFICER = Actor.system("privacy")
REASON = "Verzoek van betrokkene"
LINK = re.compile(r"https?://[^/\s]+(/steun/\S+)")


def published(site: Site) -> UUID:
    person = {"kind": "resident", "name": "Bram Anders", "email": "bram@example.org"}
    data = submission(initiator=person, location={"area_code": "BU99990101"})
    initiative_id = site.app.submit(SubmissionSchema(site.app.area_index()).load_submission(data))
    site.project()
    return initiative_id.initiative_id


def ask_by_form(site: Site, initiative_id: UUID) -> None:
    client, page = site.client(), f"/initiatieven/{initiative_id}"
    data = {"csrf_token": csrf_token(client, page), "email": ADDRESS}
    assert client.post(f"{page}/steunen", data=data).status_code == 303


def ask_by_api(site: Site, initiative_id: UUID) -> None:
    answer = site.client().post(
        f"/api/v1/initiatives/{initiative_id}/support", json={"email": ADDRESS}
    )
    assert answer.status_code == 202, answer.get_data(as_text=True)


def support_mails(site: Site) -> dict[str, str]:
    """Outbox name -> text, of the support confirmations."""
    found = {}
    for path in site.container.mailer.messages():
        if path.name.startswith("support-"):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            found[path.name] = message.get_content()  # type: ignore[attr-defined]
    return found


def links(site: Site) -> list[str]:
    return [LINK.search(text).group(1) for text in support_mails(site).values()]  # type: ignore[union-attr]


def test_support_mails_asked_through_the_form_and_the_api_both_go_with_the_erasure(
    site: Site,
) -> None:
    initiative_id = published(site)
    ask_by_form(site, initiative_id)
    ask_by_api(site, initiative_id)
    names = sorted(support_mails(site))
    assert len(names) == 2
    first = links(site)[0]
    client = site.client()
    assert client.post(first, data={"csrf_token": csrf_token(client, first)}).status_code == 303
    (supporter,) = site.app.get_initiative(initiative_id).supporters
    prefix = f"support-{initiative_id}-{supporter.hex}-"
    assert all(name.startswith(prefix) for name in names), names  # one rule, both entrances

    done = erase_subject(site.container, supporter, OFFICER, REASON)
    assert done.mails_removed == 2
    assert support_mails(site) == {}


def test_an_erased_supporters_links_open_to_nothing_even_with_the_secret_on_disk(
    site: Site,
) -> None:
    initiative_id = published(site)
    ask_by_form(site, initiative_id)
    ask_by_api(site, initiative_id)
    paths = links(site)
    client = site.client()
    token = csrf_token(client, paths[1])
    assert client.post(paths[1], data={"csrf_token": token}).status_code == 303
    (supporter,) = site.app.get_initiative(initiative_id).supporters
    box = TokenBox(secret_key(site.container.settings))
    tokens = [path.rsplit("/", 1)[1] for path in paths]
    payloads = [box.open("support", token, max_age=3600) for token in tokens]
    # The initiative, the subject, the sealed address; whether updates were asked, the language.
    assert [sorted(p) for p in payloads] == [["c", "i", "l", "s", "u"]] * 2
    assert {p["s"] for p in payloads} == {supporter.hex}  # both under the supporter's key
    assert not any(ADDRESS.encode() in repr(p).encode() for p in payloads)

    erase_initiative(site.container, initiative_id, OFFICER, REASON)

    assert [site.client().get(path).status_code for path in paths] == [410, 410]
    assert client.post(paths[0], data={"csrf_token": token}).status_code == 410
    # Asking again with the erased address: the same answer, but nothing mailed or kept.
    ask_by_form(site, initiative_id)
    ask_by_api(site, initiative_id)
    assert support_mails(site) == {}
    assert site.container.keys.get(supporter) is None


def test_an_erased_initiators_address_confirmation_link_is_gone(site: Site) -> None:
    initiative_id = published(site)
    token = site.container.tokens.make("confirm-email", {"i": str(initiative_id)})
    assert site.client().get(f"/bevestigen/{token}").status_code == 200
    erase_initiative(site.container, initiative_id, OFFICER, REASON)
    assert site.client().get(f"/bevestigen/{token}").status_code == 410


def test_a_link_page_is_never_cached_and_never_sent_as_a_referer(site: Site) -> None:
    initiative_id = published(site)
    ask_by_form(site, initiative_id)
    confirm_token = site.container.tokens.make("confirm-email", {"i": str(initiative_id)})
    pages: dict[str, Any] = {
        "support": site.client().get(links(site)[0]),
        "confirm": site.client().get(f"/bevestigen/{confirm_token}"),
    }
    assert {name: page.status_code for name, page in pages.items()} == {
        "support": 200,
        "confirm": 200,
    }
    for page in pages.values():
        assert page.headers["Referrer-Policy"] == "no-referrer"
        assert page.headers["Cache-Control"] == "no-store"


def asked_subject(site: Site, initiative_id: UUID) -> UUID:
    """The subject id of the one unconfirmed support request mailed for `initiative_id`."""
    (name,) = support_mails(site)
    prefix = f"support-{initiative_id}-"
    assert name.startswith(prefix)
    return UUID(hex=name[len(prefix) :].split("-")[0])


def test_a_support_asked_and_never_confirmed_goes_with_the_initiatives_erasure(
    site: Site,
) -> None:
    initiative_id = published(site)
    ask_by_form(site, initiative_id)
    subject = asked_subject(site, initiative_id)
    done = erase_initiative(site.container, initiative_id, OFFICER, REASON)
    assert done.mails_removed >= 1
    assert support_mails(site) == {}
    assert site.app.vault.shred(subject) is False  # its key was deleted already


def test_a_support_request_whose_link_expired_is_forgotten_by_the_daily_sweep(
    site: Site,
) -> None:
    from participatie.privacy.erasure import finish_erasures

    old, fresh = published(site), published(site)
    ask_by_form(site, old)
    expired = asked_subject(site, old)
    site.container.mailer.log.tables.change(
        "UPDATE participatie_mail_log SET created_at = ? WHERE key LIKE ?",
        ("2020-01-01T00:00:00.000000+00:00", f"support-{old}-%"),
    )
    ask_by_form(site, fresh)  # asked just now: its link can still be used
    log = site.container.mailer.log
    log.claim("support-!", "supporter", "support")  # not made of ids, and first in key order
    zero = f"support-{UUID(int=0)}-{UUID(int=1).hex}-x"  # a fresh request, also sorted first
    log.claim(zero, "supporter", "support")
    log.claim(f"support-{UUID(int=2)}", "supporter", "support")  # an id, but nothing after it
    log.tables.change(
        "UPDATE participatie_mail_log SET created_at = ? WHERE key IN (?, ?)",
        ("2020-01-01T00:00:00.000000+00:00", "support-!", f"support-{UUID(int=2)}"),
    )
    kept = [name for name in support_mails(site) if name.startswith(f"support-{fresh}-")]
    finish_erasures(site.container)
    assert sorted(support_mails(site)) == kept
    assert site.app.vault.shred(expired) is False
    link = links(site)[0]
    client = site.client()
    assert client.post(link, data={"csrf_token": csrf_token(client, link)}).status_code == 303
    assert len(site.app.get_initiative(fresh).supporters) == 1


def test_the_sweep_leaves_confirmed_supports_and_keys_it_cannot_read_alone(site: Site) -> None:
    from participatie.privacy.erasure import finish_erasures

    initiative_id = published(site)
    ask_by_form(site, initiative_id)
    link = links(site)[0]
    client = site.client()
    assert client.post(link, data={"csrf_token": csrf_token(client, link)}).status_code == 303
    (supporter,) = site.app.get_initiative(initiative_id).supporters
    log = site.container.mailer.log
    for key in (
        "support-0123456789abcdef-",  # a key from before keys were made of ids
        f"support-{UUID(int=7)}-{supporter.hex}-abcd",  # an initiative that does not exist
    ):
        log.claim(key, "supporter", "support")
    log.tables.change(
        "UPDATE participatie_mail_log SET created_at = ?", ("2020-01-01T00:00:00.000000+00:00",)
    )
    finish_erasures(site.container)
    assert len(support_mails(site)) == 1  # the confirmed supporter's mail stays
    sealed = site.app.sealed_data(initiative_id, supporter)
    assert sealed is not None and site.app.vault.open(sealed)["email"] == ADDRESS


def test_erasing_an_initiative_counts_each_mail_it_removes(site: Site) -> None:
    initiative_id = published(site)
    ask_by_form(site, initiative_id)
    ask_by_api(site, initiative_id)
    before = len(list(site.container.mailer.messages()))
    done = erase_initiative(site.container, initiative_id, OFFICER, REASON)
    after = len(list(site.container.mailer.messages()))
    assert done.mails_removed == before - after >= 2
    assert support_mails(site) == {}


def test_a_supporters_mail_kept_under_an_older_key_goes_with_the_erasure(site: Site) -> None:
    initiative_id = published(site)
    ask_by_form(site, initiative_id)
    link = links(site)[0]
    client = site.client()
    assert client.post(link, data={"csrf_token": csrf_token(client, link)}).status_code == 303
    (supporter,) = site.app.get_initiative(initiative_id).supporters
    # Before keys were made of ids, a support mail's key came from the address.
    pseudonym = site.app.vault.pseudonym(f"{initiative_id}:{ADDRESS}")
    folder = site.container.mailer.folder
    assert folder is not None
    older = folder / f"support-{pseudonym[:16]}-oud.eml"
    older.write_text("oud")
    elsewhere = folder / f"support-{pseudonym[:15]}x-ander.eml"
    elsewhere.write_text("ander")
    erase_subject(site.container, supporter, OFFICER, REASON)
    assert not older.exists()
    assert elsewhere.exists()


def test_erasing_the_initiator_takes_every_supporters_mail_under_an_older_key(site: Site) -> None:
    """Every mail quotes the initiator's title: their erasure takes the supporters' mails kept
    under the older, address-made keys too (found while the supporters' addresses can be
    read), and leaves those of other initiatives."""
    initiative_id = published(site)
    ask_by_form(site, initiative_id)
    link = links(site)[0]
    client = site.client()
    assert client.post(link, data={"csrf_token": csrf_token(client, link)}).status_code == 303
    pseudonym = site.app.vault.pseudonym(f"{initiative_id}:{ADDRESS}")
    folder = site.container.mailer.folder
    assert folder is not None
    older = folder / f"support-{pseudonym[:16]}-oud.eml"
    older.write_text("oud")
    other = site.app.vault.pseudonym(f"{uuid4()}:{ADDRESS}")
    unrelated = folder / f"support-{other[:16]}-ander.eml"
    unrelated.write_text("ander")
    initiator = site.app.get_initiative(initiative_id).initiator.subject_id
    erase_subject(site.container, initiator, OFFICER, REASON)
    assert not older.exists()
    assert unrelated.exists()
    # The supporter was not erased: their key still reads.
    (supporter,) = site.app.get_initiative(initiative_id).supporters
    assert site.app.vault.readable(supporter)


def test_erasing_one_supporter_leaves_another_supporters_mail_under_an_older_key(
    site: Site,
) -> None:
    """A supporter's erasure takes their own mail kept under the older, address-made key, and
    none of another supporter's: only the initiator's erasure reaches every supporter's mail."""
    initiative_id = published(site)
    folder = site.container.mailer.folder
    assert folder is not None
    folder.mkdir(parents=True, exist_ok=True)
    older = {}
    for address in (ADDRESS, "tweede.steuner@example.org"):
        site.app.support_initiative(initiative_id, address)
        pseudonym = site.app.vault.pseudonym(f"{initiative_id}:{address}")
        older[address] = folder / f"support-{pseudonym[:16]}-oud.eml"
        older[address].write_text("oud")
    first = next(
        e.supporter.subject_id
        for e in site.app.history(initiative_id)
        if getattr(e, "supporter", None) is not None
        and site.app.vault.open(e.supporter) == {"email": ADDRESS}
    )
    erase_subject(site.container, first, OFFICER, REASON)
    assert not older[ADDRESS].exists()
    assert older["tweede.steuner@example.org"].exists()
