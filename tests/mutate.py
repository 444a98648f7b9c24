"""`make mutate`: mutation testing of the core modules with cosmic-ray.

What is mutated and with which tests is in pyproject.toml, [tool.mutate]. A run:

1. copies the work tree into .mutate/src (mutants are written there, never into your files, so
   you can keep working during the run);
2. runs the test pool there once under coverage, recording which test ran which line (a
   module- or session-scoped fixture counts for every test of its module or of the pool);
3. lets cosmic-ray list the mutants of the modules (its own operators on the whole syntax tree,
   module-level tables included, plus two of ours for data: drop one element of a tuple, list,
   set or dict display, and swap `Status.ROUTED` for another member named in the module); leaves
   out mutants in type annotations and the operators that `exclude-operators` names;
4. tests each mutant in turn with only the tests that ran its line, fastest first, stopping at the
   first failure. A mutant in module-level code (a table such as workflow.TRANSITIONS) gets every
   test that ran any line of its module. A test that takes ten times as long as it did unmutated
   (at least 30 s) fails, so a mutant that loops for ever is killed without a long wait;
5. prints per module the mutants killed out of those tested, and every survivor with its line,
   also written to .mutate/report.txt and .mutate/survivors.txt.

    python -m tests.mutate [--module participatie/staff/access.py ...]  # all, or some modules
    python -m tests.mutate --resume [--module ...]                 # go on after an interruption
    python -m tests.mutate --jobs 2 [...]     # two workers, each with its own copy of the tree
    python -m tests.mutate report                                  # the last run's summary again
"""

from __future__ import annotations

import argparse
import ast
import difflib
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".mutate"
SRC = WORK / "src"
PRISTINE = WORK / "pristine"
SESSION = WORK / "session.sqlite"
COVERAGE_MAP = WORK / "coverage-map.json"
MODULES = WORK / "modules.json"
REPORT = WORK / "report.txt"
SURVIVORS = WORK / "survivors.txt"
NOT_COVERED = "mutate: no test in the pool runs the mutated line"
COPY_IGNORE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "var",
    ".mutate",
    "__pycache__",
    "*.pyc",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".hypothesis",
    "artifacts",
    "build",
    "dist",
    "*.egg-info",
)


# -- configuration -------------------------------------------------------------------------------


def config(root: Path = ROOT) -> dict[str, Any]:
    with (root / "pyproject.toml").open("rb") as handle:
        found: dict[str, Any] = tomllib.load(handle)["tool"]["mutate"]
    return found


def module_files(cfg: dict[str, Any], only: list[str] | None = None) -> list[str]:
    """The Python files to mutate, relative to the root, in a stable order."""
    files: list[str] = []
    for entry in cfg["modules"]:
        path = ROOT / entry
        found = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        files += [p.relative_to(ROOT).as_posix() for p in found if p.stat().st_size > 0]
    if only:
        files = [f for f in files if _under(Path(f), only)]
        if not files:
            sys.exit(f"mutate: none of {only} is among the modules of [tool.mutate]")
    return files


def _under(path: Path, only: list[str] | None) -> bool:
    """Is `path` one of the modules or packages `only` names (or is there no `only`)?"""
    wanted = [Path(o).as_posix().rstrip("/") for o in only or []]
    name = path.as_posix()
    return not wanted or any(name == w or name.startswith(w + "/") for w in wanted)


def pool(cfg: dict[str, Any], root: Path) -> list[str]:
    """The test pool: `tests` of [tool.mutate], globs expanded now so new test files count."""
    found: list[str] = []
    for pattern in cfg["tests"]:
        matches = (
            sorted(root.glob(pattern)) if any(c in pattern for c in "*?[") else [root / pattern]
        )
        found += [m.relative_to(root).as_posix() for m in matches if m.exists()]
    return list(dict.fromkeys(found))


