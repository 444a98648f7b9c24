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


def write(name: str, text: str, path: Path = FILE) -> None:
    if os.environ.get("BENCH_REPORT", "1") == "0":
        return
    begin, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    block = f"{begin}\n{text.strip()}\n{end}"
    current = path.read_text() if path.exists() else "# Benchmarks\n"
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(current):
        updated = pattern.sub(lambda _: block, current, count=1)
    else:
        updated = current.rstrip("\n") + f"\n\n## {name}\n\n{block}\n"
    path.write_text(updated)
