"""Soak: minutes of mixed traffic (locust, headless) against the whole platform on loopback.

    .venv/bin/python -m benchmarks.soak [--minutes 20] [--warmup-minutes 3] [--store sqlite]
        [--users 15] [--spawn-rate 2] [--staff-web 2] [--staff-api 1] [--no-sealer] [--workdir D]

A fresh store (SQLite, or a new PostgreSQL schema) gets the demo municipality and one staff
account (with password and API token) per team. `benchmarks.stack.Stack` then runs the platform
as real processes: `web` (gunicorn, two workers), `relay`, two `worker`s, `projector` and the
`sealer`, with the rate limits set to never refuse. Locust (`benchmarks/locustfile.py`, a
municipality's day: public pages, API reads, submissions by form and API, tracking, support
requests, staff at work through the pages and the staff API) runs for `--minutes` in all.

Measured:
- errors: every request locust made (its CSV stats, per endpoint and per group) must have had
  the expected answer: 0 failures, no 429 (limits are off) and no 409 (nothing conflicts by
  design, see the locustfile);
- processes: none of the platform's may die, nor may gunicorn replace a worker; no job may end
  in RQ's failed registry and no process log may hold a Python traceback;
- the ledger (`benchmarks.ledger.settle`, up to 120 s after the traffic): every submission that
  was acknowledged is stored, routed exactly once and in the views at the log's version;
- memory: every 15 s the resident set (RSS) of each process, children included (web is the
  gunicorn master plus its workers; each RQ worker on its own). The first `--warmup-minutes`
  are warm-up (imports finish, caches and the allocator's arenas fill). The baseline is the
  median of the samples in the minute right after the warm-up, the end the median of the
  samples in the last minute of traffic; growth = end / baseline - 1. Medians of about four
  samples each keep one sample taken in the middle of a large answer from deciding the result.
  Web and each worker must grow less than 10 %; relay, projector and sealer are reported.

The figures go to the `soak` block of BENCHMARKS.md (`benchmarks.report`); any failure, death,
failed job, traceback, growth of 10 % or more for web or a worker, or an unclean ledger exits
non-zero with the reasons, and keeps the work folder (store, logs, locust CSVs, `rss.csv` with
every sample) for a look; `--workdir` keeps it in any case.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import secrets
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from benchmarks import ledger, report
from benchmarks.stack import BIN, Stack, machine, store
from participatie.bootstrap import Container, build
from participatie.config import Settings
from participatie.demo import load_demo
from participatie.domain.values import Actor, Role
from participatie.infra.failed_jobs import failed_jobs

ROOT = Path(__file__).resolve().parent.parent
LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
SAMPLE_EVERY = 15.0  # seconds between RSS samples
GROWTH_LIMIT = 0.10
PIPE = "\\|"
GUARDED = ("web", "worker")  # whose growth must stay under the limit
# Staff accounts in this order: the locust staff users take them one by one, one team each
# (so no two users act on the same initiative); the area teams and regie get most initiatives.
TEAM_ORDER = (
    "gebiedsteam-centrum",
    "gebiedsteam-oude-haven",
    "regie",
    "gebiedsteam-molenkwartier",
    "gebiedsteam-lindepark",
    "lijn-verkeer",
    "opgaveteam-energie",
)


# -- preparing the store --------------------------------------------------------------------------


def staff_accounts(container: Container) -> list[dict[str, str]]:
    """One account per team (the ordered teams first), with a password and an API token."""
    teams = {team.code: team for team in container.app.teams()}
    ordered = [t for t in TEAM_ORDER if t in teams] + sorted(set(teams) - set(TEAM_ORDER))
    actor = Actor.system("soak")
    accounts = []
    for number, code in enumerate(ordered, start=1):
        kind = teams[code].kind.value
        role = {"regie": Role.REGIE, "line": Role.LINE_DEPARTMENT}.get(kind, Role.AREA_MANAGER)
        username = f"soak{number:02d}"
        password = secrets.token_urlsafe(16)
        container.staff.add(username, f"Soak {code}", role, [code], password, actor)
        token = container.staff.issue_token(username, "soak", days=2)
        accounts.append(
            {
                "username": username,
                "password": password,
                "team": code,
                "role": role.value,
                "token": token,
            }
        )
    return accounts


def prepare(settings: Settings, workdir: Path) -> tuple[int, Path]:
    """Load the demo and the soak's staff accounts; the log's head after that, the staff file."""
    container = build(settings)
    try:
        load_demo(container.app)
        accounts = staff_accounts(container)
    finally:
        container.close()
    path = workdir / "staff.json"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        json.dump(accounts, out)
    return ledger.head(settings), path


# -- memory and processes -------------------------------------------------------------------------


@dataclass
class Sample:
    at: float  # seconds since the traffic started
    rss: dict[str, int]  # label -> bytes


@dataclass
class Watch:
    """RSS samples per process, and every death or replaced gunicorn worker seen."""

    samples: list[Sample] = field(default_factory=list)
    dead: dict[str, str] = field(default_factory=dict)  # label -> what happened
    web_workers: set[int] = field(default_factory=set)
    children: dict[str, int] = field(default_factory=dict)  # label -> children last seen

    def trees(self, stack: Stack) -> dict[str, list[psutil.Process]]:
        """The process tree of each platform process by label (`worker-1`, `worker-2`, ...)."""
        trees: dict[str, list[psutil.Process]] = {}
        counts: dict[str, int] = {}
        for running in stack.running:
            counts[running.name] = counts.get(running.name, 0) + 1
            label = running.name
            if running.name == "worker":
                label = f"worker-{counts['worker']}"
            if running.process.poll() is not None:
                self.dead.setdefault(label, f"died (exit {running.process.returncode})")
                continue
            trees[label] = running.tree()
        return trees

    def sample(self, stack: Stack, at: float) -> None:
        rss: dict[str, int] = {}
        for label, tree in self.trees(stack).items():
            total = 0
            for process in tree:
                with contextlib.suppress(psutil.NoSuchProcess):
                    total += process.memory_info().rss
            rss[label] = total
            self.children[label] = len(tree) - 1
            if label == "web":
                self._check_web_workers({p.pid for p in tree[1:]})
        self.samples.append(Sample(at, rss))

    def _check_web_workers(self, workers: set[int]) -> None:
        if not self.web_workers:
            self.web_workers = workers
        elif not workers <= self.web_workers:
            self.dead.setdefault("web", "gunicorn replaced a worker (a crash or a timeout)")
            self.web_workers |= workers

    def window(self, label: str, start: float, end: float) -> list[int]:
        return [s.rss[label] for s in self.samples if start <= s.at < end and label in s.rss]

    def save(self, path: Path) -> None:
        """Every sample as CSV: seconds, then MiB per process (for a closer look at a trend)."""
        labels = sorted({label for s in self.samples for label in s.rss})
        with path.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(["seconds", *labels])
            for s in self.samples:
                cells = [f"{s.rss[k] / 2**20:.1f}" if k in s.rss else "" for k in labels]
                writer.writerow([f"{s.at:.0f}", *cells])

    def latest(self) -> str:
        if not self.samples:
            return ""
        return ", ".join(f"{k} {mib(v)}" for k, v in sorted(self.samples[-1].rss.items()))


def mib(size: float) -> str:
    return f"{size / 2**20:.1f} MiB"


@dataclass
class Growth:
    label: str
    baseline: float  # bytes: median of the minute after the warm-up
    end: float  # bytes: median of the last minute
    samples: tuple[int, int]

    @property
    def ratio(self) -> float:
        return self.end / self.baseline - 1 if self.baseline else float("inf")

    @property
    def guarded(self) -> bool:
        return self.label.split("-")[0] in GUARDED


def growths(watch: Watch, warmup: float, total: float) -> list[Growth]:
    """Per process: the median RSS of the minute after warm-up against that of the last minute."""
    order = ("web", "worker", "relay", "projector", "sealer")
    labels = sorted(
        {label for s in watch.samples for label in s.rss},
        key=lambda label: (order.index(label.split("-")[0]), label),
    )
    found = []
    for label in labels:
        first = watch.window(label, warmup, warmup + 60)
        last = watch.window(label, total - 60, total + 1)
        if first and last:
            found.append(
                Growth(
                    label,
                    statistics.median(first),
                    statistics.median(last),
                    (len(first), len(last)),
                )
            )
    return found


# -- locust ---------------------------------------------------------------------------------------


def locust_command(url: str, options: argparse.Namespace, prefix: Path) -> list[str]:
    return [
        str(BIN / "locust"),
        *("-f", str(LOCUSTFILE), "--headless", "--host", url),
        *("--users", str(options.users), "--spawn-rate", str(options.spawn_rate)),
        *("--run-time", f"{round(options.minutes * 60)}s"),
        *("--stop-timeout", "10"),  # users finish the task they are in: no answer cut off
        *("--csv", str(prefix), "--only-summary", "--exit-code-on-error", "1"),
    ]


def run_traffic(
    stack: Stack, options: argparse.Namespace, workdir: Path, staff_file: Path
) -> tuple[int, Watch, list[str]]:
    """Run locust to its end while sampling RSS every 15 s: its exit code, the watch, its argv."""
    env = {
        **os.environ,
        "SOAK_STAFF": str(staff_file),
        "SOAK_ACKNOWLEDGED": str(workdir / "acknowledged.txt"),
        "SOAK_GROUPS": str(workdir / "groups.json"),
        "SOAK_STAFF_WEB": str(options.staff_web),
        "SOAK_STAFF_API": str(options.staff_api),
        "PYTHONPATH": str(ROOT),
    }
    watch = Watch()
    command = locust_command(stack.url, options, workdir / "locust")
    total = options.minutes * 60
    with (workdir / "locust.log").open("wb") as log:
        started = time.monotonic()
        locust = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        try:
            tick = 0
            while locust.poll() is None:
                at = time.monotonic() - started
                if at <= total:  # after the run time locust only winds down
                    watch.sample(stack, at)
                    if tick % 4 == 0:
                        print(f"{at / 60:5.1f} min  {watch.latest()}", flush=True)
                tick += 1
                while locust.poll() is None and time.monotonic() < started + tick * SAMPLE_EVERY:
                    time.sleep(0.25)
        finally:
            if locust.poll() is None:
                locust.terminate()
            code = locust.wait(60)
    watch.trees(stack)  # one more look for deaths
    return code, watch, command


@dataclass
class Row:
    name: str
    requests: int
    failures: int
    p50: float
    p95: float


def read_stats(prefix: Path) -> tuple[list[Row], Row | None]:
    """Per endpoint and the total, from locust's `<prefix>_stats.csv`."""
    rows: list[Row] = []
    total: Row | None = None
    path = Path(f"{prefix}_stats.csv")
    if not path.exists():
        return rows, None
    with path.open(encoding="utf-8") as handle:
        for line in csv.DictReader(handle):
            row = Row(
                line["Name"],
                int(line["Request Count"]),
                int(line["Failure Count"]),
                float(line["50%"] or "nan"),
                float(line["95%"] or "nan"),
            )
            if line["Name"] == "Aggregated":
                total = row
            else:
                rows.append(row)
    return rows, total


