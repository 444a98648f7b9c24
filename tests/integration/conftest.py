"""Fixtures for the CLI tests: a runner on a fresh SQLite var/ and one with the demo loaded."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from participatie.cli import main


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("PARTICIPATIE_VAR_DIR", str(tmp_path / "var"))
    for name in ("DATABASE_URL", "SQLITE_PATH", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    return CliRunner()


@pytest.fixture
def loaded(runner: CliRunner) -> CliRunner:
    result = runner.invoke(main, ["demo", "load"])
    assert result.exit_code == 0, result.output
    return runner
