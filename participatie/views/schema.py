"""The shape of the view tables: names, columns, queue facet names and the CREATE statements."""

from __future__ import annotations

VIEWS = "views"  # the tracking name of the views projection
# Bump when the view tables change shape or what an event projects to: older tables are dropped
# and projected again. 7: deadlines skip Dutch public holidays; 8: the decision deadline;
# 9: a new decision withdraws the published one until it is published; 10: area counts, open work
# and decisions per area (tallies); 11: the words of each title (the staff search); 12: the
# initiator's text blanked when they are erased (text_erased); 13: moderation and the public
# text (public_title and public_description: NULL while nothing is public); 14: photos (all and
# public positions); 15: the initiator's rating (rating, rated_at and the satisfaction counts)
# and reopened work (decision_from: the decision clock's new start); 16: the Dutch stems of
# each initiative's text for the full-text search (initiative_stems, staff and public).
SCHEMA_VERSION = 16
SCHEMA = "views-schema"
LIVE, REBUILD = "v_", "vr_"
PRIORITY_RANK = {"urgent": 0, "high": 1, "normal": 2, "low": 3}

ROW_COLUMNS = (
    "id",
    "title",
    "description",
    "consent",
    "status",
    "themes",
    "area_code",
    "area_chain",
    "initiator_kind",
    "channel",
    "submitted_at",
    "last_activity",
    "lead_team",
    "involved_teams",
    "challenge",
    "priority",
    "assignee",
    "handoff_pending",
    "handoff_days",
    "deadline",
    "deadline_kind",
    "handoff_due",
    "decision_days",
    "decision_due",
    "paused_since",
    "paused_days",
    "routed_at",
    "decided_at",
    "outcome",
    "decision_published",
    "rationale",
    "closed_at",
    "supporters",
    "text_erased",
    "moderation",
    "public_title",
    "public_description",
    "photos",
    "public_photos",
    "rating",
    "rated_at",
    "decision_from",
    "version",
)
QUEUE_COLUMNS = (
    "team",
    "facet",
    "initiative_id",
    "role",
    "status",
    "priority_rank",
    "deadline",
    "submitted_at",
    "last_activity",
    "area_code",
    "assignee",
)
TIMELINE_COLUMNS = ("initiative_id", "version", "kind", "at", "text", "team")
COUNT_COLUMNS = ("area_code", "kind", "key", "n")
OPEN_COLUMNS = ("initiative_id", "area_code", "challenge", "submitted_at", "deadline", "quarter")
DECISION_COLUMNS = ("initiative_id", "area_code", "quarter", "days", "outcome", "challenge")
WORD_COLUMNS = ("initiative_id", "word")
STEM_COLUMNS = ("initiative_id", "scope", "stem", "submitted_at")


NO_DEADLINE = "9999-12-31T00:00:00.000000Z"  # sorts after every real deadline, on both databases


ALL = "*"
MUNICIPALITY_PREFIX = "GM"
DUE = "due"