def read_problems(prefix: Path) -> list[str]:
    """The failures and the locustfile's exceptions locust recorded, one line each."""
    found = []
    failures = Path(f"{prefix}_failures.csv")
    if failures.exists():
        with failures.open(encoding="utf-8") as handle:
            for line in csv.DictReader(handle):
                found.append(
                    f"{line['Occurrences']}× {line['Method']} {line['Name']}: {line['Error']}"
                )
    exceptions = Path(f"{prefix}_exceptions.csv")
    if exceptions.exists():
        with exceptions.open(encoding="utf-8") as handle:
            for line in csv.DictReader(handle):
                message = line.get("Message", "").strip()
                found.append(f"{line.get('Count', '?')}× exception in the locustfile: {message}")
    return found


def read_groups(path: Path, rows: list[Row]) -> dict[str, dict[str, float]]:
    """Per group (written by the locustfile); from the CSV rows (no percentiles) if missing."""
    if path.exists():
        groups: dict[str, dict[str, float]] = json.loads(path.read_text("utf-8"))
        return groups
    found: dict[str, dict[str, float]] = {}
    for row in rows:
        group = found.setdefault(
            row.name.split(": ", 1)[0],
            {"requests": 0, "failures": 0, "p50": float("nan"), "p95": float("nan")},
        )
        group["requests"] += row.requests
        group["failures"] += row.failures
    return found


