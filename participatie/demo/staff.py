"""Demo staff accounts: one per role, and someone for every team the demo's work lands on, with
passwords generated on first load (never in the repo).

The passwords are written to `var/demo-medewerkers.txt` (readable by the owner only), so whoever
ran `make run` can log in at /beheer.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from participatie.domain.values import Actor, Role
from participatie.staff.accounts import Staff

DEMO_STAFF: tuple[tuple[str, str, Role, tuple[str, ...]], ...] = (
    ("gebiedsmanager", "Gea Bakker", Role.AREA_MANAGER, ("gebiedsteam-centrum",)),
    ("teamlid", "Tom de Vries", Role.TEAM_MEMBER, ("gebiedsteam-centrum",)),
    ("opgavemanager", "Olga Smit", Role.AREA_MANAGER, ("opgaveteam-energie",)),
    ("regie", "Rita Jansen", Role.REGIE, ("regie",)),
    ("lijnafdeling", "Lars Visser", Role.LINE_DEPARTMENT, ("lijn-openbare-ruimte",)),
    # Someone for every team the demo's initiatives land on, so each queue can be worked.
    ("gebied-oude-haven", "Hamid el Amrani", Role.AREA_MANAGER, ("gebiedsteam-oude-haven",)),
    ("gebied-molenkwartier", "Marloes Kok", Role.AREA_MANAGER, ("gebiedsteam-molenkwartier",)),
    ("gebied-lindepark", "Lotte Peters", Role.AREA_MANAGER, ("gebiedsteam-lindepark",)),
    ("opgave-klimaat", "Kees Dijkstra", Role.AREA_MANAGER, ("opgaveteam-klimaatadaptatie",)),
    ("opgave-jeugd", "Jamila Haddou", Role.AREA_MANAGER, ("opgaveteam-jeugd",)),
    (
        "opgave-bestaanszekerheid",
        "Bas Vermeulen",
        Role.AREA_MANAGER,
        ("opgaveteam-bestaanszekerheid",),
    ),
    ("lijn-economie", "Eva Hendriks", Role.LINE_DEPARTMENT, ("lijn-economische-zaken",)),
    ("lijn-wonen", "Willem Bos", Role.LINE_DEPARTMENT, ("lijn-wonen",)),
    ("lijn-verkeer", "Vera Meijer", Role.LINE_DEPARTMENT, ("lijn-verkeer",)),
    ("auditor", "Anouk Mulder", Role.AUDITOR, ()),
    ("beheerder", "Bram de Boer", Role.ADMIN, ()),
)
FILE_NAME = "demo-medewerkers.txt"


def load_demo_staff(staff: Staff, var_dir: Path) -> Path:
    """Add the demo accounts that do not exist yet; append their passwords to the file."""
    path = var_dir / FILE_NAME
    actor = Actor.system("demo")
    lines = []
    for username, name, role, teams in DEMO_STAFF:
        if staff.get(username) is not None:
            continue
        password = secrets.token_urlsafe(12)
        staff.add(username, name, role, list(teams), password, actor)
        lines.append(f"{username}\t{password}\t{role.value}\t{','.join(teams) or '-'}\n")
    if lines:
        new = not path.exists()
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(descriptor, "a", encoding="utf-8") as out:
            if new:
                out.write("# Demo staff accounts (fictional), generated on first load\n")
                out.write("# username\tpassword\trole\tteams\n")
            out.writelines(lines)
    return path
