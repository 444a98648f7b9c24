"""Outgoing e-mail. The embedded default is an outbox folder under var/ (one .eml per message).

A message's file name comes from its key, so sending the same message twice (a job that ran
twice) leaves one message, not two.
"""

from __future__ import annotations

import os
import re
import tempfile
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

SENDER = "Participatie <noreply@participatie.invalid>"
SAFE_KEY = re.compile(r"[^A-Za-z0-9_.-]")


def compose(to: str, subject: str, text: str, sender: str = SENDER) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="participatie.invalid")
    message.set_content(text)
    return message


class Outbox:
    """Writes each message as `<key>.eml` in a folder (atomically)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, key: str, message: EmailMessage) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / (SAFE_KEY.sub("_", key) + ".eml")
        handle, temporary = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            out.write(message.as_bytes())
        os.replace(temporary, target)
        return target

    def messages(self) -> list[Path]:
        return sorted(self.folder.glob("*.eml")) if self.folder.exists() else []
