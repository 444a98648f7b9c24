"""`/healthz`: is the event store reachable, is Redis reachable, what is loaded. `/metrics`:
the same for Prometheus, only for the configured networks or with the configured token."""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Iterable
from typing import Any

from flask import Blueprint, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from web import context

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """Return 200 when the event store answers (503 when not), with what is loaded."""
    built = context.container()
    app = built.app
    body: dict[str, Any] = {"status": "ok"}
    try:
        body["event_store"] = {
            "ok": True,
            "backend": "postgresql" if built.settings.uses_postgres else "sqlite",
            "events": app.recorder.max_notification_id() or 0,
        }
        rulebook = app.rulebook()
        body["data"] = {
            "area_map": app.area_map_version(),
            "teams": len(app.teams()),
            "challenges": len(app.challenges()),
            "rulebook": rulebook.current_version if rulebook else None,
        }
    except Exception as error:  # any store failure must become a clear 503, not a stack trace
        current_app.logger.exception("event store health check failed")
        body["status"] = "unavailable"
        body["event_store"] = {"ok": False, "error": type(error).__name__}
        return jsonify(body), 503
    try:
        body["lag"] = built.lags()
    except Exception as error:  # views not reachable: report, but the store itself is fine
        current_app.logger.exception("views health check failed")
        body["lag"] = {"error": type(error).__name__}
        body["status"] = "degraded"
    body["redis"] = _redis_status(built)
    if not body["redis"]["ok"]:
        body["status"] = "degraded"
    return jsonify(body), 200


@bp.get("/metrics")
def metrics() -> ResponseReturnValue:
    """Prometheus text format: events in the log and how far each follower lags behind."""
    built = context.container()
    settings = built.settings
    if not (
        within(request.remote_addr, settings.metrics_networks)
        or bearer_matches(request.headers.get("Authorization", ""), settings.metrics_token)
    ):
        if settings.metrics_token:
            headers = {"WWW-Authenticate": "Bearer", "Content-Type": "text/plain"}
            return "A bearer token is needed.\n", 401, headers
        return "Not from this address.\n", 403, {"Content-Type": "text/plain"}
    head = built.app.recorder.max_notification_id() or 0
    lines = [
        "# HELP participatie_events_total Events in the notification log.",
        "# TYPE participatie_events_total counter",
        f"participatie_events_total {head}",
        "# HELP participatie_lag_events Events not yet handled, per follower (views, relay).",
        "# TYPE participatie_lag_events gauge",
    ]
    for name, lag in sorted(built.lags().items()):
        lines.append(f'participatie_lag_events{{follower="{name}"}} {lag}')
    return "\n".join(lines) + "\n", 200, {"Content-Type": "text/plain; version=0.0.4"}


def within(address: str | None, networks: Iterable[str]) -> bool:
    """Whether `address` lies in one of `networks` (an IPv4 address mapped into IPv6 counts as
    itself); an address that is no IP address lies in none."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in ipaddress.ip_network(network) for network in networks)


def bearer_matches(header: str, token: str) -> bool:
    """Whether an Authorization header carries `token` (compared in constant time)."""
    scheme, _, given = header.partition(" ")
    if not token or scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


def _redis_status(container: Any) -> dict[str, Any]:
    from participatie.infra.embedded_redis import connect

    if not container.settings.redis_url:
        return {"ok": False, "error": "REDIS_URL not set"}
    try:
        connect(container.settings).ping()
    except Exception as error:  # a Redis outage degrades service but loses nothing
        return {"ok": False, "error": type(error).__name__}
    return {"ok": True}