def count_tracebacks(logs: Path) -> dict[str, int]:
    """Python tracebacks per process log (an error a client may never have seen)."""
    found = {}
    for path in sorted(logs.glob("*.log")):
        count = path.read_text("utf-8", errors="replace").count("Traceback (most recent call")
        if count:
            found[path.stem] = count
    return found


def acknowledged_ids(path: Path) -> set[str]:
    if not path.exists():
        return set()
    return {line.strip() for line in path.read_text("utf-8").splitlines() if line.strip()}


# -- the run --------------------------------------------------------------------------------------


@dataclass
class SoakResult:
    text: str
    problems: list[str]


def soak(options: argparse.Namespace, workdir: Path) -> SoakResult:
    problems: list[str] = []
    with store(options.store, workdir) as settings:
        since, staff_file = prepare(settings, workdir)
        with Stack(settings, workdir) as stack:
            names = ["web", "relay", "worker", "worker", "projector"]
            stack.start(*names, *(["sealer"] if options.sealer else []))
            print(f"platform up at {stack.url}; traffic for {options.minutes:g} min", flush=True)
            code, watch, command = run_traffic(stack, options, workdir, staff_file)
            acknowledged = acknowledged_ids(workdir / "acknowledged.txt")
            print(f"traffic done; settling the ledger of {len(acknowledged)} ids", flush=True)
            book = ledger.settle(stack.settings, acknowledged, since, timeout=120)
            watch.trees(stack)
            alive = stack.alive()
            url = stack.url
            failed = [f"{job.description}: {job.error}" for job in failed_jobs(stack.settings)]
            tracebacks = count_tracebacks(stack.logs)
    watch.save(workdir / "rss.csv")
    prefix = workdir / "locust"
    rows, total = read_stats(prefix)
    groups = read_groups(workdir / "groups.json", rows)
    locust_problems = read_problems(prefix)
    if total is None or total.requests == 0:
        problems.append(f"locust made no requests (see {workdir / 'locust.log'})")
    elif total.failures:
        problems.append(f"{total.failures} of {total.requests} requests failed")
    problems += [p for p in locust_problems if "exception in the locustfile" in p]
    if code != 0 and not problems:
        problems.append(f"locust exited with code {code} (see {workdir / 'locust.log'})")
    problems += [f"{label}: {what}" for label, what in sorted(watch.dead.items())]
    warmup, minutes = options.warmup_minutes * 60, options.minutes * 60
    grown = growths(watch, warmup, minutes)
    for growth in grown:
        if growth.guarded and not growth.ratio < GROWTH_LIMIT:
            problems.append(f"{growth.label}: RSS grew {growth.ratio:+.1%} (limit +10%)")
    for label in ("web", "worker-1", "worker-2"):
        if label not in {g.label for g in grown}:
            problems.append(f"{label}: too few RSS samples to judge its growth")
    if not book.ok:
        problems.append(f"ledger not clean: {book.summary()}")
    if failed:
        problems.append(f"{len(failed)} background job(s) failed for good: {failed[:3]}")
    if tracebacks:
        logs = ", ".join(f"{name}.log {count}" for name, count in sorted(tracebacks.items()))
        problems.append(f"tracebacks in the platform's logs ({logs}; kept in {workdir})")
    checks = [
        f"Ledger (since the demo was loaded): {book.summary()}.",
        f"Background jobs failed for good (RQ's failed registry): {len(failed)}.",
        "Tracebacks in the platform's logs: "
        + (", ".join(f"{k}.log {v}" for k, v in sorted(tracebacks.items())) or "none")
        + ".",
        "Processes at the end: "
        + (", ".join(f"{name} {count}" for name, count in sorted(alive.items())) or "none")
        + ("" if watch.dead else "; none died, gunicorn replaced no worker")
        + ".",
    ]
    text = render(
        options, rows, total, groups, grown, checks, watch.children, locust_problems, problems
    )
    text += f"\n\nLocust: `{shlex.join(_shown(command, workdir, url))}`."
    return SoakResult(text, problems)


