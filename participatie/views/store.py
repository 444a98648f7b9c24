"""View storage: tracking recorders (eventsourcing) that also hold the view tables.

A batch of events updates the view rows *and* moves the tracking position in one transaction,
so each event counts exactly once: a batch delivered twice, or processed by two projectors at
once, fails the compare-and-set on the tracking row and changes nothing.

SQLite keeps the views in their own file next to the event store (a second writer on the event
store file would only slow submissions down); PostgreSQL keeps them in the same schema.
Live tables are named `v_*`; a rebuild writes `vr_*` and swaps them in, in one transaction.

The table shapes are in `schema`, the (de)serialisation of rows in `rows`; their names are
importable from here too.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from eventsourcing.persistence import InfrastructureFactory, TrackingRecorder
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteTrackingRecorder
from eventsourcing.utils import Environment

from participatie.config import Settings
from participatie.views import tallies, words
from participatie.views.model import Row, TimelineEntry
from participatie.views.rows import (
    facets,
    queue_values,
    row_from,
    row_values,
    stamp,
    storable,
    timeline_values,
    unstamp,
)
from participatie.views.schema import (
    ALL,
    COUNT_COLUMNS,
    DATETIME_COLUMNS,
    DECISION_COLUMNS,
    DUE,
    LIVE,
    MUNICIPALITY_PREFIX,
    NO_DEADLINE,
    OPEN_COLUMNS,
    PRIORITY_RANK,
    QUEUE_COLUMNS,
    REBUILD,
    ROW_COLUMNS,
    SCHEMA,
    SCHEMA_VERSION,
    STEM_COLUMNS,
    TABLES,
    TIMELINE_COLUMNS,
    VIEWS,
    WORD_COLUMNS,
    schema_statements,
)

__all__ = [
    "ALL",
    "DATETIME_COLUMNS",
    "DUE",
    "LIVE",
    "MUNICIPALITY_PREFIX",
    "NO_DEADLINE",
    "PRIORITY_RANK",
    "QUEUE_COLUMNS",
    "REBUILD",
    "ROW_COLUMNS",
    "SCHEMA",
    "SCHEMA_VERSION",
    "TABLES",
    "TIMELINE_COLUMNS",
    "VIEWS",
    "PostgresViews",
    "SQLiteViews",
    "ViewTables",
    "facets",
    "open_views",
    "queue_values",
    "row_from",
    "row_values",
    "schema_statements",
    "stamp",
    "storable",
    "timeline_values",
    "unstamp",
    "views_path",
]


class ViewTables:
    """SQL for the view tables, shared by the SQLite and PostgreSQL stores."""

    placeholder = "?"
    text_type = "TEXT"
    binary = ""  # the collation of text compared by code point (see schema_statements)

    def table(self, prefix: str, name: str) -> str:
        return f"{prefix}{name}"

    def sql(self, statement: str) -> str:
        return statement if self.placeholder == "?" else statement.replace("?", "%s")

    # -- implemented by the stores ---------------------------------------------------------

    @contextlib.contextmanager
    def cursor(self, commit: bool) -> Iterator[Any]:  # pragma: no cover - abstract
        raise NotImplementedError
        yield

    def tracking_table(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    # -- schema ----------------------------------------------------------------------------

    def create_views(self, prefix: str = LIVE, indexes: bool = True) -> None:
        """Create the tables (and, unless told otherwise, their secondary indexes)."""
        with self.cursor(commit=True) as c:
            table = self.table(prefix, "")
            for statement in schema_statements(table, self.text_type, prefix, self.binary):
                if indexes or not statement.startswith("CREATE INDEX"):
                    c.execute(statement)

    def upgrade(self) -> None:
        """Create the live tables; if they have an older shape, start them afresh from 0."""
        with self.cursor(commit=False) as c:
            version = self.position(c, SCHEMA)
        if version != SCHEMA_VERSION:  # older shape (or none recorded): start afresh
            self.drop_views(LIVE)
            with self.cursor(commit=True) as c:
                c.execute(
                    self.sql(f"DELETE FROM {self.tracking_table()} WHERE application_name = ?"),
                    (VIEWS,),
                )
        self.create_views(LIVE)
        if version != SCHEMA_VERSION:
            with self.cursor(commit=True) as c:
                self.set_position(c, SCHEMA_VERSION, SCHEMA)

    def drop_views(self, prefix: str) -> None:
        with self.cursor(commit=True) as c:
            for name in TABLES:
                c.execute(f"DROP TABLE IF EXISTS {self.table(prefix, name)}")

    # -- reading and writing rows ----------------------------------------------------------

    def load_rows(self, c: Any, prefix: str, ids: Iterable[str]) -> dict[str, Row]:
        wanted = sorted(set(ids))
        found: dict[str, Row] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            c.execute(
                self.sql(
                    f"SELECT {', '.join(ROW_COLUMNS)} FROM {self.table(prefix, 'initiatives')}"
                    f" WHERE id IN ({marks})"
                ),
                chunk,
            )
            for values in c.fetchall():
                row = row_from(tuple(values))
                found[row.id] = row
        return found

    def write_rows(
        self,
        c: Any,
        prefix: str,
        rows: Sequence[Row],
        timeline: Sequence[TimelineEntry],
        previous: dict[str, Row | None] | None = None,
    ) -> None:
        """Replace `rows` (whose stored versions are `previous`) and add timeline entries."""
        if rows:
            ids = [(r.id,) for r in rows]
            for name in ("initiative_areas", "initiative_themes"):
                c.executemany(
                    self.sql(f"DELETE FROM {self.table(prefix, name)} WHERE initiative_id = ?"),
                    ids,
                )
            # Queue rows go by primary key: the stored row says which ones exist.
            old_keys = [
                values[:3]
                for r in rows
                if (before := (previous or {}).get(r.id)) is not None
                for values in queue_values(before)
            ]
            c.executemany(
                self.sql(
                    f"DELETE FROM {self.table(prefix, 'team_queue')}"
                    " WHERE team = ? AND facet = ? AND initiative_id = ?"
                ),
                old_keys,
            )
            updates = ", ".join(f"{col} = excluded.{col}" for col in ROW_COLUMNS[1:])
            c.executemany(
                self.sql(
                    f"INSERT INTO {self.table(prefix, 'initiatives')} ({', '.join(ROW_COLUMNS)})"
                    f" VALUES ({','.join('?' * len(ROW_COLUMNS))})"
                    f" ON CONFLICT (id) DO UPDATE SET {updates}"
                ),
                [row_values(r) for r in rows],
            )
            c.executemany(
                self.sql(f"INSERT INTO {self.table(prefix, 'initiative_areas')} VALUES (?, ?)"),
                [(r.id, code) for r in rows for code in r.area_chain],
            )
            c.executemany(
                self.sql(f"INSERT INTO {self.table(prefix, 'initiative_themes')} VALUES (?, ?)"),
                [(r.id, theme) for r in rows for theme in set(r.themes)],
            )
            queue = [values for r in rows for values in queue_values(r)]
            if queue:
                c.executemany(
                    self.sql(
                        f"INSERT INTO {self.table(prefix, 'team_queue')}"
                        f" VALUES ({','.join('?' * len(QUEUE_COLUMNS))})"
                    ),
                    queue,
                )
            self.write_tallies(c, prefix, rows, previous or {})
            self.write_words(c, prefix, rows, previous or {})
            self.write_stems(c, prefix, rows, previous or {})
        if timeline:
            c.executemany(
                self.sql(
                    f"INSERT INTO {self.table(prefix, 'timeline')}"
                    f" VALUES ({','.join('?' * len(TIMELINE_COLUMNS))})"
                    " ON CONFLICT DO NOTHING"
                ),
                [timeline_values(e) for e in timeline],
            )

    def write_tallies(
        self, c: Any, prefix: str, rows: Sequence[Row], previous: dict[str, Row | None]
    ) -> None:
        """Move the area counts by what `rows` changed, and replace their open work and
        decision entries (views.tallies)."""
        ids = [(r.id,) for r in rows]
        for name in ("area_open", "area_decisions"):
            c.executemany(
                self.sql(f"DELETE FROM {self.table(prefix, name)} WHERE initiative_id = ?"), ids
            )
        counts = self.table(prefix, "area_counts")
        deltas = tallies.deltas(rows, previous)
        c.executemany(
            self.sql(
                f"INSERT INTO {counts} AS c ({', '.join(COUNT_COLUMNS)}) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (area_code, kind, key) DO UPDATE SET n = c.n + excluded.n"
            ),
            deltas,
        )
        # A count back at 0 goes, as a rebuild would not write it.
        c.executemany(
            self.sql(
                f"DELETE FROM {counts} WHERE area_code = ? AND kind = ? AND key = ? AND n = 0"
            ),
            [d[:3] for d in deltas if d[3] < 0],
        )
        self.write_entries(c, prefix, rows)

    def write_words(
        self, c: Any, prefix: str, rows: Sequence[Row], previous: dict[str, Row | None]
    ) -> None:
        """Replace the title words (views.words) of the rows whose title is new or changed."""
        retitled = [
            r for r in rows if (before := previous.get(r.id)) is None or before.title != r.title
        ]
        table = self.table(prefix, "initiative_words")
        c.executemany(
            self.sql(f"DELETE FROM {table} WHERE initiative_id = ?"),
            [(r.id,) for r in retitled if previous.get(r.id) is not None],
        )
        self.insert_many(
            c,
            table,
            WORD_COLUMNS,
            (e for r in retitled for e in words.word_entries(r.id, r.title)),
        )

    def write_stems(
        self, c: Any, prefix: str, rows: Sequence[Row], previous: dict[str, Row | None]
    ) -> None:
        """Replace the stems (views.words.stem_entries) of the rows whose text changed."""
        changed = [
            r
            for r in rows
            if (before := previous.get(r.id)) is None
            or words.stem_entries(before) != words.stem_entries(r)
        ]
        table = self.table(prefix, "initiative_stems")
        c.executemany(
            self.sql(f"DELETE FROM {table} WHERE initiative_id = ?"),
            [(r.id,) for r in changed if previous.get(r.id) is not None],
        )
        self.insert_many(
            c, table, STEM_COLUMNS, (e for r in changed for e in words.stem_entries(r))
        )

    def write_entries(self, c: Any, prefix: str, rows: Sequence[Row]) -> None:
        self.insert_many(
            c,
            self.table(prefix, "area_open"),
            OPEN_COLUMNS,
            (e for r in rows for e in tallies.open_entries(r)),
        )
        self.insert_many(
            c,
            self.table(prefix, "area_decisions"),
            DECISION_COLUMNS,
            (e for r in rows for e in tallies.decision_entries(r)),
        )

    def write_fresh(
        self, c: Any, prefix: str, rows: Sequence[Row], timeline: Sequence[TimelineEntry]
    ) -> None:
        """Write rows into empty tables (a rebuild): plain bulk inserts, nothing to replace."""
        self.insert_many(c, self.table(prefix, "initiatives"), ROW_COLUMNS, map(row_values, rows))
        self.insert_many(
            c,
            self.table(prefix, "initiative_areas"),
            ("initiative_id", "area_code"),
            ((r.id, code) for r in rows for code in r.area_chain),
        )
        self.insert_many(
            c,
            self.table(prefix, "initiative_themes"),
            ("initiative_id", "theme"),
            ((r.id, theme) for r in rows for theme in sorted(set(r.themes))),
        )
        self.insert_many(
            c,
            self.table(prefix, "team_queue"),
            QUEUE_COLUMNS,
            (values for r in rows for values in queue_values(r)),
        )
        unique = {(e.initiative_id, e.version, e.kind): e for e in timeline}
        self.insert_many(
            c,
            self.table(prefix, "timeline"),
            TIMELINE_COLUMNS,
            map(timeline_values, unique.values()),
        )
        self.insert_many(c, self.table(prefix, "area_counts"), COUNT_COLUMNS, tallies.totals(rows))
        self.write_entries(c, prefix, rows)
        self.insert_many(
            c,
            self.table(prefix, "initiative_words"),
            WORD_COLUMNS,
            (e for r in rows for e in words.word_entries(r.id, r.title)),
        )
        self.insert_many(
            c,
            self.table(prefix, "initiative_stems"),
            STEM_COLUMNS,
            (e for r in rows for e in words.stem_entries(r)),
        )

    def insert_many(
        self, c: Any, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> None:
        marks = ",".join("?" * len(columns))
        c.executemany(
            self.sql(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"), list(rows)
        )

    # -- tracking: compare and set ---------------------------------------------------------

    def position(self, c: Any, name: str = VIEWS) -> int | None:
        c.execute(
            self.sql(
                f"SELECT notification_id FROM {self.tracking_table()} WHERE application_name = ?"
            ),
            (name,),
        )
        found = c.fetchone()
        return None if found is None else int(found[0])

    def move_position(self, c: Any, expected: int | None, new: int, name: str = VIEWS) -> bool:
        """Move the tracking position from `expected` to `new`; False if it was not `expected`."""
        if expected is None:
            c.execute(
                self.sql(
                    f"INSERT INTO {self.tracking_table()} (application_name, notification_id)"
                    " VALUES (?, ?) ON CONFLICT (application_name) DO NOTHING"
                ),
                (name, new),
            )
        else:
            c.execute(
                self.sql(
                    f"UPDATE {self.tracking_table()} SET notification_id = ?"
                    " WHERE application_name = ? AND notification_id = ?"
                ),
                (new, name, expected),
            )
        return bool(c.rowcount == 1)

    def set_position(self, c: Any, new: int, name: str = VIEWS) -> None:
        c.execute(
            self.sql(
                f"INSERT INTO {self.tracking_table()} (application_name, notification_id)"
                " VALUES (?, ?) ON CONFLICT (application_name)"
                " DO UPDATE SET notification_id = excluded.notification_id"
            ),
            (name, new),
        )

    def swap_in(self, position: int, name: str = VIEWS) -> None:
        """Replace the live tables by the rebuilt ones and set the position, atomically."""
        self.analyze(REBUILD)
        with self.cursor(commit=True) as c:
            for table in TABLES:
                c.execute(f"DROP TABLE IF EXISTS {self.table(LIVE, table)}")
            for table in TABLES:
                c.execute(f"ALTER TABLE {self.table(REBUILD, table)} RENAME TO {LIVE}{table}")
            self._rename_indexes(c)
            self.set_position(c, position, name)

    def _rename_indexes(self, c: Any) -> None:
        """Index names must follow their tables (they are unique per schema)."""

    def analyze(self, prefix: str) -> None:
        """Give the query planner statistics for freshly filled tables."""


class SQLiteViews(SQLiteTrackingRecorder, ViewTables):
    @contextlib.contextmanager
    def cursor(self, commit: bool) -> Iterator[Any]:
        with self.datastore.transaction(commit=commit) as c:
            if commit:  # what a change removes is overwritten, not left in free space
                c.sqlite_cursor.execute("PRAGMA secure_delete=ON")
                # Take the write lock first (a write that changes nothing), waiting for it as
                # long as the busy timeout allows. A transaction that read first and wrote
                # after would fail at once, not wait, when another writer (a second projector,
                # a rebuild) committed in between: SQLite cannot move its snapshot forward.
                c.sqlite_cursor.execute(
                    f"UPDATE {self.tracking_table()} SET notification_id = notification_id WHERE 0"
                )
            yield c.sqlite_cursor  # the plain sqlite3 cursor (it has rowcount)

    def scrub(self) -> None:
        """Empty the write-ahead log into the file (after an erasure blanked text): the old
        pages stay in the -wal file until a checkpoint. Best effort: a reader holding an older
        snapshot stops it short, and the next erasure or automatic checkpoint finishes it."""
        with self.datastore.get_connection(commit=True) as conn:
            conn.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def tracking_table(self) -> str:
        return "tracking"

    def _rename_indexes(self, c: Any) -> None:
        # SQLite has no ALTER INDEX … RENAME: recreate the live index names.
        c.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'vr\\_%' ESCAPE '\\'"
        )
        for (index,) in c.fetchall():
            c.execute(f"DROP INDEX IF EXISTS {index}")
        for statement in schema_statements(LIVE):
            if statement.startswith("CREATE INDEX"):
                c.execute(statement)


class PostgresViews(PostgresTrackingRecorder, ViewTables):
    placeholder = "%s"
    binary = ' COLLATE "C"'

    def table(self, prefix: str, name: str) -> str:
        return f'"{self.datastore.schema}".{prefix}{name}'

    @contextlib.contextmanager
    def cursor(self, commit: bool) -> Iterator[Any]:
        with self.datastore.transaction(commit=commit) as c:
            yield _TupleCursor(c)

    def tracking_table(self) -> str:
        return f'"{self.datastore.schema}"."{self.tracking_table_name}"'

    def scrub(self) -> None:
        """Nothing to do: old row versions stay in the server's files until reused, out of
        reach of SQL (README, Privacy)."""

    def insert_many(
        self, c: Any, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> None:
        c.copy_rows(table, columns, rows)

    def analyze(self, prefix: str) -> None:
        # Without statistics the planner guesses, and for a fresh 100,000-row queue it guesses
        # wrong (sequential scans and sorts instead of the facet indexes).
        with self.cursor(commit=True) as c:
            for table in TABLES:
                c.execute(f"ANALYZE {self.table(prefix, table)}")

    def _rename_indexes(self, c: Any) -> None:
        c.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = %s AND indexname LIKE 'vr\\_%%'",
            (self.datastore.schema,),
        )
        for (index,) in c.fetchall():
            c.execute(f'ALTER INDEX "{self.datastore.schema}"."{index}" RENAME TO "v_{index[3:]}"')


class _TupleCursor:
    # psycopg's COPY is several times faster than INSERTs for filling fresh tables.
    def copy_rows(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        with self._cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    """psycopg cursor of eventsourcing (dict rows) seen as tuple rows, like sqlite3's."""

    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor

    def execute(self, statement: str, params: Sequence[Any] = ()) -> None:
        # Rows are written without NUL (rows.storable); a parameter looked up may hold one.
        self._cursor.execute(statement, [storable(p) for p in params])

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self._cursor.executemany(statement, rows)

    def fetchall(self) -> list[tuple[Any, ...]]:
        return [tuple(r.values()) for r in self._cursor.fetchall()]

    def fetchone(self) -> tuple[Any, ...] | None:
        found = self._cursor.fetchone()
        return None if found is None else tuple(found.values())

    @property
    def rowcount(self) -> int:
        return int(self._cursor.rowcount)


def open_views(settings: Settings) -> SQLiteViews | PostgresViews:
    """Open (and create if needed) the view store for `settings`."""
    env = dict(settings.eventsourcing_env())
    if settings.uses_postgres:
        env["POSTGRES_POOL_SIZE"] = "2"
        factory = InfrastructureFactory.construct(Environment("Views", env))
        recorder: TrackingRecorder = factory.tracking_recorder(PostgresViews)
    else:
        env["SQLITE_DBNAME"] = str(views_path(settings))
        factory = InfrastructureFactory.construct(Environment("Views", env))
        recorder = factory.tracking_recorder(SQLiteViews)
    assert isinstance(recorder, SQLiteViews | PostgresViews)
    recorder.upgrade()
    return recorder


def views_path(settings: Settings) -> Any:
    path = settings.event_store_path
    return path.with_name(path.stem + "-views.sqlite")
