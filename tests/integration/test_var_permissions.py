"""Files under var/ hold keys, password hashes, sessions, personal data and mail: a fresh var/,
made through bootstrap and used as the platform uses it, holds only 0600 files in 0700 folders.

Each test runs in a process of its own (a fresh umask, as a platform process has), since the
process umask is what every library that creates files under var/ obeys.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.services import ROOT

# What a platform writes under var/ once it has run (names relative to var/).
EXPECTED = {
    "master.key",
    "secret.key",
    "audit-signing.key",
    "participatie.sqlite",
    "participatie.sqlite-wal",
    "participatie.sqlite-shm",
    "participatie-keys.sqlite",
    "participatie-views.sqlite",
    "staff.sqlite",
    "audit.sqlite",
    "mail.sqlite",
    "outbox",
    "redis.rdb",
    "embedded-redis.pid",
}

USE_THE_PLATFORM = """
import sys
from pathlib import Path

from participatie.bootstrap import build, secret_key
from participatie.config import Settings
from participatie.domain.values import Actor, Role
from participatie.infra.embedded_redis import EmbeddedRedis
from participatie.notifications.mail import compose
from participatie.views.projector import Projector, ViewsProjection
from tests.conftest import small_map, submission
from tests.services import catch_up

var = Path(sys.argv[1])
settings = Settings(var_dir=var)
redis = EmbeddedRedis(var)
container = build(settings)
system = Actor.system("test")
container.app.import_area_map("v1", small_map(), "test", system)
container.app.submit(submission(location={"area_code": "BU00010101"}))
container.staff.add("gea", "Gea", Role.ADMIN, [], "een lang wachtwoord 2026", system)
container.staff.sessions.start("gea")
secret_key(settings)
container.mailer.send("proef", compose("anna@example.org", "Proef", "Tekst"), kind="test")
container.sealer().seal()
container.sealer().checkpoint()
catch_up(Projector(ViewsProjection(container.views, container.app)))
redis._client.save()  # the dump, as a running embedded Redis writes it
# Walk var/ while the stores are open (their -wal and -shm files exist now).
for path in sorted([var, *var.rglob("*")]):
    print(f"{oct(path.stat().st_mode & 0o777)} {path.relative_to(var.parent)}")
container.close()
redis.stop()
"""


def run_platform(var: Path) -> dict[str, int]:
    """Use the platform in a fresh process on `var`; return each path's mode as it walked them."""
    done = subprocess.run(
        [sys.executable, "-c", USE_THE_PLATFORM, str(var)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    modes = {}
    for line in done.stdout.splitlines():
        mode, name = line.split(" ", 1)
        modes[name] = int(mode, 8)
    return modes


@pytest.mark.slow
def test_a_fresh_var_holds_only_files_for_the_platforms_user(tmp_path: Path) -> None:
    modes = run_platform(tmp_path / "var")
    names = {Path(name).relative_to("var").as_posix() for name in modes if name != "var"}
    assert {name.split("/")[0] for name in names} >= EXPECTED
    assert any(name.startswith("outbox/") and name.endswith(".eml") for name in names)
    loose = {
        name: oct(mode)
        for name, mode in modes.items()
        if mode != (0o700 if (tmp_path / name).is_dir() else 0o600)
    }
    assert loose == {}


@pytest.mark.slow
def test_an_existing_var_with_loose_modes_is_narrowed(tmp_path: Path) -> None:
    var = tmp_path / "var"
    (var / "outbox").mkdir(parents=True)
    for folder in (var, var / "outbox"):
        folder.chmod(0o755)
    old = {var / "secret.key": "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI=\n"}
    for path, text in old.items():
        path.write_text(text)
        path.chmod(0o644)
    (var / "outbox" / "oud.eml").write_text("Subject: oud\n\nTekst\n")
    (var / "outbox" / "oud.eml").chmod(0o644)
    modes = run_platform(var)
    assert modes["var"] == 0o700
    assert modes["var/outbox"] == 0o700
    assert modes["var/secret.key"] == 0o600
    assert modes["var/outbox/oud.eml"] == 0o600
    assert stat.S_IMODE((var / "secret.key").stat().st_mode) == 0o600
