"""make bench writes its figures into BENCHMARKS.md blocks, leaving the prose around them."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from benchmarks import report


def test_a_block_is_replaced_and_the_prose_around_it_kept(tmp_path: Path) -> None:
    path = tmp_path / "BENCHMARKS.md"
    path.write_text(
        "# Benchmarks\n\nWhy it is measured so.\n\n<!-- bench:submit -->\nold figures\n"
        "<!-- /bench:submit -->\n\nWhat it means.\n"
    )
    report.write("submit", "| store | ratio |\n|---|---|\n| sqlite | 0.71 |", path)
    text = path.read_text()
    assert "old figures" not in text
    assert "| sqlite | 0.71 |" in text
    assert text.startswith("# Benchmarks\n\nWhy it is measured so.\n\n<!-- bench:submit -->\n")
    assert text.endswith("<!-- /bench:submit -->\n\nWhat it means.\n")
    report.write("submit", "new $1 \\1 figures", path)  # no regex replacement surprises
    assert "new $1 \\1 figures" in path.read_text()
    assert path.read_text().count("<!-- bench:submit -->") == 1


def test_a_missing_block_is_added_at_the_end(tmp_path: Path) -> None:
    path = tmp_path / "BENCHMARKS.md"
    path.write_text("# Benchmarks\n")
    report.write("soak", "figures", path)
    assert path.read_text() == (
        "# Benchmarks\n\n## soak\n\n<!-- bench:soak -->\nfigures\n<!-- /bench:soak -->\n"
    )


def test_a_printed_table_is_written_with_the_command_and_a_failure_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "BENCHMARKS.md"
    path.write_text("<!-- bench:x -->\n<!-- /bench:x -->\n")
    monkeypatch.setattr(report, "FILE", path)
    monkeypatch.delenv("BENCH_REPORT", raising=False)
    script = "print('warming up'); print('| a | b |'); print('|---|---|'); print('| 1 | 2 |')"
    assert report.run_and_write("x", [sys.executable, "-c", script]) == 0
    text = path.read_text()
    assert "| a | b |\n|---|---|\n| 1 | 2 |\n<!-- /bench:x -->" in text
    assert "\nwarming up" not in text  # only the table (the command shows the script)
    assert "Command: `.venv/bin/python -c" in text
    assert report.run_and_write("x", [sys.executable, "-c", "print('| 9 |'); exit(3)"]) == 3
    assert "| 9 |" not in path.read_text()