def pytest_args(cfg: dict[str, Any]) -> list[str]:
    args = ["-q", "-p", "no:cacheprovider", "-o", "addopts=", "--strict-markers"]
    for plugin in cfg.get("pytest-plugins", []):
        args += ["-p", plugin]
    return args + list(cfg.get("pytest-args", []))


def _test_environment() -> None:
    """Only the pytest plugins that [tool.mutate] names: every one costs start-up per mutant."""
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"


def _basetemp() -> Path:
    """tmp_path on tmpfs where there is one: SQLite's fsyncs are most of some tests' time."""
    shm = Path("/dev/shm")
    parent = shm if shm.is_dir() and os.access(shm, os.W_OK) else None
    return Path(tempfile.mkdtemp(prefix="participatie-mutate-", dir=parent))


# -- coverage: which test runs which line --------------------------------------------------------


class _Recorder:
    """A pytest plugin that names the coverage context after the running test."""

    def __init__(self, cov: Any) -> None:
        self.cov = cov
        self.current = ""
        self.durations: dict[str, float] = defaultdict(float)
        self.order: list[str] = []

    def _switch(self, context: str) -> None:
        self.current = context
        self.cov.switch_context(context)

    def pytest_collection_finish(self, session: Any) -> None:
        self.order = [item.nodeid for item in session.items]

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_protocol(self, item: Any, nextitem: Any) -> None:
        self._switch(item.nodeid)

    def pytest_runtest_logfinish(self, nodeid: str, location: Any) -> None:
        self._switch("")

    def pytest_runtest_logreport(self, report: Any) -> None:
        self.durations[report.nodeid] += report.duration

    def _fixture_context(self, fixturedef: Any, request: Any) -> str | None:
        if fixturedef.scope == "function":
            return None
        if fixturedef.scope == "session":
            return "@"
        return "@" + request.node.nodeid  # its module, class or package: all of their tests

    @pytest.hookimpl(wrapper=True)
    def pytest_fixture_setup(self, fixturedef: Any, request: Any) -> Iterator[None]:
        context = self._fixture_context(fixturedef, request)
        outer = self.current
        if context is not None:
            self._switch(context)
        try:
            return (yield)
        finally:
            if context is not None:
                self._switch(outer)


def record_coverage() -> int:
    """(In .mutate/src) run the pool once under coverage and write .mutate/coverage-map.json."""
    import coverage

    here = Path.cwd()
    cfg = config(here)
    files: list[str] = json.loads((here.parent / MODULES.name).read_text())
    cov = coverage.Coverage(data_file=None, include=[str(here / f) for f in files], branch=False)
    _test_environment()
    basetemp = _basetemp()
    recorder = _Recorder(cov)
    cov.start()
    try:
        code = pytest.main(
            [*pytest_args(cfg), f"--basetemp={basetemp}", *pool(cfg, here)], plugins=[recorder]
        )
    finally:
        cov.stop()
        shutil.rmtree(basetemp, ignore_errors=True)
    if code != 0:
        print(f"mutate: the test pool fails without any mutant (pytest exit {code})")
        return 1
    data = cov.get_data()
    contexts: dict[str, int] = {}
    result: dict[str, Any] = {"files": {}, "tests": [], "durations": {}}
    for f in files:
        lines: dict[str, list[int]] = {}
        for line, names in (data.contexts_by_lineno(str(here / f)) or {}).items():
            lines[str(line)] = sorted(contexts.setdefault(n, len(contexts)) for n in names)
        result["files"][f] = lines
    result["contexts"] = sorted(contexts, key=contexts.__getitem__)
    result["tests"] = recorder.order
    result["durations"] = {k: round(v, 4) for k, v in recorder.durations.items()}
    (here.parent / COVERAGE_MAP.name).write_text(json.dumps(result))
    return 0


# -- the test command for one mutant -------------------------------------------------------------


