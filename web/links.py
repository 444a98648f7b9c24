"""Absolute links the platform hands out: in e-mail, in the Open311 discovery document, as the
OpenID Connect redirect address.

They always start with PARTICIPATIE_PUBLIC_URL, never with the Host header (or the address) a
request came in on: anyone can send `Host: evil.example`, and a link built from it would send a
resident's confirmation to that site.
"""

from __future__ import annotations

from typing import Any

from flask import abort, request, url_for

from web.context import container
from web.security import https_only


def public_base() -> str:
    """PARTICIPATIE_PUBLIC_URL without a trailing slash; https when cookies are HTTPS-only."""
    base = container().settings.public_url.rstrip("/")
    if https_only() and base.startswith("http://"):
        base = "https://" + base.removeprefix("http://")  # behind TLS, the proxy speaks http
    return base


def public_url_for(endpoint: str, **values: Any) -> str:
    """The absolute address of `endpoint` on the public address (path below it as usual)."""
    path = url_for(endpoint, **values)
    # The public address already holds any prefix the site is mounted under.
    return public_base() + path.removeprefix(request.script_root)


def link_payload(purpose: str, token: str, seconds: int) -> dict[str, Any]:
    """The payload of the token in a mailed link: 410 once it is older than `seconds`, 404 when
    it is no token made for `purpose`."""
    from participatie.notifications.tokens import TokenExpired, TokenInvalid

    try:
        return container().tokens.open(purpose, token, max_age=seconds)
    except TokenExpired:
        abort(410)
    except TokenInvalid:
        abort(404)
