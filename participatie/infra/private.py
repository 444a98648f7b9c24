"""var/ holds keys, password hashes, sessions, personal data and mail: for the platform's user only.

Every process that builds the platform first narrows its umask, so whatever it creates from then
on (SQLite files with their -wal and -shm, the outbox, the embedded Redis dump, key files) is
0600 and every folder 0700, whichever library creates it. var/ itself, and what lies directly in
it from an earlier version, are narrowed the same way.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_UMASK = 0o077
FOLDER_MODE = 0o700
FILE_MODE = 0o600


def protect(var_dir: Path) -> None:
    """Create var/ for this user only, narrow what is in it, and keep new files private."""
    os.umask(PRIVATE_UMASK)
    var_dir.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
    _narrow(var_dir)
    for entry in var_dir.iterdir():
        _narrow(entry)
        if entry.is_dir() and not entry.is_symlink():
            for inner in entry.iterdir():
                _narrow(inner)


def _narrow(path: Path) -> None:
    """0700 for a folder, 0600 for a file; links and others' files are left alone."""
    try:
        info = path.lstat()
    except FileNotFoundError:  # removed meanwhile (a -wal file at a checkpoint)
        return
    if stat.S_ISLNK(info.st_mode) or info.st_uid != os.getuid():
        return
    wanted = FOLDER_MODE if stat.S_ISDIR(info.st_mode) else FILE_MODE
    if stat.S_IMODE(info.st_mode) & ~wanted:
        os.chmod(path, stat.S_IMODE(info.st_mode) & wanted)