def _shown(command: list[str], workdir: Path, url: str) -> list[str]:
    """The locust command line as it can be repeated: paths relative, the port a placeholder."""
    shown = []
    for part in command:
        part = part.replace(str(workdir), "<workdir>").replace(url, "http://127.0.0.1:<port>")
        with contextlib.suppress(ValueError):
            part = str(Path(part).relative_to(ROOT))
        shown.append(part)
    return shown


def render(
    options: argparse.Namespace,
    rows: list[Row],
    total: Row | None,
    groups: dict[str, dict[str, float]],
    grown: list[Growth],
    checks: list[str],
    children: dict[str, int],
    locust_problems: list[str],
    problems: list[str],
) -> str:
    seconds = options.minutes * 60
    staff = options.staff_web + options.staff_api
    lines = [
        f"Measured {machine()}; store {options.store}; {options.minutes:g} min of traffic"
        f" ({options.warmup_minutes:g} min warm-up); {options.users} locust users"
        f" ({options.staff_web} staff on the pages, {options.staff_api} on the staff API,"
        f" {options.users - staff} residents and API clients), spawn rate {options.spawn_rate}/s,"
        " 1-3 s think time. Platform: web (gunicorn, 2 workers), relay, 2 workers, projector"
        + (", sealer" if options.sealer else "")
        + "; rate limits off.",
        "",
        f"Command: `{command_line(options)}`",
        "",
        "**Result: " + ("pass**" if not problems else "FAIL**: " + "; ".join(problems)),
        "",
        "| group | requests | req/s | failures | p50 (ms) | p95 (ms) |",
        "|---|---|---|---|---|---|",
    ]
    for group, figures in groups.items():
        lines.append(
            f"| {group} | {int(figures['requests'])} | {figures['requests'] / seconds:.2f} |"
            f" {int(figures['failures'])} | {_ms(figures['p50'])} | {_ms(figures['p95'])} |"
        )
    if total is not None:
        lines.append(
            f"| **all** | {total.requests} | {total.requests / seconds:.2f} | {total.failures} |"
            f" {_ms(total.p50)} | {_ms(total.p95)} |"
        )
    lines += [
        "",
        "RSS of each process with its children (web: the gunicorn master and its two workers;"
        " each RQ worker on its own), sampled every 15 s. Baseline: the median of the samples in"
        " the minute after the warm-up; end: the median of those in the last minute of traffic;"
        " growth = end / baseline - 1 (limit < 10 % for web and the workers).",
        "",
        "| process | baseline | end | growth | samples (baseline/end) |",
        "|---|---|---|---|---|",
    ]
    for growth in grown:
        limit = " (limit 10 %)" if growth.guarded else ""
        label = growth.label
        if label.startswith("worker") and children.get(label):
            label += " (with RQ's scheduler process)"
        lines.append(
            f"| {label} | {mib(growth.baseline)} | {mib(growth.end)} |"
            f" {growth.ratio:+.1%}{limit} | {growth.samples[0]}/{growth.samples[1]} |"
        )
    for check in checks:
        lines += ["", check]
    if locust_problems:
        lines += ["", "Failures recorded by locust:", ""]
        lines += [f"- {problem}" for problem in locust_problems[:20]]
    lines += [
        "",
        "<details><summary>Per endpoint</summary>",
        "",
        "| endpoint | requests | failures | p50 (ms) | p95 (ms) |",
        "|---|---|---|---|---|",
    ]
    for row in sorted(rows, key=lambda r: r.name):
        endpoint = row.name.replace("|", PIPE)  # a | would end the table cell
        lines.append(
            f"| {endpoint} | {row.requests} | {row.failures} | {_ms(row.p50)} | {_ms(row.p95)} |"
        )
    lines += ["", "</details>"]
    return "\n".join(lines)


