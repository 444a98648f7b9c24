"""Write a benchmark's figures into BENCHMARKS.md, between its markers.

Each section of BENCHMARKS.md holds its explanation (written by hand) and a block

    <!-- bench:NAME -->
    ...figures, replaced by every run...
    <!-- /bench:NAME -->

that `write(NAME, text)` replaces. A block that is not there yet is added at the end.
Set BENCH_REPORT=0 to print only.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

FILE = Path(__file__).resolve().parent.parent / "BENCHMARKS.md"


def write(name: str, text: str, path: Path | None = None) -> None:
    if os.environ.get("BENCH_REPORT", "1") == "0":
        return
    path = path or FILE
    begin, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    block = f"{begin}\n{text.strip()}\n{end}"
    current = path.read_text() if path.exists() else "# Benchmarks\n"
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(current):
        updated = pattern.sub(lambda _: block, current, count=1)
    else:
        updated = current.rstrip("\n") + f"\n\n## {name}\n\n{block}\n"
    path.write_text(updated)


def run_and_write(name: str, command: list[str]) -> int:
    """Run a benchmark that prints a Markdown table; echo its output and write the table (with
    the machine and the command) into block `name`. Returns the command's exit status."""
    import shlex
    import subprocess
    import sys

    from benchmarks.stack import machine

    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    table = []
    for line in process.stdout:
        sys.stdout.write(line)
        sys.stdout.flush()
        if line.startswith("|"):
            table.append(line.rstrip("\n"))
    status = process.wait()
    if status == 0 and table:
        shown = " ".join(shlex.quote(p) for p in command).replace(
            sys.executable, ".venv/bin/python"
        )
        write(name, f"Measured {machine()}.\nCommand: `{shown}`\n\n" + "\n".join(table))
    return status


def main() -> None:
    """`python -m benchmarks.report NAME -- COMMAND...`"""
    import sys

    arguments = sys.argv[1:]
    if len(arguments) < 3 or arguments[1] != "--":
        raise SystemExit("usage: python -m benchmarks.report NAME -- COMMAND...")
    raise SystemExit(run_and_write(arguments[0], arguments[2:]))


if __name__ == "__main__":
    main()


def invocation(module: str) -> str:
    """How this run was started, to print next to its figures."""
    import sys

    return "`" + " ".join([".venv/bin/python", "-m", module, *sys.argv[1:]]) + "`"
