"""CSRF on every form, rate limits with Redis storage, and the security headers of every page."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

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
GUESSED = "participatie_guessed"  # flag on flask.g: this request tried an unknown secret

# Pages whose address or content is a secret of one person (endpoint prefixes).
SECRET_PAGES = ("public.track", "public.support_confirm", "public.confirm_email", "mine.")

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


def limiter_storage(settings: Settings) -> str:
    """Flask-Limiter's storage URI: the platform's Redis, or memory when there is none."""
    url = settings.redis_url
    if not url:
        return "memory://"
    if url.startswith("unix://"):
        return "redis+unix://" + url.removeprefix("unix://")
    return url


def _limit_from(key: str) -> Callable[[], str]:
    return lambda: str(current_app.config[key])


def counted(accepted: tuple[int, ...]) -> Callable[[Response], bool]:
    """Only accepted posts count towards a limit: fixing a form's errors is not abuse. A request
    that tried a secret nobody has (`guessed`) counts too."""
    return lambda response: response.status_code in accepted or bool(g.get(GUESSED))


def guessed() -> None:
    """Count this request towards its limit on tries: it named a secret that is not known."""
    setattr(g, GUESSED, True)


def add_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(self)")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if https_only():
        headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
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
    app.config.setdefault("RATELIMIT_STORAGE_URI", limiter_storage(settings))
    # No X-RateLimit-* headers on every answer: each cost two more Redis round trips per
    # limited request. A refused request still says when to come back (Retry-After).
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "participatie")
    # Redis holds only the counters; the event store is the truth. While Redis is away the
    # limits are counted in memory (per web process), and a Redis that dies after the check
    # must not turn a stored submission into a 500: the counting error is logged, not raised.
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", 4 * 3600)  # a long form may take a while
    # Over HTTPS Flask-WTF would also demand a same-origin Referer, which the tracking pages
    # never send (Referrer-Policy: no-referrer) nor do browsers that strip it: every form post
    # from them would be refused. The token and the SameSite session cookie protect the forms.
    app.config.setdefault("WTF_CSRF_SSL_STRICT", False)
    csrf.init_app(app)
    if app.config["SESSION_COOKIE_SECURE"]:
        app.wsgi_app = HttpsOnly(app.wsgi_app)  # type: ignore[method-assign]
    if settings.trusted_proxies:
        # The client is the address that many hops from the end of X-Forwarded-For: what a
        # client writes in front of it is ignored. The Host header is never trusted.
        hops = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    # One limiter per app (its storage is per instance); call after the blueprints exist.
    limiter = Limiter(get_remote_address, app=app)
    for endpoint, (key, accepted) in LIMITED.items():
        view = app.view_functions[endpoint]
        # One budget per client for each kind, whichever door it uses (form, API, Open311).
        # Tries of a secret count on every method: a GET of a link answers whether it exists.
        methods = ["GET", "POST"] if key == "TRACK_RATE_LIMIT" else ["POST"]
        app.view_functions[endpoint] = limiter.shared_limit(  # type: ignore[assignment]
            _limit_from(key), scope=key, methods=methods, deduct_when=counted(accepted)
        )(view)
    app.after_request(add_headers)

    @app.after_request
    def retry_after(response: Response) -> Response:
        """On a 429, when the client may try again (seconds until the window resets)."""
        if response.status_code == 429 and "Retry-After" not in response.headers:
            limit = limiter.current_limit
            if limit is not None:
                response.headers["Retry-After"] = str(
                    max(1, math.ceil(limit.reset_at - time.time()))
                )
        return response
