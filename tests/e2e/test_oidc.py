"""Staff login through OpenID Connect against a real (fake) identity provider over HTTP.

The provider is a small Flask app on 127.0.0.1 in a thread: discovery, JWKS, an authorize
endpoint that sends the browser straight back with a code for the configured user, and a token
endpoint that checks the client, the code and the PKCE verifier and returns an RS256-signed ID
token (signed here with `cryptography`, so the test does not share the code under test).
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import logging
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from flask import Flask, jsonify, redirect, request
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from participatie.config import (
    OIDC_ROLE_ORDER,
    OIDC_TEAMLESS_ROLES,
    ConfigError,
    Settings,
)
from participatie.domain.staff import STAFF_ROLES, TEAM_ROLES
from participatie.domain.values import Actor, Role
from participatie.staff.accounts import LoginFailed
from tests.e2e.conftest import PASSWORD, Site, add_staff, login, make_site, staff_cookie

CLIENT_ID = "participatie"
CLIENT_SECRET = "geheim-van-de-client"
ROLE_MAP = (
    "gebied-centrum=area_manager:gebiedsteam-centrum;regie=regie:regie;audit=auditor;"
    "beheer=admin;onbekend-team=team_member:bestaat-niet"
)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _int_bytes(value: int) -> bytes:
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


@dataclass
class User:
    sub: str
    preferred_username: str | None
    name: str
    groups: list[str]
    email: str = ""


@dataclass
class FakeIdP:
    """The identity provider's state; tests change `user` and the `tamper` knobs."""

    issuer: str = ""
    key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    kid: str = "sleutel-1"
    user: User | None = None
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    tamper: dict[str, Any] = field(default_factory=dict)

    def jwks(self) -> dict[str, Any]:
        numbers = self.key.public_key().public_numbers()
        return {
            "keys": [
                {
                    "kty": "RSA",
                    "use": "sig",
                    "alg": "RS256",
                    "kid": self.kid,
                    "n": b64url(_int_bytes(numbers.n)),
                    "e": b64url(_int_bytes(numbers.e)),
                }
            ]
        }

    def sign(self, claims: dict[str, Any], key: rsa.RSAPrivateKey, kid: str) -> str:
        header = {"alg": "RS256", "typ": "JWT", "kid": kid}
        head = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
        signature = key.sign(head.encode(), padding.PKCS1v15(), hashes.SHA256())
        return head + "." + b64url(signature)

    def id_token(self, nonce: str) -> str:
        assert self.user is not None
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": self.user.sub,
            "aud": CLIENT_ID,
            "azp": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            "name": self.user.name,
            "groups": self.user.groups,
        }
        if self.user.preferred_username is not None:
            claims["preferred_username"] = self.user.preferred_username
        if self.user.email:
            claims["email"] = self.user.email
        claims.update(self.tamper.get("claims", {}))
        key = self.tamper.get("key", self.key)
        return self.sign(claims, key, self.tamper.get("kid", self.kid))


def idp_app(idp: FakeIdP) -> Flask:
    app = Flask("fake_idp")

    @app.get("/.well-known/openid-configuration")
    def discovery() -> Any:
        return jsonify(
            issuer=idp.issuer,
            authorization_endpoint=f"{idp.issuer}/authorize",
            token_endpoint=f"{idp.issuer}/token",
            jwks_uri=f"{idp.issuer}/jwks",
            response_types_supported=["code"],
            subject_types_supported=["public"],
            id_token_signing_alg_values_supported=["RS256"],
            token_endpoint_auth_methods_supported=["client_secret_basic", "client_secret_post"],
            code_challenge_methods_supported=["S256"],
        )

    @app.get("/jwks")
    def jwks() -> Any:
        return jsonify(idp.jwks())

    @app.get("/authorize")
    def authorize() -> Any:
        args = request.args.to_dict()
        idp.authorize_requests.append(args)
        assert args["client_id"] == CLIENT_ID and args["response_type"] == "code"
        target = args["redirect_uri"]
        if "error" in idp.tamper:
            return redirect(f"{target}?{urlencode({'error': 'access_denied', **_state(args)})}")
        code = secrets.token_urlsafe(16)
        idp.codes[code] = args
        return redirect(f"{target}?{urlencode({'code': code, **_state(args)})}")

    @app.post("/token")
    def token() -> Any:
        form = request.form.to_dict()
        idp.token_requests.append(form)
        auth = request.authorization
        if auth is None or (auth.username, auth.password) != (CLIENT_ID, CLIENT_SECRET):
            return jsonify(error="invalid_client"), 401
        asked = idp.codes.pop(form.get("code", ""), None)
        if asked is None or form.get("redirect_uri") != asked["redirect_uri"]:
            return jsonify(error="invalid_grant"), 400
        verifier = form.get("code_verifier", "")
        if b64url(hashlib.sha256(verifier.encode()).digest()) != asked["code_challenge"]:
            return jsonify(error="invalid_grant", error_description="PKCE"), 400
        return jsonify(
            access_token=secrets.token_urlsafe(16),
            token_type="Bearer",
            expires_in=300,
            id_token=idp.id_token(asked["nonce"]),
        )

    return app


