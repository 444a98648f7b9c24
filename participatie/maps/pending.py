"""Uploaded area maps waiting for the admin's confirmation, kept under var/ until then.

The preview names a pending import by a random token; the confirmation carries that token and
the SHA-256 of the file, so exactly the previewed file is imported, and only while the map is
still the version the preview compared against. Nothing here is personal data: a map file holds
codes, names and shapes of areas. Unconfirmed imports are removed after MAX_AGE.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

MAX_AGE = 24 * 3600  # seconds an unconfirmed import is kept
TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")


@dataclass(frozen=True)
class Pending:
    token: str
    label: str
    filename: str
    sha256: str
    base_version: str | None  # the map version the preview compared against
    content: bytes


class PendingImports:
    def __init__(self, folder: Path, clock: Callable[[], float] = time.time) -> None:
        self.folder = folder
        self.clock = clock

    def put(self, content: bytes, label: str, filename: str, base_version: str | None) -> Pending:
        """Keep an uploaded file for confirmation; return it with its new token."""
        self._prune()
        self.folder.mkdir(parents=True, exist_ok=True)
        token = secrets.token_urlsafe(24)
        digest = hashlib.sha256(content).hexdigest()
        (self.folder / f"{token}.geojson").write_bytes(content)
        meta = {"label": label, "filename": filename, "sha256": digest, "base": base_version}
        (self.folder / f"{token}.json").write_text(json.dumps(meta), encoding="utf-8")
        return Pending(token, label, filename, digest, base_version, content)

    def get(self, token: str) -> Pending | None:
        """The pending import `token`; None for an unknown, expired, altered or unsafe one."""
        if not TOKEN.fullmatch(token):
            return None
        try:
            meta = json.loads((self.folder / f"{token}.json").read_text(encoding="utf-8"))
            content = (self.folder / f"{token}.geojson").read_bytes()
        except (OSError, ValueError):
            return None
        if hashlib.sha256(content).hexdigest() != meta.get("sha256"):
            return None
        return Pending(
            token, meta["label"], meta["filename"], meta["sha256"], meta["base"], content
        )

    def drop(self, token: str) -> None:
        if TOKEN.fullmatch(token):
            for suffix in (".json", ".geojson"):
                (self.folder / f"{token}{suffix}").unlink(missing_ok=True)

    def _prune(self) -> None:
        if not self.folder.exists():
            return
        oldest = self.clock() - MAX_AGE
        for path in self.folder.iterdir():
            try:
                if path.stat().st_mtime < oldest:
                    os.unlink(path)
            except OSError:
                pass
