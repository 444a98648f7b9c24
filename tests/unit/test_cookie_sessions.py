"""The session signer is made once per set of keys (web/security.py CookieSessions): a rotated
secret key, with or without the old one kept as a fallback, is obeyed at once."""

from __future__ import annotations

from flask import Flask, session

from web.security import CookieSessions


def app_with_sessions() -> Flask:
    app = Flask(__name__)
    app.secret_key = "eerste-sleutel"
    app.session_interface = CookieSessions()

    @app.get("/zet")
    def put() -> str:
        session["wie"] = "bewoner"
        return "ok"

    @app.get("/lees")
    def read() -> str:
        return str(session.get("wie", "-"))

    return app


def test_a_session_cookie_is_read_with_the_keys_the_app_has_now() -> None:
    app = app_with_sessions()
    client = app.test_client()
    client.get("/zet")
    assert client.get("/lees").text == "bewoner"
    assert client.get("/lees").text == "bewoner"  # the second request reuses the signer

    app.secret_key = "tweede-sleutel"  # rotated, the old key kept as a fallback
    app.config["SECRET_KEY_FALLBACKS"] = ["eerste-sleutel"]
    assert client.get("/lees").text == "bewoner"

    app.config["SECRET_KEY_FALLBACKS"] = []  # the old key dropped: its cookie means nothing
    assert client.get("/lees").text == "-"

    client.get("/zet")  # signed with the new key
    assert client.get("/lees").text == "bewoner"
    app.secret_key = "eerste-sleutel"  # back to a key without this cookie's signature
    assert client.get("/lees").text == "-"
    assert len(app.session_interface.signers) == 3  # type: ignore[attr-defined]


def test_without_a_secret_key_there_is_no_session_as_in_flask() -> None:
    app = app_with_sessions()
    app.secret_key = None
    client = app.test_client()
    assert client.get("/lees").text == "-"  # a null session reads as empty
    assert client.get("/zet").status_code == 500  # and cannot be written
