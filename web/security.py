"""CSRF on every form, rate limits (web/ratelimit.py), and the security headers of every page."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, request
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect
from itsdangerous import URLSafeTimedSerializer
from werkzeug.middleware.proxy_fix import ProxyFix

from participatie.application import admission
from participatie.config import Settings

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

csrf = CSRFProtect()
# Endpoint → (config key of its limit, the answers that count: accepted posts only).
LIMITED: dict[str, tuple[str, tuple[int, ...]]] = {
    "public.submit": ("SUBMIT_RATE_LIMIT", (302, 303)),
    "public.support": ("SUPPORT_RATE_LIMIT", (302, 303)),
    "api_public.submit": ("SUBMIT_RATE_LIMIT", (201,)),
    "api_public.support": ("SUPPORT_RATE_LIMIT", (202,)),
    "open311.create_request": ("SUBMIT_RATE_LIMIT", (200,)),
    # Tries of a tracking code that is not known (`guessed`): a code that is found, or one
    # whose check symbol shows a typo, does not count.
    "public.track_start": ("TRACK_RATE_LIMIT", ()),
    "public.track_link": ("TRACK_RATE_LIMIT", ()),
    "api_public.tracking": ("TRACK_RATE_LIMIT", ()),
    "mine.request_link": ("SIGNIN_RATE_LIMIT", (302, 303)),
    "follow.request_follow": ("SIGNIN_RATE_LIMIT", (302, 303)),
}
# Endpoints whose only writes are the application's (events, photos): their reservation is sent
# before the request is read and its answer read only when they are about to write
# (participatie.application.admission) or, if they write nothing, when they have answered; the
# round trip to Redis overlaps parsing, validation and sealing. The rest wait for the answer first.
READ_AT_WRITE = frozenset({"public.submit", "api_public.submit", "open311.create_request"})
GUESSED = "participatie_guessed"  # flag on flask.g: this request tried an unknown secret

# Pages whose address or content is a secret of one person (endpoint prefixes).
SECRET_PAGES = (
    "public.track",
    "public.support_confirm",
    "public.confirm_email",
    "mine.",
    "api_public.submit",  # its answer holds the tracking code (shown once)
    "api_public.tracking",  # its answer is the status the code opens
)

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    )
)
# Behind TLS: browsers use only HTTPS for a year, for this host and the hosts under it.
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"


def transport_config(settings: Settings) -> dict[str, Any]:
    """Flask's cookie and address settings (applied before a test's own config).

    The session cookie holds the tracking code and the CSRF secret: never sent by a cross-site
    post (SameSite=Lax), never read by scripts, and with PARTICIPATIE_SECURE_COOKIES=1 never
    sent over plain HTTP.
    """
    return {
        "SESSION_COOKIE_SECURE": settings.secure_cookies,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_HTTPONLY": True,
        "PREFERRED_URL_SCHEME": "https" if settings.secure_cookies else "http",
    }


def https_only() -> bool:
    """Whether the site is reached over HTTPS only (PARTICIPATIE_SECURE_COOKIES=1)."""
    return bool(current_app.config["SESSION_COOKIE_SECURE"])


def cookie_options(path: str = "/") -> dict[str, Any]:
    """The attributes of every cookie the site sets or deletes besides Flask's session."""
    return {"path": path, "httponly": True, "samesite": "Lax", "secure": https_only()}


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the signer made once per set of keys rather than for
    every request (Flask builds it again each time, a thirtieth of a submission's CPU)."""

    def __init__(self) -> None:
        self.signers: dict[tuple[Any, ...], URLSafeTimedSerializer | None] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        signer = self.signers.get(keys)
        if signer is None:
            signer = self.signers[keys] = super().get_signing_serializer(app)
        return signer


class HttpsOnly:
    """Every request counts as HTTPS: the TLS proxy in front may speak plain HTTP to us, yet the
    addresses the site gives out (redirect URIs, Open311 endpoints) must start with https://."""

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        environ["wsgi.url_scheme"] = "https"
        return self.app(environ, start_response)


def local_target(target: str | None, default: str, prefix: str = "/") -> str:
    r"""`target` when it is a path on this site under `prefix`; otherwise `default`.

    Every redirect to an address taken from a request goes through here. Browsers drop tabs
    and line breaks anywhere in a URL and read a backslash as a slash, so `/\t/evil.example`
    and `/\evil.example` lead off-site: a target holding any control character or backslash
    is refused, as is one that starts with `//` or names a scheme or host.
    """
    if not target or any(ord(c) < 0x20 or c in "\x7f\\" for c in target):
        return default
    if not target.startswith(prefix) or target.startswith("//"):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def counted(accepted: tuple[int, ...], response: Response) -> bool:
    """Only accepted posts count towards a limit: fixing a form's errors is not abuse. A request
    that tried a secret nobody has (`guessed`) counts too."""
    return response.status_code in accepted or bool(g.get(GUESSED))


def guessed() -> None:
    """Count this request towards its limit on tries: it named a secret that is not known."""
    setattr(g, GUESSED, True)


# What every answer carries unless its view set the header itself.
SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=(self)"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)


def add_headers(response: Response) -> Response:
    headers = response.headers
    # One look at the few headers a view set, rather than a search of them for each name here.
    present = set(headers.keys(lower=True))
    headers.extend(pair for pair in SECURITY_HEADERS if pair[0].lower() not in present)
    if https_only() and "strict-transport-security" not in present:
        headers["Strict-Transport-Security"] = STRICT_TRANSPORT_SECURITY
    if request.headers.get("Authorization"):
        # An answer to a bearer (API staff, metrics): for that caller only, never kept by a cache.
        headers["Cache-Control"] = "no-store"
    if request.endpoint and request.endpoint.startswith(SECRET_PAGES):
        # Tracking pages belong to whoever holds the code, link pages carry a token in their
        # address: never cached, never referred (the next request's Referer would log it).
        headers["Cache-Control"] = "no-store"
        headers["Referrer-Policy"] = "no-referrer"
    return response


def init_app(app: Flask, settings: Settings) -> None:
    app.config.setdefault("SUBMIT_RATE_LIMIT", settings.submit_limit)
    app.config.setdefault("SUPPORT_RATE_LIMIT", settings.support_limit)
    app.config.setdefault("TRACK_RATE_LIMIT", settings.track_limit)
    app.config.setdefault("SIGNIN_RATE_LIMIT", settings.signin_limit)
    # The counters live in Redis (web/ratelimit.py; in memory when there is no Redis, or while
    # it is away); their keys begin with this prefix. RATELIMIT_ENABLED=False turns them off.
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "participatie")
    app.config.setdefault("RATELIMIT_ENABLED", True)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", 4 * 3600)  # a long form may take a while
    # Over HTTPS Flask-WTF would also demand a same-origin Referer, which the tracking pages
    # never send (Referrer-Policy: no-referrer) nor do browsers that strip it: every form post
    # from them would be refused. The token and the SameSite session cookie protect the forms.
    app.config.setdefault("WTF_CSRF_SSL_STRICT", False)
    csrf.init_app(app)
    app.session_interface = CookieSessions()
    if app.config["SESSION_COOKIE_SECURE"]:
        app.wsgi_app = HttpsOnly(app.wsgi_app)  # type: ignore[method-assign]
    if settings.trusted_proxies:
        # The client is the address that many hops from the end of X-Forwarded-For: what a
        # client writes in front of it is ignored. The Host header is never trusted.
        hops = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    # One set of counters per app; call after the blueprints exist.
    limit_requests(app, settings)
    app.after_request(add_headers)


