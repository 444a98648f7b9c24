"""Shared fixtures: settings for SQLite and PostgreSQL, a small area map, service checks."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from participatie.bootstrap import Container, build
from participatie.config import Settings
from participatie.domain.areas import Area
from participatie.domain.values import Actor, AreaLevel

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def services_required() -> bool:
    """Under CI (or when asked) a missing service is a failure, not a skip."""
    return bool(os.environ.get("CI") or os.environ.get("PARTICIPATIE_REQUIRE_SERVICES"))


def missing_service(reason: str) -> None:
    if services_required():
        pytest.fail(f"{reason} (services are required under CI)")
    pytest.skip(reason)


def _postgres_connect() -> object:
    import psycopg

    try:
        return psycopg.connect(POSTGRES_URL, connect_timeout=3, autocommit=True)
    except psycopg.OperationalError as error:
        missing_service(f"PostgreSQL not reachable at {POSTGRES_URL}: {error}")
        raise


# Tests publish public text at once (PARTICIPATIE_AUTO_APPROVE), as a municipality that does not
# moderate does; the tests of moderation turn it off.
AUTO_APPROVE = True


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    return Settings(var_dir=tmp_path / "var", auto_approve=AUTO_APPROVE)


@contextlib.contextmanager
def postgres_schema(var_dir: Path) -> Iterator[Settings]:
    """Settings on a fresh PostgreSQL schema, dropped afterwards."""
    conn = _postgres_connect()
    schema = f"t_{uuid.uuid4().hex[:16]}"
    conn.execute(f"CREATE SCHEMA {schema}")  # type: ignore[attr-defined]
    try:
        yield Settings(
            var_dir=var_dir,
            database_url=POSTGRES_URL,
            database_schema=schema,
            auto_approve=AUTO_APPROVE,
        )
    finally:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")  # type: ignore[attr-defined]
        conn.close()  # type: ignore[attr-defined]


@pytest.fixture
def postgres_settings(tmp_path: Path) -> Iterator[Settings]:
    """A fresh PostgreSQL schema per test, dropped afterwards."""
    with postgres_schema(tmp_path / "var") as settings:
        yield settings


@pytest.fixture(params=["sqlite", "postgres"])
def settings(request: pytest.FixtureRequest) -> Settings:
    """Run the test once on each event store."""
    if request.param == "postgres":
        request.applymarker(pytest.mark.postgres)
    fixture_name = f"{request.param}_settings"
    result: Settings = request.getfixturevalue(fixture_name)
    return result


def square(x0: float, y0: float, x1: float, y1: float) -> dict[str, object]:
    ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
    return {"type": "Polygon", "coordinates": [ring]}


def small_map() -> list[Area]:
    """GM0001 with one wijk split into two buurten side by side (border at lon 1.0)."""
    return [
        Area("GM0001", "Testgemeente", AreaLevel.MUNICIPALITY, None, square(0, 0, 2, 1)),
        Area("WK000101", "Testwijk", AreaLevel.DISTRICT, "GM0001", square(0, 0, 2, 1)),
        Area("BU00010101", "Westbuurt", AreaLevel.NEIGHBOURHOOD, "WK000101", square(0, 0, 1, 1)),
        Area("BU00010102", "Oostbuurt", AreaLevel.NEIGHBOURHOOD, "WK000101", square(1, 0, 2, 1)),
    ]


@pytest.fixture
def container(settings: Settings) -> Iterator[Container]:
    """The application on the store under test, with the small map imported."""
    built = build(settings)
    built.app.import_area_map("v1", small_map(), "test", Actor.system("test"))
    try:
        yield built
    finally:
        built.close()


def submission(**overrides: object) -> dict[str, object]:
    """Return valid raw submission data (as a form or API would send it)."""
    data: dict[str, object] = {
        "initiator": {
            "kind": "resident",
            "name": "Anna de Vries",
            "email": "anna@example.org",
            "phone": "06-12345678",
            "address": "Dorpsstraat 1",
        },
        "title": "Geveltuinen in de Dorpsstraat",
        "description": "Wij willen met de buren geveltuinen aanleggen langs de hele straat.",
        "themes": ["groen"],
        "location": {"lat": 0.5, "lon": 0.5},
        "consent_to_publish": True,
        "requested_support": "Tegels eruit laten halen",
    }
    data.update(overrides)
    return data


HEAVY = ("browser", "slow", "postgres")


def pytest_configure(config: pytest.Config) -> None:
    """In the test processes staff passwords are hashed with argon2id at its lowest cost (one
    pass over 8 KiB instead of three over 64 MiB: about 1 ms instead of 130 ms). What is tested
    is who may log in, not the cost; the hashes are still argon2id. Processes the tests start
    (`participatie run`, the CLI in a subprocess) hash as in production."""
    from functools import partial

    from argon2 import PasswordHasher

    import participatie.staff.accounts as accounts

    cheap = partial(PasswordHasher, time_cost=1, memory_cost=8, parallelism=1)
    setattr(accounts, "PasswordHasher", cheap)  # noqa: B010 - a class attribute mypy guards


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Modules with browser, subprocess or PostgreSQL tests first, each module kept together.

    `pytest -n 2` hands the tests out in this order: the long ones start at once on both
    workers, and the many short ones at the end keep both busy until the last, instead of one
    worker finishing a 40-second browser walk alone.
    """
    weight: dict[str, int] = {}
    for item in items:
        marks = {m.name for m in item.iter_markers()}
        rank = next((i for i, name in enumerate(HEAVY) if name in marks), len(HEAVY))
        key = item.nodeid.split("::")[0]
        weight[key] = min(weight.get(key, rank), rank)
    items.sort(key=lambda item: weight[item.nodeid.split("::")[0]])
