"""The submit benchmark's baseline: a bare Flask endpoint doing one durable INSERT per request.

Served by the same gunicorn (two sync workers) and reading the same settings as the platform:
it writes the request's JSON body into a table of the platform's own database — the SQLite
event-store file (WAL, synchronous=FULL: SQLite's defaults, which the event store also uses) or
the PostgreSQL schema (synchronous_commit on) — and answers 201 with a new id. Nothing else:
no validation, no encryption, no events.

    gunicorn --workers 2 'benchmarks.bare:create_app()'
"""

from __future__ import annotations

import sqlite3
import threading
import uuid
from typing import Any

from flask import Flask, request

from participatie.config import Settings

TABLE = "bare_submissions"


class Inserter:
    """One connection per process (gunicorn sync workers serve one request at a time)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.lock = threading.Lock()
        self.connection: Any = None

    def connect(self) -> Any:
        connection: Any
        if self.settings.uses_postgres:
            import psycopg

            connection = psycopg.connect(self.settings.database_url)
            schema = self.settings.database_schema or "public"
            connection.execute(f"SET search_path TO {schema}")
            connection.execute(
                f"CREATE TABLE IF NOT EXISTS {TABLE} (id uuid PRIMARY KEY, body bytea)"
            )
        else:
            path = self.settings.event_store_path
            connection = sqlite3.connect(path, timeout=30, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=FULL")
            connection.execute(
                f"CREATE TABLE IF NOT EXISTS {TABLE} (id TEXT PRIMARY KEY, body BLOB)"
            )
        connection.commit()
        return connection

    def insert(self, body: bytes) -> str:
        new_id = uuid.uuid4()
        with self.lock:
            if self.connection is None:
                self.connection = self.connect()
            if self.settings.uses_postgres:
                self.connection.execute(
                    f"INSERT INTO {TABLE} (id, body) VALUES (%s, %s)", (new_id, body)
                )
                self.connection.commit()
            else:
                self.connection.execute("BEGIN IMMEDIATE")
                self.connection.execute(
                    f"INSERT INTO {TABLE} (id, body) VALUES (?, ?)", (str(new_id), body)
                )
                self.connection.execute("COMMIT")
        return str(new_id)


def create_app() -> Flask:
    app = Flask(__name__)
    inserter = Inserter(Settings.from_env())

    @app.post("/api/v1/initiatives")
    def submit() -> Any:
        body = request.get_data()
        request.get_json(force=True)  # parse it, as any JSON endpoint would
        return {"id": inserter.insert(body)}, 201

    return app


def count(settings: Settings) -> int:
    """How many rows the baseline stored (to check that every 201 was a stored row)."""
    inserter = Inserter(settings)
    connection = inserter.connect()
    try:
        row = connection.execute(f"SELECT count(*) FROM {TABLE}").fetchone()
        return int(row[0])
    finally:
        connection.close()