LIMITED_WINDOWS = "participatie_limited"  # on flask.g: (windows, accepted, how) of this request
PENDING = "participatie_pending"  # on flask.g: a reservation not read yet, and its admission
RETRY_AFTER = "participatie_retry_after"  # on flask.g: seconds, when this request was refused


def limit_requests(app: Flask, settings: Settings) -> None:
    """Count the LIMITED endpoints' requests per client address (see web/ratelimit.py)."""
    from werkzeug.exceptions import TooManyRequests

    from web.ratelimit import Counters, windows_of

    counters = Counters(settings.redis_url or None, lease=settings.rate_limit_lease)
    app.extensions["participatie_rate_limits"] = counters

    @app.before_request
    def check() -> None:
        limited = LIMITED.get(request.endpoint or "")
        if limited is None or not current_app.config["RATELIMIT_ENABLED"]:
            return
        key, accepted = limited
        # One budget per client for each kind, whichever door it uses (form, API, Open311).
        # Tries of a secret count on every method: a GET of a link answers whether it exists.
        methods = ("GET", "POST") if key == "TRACK_RATE_LIMIT" else ("POST",)
        if request.method not in methods:
            return
        windows = windows_of(
            str(current_app.config[key]),
            str(current_app.config["RATELIMIT_KEY_PREFIX"]),
            key,
            request.remote_addr or "unknown",
        )
        # What nearly always counts is reserved now; what rarely counts is only looked at.
        how = "reserve" if accepted else "peek"
        if how == "reserve" and request.endpoint in READ_AT_WRITE:
            pending = counters.send_reserve(windows)
            setattr(g, LIMITED_WINDOWS, (windows, accepted, how))
            setattr(g, PENDING, (pending, admission.hold(functools.partial(admit, pending))))
            return
        verdict = counters.reserve(windows) if how == "reserve" else counters.peek(windows)
        if verdict.refused:
            setattr(g, RETRY_AFTER, verdict.retry_after)
            raise TooManyRequests()
        setattr(g, LIMITED_WINDOWS, (windows, accepted, how))

    for endpoint in READ_AT_WRITE & set(app.view_functions):
        app.view_functions[endpoint] = admitted_by_the_end(app.view_functions[endpoint])

    @app.after_request
    def count(response: Response) -> Response:
        held = g.get(PENDING)
        if held is not None and held[0].verdict().refused:  # reads it if nobody did
            g.pop(LIMITED_WINDOWS, None)  # a refused reservation was taken back by Redis
        limited = g.pop(LIMITED_WINDOWS, None)
        if limited is not None:
            windows, accepted, how = limited
            try:
                if how == "reserve" and not counted(accepted, response):
                    counters.give_back(windows)
                elif how == "peek" and counted(accepted, response):
                    counters.hit(windows)
            except Exception:  # counting must never turn an answer into a 500
                current_app.logger.exception("rate limits: could not count this request")
        wait = g.get(RETRY_AFTER)
        if response.status_code == 429 and wait and "Retry-After" not in response.headers:
            response.headers["Retry-After"] = str(wait)
        return response

    @app.teardown_request
    def settle(error: BaseException | None) -> None:
        held = g.pop(PENDING, None)
        if held is not None:
            pending, token = held
            admission.release(token)
            try:
                pending.discard()  # an answer left in the connection would be the next one's
            except Exception:  # never let counting turn into an error of its own
                current_app.logger.exception("rate limits: could not read a reservation")


def admit(pending: Any) -> None:
    """The admission of a READ_AT_WRITE request: 429, and nothing written, when its
    reservation was refused."""
    from werkzeug.exceptions import TooManyRequests

    verdict = pending.verdict()
    if verdict.refused:
        g.pop(LIMITED_WINDOWS, None)
        setattr(g, RETRY_AFTER, verdict.retry_after)
        raise TooManyRequests()


def admitted_by_the_end(view: Callable[..., Any]) -> Callable[..., Any]:
    """`view`, admitted before it answers even when it wrote nothing: a refused request is
    answered 429 whatever the view (or its validation) had to say, as before it was read."""

    @functools.wraps(view)
    def answered(*args: Any, **kwargs: Any) -> Any:
        try:
            answer = view(*args, **kwargs)
        except Exception:
            admission.admit()
            raise
        admission.admit()
        return answer

    return answered
