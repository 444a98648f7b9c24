"""Installs are reproducible and safe: floors above known advisories, and exact pins that every
install takes (constraints.txt, refreshed by `make lock`)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
CONSTRAINTS = ROOT / "constraints.txt"

# Package -> the first version without the advisories named (written out by hand).
DIRECT_FLOORS = {
    "gunicorn": "23.0.0",  # CVE-2024-1135, CVE-2024-6827: request smuggling
    "authlib": "1.6.9",  # CVE-2024-37568 (1.3.1), CVE-2025-61920 (1.6.5), CVE-2026-27962
    "cryptography": "50.0.0",  # CVE-2024-26130 (42.0.4) ... CVE-2026-69247 (50.0.0)
    "werkzeug": "3.1.6",  # CVE-2024-49766/49767 (3.0.6), GHSA-29vq-49wr-vm6x (3.1.6)
    "jinja2": "3.1.6",  # CVE-2024-56201/56326 (3.1.5), CVE-2025-27516 (3.1.6)
    "flask": "3.1.3",  # CVE-2026-27205
    "marshmallow": "3.26.2",  # CVE-2025-68480
    "aiosmtpd": "1.4.6",  # CVE-2024-27305 (1.4.5), CVE-2024-34083 (1.4.6)
    "pillow": "13.0.0",  # CVE-2026-59199/59205 (12.3.0), later heap advisories (13.0.0)
}
# Packages that come in through others: only the pins must be above these.
PINNED_FLOORS = {
    **DIRECT_FLOORS,
    "requests": "2.32.4",  # CVE-2024-35195 (2.32.0), CVE-2024-47081 (2.32.4)
    "urllib3": "2.5.0",  # CVE-2024-37891 (2.2.2), CVE-2025-50181/50182 (2.5.0)
    "setuptools": "78.1.1",  # CVE-2024-6345 (70.0.0), CVE-2025-47273 (78.1.1)
}
EXTRAS_MAKE_INSTALLS = {"dev", "bench", "mutate"}


def requirements() -> list[Requirement]:
    """Every requirement of the project and of each extra."""
    project = PYPROJECT["project"]
    listed = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        listed.extend(extra)
    return [Requirement(text) for text in listed]


def pins() -> dict[str, Version]:
    """constraints.txt: canonical name -> the version pinned for this Python (one per package)."""
    found: dict[str, Version] = {}
    for line in CONSTRAINTS.read_text("utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        spec, _, marker = (part.strip() for part in line.partition(";"))
        if marker and not Marker(marker).evaluate():
            continue  # a pin for another Python version (the file is for 3.11 and up)
        name, equals, version = spec.partition("==")
        assert equals, f"not an exact pin: {line!r}"
        key = canonicalize_name(name)
        assert key not in found, f"{name} is pinned twice for this Python"
        found[key] = Version(version.strip())
    return found


def lowest_allowed(requirement: Requirement) -> Version | None:
    floors = [Version(s.version) for s in requirement.specifier if s.operator in (">=", "==")]
    return max(floors) if floors else None


@pytest.mark.parametrize("package", sorted(DIRECT_FLOORS))
def test_direct_dependencies_start_above_their_advisories(package: str) -> None:
    (requirement,) = [r for r in requirements() if canonicalize_name(r.name) == package]
    lowest = lowest_allowed(requirement)
    assert lowest is not None, f"{requirement} has no floor"
    assert lowest >= Version(DIRECT_FLOORS[package]), str(requirement)


def test_the_build_backend_starts_above_its_advisories() -> None:
    (backend,) = [Requirement(r) for r in PYPROJECT["build-system"]["requires"]]
    lowest = lowest_allowed(backend)
    assert lowest is not None and lowest >= Version(PINNED_FLOORS["setuptools"])


def test_every_dependency_of_every_extra_is_pinned_within_its_range() -> None:
    pinned = pins()
    assert set(PYPROJECT["project"]["optional-dependencies"]) >= EXTRAS_MAKE_INSTALLS
    outside = {
        str(r): str(pinned.get(canonicalize_name(r.name)))
        for r in requirements()
        if canonicalize_name(r.name) not in pinned
        or not r.specifier.contains(pinned[canonicalize_name(r.name)], prereleases=True)
    }
    assert outside == {}


@pytest.mark.parametrize("package", sorted(PINNED_FLOORS))
def test_the_pins_are_above_the_advisories(package: str) -> None:
    assert pins()[package] >= Version(PINNED_FLOORS[package])


def pip_installs(text: str) -> list[str]:
    """The commands in `text` that pip-install the project itself (its folder, any extras)."""
    joined = text.replace("\\\n", " ")
    return [
        line.strip()
        for line in joined.splitlines()
        if "pip install" in line and re.search(r"(^|\s)(-e\s+)?'?\.(\[[^\]]*\])?'?(\s|$)", line)
    ]


@pytest.mark.parametrize("file", ["Makefile", "Dockerfile"])
def test_every_install_of_the_project_takes_the_pins(file: str) -> None:
    installs = pip_installs((ROOT / file).read_text("utf-8"))
    assert installs, f"{file} installs nothing?"
    assert [
        i for i in installs if "-c $(CONSTRAINTS)" not in i and "-c constraints.txt" not in i
    ] == []


def test_make_installs_each_extra_it_uses_with_the_pins() -> None:
    makefile = (ROOT / "Makefile").read_text("utf-8")
    assert "CONSTRAINTS := constraints.txt" in makefile
    extras = set()
    for install in pip_installs(makefile):
        found = re.search(r"\.\[([^\]]*)\]", install)
        extras |= set(found.group(1).split(",")) if found else set()
    assert extras == EXTRAS_MAKE_INSTALLS


def test_make_lock_pins_every_extra_for_python_3_11_and_later() -> None:
    makefile = (ROOT / "Makefile").read_text("utf-8").replace("\\\n", " ")
    (target,) = [line for line in makefile.splitlines() if line.startswith("lock:")]
    recipe = makefile.split(target, 1)[1].split("\n\n", 1)[0]
    assert "uv pip compile pyproject.toml --all-extras --universal --python-version 3.11" in recipe
    assert "-o $(CONSTRAINTS)" in recipe