def schema_statements(
    prefix: str, text: str = "TEXT", index_prefix: str | None = None, binary: str = ""
) -> list[str]:
    """CREATE statements; `prefix` names tables (maybe schema-qualified), index names are bare.

    `binary` is the collation that compares text by code point (PostgreSQL: `COLLATE "C"`;
    SQLite does so by default): a search reads the words starting with "buurt" as the range
    from "buurt" up to the next prefix, which other collations do not keep together.
    """
    t = prefix
    i = prefix if index_prefix is None else index_prefix
    return [
        f"CREATE TABLE IF NOT EXISTS {t}initiatives ("
        + ", ".join(
            f"{c} {'INTEGER' if c in _INTS else text}{' PRIMARY KEY' if c == 'id' else ''}"
            for c in ROW_COLUMNS
        )
        + ")",
        f"CREATE INDEX IF NOT EXISTS {i}initiatives_deadline ON {t}initiatives (deadline)",
        f"CREATE INDEX IF NOT EXISTS {i}initiatives_moderation"
        f" ON {t}initiatives (moderation, submitted_at)",
        f"CREATE TABLE IF NOT EXISTS {t}initiative_areas (initiative_id {text}, area_code {text},"
        " PRIMARY KEY (initiative_id, area_code))",
        f"CREATE INDEX IF NOT EXISTS {i}initiative_areas_area ON {t}initiative_areas (area_code)",
        f"CREATE TABLE IF NOT EXISTS {t}initiative_themes (initiative_id {text}, theme {text},"
        " PRIMARY KEY (initiative_id, theme))",
        f"CREATE INDEX IF NOT EXISTS {i}initiative_themes_theme ON {t}initiative_themes (theme)",
        f"CREATE TABLE IF NOT EXISTS {t}team_queue ("
        + ", ".join(f"{c} {'INTEGER' if c == 'priority_rank' else text}" for c in QUEUE_COLUMNS)
        + ", PRIMARY KEY (team, facet, initiative_id))",
        f"CREATE INDEX IF NOT EXISTS {i}team_queue_submitted"
        f" ON {t}team_queue (team, facet, submitted_at, initiative_id)",
        f"CREATE INDEX IF NOT EXISTS {i}team_queue_deadline"
        f" ON {t}team_queue (team, facet, deadline, initiative_id)",
        f"CREATE INDEX IF NOT EXISTS {i}team_queue_activity"
        f" ON {t}team_queue (team, facet, last_activity, initiative_id)",
        f"CREATE INDEX IF NOT EXISTS {i}team_queue_priority"
        f" ON {t}team_queue (team, facet, priority_rank, submitted_at, initiative_id)",
        f"CREATE TABLE IF NOT EXISTS {t}timeline ("
        + ", ".join(f"{c} {'INTEGER' if c == 'version' else text}" for c in TIMELINE_COLUMNS)
        + ", PRIMARY KEY (initiative_id, version, kind))",
        # regie's weekly trend reads hand-offs by kind and moment (an index needs no new version)
        f"CREATE INDEX IF NOT EXISTS {i}timeline_kind ON {t}timeline (kind, at)",
        # The tallies (see views.tallies): counts, open work and decisions per area.
        f"CREATE TABLE IF NOT EXISTS {t}area_counts (area_code {text}, kind {text}, key {text},"
        " n INTEGER, PRIMARY KEY (area_code, kind, key))",
        f"CREATE TABLE IF NOT EXISTS {t}area_open (initiative_id {text}, area_code {text},"
        f" challenge {text}, submitted_at {text}, deadline {text}, quarter {text},"
        " PRIMARY KEY (initiative_id, area_code))",
        f"CREATE INDEX IF NOT EXISTS {i}area_open_deadline ON {t}area_open (area_code, deadline)",
        f"CREATE INDEX IF NOT EXISTS {i}area_open_challenge"
        f" ON {t}area_open (area_code, challenge, submitted_at)",
        f"CREATE INDEX IF NOT EXISTS {i}area_open_challenge_deadline"
        f" ON {t}area_open (area_code, challenge, deadline)",
        f"CREATE INDEX IF NOT EXISTS {i}area_open_quarter"
        f" ON {t}area_open (area_code, quarter, deadline)",
        f"CREATE TABLE IF NOT EXISTS {t}area_decisions (initiative_id {text}, area_code {text},"
        f" quarter {text}, days DOUBLE PRECISION, outcome {text}, challenge {text},"
        " PRIMARY KEY (initiative_id, area_code))",
        f"CREATE INDEX IF NOT EXISTS {i}area_decisions_days ON {t}area_decisions (area_code, days)",
        f"CREATE INDEX IF NOT EXISTS {i}area_decisions_quarter"
        f" ON {t}area_decisions (area_code, quarter, days)",
        f"CREATE INDEX IF NOT EXISTS {i}area_decisions_challenge"
        f" ON {t}area_decisions (area_code, challenge, days)",
        # The words of each title (views.words), found by the start of a word.
        f"CREATE TABLE IF NOT EXISTS {t}initiative_words (initiative_id {text},"
        f" word {text}{binary}, PRIMARY KEY (initiative_id, word))",
        f"CREATE INDEX IF NOT EXISTS {i}initiative_words_word"
        f" ON {t}initiative_words (word, initiative_id)",
        # The stems of each initiative's text (views.words.stem_entries), found by stem.
        f"CREATE TABLE IF NOT EXISTS {t}initiative_stems (initiative_id {text}, scope {text},"
        f" stem {text}, submitted_at {text}, PRIMARY KEY (scope, stem, initiative_id))",
        f"CREATE INDEX IF NOT EXISTS {i}initiative_stems_initiative"
        f" ON {t}initiative_stems (initiative_id)",
        f"CREATE INDEX IF NOT EXISTS {i}initiative_stems_newest"
        f" ON {t}initiative_stems (scope, stem, submitted_at, initiative_id)",
        f"CREATE INDEX IF NOT EXISTS {i}initiatives_submitted ON {t}initiatives (submitted_at, id)",
        # Ids by their start (SQLite's primary key compares by code point already).
        *(
            [f"CREATE INDEX IF NOT EXISTS {i}initiatives_id_binary ON {t}initiatives (id{binary})"]
            if binary
            else []
        ),
    ]


_INTS = {
    "consent",
    "handoff_pending",
    "handoff_days",
    "decision_days",
    "paused_days",
    "decision_published",
    "supporters",
    "text_erased",
    "rating",
    "version",
}
DATETIME_COLUMNS = (
    "submitted_at",
    "last_activity",
    "deadline",
    "handoff_due",
    "decision_due",
    "paused_since",
    "routed_at",
    "decided_at",
    "closed_at",
    "rated_at",
    "decision_from",
)
TABLES = (
    "initiatives",
    "initiative_areas",
    "initiative_themes",
    "team_queue",
    "timeline",
    "area_counts",
    "area_open",
    "area_decisions",
    "initiative_words",
    "initiative_stems",
)
