"""Migration v4: `browse_facts`, what the library table filters and sorts on, kept current by triggers.

Mood and tempo live inside features' JSON attrs and a substring filter would otherwise test several columns
of every row; at 100k items that is too slow for a table that answers while the user types. One row per
media item holds a lower-cased search text (title, artist, album, album artist, genre, date, path) with a
trigram full-text index over it, the mood (music first, else speech) and the tempo. Triggers on media and
features keep it current, so no writer has to know about it. Plays, skips and last played are the v3
item_stats table's (library/item_stats.py)."""
from __future__ import annotations

import sqlite3

SEARCH_TEXT = ("lower(coalesce(NEW.title, '') || char(10) || coalesce(NEW.artist, '') || char(10) || "
               "coalesce(NEW.album, '') || char(10) || coalesce(NEW.album_artist, '') || char(10) || "
               "coalesce(NEW.genre, '') || char(10) || coalesce(NEW.date, '') || char(10) || NEW.path)")
MOOD_EXTRACTORS = {"emotion.music": "mood_music", "emotion.speech": "mood_speech"}
TEMPO_EXTRACTOR = "audio.dsp"

DDL = [
    """CREATE TABLE browse_facts (
           media_id INTEGER PRIMARY KEY REFERENCES media(id) ON DELETE CASCADE,
           search_text TEXT NOT NULL DEFAULT '',   -- lower-cased tags and path, for substring filters
           mood_music TEXT,                        -- emotion.music attrs.mood
           mood_speech TEXT,                       -- emotion.speech attrs.mood
           mood TEXT GENERATED ALWAYS AS (coalesce(mood_music, mood_speech)) VIRTUAL,
           tempo REAL                              -- audio.dsp attrs.tempo_bpm
       )""",
    "CREATE INDEX browse_facts_mood ON browse_facts(mood)",
    "CREATE INDEX browse_facts_tempo ON browse_facts(tempo)",
    "CREATE INDEX media_added ON media(added_at)",
    "CREATE INDEX media_title ON media(title COLLATE NOCASE)",
    "CREATE INDEX media_kind_title ON media(kind, title COLLATE NOCASE)",
    "CREATE INDEX media_album ON media(album COLLATE NOCASE)",
    "CREATE INDEX media_duration ON media(duration)",
    """CREATE VIRTUAL TABLE browse_fts USING fts5(
           search_text, content='browse_facts', content_rowid='media_id', tokenize='trigram')""",
    """CREATE TRIGGER browse_fts_ai AFTER INSERT ON browse_facts BEGIN
           INSERT INTO browse_fts(rowid, search_text) VALUES (NEW.media_id, NEW.search_text); END""",
    """CREATE TRIGGER browse_fts_ad AFTER DELETE ON browse_facts BEGIN
           INSERT INTO browse_fts(browse_fts, rowid, search_text) VALUES ('delete', OLD.media_id, OLD.search_text);
       END""",
    """CREATE TRIGGER browse_fts_au AFTER UPDATE OF search_text ON browse_facts BEGIN
           INSERT INTO browse_fts(browse_fts, rowid, search_text) VALUES ('delete', OLD.media_id, OLD.search_text);
           INSERT INTO browse_fts(rowid, search_text) VALUES (NEW.media_id, NEW.search_text); END""",
    f"""CREATE TRIGGER browse_media_ai AFTER INSERT ON media BEGIN
           INSERT INTO browse_facts (media_id, search_text) VALUES (NEW.id, {SEARCH_TEXT}); END""",
    f"""CREATE TRIGGER browse_media_au AFTER UPDATE OF title, artist, album, album_artist, genre, date, path
           ON media BEGIN
           INSERT INTO browse_facts (media_id, search_text) VALUES (NEW.id, {SEARCH_TEXT})
           ON CONFLICT (media_id) DO UPDATE SET search_text = excluded.search_text; END""",
]


def _fact_trigger(extractor: str, column: str, attr: str) -> str:
    name = "browse_" + extractor.replace(".", "_")
    value = f"json_extract(NEW.attrs, '$.{attr}')"
    return f"""CREATE TRIGGER {name} AFTER INSERT ON features WHEN NEW.extractor = '{extractor}' BEGIN
                   INSERT INTO browse_facts (media_id, {column}) VALUES (NEW.media_id, {value})
                   ON CONFLICT (media_id) DO UPDATE SET {column} = excluded.{column}; END"""


def _backfill(conn: sqlite3.Connection) -> None:
    conn.execute(f"INSERT INTO browse_facts (media_id, search_text) SELECT NEW.id, {SEARCH_TEXT} FROM media NEW")
    for extractor, column in MOOD_EXTRACTORS.items():
        _copy_attr(conn, extractor, column, "mood")
    _copy_attr(conn, TEMPO_EXTRACTOR, "tempo", "tempo_bpm")


def _copy_attr(conn: sqlite3.Connection, extractor: str, column: str, attr: str) -> None:
    conn.execute(f"""UPDATE browse_facts SET {column} = (
                         SELECT json_extract(f.attrs, '$.{attr}') FROM features f
                         WHERE f.media_id = browse_facts.media_id AND f.extractor = ?
                         ORDER BY f.version DESC LIMIT 1)""", (extractor,))


def migrate_v4(conn: sqlite3.Connection) -> None:
    for stmt in DDL:
        conn.execute(stmt)
    for extractor, column in MOOD_EXTRACTORS.items():
        conn.execute(_fact_trigger(extractor, column, "mood"))
    conn.execute(_fact_trigger(TEMPO_EXTRACTOR, "tempo", "tempo_bpm"))
    _backfill(conn)
