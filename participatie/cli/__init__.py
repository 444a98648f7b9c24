"""The `participatie` command for operators.

`main` (the click group) lives in `common`; each command group has its own module, imported here
so that it registers its commands on `main`.
"""

# Imported for their side effect: each module registers its commands on `main`.
from participatie.cli import (  # noqa: F401
    agenda,
    areas,
    audit,
    demo,
    initiatives,
    jobs,
    privacy,
    processes,
    rules,
    staff,
    teams,
    themes,
    views,
)
from participatie.cli.common import main

__all__ = ["main"]
