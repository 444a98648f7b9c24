"""Keys generated at first run under var/ (never in the repository) or given by the environment."""

from __future__ import annotations

import base64
import binascii
import os
import time
from pathlib import Path

from participatie.config import ConfigError


def load_or_create_key(configured: str, path: Path, variable: str, size: int = 32) -> bytes:
    """Return the base64 key from the environment, or the one in `path`, creating it once."""
    if configured:
        try:
            key = base64.b64decode(configured, validate=True)
        except binascii.Error:
            raise ConfigError(f"{variable} must be base64") from None
        if len(key) != size:
            raise ConfigError(f"{variable} must decode to {size} bytes, got {len(key)}")
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_key(path, size, variable)
    with os.fdopen(fd, "w") as handle:
        handle.write(base64.b64encode(os.urandom(size)).decode() + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return _read_key(path, size, variable)


def _read_key(path: Path, size: int, variable: str, wait: float = 2.0) -> bytes:
    """Read a key file, waiting briefly for a process that is still writing it."""
    deadline = time.monotonic() + wait
    while True:
        try:
            key = base64.b64decode(path.read_text().strip(), validate=True)
        except binascii.Error:
            raise ConfigError(f"{variable}: {path} does not hold a base64 key") from None
        if len(key) == size:
            return key
        if time.monotonic() > deadline:
            raise ConfigError(
                f"{variable}: {path} holds a key of {len(key)} bytes, expected {size}"
            )
        time.sleep(0.05)
