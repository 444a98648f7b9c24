"""How configuration values are read: one parser per kind of value.

A parser takes the variable's name and its raw text and returns the value, or None when the text
counts as unset (the setting's default applies); a bad value raises ConfigError naming the
variable. The settings themselves are declared in participatie/config.py.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse


class ConfigError(ValueError):
    """A configuration variable has an invalid value; the message names the variable."""


SMTP_SECURITY = ("none", "starttls", "ssl")
ESCALATABLE = ("handoff", "decision")
# Retention rules, in the order they are reported: after what an initiative's personal data is
# kept for a number of months (see participatie/privacy/retention.py).
RETENTION_RULES = ("completed", "withdrawn", "merged", "not_honoured")
DEFAULT_RETENTION: tuple[tuple[str, int], ...] = (
    ("completed", 12),
    ("withdrawn", 3),
    ("merged", 3),
    ("not_honoured", 12),
)
# Staff roles a group may map to, most privileged first: a user in several mapped groups gets the
# first of these roles (and the teams of all their groups, when that role works for teams).
OIDC_ROLE_ORDER: tuple[str, ...] = (
    "admin",
    "regie",
    "area_manager",
    "line_department",
    "team_member",
    "auditor",
)
OIDC_TEAMLESS_ROLES = frozenset({"admin", "auditor"})


def text(name: str, raw: str) -> str | None:
    """Text without surrounding blanks; blank is unset."""
    return raw.strip() or None


def verbatim(name: str, raw: str) -> str | None:
    """Text as given (a password may start or end with a blank); empty is unset."""
    return raw or None


def path(name: str, raw: str) -> Path | None:
    """A file or folder, as given; empty is unset."""
    return Path(raw) if raw else None


def database_url(name: str, raw: str) -> str | None:
    url = raw.strip()
    if url:
        parsed = urlparse(url)
        if parsed.scheme not in ("postgresql", "postgres"):
            raise ConfigError(f"{name} must start with postgresql://")
        try:
            parsed.port  # noqa: B018 - raises on a bad port
        except ValueError:
            raise ConfigError(f"{name} has an invalid port") from None
    return url or None


def redis_url(name: str, raw: str) -> str | None:
    url = raw.strip()
    if url and urlparse(url).scheme not in ("redis", "rediss", "unix"):
        raise ConfigError(f"{name} must start with redis://, rediss:// or unix://")
    return url or None


def positive_int(name: str, raw: str) -> int | None:
    if raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if value < 1:
        raise ConfigError(f"{name} must be at least 1, got {value}")
    return value


def count(name: str, raw: str) -> int | None:
    """A whole number of at least 0; empty is unset."""
    if raw.strip() == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if value < 0:
        raise ConfigError(f"{name} must be at least 0, got {value}")
    return value


def port(name: str, raw: str) -> int | None:
    value = positive_int(name, raw)
    if value is not None and value > 65535:
        raise ConfigError(f"{name} must be at most 65535, got {value}")
    return value


def blank_or_port(name: str, raw: str) -> int | None:
    """A port, where blanks too mean unset."""
    return port(name, raw) if raw.strip() else None


def flag(name: str, raw: str) -> bool:
    raw = (raw or "0").strip().lower()
    if raw not in ("0", "1", "true", "false", "yes", "no"):
        raise ConfigError(f"{name} must be 0 or 1, got {raw!r}")
    return raw in ("1", "true", "yes")


def rate_limit(name: str, raw: str) -> str | None:
    raw = raw.strip()
    if not raw:
        return None
    from limits import parse_many

    try:
        parse_many(raw)
    except ValueError:
        raise ConfigError(
            f"{name} must look like '5 per minute;20 per hour', got {raw!r}"
        ) from None
    return raw


def public_url(name: str, raw: str) -> str | None:
    raw = raw.strip().rstrip("/")
    if not raw:
        return None
    url = urlparse(raw)
    if url.scheme not in ("http", "https") or not url.hostname or url.query or url.fragment:
        raise ConfigError(f"{name} must be an http(s):// address without query, got {raw!r}")
    return raw


def smtp_security(name: str, raw: str) -> str | None:
    raw = raw.strip().lower()
    if raw and raw not in SMTP_SECURITY:
        raise ConfigError(f"{name} must be one of {', '.join(SMTP_SECURITY)}, got {raw!r}")
    return raw or None


def seconds_list(name: str, raw: str) -> tuple[int, ...] | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        values = tuple(int(part) for part in raw.split(","))
    except ValueError:
        raise ConfigError(
            f"{name} must be whole seconds separated by commas, got {raw!r}"
        ) from None
    if any(v < 1 for v in values):
        raise ConfigError(f"{name} must list seconds of at least 1, got {raw!r}")
    return values


def networks(name: str, raw: str) -> tuple[str, ...]:
    """Networks in CIDR notation, comma-separated (a bare address is one host); set but empty
    means none (unset keeps the default)."""
    found = []
    for part in (p.strip() for p in raw.split(",")):
        if not part:
            continue
        try:
            found.append(str(ipaddress.ip_network(part, strict=False)))
        except ValueError:
            raise ConfigError(
                f"{name} must list networks such as 10.0.0.0/8 or ::1/128, got {part!r}"
            ) from None
    return tuple(found)


def escalate(name: str, raw: str) -> tuple[str, ...]:
    """Set but empty means: escalate nothing (unset keeps the default)."""
    kinds = tuple(k.strip().lower() for k in raw.split(",") if k.strip())
    unknown = [k for k in kinds if k not in ESCALATABLE]
    if unknown:
        raise ConfigError(f"{name} may name {', '.join(ESCALATABLE)}, got {', '.join(unknown)}")
    return kinds


STAFF_ROLES = ("area_manager", "team_member", "regie", "line_department", "auditor", "admin")


def roles(name: str, raw: str) -> tuple[str, ...]:
    """Staff roles, comma-separated; at least one."""
    found = tuple(r.strip().lower() for r in raw.split(",") if r.strip())
    unknown = [r for r in found if r not in STAFF_ROLES]
    if unknown or not found:
        raise ConfigError(f"{name} takes one or more of {', '.join(STAFF_ROLES)}")
    return found


def retention(name: str, raw: str) -> tuple[tuple[str, int], ...]:
    return parse_retention(raw)


# Writing a value back as the text its parser reads (see Settings.as_environ).


def optional(value: object) -> str | None:
    return None if value is None else str(value)


def joined(values: tuple[object, ...]) -> str:
    return ",".join(str(v) for v in values)


@dataclass(frozen=True)
class GroupGrant:
    """What membership of one identity-provider group gives: a staff role and teams."""

    role: str
    teams: tuple[str, ...] = ()


def parse_role_map(raw: str) -> dict[str, GroupGrant]:
    """Parse 'group=role[:team,team];...' (PARTICIPATIE_OIDC_ROLE_MAP) into group → grant."""
    name = "PARTICIPATIE_OIDC_ROLE_MAP"
    grants: dict[str, GroupGrant] = {}
    for entry in (raw or "").split(";"):
        entry = entry.strip()
        if not entry:
            continue
        group, equals, rest = entry.partition("=")
        group = group.strip().lstrip("/")  # Keycloak's "full group path" form works too
        role, _, team_list = rest.partition(":")
        role = role.strip()
        teams = tuple(t.strip() for t in team_list.split(",") if t.strip())
        if not equals or not group or not role:
            raise ConfigError(f"{name} entries look like 'group=role:team,team', got {entry!r}")
        if group in grants:
            raise ConfigError(f"{name} names group {group!r} twice")
        if role not in OIDC_ROLE_ORDER:
            raise ConfigError(
                f"{name}: unknown role {role!r} for group {group!r}"
                f" (one of {', '.join(OIDC_ROLE_ORDER)})"
            )
        if role in OIDC_TEAMLESS_ROLES and teams:
            raise ConfigError(f"{name}: role {role!r} (group {group!r}) works for no team")
        if role not in OIDC_TEAMLESS_ROLES and not teams:
            raise ConfigError(
                f"{name}: role {role!r} (group {group!r}) needs at least one team,"
                f" as in '{group}={role}:team'"
            )
        grants[group] = GroupGrant(role, teams)
    return grants


def check_oidc(issuer: str, client_id: str, role_map: str) -> dict[str, GroupGrant]:
    """Check the OpenID Connect variables together; return the group map."""
    grants = parse_role_map(role_map)
    if not issuer:
        return grants
    url = urlparse(issuer)
    local = url.hostname in ("127.0.0.1", "localhost", "::1")
    if not url.hostname or not (url.scheme == "https" or (url.scheme == "http" and local)):
        raise ConfigError(
            "PARTICIPATIE_OIDC_ISSUER must be an https:// URL (http:// only on localhost),"
            f" got {issuer!r}"
        )
    if url.query or url.fragment:
        raise ConfigError("PARTICIPATIE_OIDC_ISSUER must have no query or fragment")
    if not client_id:
        raise ConfigError(
            "PARTICIPATIE_OIDC_CLIENT_ID must be set when PARTICIPATIE_OIDC_ISSUER is set"
        )
    if not grants:
        raise ConfigError(
            "PARTICIPATIE_OIDC_ROLE_MAP must map at least one group when"
            " PARTICIPATIE_OIDC_ISSUER is set"
        )
    return grants


def parse_retention(raw: str | None) -> tuple[tuple[str, int], ...]:
    """Parse 'rule=months,...' (PARTICIPATIE_RETENTION); rules left out keep their default."""
    name = "PARTICIPATIE_RETENTION"
    months = dict(DEFAULT_RETENTION)
    given: set[str] = set()
    for entry in (raw or "").split(","):
        entry = entry.strip()
        if not entry:
            continue
        rule, equals, value = (part.strip() for part in entry.partition("="))
        rule = rule.lower()
        if not equals or rule not in RETENTION_RULES:
            raise ConfigError(
                f"{name} entries look like 'rule=months' with a rule of"
                f" {', '.join(RETENTION_RULES)}, got {entry!r}"
            )
        if rule in given:
            raise ConfigError(f"{name} names {rule!r} twice")
        if not re.fullmatch(r"[0-9]+", value) or int(value) < 1:
            raise ConfigError(
                f"{name}: {rule} must be a whole number of months, at least 1, got {value!r}"
            )
        given.add(rule)
        months[rule] = int(value)
    return tuple((rule, months[rule]) for rule in RETENTION_RULES)