def _function_body_lines(tree: ast.AST) -> set[int]:
    """Lines that run when a function is called (not when the module is imported)."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            start = node.body[0].lineno
            end = node.body[-1].end_lineno or start
            lines.update(range(start, end + 1))
        elif isinstance(node, ast.Lambda):
            lines.update(range(node.body.lineno, (node.body.end_lineno or node.lineno) + 1))
    return lines


def _statement_lines(tree: ast.AST) -> dict[int, range]:
    """For every line, the lines of the innermost statement that holds it: all of a simple one,
    the header of a compound one (`if (a\n and b):`). Coverage records a statement that spans
    lines under one of them only, not always the first."""
    found: dict[int, range] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.stmt):
            continue
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
            lines = range(node.lineno, max(node.lineno, body[0].lineno - 1) + 1)
        else:
            lines = range(node.lineno, (node.end_lineno or node.lineno) + 1)
        for line in lines:
            if line not in found or len(lines) < len(found[line]):
                found[line] = lines
    return found


def _changed_lines(before: str, after: str) -> list[int]:
    old, new = before.splitlines(), after.splitlines()
    changed: list[int] = []
    for tag, i1, i2, _, _ in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        changed += list(range(i1 + 1, i2 + 1)) if i2 > i1 else [max(i1, 1)]
    return changed


def select_tests(path: str, before: str, after: str, cmap: dict[str, Any]) -> list[str] | None:
    """The tests to run for a mutant of `path`: None is the whole pool, [] is none at all."""
    names: list[str] = cmap["contexts"]
    lines: dict[str, list[int]] = cmap["files"].get(path, {})
    tree = ast.parse(before)
    in_function = _function_body_lines(tree)
    statement = _statement_lines(tree)

    def contexts_at(line: int) -> set[str]:
        found: set[str] = set()
        for at in statement.get(line, range(line, line + 1)):
            found.update(names[i] for i in lines.get(str(at), []))
        return found

    chosen: set[str] = set()
    whole_module = False
    for line in _changed_lines(before, after):
        found = contexts_at(line)
        if line not in in_function or found == {""}:
            whole_module = True  # module-level code, or a function run only at import time
        chosen |= found - {""}
    if whole_module:
        chosen |= {names[i] for at in lines.values() for i in at} - {""}
        # and the tests of every test file that imports the module: a test may only read one of
        # its tables or use what a decorator generated, which runs none of the module's lines
        chosen |= _importing_tests(path, cmap)
        if not chosen:
            return None
    if "@" in chosen:
        return None
    scopes = sorted(c[1:] for c in chosen if c.startswith("@"))
    # Whole test functions, all their parameters: some tests are parametrised from the very tables
    # a mutant changes, so a parametrised id seen without the mutant may not exist with it.
    durations: dict[str, float] = defaultdict(float)
    for nodeid, seconds in cmap["durations"].items():
        durations[_function_id(nodeid)] += seconds
    tests = sorted(
        {_function_id(c) for c in chosen if not c.startswith("@")},
        key=lambda t: (durations.get(t, 0.0), t),
    )
    tests = [t for t in tests if not any(t == s or t.startswith(s + "::") for s in scopes)]
    return tests + scopes


def _importing_tests(path: str, cmap: dict[str, Any]) -> set[str]:
    """The recorded tests whose file names the module `path` (as `a.b.c` or `from a.b import c`)."""
    dotted = path.removesuffix(".py").replace("/", ".")
    package, _, name = dotted.rpartition(".")
    pattern = re.compile(
        rf"\b{re.escape(dotted)}\b|from\s+{re.escape(package)}\s+import\s+[^\n]*\b{name}\b"
    )
    files: dict[str, bool] = {}
    found = set()
    for nodeid in cmap["durations"]:
        file = nodeid.split("::", 1)[0]
        if file not in files:
            source = Path(file)
            files[file] = source.exists() and bool(pattern.search(source.read_text()))
        if files[file]:
            found.add(nodeid)
    return found


def _function_id(nodeid: str) -> str:
    return nodeid.split("[", 1)[0]


def _test_timeout(selected: list[str], cmap: dict[str, Any]) -> float:
    """Seconds for any one test: ten times the slowest selected one took unmutated (a mutant
    that loops for ever then fails in its test, not after cosmic-ray's whole `timeout`)."""
    slowest = 0.0
    for nodeid, seconds in cmap["durations"].items():
        if any(nodeid == s or nodeid.startswith((s + "::", s + "[")) for s in selected):
            slowest = max(slowest, seconds)
    return max(30.0, 10 * slowest)


def run_one_mutant() -> int:
    """cosmic-ray's test command (in .mutate/src): run the tests that reach the mutated line."""
    os.dup2(1, 2)  # cosmic-ray keeps stdout only: pytest's errors go there too
    here = Path.cwd()
    cfg = config(here)
    cmap = json.loads((here.parent / COVERAGE_MAP.name).read_text())
    pristine = here.parent / PRISTINE.name
    mutated = []
    for path in cmap["files"]:
        before, after = (pristine / path).read_text(), (here / path).read_text()
        if before != after:
            mutated.append((path, before, after))
    selected: list[str] | None = None
    if len(mutated) == 1:
        selected = select_tests(*mutated[0], cmap)
    if selected == []:
        print(NOT_COVERED)
        return 0
    _test_environment()
    basetemp = _basetemp()
    try:
        args = [*pytest_args(cfg), "-x", f"--basetemp={basetemp}"]
        if selected and "pytest_timeout" in cfg.get("pytest-plugins", []):
            args.append(f"--timeout={_test_timeout(selected, cmap):.0f}")
        code = pytest.main([*args, *(selected or pool(cfg, here))])
        if code == pytest.ExitCode.USAGE_ERROR and selected:
            print("mutate: the selection did not work, running the whole pool")
            code = pytest.main([*args, *pool(cfg, here)])
    finally:
        shutil.rmtree(basetemp, ignore_errors=True)
    print(f"mutate: pytest exit {int(code)}")
    return 0 if code == pytest.ExitCode.NO_TESTS_COLLECTED else int(code)


# -- data mutation operators (cosmic-ray's own leave module-level tables alone) -------------------


def _operators() -> dict[str, type]:
    import parso.python.tree as pt
    from cosmic_ray.operators.operator import Operator

    def elements(atom: Any) -> list[list[Any]] | None:
        """The elements of a tuple, list, set or dict display (None for anything else)."""
        if atom.type != "atom" or len(atom.children) != 3:
            return None
        opening, inner = atom.children[0].value, atom.children[1]
        if opening not in "([{":
            return None
        if inner.type not in ("testlist_comp", "dictorsetmaker"):
            if opening == "(":
                return None  # (x) is no tuple
            return [[inner]]
        if any(c.type in ("sync_comp_for", "comp_for") for c in inner.children):
            return None
        if opening == "(" and not any(
            c.type == "operator" and c.value == "," for c in inner.children
        ):
            return None
        groups: list[list[Any]] = [[]]
        for child in inner.children:
            if child.type == "operator" and child.value == ",":
                groups.append([])
            else:
                groups[-1].append(child)
        return [g for g in groups if g]

    class DropElement(Operator):  # type: ignore[misc]
        """Leave one element out of a tuple, list, set or dict display."""

        def mutation_positions(self, node: Any) -> Iterator[tuple[Any, Any]]:
            for group in elements(node) or []:
                yield group[0].start_pos, group[-1].end_pos

        def mutate(self, node: Any, index: int) -> Any:
            found = elements(node)
            assert found is not None
            kept = [g for i, g in enumerate(found) if i != index]
            opening, inner, closing = node.children
            if not kept:
                node.children = [opening, closing]
                return node
            children: list[Any] = []
            for i, group in enumerate(kept):
                if i:
                    children.append(pt.Operator(",", group[0].start_pos))
                children += group
            last = inner.children[-1]
            if last.type == "operator" and last.value == ",":
                children.append(last)  # the trailing comma stays where it was
            elif opening.value == "(" and len(kept) == 1:
                children.append(pt.Operator(",", kept[0][-1].end_pos))
            if inner.type in ("testlist_comp", "dictorsetmaker"):
                inner.children = children
                node.children = [opening, inner, closing]
            else:
                node.children = [opening, *children, closing]
            return node

        @classmethod
        def examples(cls) -> tuple[()]:
            return ()

    members_of: dict[int, tuple[Any, dict[str, list[str]]]] = {}
    constant = re.compile(r"^[A-Z][A-Z0-9_]+$")

    def member_trailer(node: Any) -> tuple[str, str] | None:
        """`S.ROUTED` (a capitalised name, then an upper-case attribute) as ("S", "ROUTED")."""
        if node.type != "trailer" or node.children[0].value != ".":
            return None
        parent = node.parent
        if parent is None or parent.type not in ("power", "atom_expr"):
            return None
        if parent.children[1] is not node or parent.children[0].type != "name":
            return None
        base, attribute = parent.children[0].value, node.children[1].value
        if not base[:1].isupper() or not constant.match(attribute):
            return None
        return base, attribute

    def members(node: Any) -> dict[str, list[str]]:
        root = node.get_root_node()
        cached = members_of.get(id(root))
        if cached is None or cached[0] is not root:
            found: dict[str, list[str]] = defaultdict(list)
            stack = [root]
            while stack:
                current = stack.pop()
                pair = member_trailer(current)
                if pair and pair[1] not in found[pair[0]]:
                    found[pair[0]].append(pair[1])
                stack.extend(reversed(getattr(current, "children", [])))
            cached = members_of[id(root)] = (root, dict(found))
        return cached[1]

    class SwapMember(Operator):  # type: ignore[misc]
        """`S.ROUTED` -> the next member of `S` that the module names (`S.IN_PROGRESS`)."""

        def mutation_positions(self, node: Any) -> Iterator[tuple[Any, Any]]:
            pair = member_trailer(node)
            if pair and len(members(node)[pair[0]]) > 1:
                yield node.children[1].start_pos, node.children[1].end_pos

        def mutate(self, node: Any, index: int) -> Any:
            pair = member_trailer(node)
            assert pair is not None
            known = members(node)[pair[0]]
            node.children[1].value = known[(known.index(pair[1]) + 1) % len(known)]
            return node

        @classmethod
        def examples(cls) -> tuple[()]:
            return ()

    return {"DropElement": DropElement, "SwapMember": SwapMember}


def _register_operators() -> None:
    import cosmic_ray.plugins

    cosmic_ray.plugins.OPERATOR_PROVIDERS["participatie"] = _operators()


# -- which mutants not to run ------------------------------------------------------------------


def _annotation_spans(source: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Where the type annotations (and `__all__`) are: with postponed evaluation they never run."""
    lines = source.splitlines()

    def char(line: int, offset: int) -> int:
        return len(lines[line - 1].encode()[:offset].decode(errors="ignore"))

    spans = []
    for node in ast.walk(ast.parse(source)):
        found: list[ast.expr | None] = []
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            a = node.args
            found += [p.annotation for p in (*a.posonlyargs, *a.args, *a.kwonlyargs)]
            found += [p.annotation for p in (a.vararg, a.kwarg) if p is not None]
            found.append(node.returns)
        elif isinstance(node, ast.AnnAssign):
            found.append(node.annotation)
        elif isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            found.append(node.value)  # names for `import *` and type checkers: never run either
        for e in found:
            if e is not None and e.end_lineno is not None and e.end_col_offset is not None:
                start = (e.lineno, char(e.lineno, e.col_offset))
                spans.append((start, (e.end_lineno, char(e.end_lineno, e.end_col_offset))))
    return spans


def skip_unwanted(db: Any, cfg: dict[str, Any]) -> int:
    from cosmic_ray.work_item import WorkerOutcome, WorkResult

    excluded = re.compile("|".join(f"(?:{e})" for e in cfg.get("exclude-operators", [])) or "$^")
    spans: dict[str, list[tuple[tuple[int, int], tuple[int, int]]]] = {}
    sources: dict[str, list[str]] = {}
    skipped = 0
    for item in list(db.pending_work_items):
        mutation = item.mutations[0]
        path = mutation.module_path.as_posix()
        if path not in spans:
            sources[path] = (SRC / path).read_text().splitlines()
            spans[path] = _annotation_spans((SRC / path).read_text())
        start = tuple(mutation.start_pos)
        rest = sources[path][start[0] - 1][start[1] :]
        why = None
        if excluded.match(mutation.operator_name):
            why = "operator excluded in [tool.mutate]"
        elif any(a <= start < b for a, b in spans[path]):
            why = "in a type annotation or __all__"
        elif "BinaryOperator_Mul_" in mutation.operator_name and re.match(r"\*\s*[,)]", rest):
            why = "the bare * of keyword-only parameters"  # cosmic-ray takes it for a product
        if why:
            db.set_result(item.job_id, WorkResult(output=why, worker_outcome=WorkerOutcome.SKIPPED))
            skipped += 1
    return skipped


# -- the run -------------------------------------------------------------------------------------


def prepare(cfg: dict[str, Any], files: list[str]) -> None:
    from cosmic_ray.commands import init
    from cosmic_ray.work_db import use_db

    shutil.rmtree(WORK, ignore_errors=True)
    print(f"mutate: copying the work tree to {SRC.relative_to(ROOT)}", flush=True)
    shutil.copytree(ROOT, SRC, ignore=COPY_IGNORE, symlinks=True)
    for f in files:
        (PRISTINE / f).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(SRC / f, PRISTINE / f)
    MODULES.write_text(json.dumps(files))
    print(f"mutate: the pool once under coverage: {' '.join(pool(cfg, SRC))}", flush=True)
    started = time.monotonic()
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    command = [sys.executable, "-m", "tests.mutate", "_coverage"]
    if subprocess.run(command, cwd=SRC, env=env, check=False).returncode != 0:
        sys.exit("mutate: stopped, the tests must pass before mutants can be judged")
    print(f"mutate: coverage recorded in {time.monotonic() - started:.0f} s", flush=True)
    os.chdir(SRC)
    with use_db(str(SESSION)) as db:
        init([Path(f) for f in files], db, {})
        skipped = skip_unwanted(db, cfg)
        print(f"mutate: {db.num_work_items} mutants, {skipped} left out", flush=True)


SHARDS = WORK / "shards.json"


def execute(cfg: dict[str, Any], only: list[str] | None = None, jobs: int = 1) -> None:
    """Test the pending mutants: in this process, or split over `jobs` worker processes, each
    with its own copy of the tree (a mutant is written into the tree its tests run in)."""
    from cosmic_ray.work_db import WorkDB, use_db

    os.chdir(SRC)
    with use_db(str(SESSION), WorkDB.Mode.open) as db:
        skip_unwanted(db, cfg)
        pending = sorted(
            (w for w in db.pending_work_items if _under(w.mutations[0].module_path, only)),
            key=lambda w: (w.mutations[0].module_path, w.mutations[0].start_pos, w.job_id),
        )
    ids = [w.job_id for w in pending]
    print(f"mutate: {len(ids)} mutants to test, {jobs} at a time", flush=True)
    if jobs <= 1:
        _test_shard(cfg, WORK, SRC, ids)
        return
    SHARDS.write_text(json.dumps([ids[n::jobs] for n in range(jobs)]))
    workers = []
    for n in range(jobs):
        tree = SRC if n == 0 else WORK / f"src-{n}"
        if n and not tree.exists():
            shutil.copytree(SRC, tree, symlinks=True)
        command = [sys.executable, "-m", "tests.mutate", "_shard", "--shard", str(n)]
        workers.append(subprocess.Popen(command, cwd=tree))
    try:
        codes = [w.wait() for w in workers]
    finally:
        for w in workers:
            if w.poll() is None:
                w.terminate()
                w.wait()
    if any(codes):
        sys.exit(f"mutate: a worker stopped early ({codes}); --resume goes on")


def run_shard(number: int) -> int:
    """A worker of `--jobs`: test this shard's mutants in the tree it was started in."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    global PRISTINE
    work = Path.cwd().parent  # a worker runs in .mutate/src or .mutate/src-N
    PRISTINE = work / PRISTINE.name  # this copy's own constants point inside the tree
    ids = json.loads((work / SHARDS.name).read_text())[number]
    _test_shard(config(Path.cwd()), work, Path.cwd(), ids, f"[{number + 1}] ")
    return 0


def _test_shard(cfg: dict[str, Any], work: Path, tree: Path, ids: list[str], tag: str = "") -> None:
    from cosmic_ray.mutating import mutate_and_test
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import TestOutcome

    os.chdir(tree)
    for f in json.loads((work / MODULES.name).read_text()):
        shutil.copy2(work / PRISTINE.name / f, tree / f)  # after an interruption
    command = f"{shlex.quote(sys.executable)} -m tests.mutate _test"
    timeout = float(cfg.get("timeout", 300))
    started, total = time.monotonic(), len(ids)
    with use_db(str(work / SESSION.name), WorkDB.Mode.open) as db:
        wanted = set(ids)
        items = {w.job_id: w for w in db.pending_work_items if w.job_id in wanted}
        for done, job_id in enumerate(ids, 1):
            item = items.get(job_id)
            if item is None:
                continue  # tested already
            result = mutate_and_test(item.mutations, command, timeout)
            db.set_result(item.job_id, result)
            spec = item.mutations[0]
            if result.test_outcome == TestOutcome.SURVIVED:
                print(f"  {tag}survived: {_describe(spec, result)}", flush=True)
            if done % 25 == 0 or done == total:
                spent = time.monotonic() - started
                left = spent / done * (total - done)
                print(
                    f"mutate: {tag}{done}/{total} tested in {spent / 60:.1f} min, "
                    f"about {left / 60:.0f} min to go",
                    flush=True,
                )


# -- the report ----------------------------------------------------------------------------------


def _short(operator: str) -> str:
    name = operator.split("/", 1)[-1]
    return re.sub(
        r"^(ReplaceComparisonOperator|ReplaceBinaryOperator|ReplaceUnaryOperator)_", "", name
    )


def _source(path: str, start: tuple[int, int], end: tuple[int, int]) -> str:
    """The unmutated text from `start` to `end` (line, column), on one line."""
    lines = (PRISTINE / path).read_text().splitlines()
    first = lines[start[0] - 1]
    if start[0] == end[0]:
        text = first[start[1] :] if end[1] < 0 else first[start[1] : end[1]]
    else:
        text = " ".join(
            [first[start[1] :], *lines[start[0] : end[0] - 1], lines[end[0] - 1][: end[1]]]
        )
    return " ".join(text.split())


def _describe(spec: Any, result: Any) -> str:
    old = new = ""
    for line in (result.diff or "").splitlines():
        if line.startswith("-") and not line.startswith("---") and not old:
            old = line[1:].strip()
        elif line.startswith("+") and not line.startswith("+++") and not new:
            new = line[1:].strip()
    change = f"{old}  ->  {new}" if new else f"{old}  ->  (line gone)"
    if spec.operator_name.endswith("/DropElement"):
        element = _source(spec.module_path.as_posix(), spec.start_pos, spec.end_pos)
        line = _source(spec.module_path.as_posix(), (spec.start_pos[0], 0), (spec.start_pos[0], -1))
        change = f"{line}  ->  without {element[:70]}"
    where = f"{spec.module_path.as_posix()}:{spec.start_pos[0]}"
    note = "  [no test runs this line]" if NOT_COVERED in (result.output or "") else ""
    return f"{where}  {_short(spec.operator_name)}  | {change}{note}"


def report() -> int:
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import TestOutcome, WorkerOutcome

    if not SESSION.exists():
        print("mutate: no session yet, run `make mutate` first")
        return 1
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    survivors: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    with use_db(str(SESSION), WorkDB.Mode.open) as db:
        pending = sum(1 for _ in db.pending_work_items)
        for item, result in db.completed_work_items:
            spec = item.mutations[0]
            path = spec.module_path.as_posix()
            if result.worker_outcome in (WorkerOutcome.SKIPPED, WorkerOutcome.NO_TEST):
                counts[path]["skipped"] += 1
            elif result.test_outcome == TestOutcome.SURVIVED:
                counts[path]["survived"] += 1
                survivors[path].append((*spec.start_pos, _describe(spec, result)))
            elif result.test_outcome == TestOutcome.KILLED:
                counts[path]["killed"] += 1
            else:
                counts[path]["incompetent"] += 1
    lines = [f"{'module':<36} {'killed':>7} {'tested':>7} {'rate':>7} {'skipped':>8}"]
    all_killed = all_tested = 0
    for path in sorted(counts):
        c = counts[path]
        killed, tested = c["killed"], c["killed"] + c["survived"]
        all_killed, all_tested = all_killed + killed, all_tested + tested
        rate = f"{100 * killed / tested:.1f}%" if tested else "-"
        extra = f"  ({c['incompetent']} errored)" if c["incompetent"] else ""
        lines.append(f"{path:<36} {killed:>7} {tested:>7} {rate:>7} {c['skipped']:>8}{extra}")
    rate = f"{100 * all_killed / all_tested:.1f}%" if all_tested else "-"
    lines.append(f"{'all':<36} {all_killed:>7} {all_tested:>7} {rate:>7}")
    if pending:
        lines.append(f"({pending} mutants not tested yet: python -m tests.mutate --resume)")
    listing = []
    for path in sorted(survivors):
        listing.append(f"\n{path}: {len(survivors[path])} survived")
        listing += [f"  {text}" for _, _, text in sorted(survivors[path])]
    SURVIVORS.write_text("\n".join(listing).lstrip("\n") + "\n")
    text = "\n".join(lines) + "\n\nSurvivors (add a test that fails on each):" + "\n".join(listing)
    REPORT.write_text(text + "\n")
    print(text)
    print(f"\n(written to {REPORT.relative_to(ROOT)} and {SURVIVORS.relative_to(ROOT)})")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.mutate", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "command",
        nargs="?",
        default="run",
        choices=["run", "report", "_coverage", "_test", "_shard"],
    )
    parser.add_argument(
        "--module", action="append", help="only this module or package (repeatable)"
    )
    parser.add_argument("--resume", action="store_true", help="test the mutants not tested yet")
    parser.add_argument(
        "--jobs", type=int, default=1, help="worker processes, each with its own tree (default 1)"
    )
    parser.add_argument("--shard", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.command == "_coverage":
        return record_coverage()
    if args.command == "_test":
        return run_one_mutant()
    if args.command == "_shard":
        _register_operators()
        return run_shard(args.shard)
    if args.command == "report":
        return report()
    cfg = config()
    _register_operators()
    # Stopped by a TERM signal too, the mutated file is put back (and --resume goes on).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    started = time.monotonic()
    if not args.resume:
        prepare(cfg, module_files(cfg, args.module))
    elif not SESSION.exists():
        sys.exit("mutate: nothing to resume")
    execute(cfg, args.module if args.resume else None, args.jobs)
    print(f"mutate: done in {(time.monotonic() - started) / 60:.1f} min\n", flush=True)
    return report()


if __name__ == "__main__":
    sys.exit(main())
