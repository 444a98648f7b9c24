"""Fixtures for the CLI tests: a runner on a fresh SQLite var/ and one with the demo loaded."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from participatie.cli import main

SERVICES = ("DATABASE_URL", "SQLITE_PATH", "REDIS_URL")


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("PARTICIPATIE_VAR_DIR", str(tmp_path / "var"))
    for name in SERVICES:
        monkeypatch.delenv(name, raising=False)
    return CliRunner()


@pytest.fixture(scope="session")
def demo_var(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A var/ folder with the demo loaded by `participatie demo load`, once per test process."""
    folder = tmp_path_factory.mktemp("demo-template") / "var"
    env: dict[str, str | None] = dict.fromkeys(SERVICES)
    env["PARTICIPATIE_VAR_DIR"] = str(folder)
    result = CliRunner().invoke(main, ["demo", "load"], env=env)
    assert result.exit_code == 0, result.output
    return folder


@pytest.fixture
def loaded(runner: CliRunner, tmp_path: Path, demo_var: Path) -> CliRunner:
    """The runner on a copy of the demo's var/ (the files as the command left them, closed):
    each test gets its own store without loading the demo again (about 3 s each)."""
    shutil.copytree(demo_var, tmp_path / "var")
    return runner
