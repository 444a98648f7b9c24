"""Staff login through OpenID Connect, e.g. the municipality's Keycloak (optional).

Registered only when PARTICIPATIE_OIDC_ISSUER is set. /beheer/oidc/start sends the browser to the
identity provider (authorization code flow with state, nonce and PKCE S256); /beheer/oidc/terug
takes the code back, exchanges it at the token endpoint and has authlib validate the ID token
(signature against the provider's JWKS, issuer, audience, nonce, expiry). The groups in the token
give the account its role and teams (PARTICIPATIE_OIDC_ROLE_MAP): the most privileged role of
all matching groups (config.OIDC_ROLE_ORDER) and, when that role works for teams, the union of
their teams. The StaffAccount is created (without a password) or brought in line with the
provider, and a staff session starts exactly as after a password login.

Discovery, JWKS and the token request use the standard library's HTTP client, so authlib is the
only dependency (its Flask client would need requests).
"""

from __future__ import annotations

import base64
import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from authlib.common.security import generate_token
from authlib.integrations.base_client import OpenIDMixin
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from flask import (
    Blueprint,
    Flask,
    current_app,
    redirect,
    render_template,
    request,
    session,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from werkzeug.wrappers import Response

from participatie.config import OIDC_ROLE_ORDER, OIDC_TEAMLESS_ROLES, GroupGrant, Settings
from participatie.domain.errors import InvariantViolation
from participatie.domain.staff import normal_username
from participatie.domain.values import Actor, Role
from web.context import container
from web.links import public_url_for
from web.staff import COOKIE, _safe_next, _set_cookie

bp = Blueprint("oidc", __name__, url_prefix="/beheer/oidc")
log = logging.getLogger("participatie.oidc")

EXTENSION = "participatie.oidc"
SESSION_KEY = "oidc_pending"  # state → what the callback needs, in the signed Flask session
MAX_PENDING = 3  # logins started in other tabs stay valid
PENDING_FOR = 600  # seconds a started login may take at the provider
SCOPES = "openid profile email"
HTTP_TIMEOUT = 10  # seconds for each request to the provider
CACHE_FOR = 3600  # seconds discovery and JWKS are kept (an unknown key id refetches earlier)
LEEWAY = 60  # seconds of clock skew allowed on exp/iat
ASYMMETRIC = ("RS", "PS", "ES", "EdDSA")
ACTOR = Actor.system("oidc")


class OIDCError(Exception):
    """The OpenID Connect exchange failed or returned something invalid: refuse the login."""


class ProviderUnreachable(OIDCError):
    """The identity provider did not answer (or not with JSON)."""


def _fetch_json(req: urllib.request.Request) -> dict[str, Any]:
    try:
        with urllib.request.urlopen(req, timeout=HTTP_TIMEOUT) as response:
            data = json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as error:
        body = error.read().decode("utf-8", "replace")[:300]
        raise OIDCError(f"{req.full_url} answered {error.code}: {body}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise ProviderUnreachable(f"{req.full_url}: {error}") from None
    except ValueError:
        raise ProviderUnreachable(f"{req.full_url} did not answer with JSON") from None
    if not isinstance(data, dict):
        raise OIDCError(f"{req.full_url} did not answer with a JSON object")
    return data


def _get_json(url: str) -> dict[str, Any]:
    return _fetch_json(urllib.request.Request(url, headers={"Accept": "application/json"}))


class Provider(OpenIDMixin):
    """The identity provider; authlib's OpenIDMixin validates the ID token."""

    def __init__(self, issuer: str, client_id: str, client_secret: str) -> None:
        self.issuer = issuer
        self.client_id = client_id
        self.client_secret = client_secret
        self.server_metadata: dict[str, Any] = {}
        self._metadata: tuple[float, dict[str, Any]] | None = None
        self._jwks: tuple[float, dict[str, Any]] | None = None

    # -- used by OpenIDMixin.parse_id_token ------------------------------------------------------

    def load_server_metadata(self) -> dict[str, Any]:
        now = time.monotonic()
        if self._metadata is None or now - self._metadata[0] > CACHE_FOR:
            data = _get_json(self.issuer.rstrip("/") + "/.well-known/openid-configuration")
            if data.get("issuer") != self.issuer:
                raise OIDCError(
                    f"discovery names issuer {data.get('issuer')!r}, configured {self.issuer!r}"
                )
            for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
                if not isinstance(data.get(key), str):
                    raise OIDCError(f"discovery document has no {key}")
            # Only public-key signatures: never 'none', never a shared secret.
            offered = data.get("id_token_signing_alg_values_supported") or ["RS256"]
            data["id_token_signing_alg_values_supported"] = [
                alg for alg in offered if isinstance(alg, str) and alg.startswith(ASYMMETRIC)
            ] or ["RS256"]
            self._metadata = (now, data)
            self.server_metadata = data
        return self._metadata[1]

    def fetch_jwk_set(self, force: bool = False) -> dict[str, Any]:
        now = time.monotonic()
        if force or self._jwks is None or now - self._jwks[0] > CACHE_FOR:
            self._jwks = (now, _get_json(self.load_server_metadata()["jwks_uri"]))
        return self._jwks[1]

    # -- the flow --------------------------------------------------------------------------------

    def authorization_url(self, redirect_uri: str, state: str, nonce: str, verifier: str) -> str:
        endpoint = self.load_server_metadata()["authorization_endpoint"]
        params = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": redirect_uri,
            "scope": SCOPES,
            "state": state,
            "nonce": nonce,
            "code_challenge": create_s256_code_challenge(verifier),
            "code_challenge_method": "S256",
        }
        return endpoint + ("&" if "?" in endpoint else "?") + urlencode(params)

    def exchange(self, code: str, redirect_uri: str, verifier: str) -> dict[str, Any]:
        """Trade the code for tokens at the token endpoint."""
        metadata = self.load_server_metadata()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        }
        headers = {
            "Accept": "application/json",
            "Content-Type": "application/x-www-form-urlencoded",
        }
        methods = metadata.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
        if not self.client_secret:
            form["client_id"] = self.client_id  # a public client: PKCE is the proof
        elif "client_secret_basic" in methods:
            pair = f"{quote(self.client_id, safe='')}:{quote(self.client_secret, safe='')}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        else:
            form["client_id"] = self.client_id
            form["client_secret"] = self.client_secret
        token = _fetch_json(
            urllib.request.Request(
                metadata["token_endpoint"],
                data=urlencode(form).encode(),
                headers=headers,
                method="POST",
            )
        )
        if not isinstance(token.get("id_token"), str):
            raise OIDCError("the token response has no id_token")
        return token

    def validate(self, token: dict[str, Any], nonce: str) -> dict[str, Any]:
        """Return the ID token's claims once signature, iss, aud, nonce and exp check out."""
        options = {
            "iss": {"essential": True, "value": self.issuer},
            "aud": {"essential": True, "value": self.client_id},
            "exp": {"essential": True},
            "nonce": {"essential": True, "value": nonce},
        }
        try:
            claims = self.parse_id_token(token, nonce, claims_options=options, leeway=LEEWAY)
        except OIDCError:
            raise
        except Exception as error:  # authlib/joserfc raise many kinds; each means "refused"
            raise OIDCError(f"ID token refused: {type(error).__name__}: {error}") from None
        if not claims:
            raise OIDCError("no ID token")
        return dict(claims)