def _state(args: dict[str, str]) -> dict[str, str]:
    return {"state": args["state"]} if "state" in args else {}


@pytest.fixture(scope="module")
def idp() -> Iterator[FakeIdP]:
    provider = FakeIdP()
    server = make_server("127.0.0.1", 0, idp_app(provider), threaded=True)
    provider.issuer = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        thread.join(5)


@pytest.fixture(scope="module")
def site(idp: FakeIdP, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    settings = Settings(
        var_dir=tmp_path_factory.mktemp("oidc") / "var",
        oidc_issuer=idp.issuer,
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=CLIENT_SECRET,
        oidc_role_map=ROLE_MAP,
    )
    built = make_site(settings)
    try:
        yield built
    finally:
        built.container.close()


@pytest.fixture(autouse=True)
def fresh_idp(idp: FakeIdP) -> None:
    idp.tamper.clear()
    idp.user = None


def as_user(idp: FakeIdP, username: str, groups: list[str], **extra: Any) -> User:
    idp.user = User(
        sub=extra.pop("sub", f"sub-{username}"),
        preferred_username=extra.pop("preferred_username", username),
        name=extra.pop("name", username.title()),
        groups=groups,
        **extra,
    )
    return idp.user


def to_idp(client: FlaskClient, start: str = "/beheer/oidc/start") -> str:
    """Start the login; return the provider's authorize URL the browser is sent to."""
    response = client.get(start)
    assert response.status_code == 302, response.get_data(as_text=True)
    return str(response.headers["Location"])


def at_idp(url: str) -> str:
    """What the browser does at the provider: GET the URL, return where it is sent back to."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=10)
    try:
        connection.request("GET", f"{parts.path}?{parts.query}")
        response = connection.getresponse()
        response.read()
        assert response.status == 302, response.status
        return str(response.getheader("Location"))
    finally:
        connection.close()


def back_from_idp(client: FlaskClient, callback: str) -> Any:
    parts = urlsplit(callback)
    assert parts.path == "/beheer/oidc/terug"
    return client.get(f"{parts.path}?{parts.query}")


def oidc_login(client: FlaskClient, start: str = "/beheer/oidc/start") -> Any:
    return back_from_idp(client, at_idp(to_idp(client, start)))


def test_role_order_covers_exactly_the_staff_roles() -> None:
    assert set(OIDC_ROLE_ORDER) == {role.value for role in STAFF_ROLES}
    teamless = {role.value for role in STAFF_ROLES if role not in TEAM_ROLES}
    assert teamless == OIDC_TEAMLESS_ROLES


def test_login_page_offers_the_municipal_login(site: Site) -> None:
    page = site.client().get("/beheer/inloggen?volgende=/beheer/regie").get_data(as_text=True)
    assert "Inloggen via de gemeente (OpenID Connect)" in page
    assert 'href="/beheer/oidc/start?volgende=/beheer/regie"' in page


def test_the_login_page_has_no_municipal_login_when_oidc_is_off(tmp_path: Path) -> None:
    plain = make_site(Settings(var_dir=tmp_path / "var"))
    try:
        page = plain.client().get("/beheer/inloggen").get_data(as_text=True)
        assert "OpenID Connect" not in page
        assert plain.client().get("/beheer/oidc/start").status_code == 404
    finally:
        plain.container.close()


def test_area_manager_logs_in_and_gets_role_and_team(site: Site, idp: FakeIdP) -> None:
    as_user(idp, "Anne.Visser", ["gebied-centrum", "iets-anders"], name="Anne Visser")
    client = site.client()
    authorize = to_idp(client, "/beheer/oidc/start?volgende=/beheer/wachtrij/gebiedsteam-centrum")
    asked = parse_qs(urlsplit(authorize).query)
    assert authorize.startswith(f"{idp.issuer}/authorize?")
    assert asked["code_challenge_method"] == ["S256"]
    assert asked["redirect_uri"] == ["http://localhost/beheer/oidc/terug"]
    assert asked["scope"] == ["openid profile email"]
    assert len(asked["state"][0]) >= 32 and len(asked["nonce"][0]) >= 32
    assert staff_cookie(client) is None

    response = back_from_idp(client, at_idp(authorize))
    assert response.status_code == 303, response.get_data(as_text=True)
    assert response.headers["Location"] == "/beheer/wachtrij/gebiedsteam-centrum"
    assert staff_cookie(client)
    assert "code_verifier" in idp.token_requests[-1]

    account = site.container.staff.get("anne.visser")
    assert account is not None
    assert account.role is Role.AREA_MANAGER
    assert account.teams == ["gebiedsteam-centrum"]
    assert account.name == "Anne Visser"
    home = client.get("/beheer/")
    assert home.status_code == 200
    assert "Anne Visser" in home.get_data(as_text=True)
    assert client.get("/beheer/wachtrij/gebiedsteam-centrum").status_code == 200

    # A federated account has no password: the password form never lets it in.
    with pytest.raises(LoginFailed):
        site.container.staff.authenticate("anne.visser", PASSWORD, "127.0.0.1")


def test_behind_tls_the_redirect_uri_is_https_and_the_cookie_secure(
    idp: FakeIdP, tmp_path: Path
) -> None:
    """PARTICIPATIE_SECURE_COOKIES=1: the proxy speaks plain HTTP to us, the provider must still
    send the browser back to https://, and the staff cookie it ends with is Secure."""
    settings = Settings(
        var_dir=tmp_path / "var",
        oidc_issuer=idp.issuer,
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=CLIENT_SECRET,
        oidc_role_map=ROLE_MAP,
        secure_cookies=True,
    )
    secure = make_site(settings)
    try:
        as_user(idp, "veilig", ["gebied-centrum"])
        client = secure.client()
        authorize = to_idp(client)
        asked = parse_qs(urlsplit(authorize).query)
        assert asked["redirect_uri"] == ["https://localhost/beheer/oidc/terug"]
        response = back_from_idp(client, at_idp(authorize))
        assert response.status_code == 303, response.get_data(as_text=True)
        (cookie,) = [
            c for c in response.headers.getlist("Set-Cookie") if c.startswith("participatie_")
        ]
        assert "; Secure" in cookie and "; HttpOnly" in cookie and "; SameSite=Lax" in cookie
        assert idp.token_requests[-1]["redirect_uri"] == "https://localhost/beheer/oidc/terug"
    finally:
        secure.container.close()


def test_the_redirect_address_is_the_public_one_whatever_the_host_header(
    site: Site, idp: FakeIdP
) -> None:
    response = site.client().get("/beheer/oidc/start", headers={"Host": "evil.example"})
    assert response.status_code == 302, response.get_data(as_text=True)
    asked = parse_qs(urlsplit(str(response.headers["Location"])).query)
    assert asked["redirect_uri"] == ["http://localhost/beheer/oidc/terug"]  # the site's address


def test_a_second_login_with_other_groups_changes_role_and_teams(site: Site, idp: FakeIdP) -> None:
    as_user(idp, "bram", ["gebied-centrum"])
    client = site.client()
    assert oidc_login(client).status_code == 303
    first = staff_cookie(client)
    account = site.container.staff.get("bram")
    assert account is not None and account.role is Role.AREA_MANAGER

    as_user(idp, "bram", ["/regie", "gebied-centrum", "audit"])  # Keycloak's full group path
    assert oidc_login(client).status_code == 303
    second = staff_cookie(client)
    assert second and second != first
    assert site.container.staff.sessions.resume(first or "") is None  # the old session ended
    account = site.container.staff.get("bram")
    assert account is not None
    assert account.role is Role.REGIE  # the most privileged match
    assert account.teams == ["gebiedsteam-centrum", "regie"]  # the union of the teams
    assert client.get("/beheer/regie").status_code == 200

    version = account.version
    assert oidc_login(client).status_code == 303  # the same groups again: nothing recorded
    again = site.container.staff.get("bram")
    assert again is not None and again.version == version

    as_user(idp, "bram", ["audit", "niet-gekoppeld"])
    assert oidc_login(client).status_code == 303
    account = site.container.staff.get("bram")
    assert account is not None
    assert (account.role, account.teams) == (Role.AUDITOR, [])


def test_existing_password_account_is_brought_in_line(site: Site, idp: FakeIdP) -> None:
    add_staff(site, "carla", Role.TEAM_MEMBER, ["gebiedsteam-centrum"])
    as_user(idp, "CARLA", ["beheer"], name="Carla de Vries")
    assert oidc_login(site.client()).status_code == 303
    account = site.container.staff.get("carla")
    assert account is not None
    assert (account.role, account.teams, account.name) == (Role.ADMIN, [], "Carla de Vries")
    assert login(site.client(), "carla").status_code == 303  # her password still works


def test_user_without_a_mapped_group_is_refused_and_nothing_is_stored(
    site: Site, idp: FakeIdP
) -> None:
    as_user(idp, "dirk", ["kantine", "/iets/anders"])
    events = site.events()
    client = site.client()
    response = oidc_login(client)
    assert response.status_code == 403
    assert "Geen toegang" in response.get_data(as_text=True)
    assert site.container.staff.get("dirk") is None
    assert site.events() == events
    assert staff_cookie(client) is None


def test_deactivated_account_is_refused(site: Site, idp: FakeIdP) -> None:
    as_user(idp, "eva", ["gebied-centrum"])
    assert oidc_login(site.client()).status_code == 303
    site.container.staff.deactivate("eva", Actor.system("test"), "uit dienst")
    client = site.client()
    assert oidc_login(client).status_code == 403
    assert staff_cookie(client) is None
    account = site.container.staff.get("eva")
    assert account is not None and not account.active


def test_group_naming_an_unknown_team_is_refused(site: Site, idp: FakeIdP) -> None:
    as_user(idp, "fenna", ["onbekend-team"])
    client = site.client()
    assert oidc_login(client).status_code == 403
    assert site.container.staff.get("fenna") is None
    assert staff_cookie(client) is None


def test_username_falls_back_to_sub(site: Site, idp: FakeIdP) -> None:
    as_user(idp, "x", ["audit"], preferred_username=None, sub="7f1c0a52-Sub")
    assert oidc_login(site.client()).status_code == 303
    assert site.container.staff.get("7f1c0a52-sub") is not None


def test_an_admin_without_next_lands_on_the_admin_home(site: Site, idp: FakeIdP) -> None:
    as_user(idp, "carla", ["beheer"])
    response = oidc_login(site.client())
    assert response.status_code == 303
    assert response.headers["Location"] == "/beheer/admin/"


def test_unsafe_next_goes_home(site: Site, idp: FakeIdP) -> None:
    as_user(idp, "gert", ["gebied-centrum"])
    response = oidc_login(site.client(), "/beheer/oidc/start?volgende=//kwaad.example/beheer")
    assert response.status_code == 303
    assert response.headers["Location"] == "/beheer/"


def refused(site: Site, client: FlaskClient, response: Any, username: str) -> None:
    assert response.status_code == 400, response.get_data(as_text=True)
    assert "Inloggen via de gemeente is mislukt" in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    assert staff_cookie(client) is None
    assert site.container.staff.get(username) is None


def test_tampered_state_is_refused(site: Site, idp: FakeIdP) -> None:
    as_user(idp, "hanna", ["gebied-centrum"])
    client = site.client()
    callback = at_idp(to_idp(client))
    tampered = callback.replace("state=", "state=x")
    events = site.events()
    refused(site, client, back_from_idp(client, tampered), "hanna")
    assert idp.codes  # the code was never exchanged
    assert site.events() == events


def test_callback_without_a_started_login_is_refused(site: Site, idp: FakeIdP) -> None:
    as_user(idp, "hanna", ["gebied-centrum"])
    callback = at_idp(to_idp(site.client()))
    other = site.client()  # another browser: no pending login in its session
    refused(site, other, back_from_idp(other, callback), "hanna")


def test_a_callback_is_used_only_once(site: Site, idp: FakeIdP) -> None:
    as_user(idp, "ilse", ["audit"])
    client = site.client()
    callback = at_idp(to_idp(client))
    copy = site.client()  # the same browser session, copied before the callback
    with client.session_transaction() as before, copy.session_transaction() as copied:
        copied.update(before)
    assert back_from_idp(client, callback).status_code == 303
    assert back_from_idp(client, callback).status_code == 400  # the state is gone
    assert back_from_idp(copy, callback).status_code == 400  # the code is used up
    assert staff_cookie(copy) is None


def test_provider_error_is_refused(site: Site, idp: FakeIdP) -> None:
    as_user(idp, "jan", ["gebied-centrum"])
    idp.tamper["error"] = True
    client = site.client()
    refused(site, client, oidc_login(client), "jan")


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        pytest.param({"key": "other"}, "BadSignatureError", id="signed-with-another-key"),
        pytest.param({"key": "other", "kid": "onbekend"}, "InvalidKeyIdError", id="unknown-key-id"),
        pytest.param({"claims": {"aud": "een-andere-client"}}, "'aud'", id="wrong-audience"),
        pytest.param({"claims": {"iss": "https://nep.example"}}, "'iss'", id="wrong-issuer"),
        pytest.param({"claims": {"nonce": "verkeerd"}}, "'nonce'", id="wrong-nonce"),
        pytest.param(
            {"claims": {"exp": int(time.time()) - 3600}}, "ExpiredTokenError", id="expired"
        ),
    ],
)
def test_invalid_id_token_is_refused(
    site: Site,
    idp: FakeIdP,
    tamper: dict[str, Any],
    reason: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    as_user(idp, "karel", ["gebied-centrum"])
    if tamper.get("key") == "other":
        tamper = {**tamper, "key": rsa.generate_private_key(public_exponent=65537, key_size=2048)}
    idp.tamper.update(tamper)
    client = site.client()
    events = site.events()
    with caplog.at_level(logging.WARNING, logger="participatie.oidc"):
        refused(site, client, oidc_login(client), "karel")
    assert "ID token refused" in caplog.text and reason in caplog.text
    assert site.events() == events


@pytest.mark.parametrize(
    "role_map",
    [
        "gebied-centrum",
        "gebied-centrum=baas:gebiedsteam-centrum",
        "gebied-centrum=area_manager",
        "audit=auditor:regie",
        "a=auditor;a=admin",
        "",
    ],
)
def test_bad_role_map_is_a_config_error_naming_the_variable(
    role_map: str, idp: FakeIdP, tmp_path: Path
) -> None:
    env = {
        "PARTICIPATIE_OIDC_ISSUER": idp.issuer,
        "PARTICIPATIE_OIDC_CLIENT_ID": CLIENT_ID,
        "PARTICIPATIE_OIDC_ROLE_MAP": role_map,
    }
    with pytest.raises(ConfigError, match="PARTICIPATIE_OIDC_ROLE_MAP"):
        Settings.from_env(env)
    settings = Settings(
        var_dir=tmp_path / "var",
        oidc_issuer=idp.issuer,
        oidc_client_id=CLIENT_ID,
        oidc_role_map=role_map,
    )
    with pytest.raises(ConfigError, match="PARTICIPATIE_OIDC_ROLE_MAP"):
        make_site(settings)


def test_oidc_settings_are_read_and_passed_on() -> None:
    env = {
        "PARTICIPATIE_OIDC_ISSUER": "https://sso.example.nl/realms/gemeente",
        "PARTICIPATIE_OIDC_CLIENT_ID": CLIENT_ID,
        "PARTICIPATIE_OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "PARTICIPATIE_OIDC_GROUPS_CLAIM": "realm_access.roles",
        "PARTICIPATIE_OIDC_ROLE_MAP": ROLE_MAP,
    }
    settings = Settings.from_env(env)
    assert settings.oidc_enabled
    assert settings.oidc_roles["gebied-centrum"].teams == ("gebiedsteam-centrum",)
    assert Settings.from_env(settings.as_environ()) == settings
    assert not Settings.from_env({}).oidc_enabled
    assert Settings.from_env({}).oidc_groups_claim == "groups"
    for bad, variable in (
        ({"PARTICIPATIE_OIDC_ISSUER": "http://sso.example.nl"}, "PARTICIPATIE_OIDC_ISSUER"),
        ({"PARTICIPATIE_OIDC_CLIENT_ID": ""}, "PARTICIPATIE_OIDC_CLIENT_ID"),
    ):
        with pytest.raises(ConfigError, match=variable):
            Settings.from_env({**env, **bad})