def _ms(value: float) -> str:
    return "-" if value != value else f"{value:.0f}"  # NaN: no figure


def command_line(options: argparse.Namespace) -> str:
    parts = [".venv/bin/python -m benchmarks.soak", f"--minutes {options.minutes:g}"]
    defaults = parser().parse_args([])
    for name in ("warmup_minutes", "store", "users", "spawn_rate", "staff_web", "staff_api"):
        value = getattr(options, name)
        if value != getattr(defaults, name):
            parts.append(
                f"--{name.replace('_', '-')} {value:g}"
                if isinstance(value, float)
                else f"--{name.replace('_', '-')} {value}"
            )
    if not options.sealer:
        parts.append("--no-sealer")
    return " ".join(parts)


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--minutes", type=float, default=20, help="traffic in all (default 20)")
    parser.add_argument(
        "--warmup-minutes", type=float, default=3, help="not judged for memory (default 3)"
    )
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--users", type=int, default=15, help="locust users (default 15)")
    parser.add_argument("--spawn-rate", type=float, default=2, help="users started per second")
    parser.add_argument("--staff-web", type=int, default=2, help="staff users on the pages")
    parser.add_argument("--staff-api", type=int, default=1, help="staff users on the staff API")
    parser.add_argument("--no-sealer", dest="sealer", action="store_false")
    parser.add_argument(
        "--workdir",
        type=Path,
        help="keep store, logs, locust CSVs and rss.csv here (default: a temporary folder,"
        " removed after a pass)",
    )
    return parser


def main() -> None:
    options = parser().parse_args()
    if options.minutes < options.warmup_minutes + 2:
        raise SystemExit("--minutes must be at least --warmup-minutes + 2 (baseline and end)")
    if options.staff_web + options.staff_api >= options.users:
        raise SystemExit("--users must exceed the staff users (--staff-web + --staff-api)")
    keep = options.workdir is not None
    if keep:
        options.workdir.mkdir(parents=True, exist_ok=False)
    workdir = options.workdir.resolve() if keep else Path(tempfile.mkdtemp(prefix="soak-"))
    try:
        outcome = soak(options, workdir)
    except BaseException:
        print(f"soak aborted; its work folder is kept: {workdir}", file=sys.stderr, flush=True)
        raise
    print(outcome.text, flush=True)
    report.write("soak", outcome.text)
    if outcome.problems:
        raise SystemExit(
            "soak failed: " + "; ".join(outcome.problems) + f" (logs kept in {workdir})"
        )
    if not keep:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