@dataclass
class Login:
    provider: Provider
    grants: dict[str, GroupGrant]
    groups_claim: str


def init_app(app: Flask, settings: Settings) -> None:
    """Register the OIDC routes; raise ConfigError on a bad set-up."""
    app.extensions[EXTENSION] = Login(
        Provider(settings.oidc_issuer, settings.oidc_client_id, settings.oidc_client_secret),
        settings.oidc_roles,
        settings.oidc_groups_claim,
    )
    app.register_blueprint(bp)


def _login() -> Login:
    found: Login = current_app.extensions[EXTENSION]
    return found


# -- mapping -------------------------------------------------------------------------------------


def groups_of(claims: dict[str, Any], claim: str) -> list[str]:
    """The groups in `claim` (a name, or a dotted path such as realm_access.roles)."""
    value: Any = claims.get(claim)
    if value is None and "." in claim:
        value = claims
        for part in claim.split("."):
            value = value.get(part) if isinstance(value, dict) else None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return []
    return [group.lstrip("/") for group in value if isinstance(group, str)]


def grant_for(groups: list[str], grants: dict[str, GroupGrant]) -> tuple[Role, list[str]] | None:
    """The role (most privileged of the matching groups) and teams; None when none matches."""
    matched = [grants[group] for group in groups if group in grants]
    if not matched:
        return None
    role = min((grant.role for grant in matched), key=OIDC_ROLE_ORDER.index)
    if role in OIDC_TEAMLESS_ROLES:
        return Role(role), []
    return Role(role), sorted({team for grant in matched for team in grant.teams})


def _usable(username: str) -> bool:
    return bool(username) and username.replace(".", "").replace("-", "").replace("_", "").isalnum()


def username_of(claims: dict[str, Any]) -> str:
    """preferred_username, lowercased; `sub` when that is missing or not a valid username."""
    for claim in ("preferred_username", "sub"):
        value = claims.get(claim)
        if isinstance(value, str) and _usable(normal_username(value)):
            return normal_username(value)
    raise OIDCError("neither preferred_username nor sub is a usable username")


def _name_of(claims: dict[str, Any], fallback: str) -> str:
    name = claims.get("name")
    if not isinstance(name, str) or not name.strip():
        parts = [claims.get("given_name"), claims.get("family_name")]
        name = " ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())
    return name.strip() or fallback


# -- pages ---------------------------------------------------------------------------------------


@bp.after_request
def no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the code is in the callback's URL
    return response


def _refused(status: int) -> ResponseReturnValue:
    if status == 403:
        heading = gettext("Geen toegang")
        message = gettext(
            "U bent bij de gemeente ingelogd, maar uw account geeft geen toegang tot"
            " Participatie. Hoort u die wel te hebben? Vraag de beheerder om u aan de juiste"
            " groep toe te voegen."
        )
    elif status == 502:
        heading = gettext("Inloggen via de gemeente lukt nu niet")
        message = gettext(
            "De inlogdienst van de gemeente is nu niet bereikbaar. Probeer het later opnieuw"
            " of log in met uw wachtwoord."
        )
    else:
        heading = gettext("Inloggen via de gemeente is mislukt")
        message = gettext(
            "Het inloggen via de gemeente is afgebroken of kon niet worden gecontroleerd. Er is"
            " niets opgeslagen. Ga terug naar de inlogpagina en probeer het opnieuw."
        )
    return render_template("error.html", heading=heading, message=message), status


def _redirect_uri() -> str:
    return public_url_for("oidc.callback")


@bp.get("/start")
def start() -> ResponseReturnValue:
    provider = _login().provider
    state, nonce, verifier = generate_token(32), generate_token(32), generate_token(64)
    redirect_uri = _redirect_uri()
    try:
        target = provider.authorization_url(redirect_uri, state, nonce, verifier)
    except ProviderUnreachable as error:
        log.warning("OpenID Connect provider unreachable: %s", error)
        return _refused(502)
    except OIDCError as error:
        log.error("OpenID Connect provider misconfigured: %s", error)
        return _refused(400)
    pending = {
        key: value
        for key, value in (session.get(SESSION_KEY) or {}).items()
        if isinstance(value, dict) and time.time() - value.get("at", 0) < PENDING_FOR
    }
    pending[state] = {
        "nonce": nonce,
        "verifier": verifier,
        "redirect_uri": redirect_uri,
        "next": request.args.get("volgende") or "",
        "at": time.time(),
    }
    session[SESSION_KEY] = dict(list(pending.items())[-MAX_PENDING:])
    return redirect(target, code=302)


@bp.get("/terug")
def callback() -> ResponseReturnValue:
    login = _login()
    pending_all = dict(session.get(SESSION_KEY) or {})
    state = request.args.get("state") or ""
    pending = pending_all.pop(state, None) if state else None
    session[SESSION_KEY] = pending_all  # a state is used once, whatever happens next
    try:
        if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_FOR:
            raise OIDCError("unknown, used or expired state")
        if request.args.get("error"):
            raise OIDCError(
                f"provider error {request.args.get('error')!r}:"
                f" {request.args.get('error_description', '')[:200]!r}"
            )
        code = request.args.get("code")
        if not code:
            raise OIDCError("no code in the callback")
        token = login.provider.exchange(code, pending["redirect_uri"], pending["verifier"])
        claims = login.provider.validate(token, pending["nonce"])
        username = username_of(claims)
    except ProviderUnreachable as error:
        log.warning("OpenID Connect provider unreachable: %s", error)
        return _refused(502)
    except OIDCError as error:
        log.warning("OpenID Connect login refused: %s", error)
        return _refused(400)

    groups = groups_of(claims, login.groups_claim)
    granted = grant_for(groups, login.grants)
    staff = container().staff
    if granted is None:
        log.warning("OpenID Connect user %s has no mapped group (groups: %s)", username, groups)
        return _refused(403)
    existing = staff.get(username)
    if existing is not None and not existing.active:
        log.warning("OpenID Connect user %s is deactivated here", username)
        return _refused(403)
    role, teams = granted
    # What the provider does not say (no name, no e-mail claim) stays as it was.
    name = _name_of(claims, existing.name if existing is not None else username)
    email = claims.get("email")
    if not isinstance(email, str):
        email = existing.email if existing is not None else None
    try:
        account = staff.ensure_federated(username, name, email, role, teams, ACTOR)
    except InvariantViolation as error:  # e.g. ROLE_MAP names a team that does not exist
        log.error("OpenID Connect user %s cannot be set up: %s", username, error)
        return _refused(403)
    log.info("OpenID Connect login: %s as %s for %s", username, role.value, teams)

    old = request.cookies.get(COOKIE)
    if old:
        staff.sessions.end(old)
    session.clear()  # a fresh CSRF token too
    token_value = staff.sessions.start(account.username)
    response = redirect(_safe_next(pending.get("next"), account.role), code=303)
    _set_cookie(response, token_value)
    return response
