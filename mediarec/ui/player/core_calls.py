"""The player's calls into the core, run on its service thread: events, play errors, resume positions, item facts.

Play errors go through the core's `record_play_error` (a Problems row, never a skip). A video resumes from
the mark the player keeps when it leaves one (closing the app writes no event, so events alone would lose it),
else from where the history says it was left (`library.events.resume_position`)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...library.events import resume_position as history_resume
from ...library.file_status import record_play_error as core_record_play_error
from ...recommend import events

if TYPE_CHECKING:
    from ...library import Library

RESUME_KEY = "ui.player.resume"  # {media_id: seconds} for videos left before their end (fallback store)
RESUME_MIN_S = 10.0  # closer than this to either end starts from the beginning
RESUME_KEEP = 200
SOURCE = "gui"


def item_info(lib: "Library", media_id: int) -> dict[str, Any] | None:
    """What the transport bar and the player need: path, title, artist, kind, duration, mood, resume point."""
    row = lib.media.get(media_id)
    if row is None:
        return None
    mood = None
    for name in ("emotion.music", "emotion.speech"):
        feat = lib.features.get(media_id, name)
        if feat and (feat.get("attrs") or {}).get("mood"):
            mood = feat["attrs"]["mood"]
            break
    resume = resume_position(lib, media_id) if row.get("kind") == "video" else 0.0
    return {"id": row["id"], "path": row["path"], "title": row.get("title"), "artist": row.get("artist"),
            "album": row.get("album"), "kind": row.get("kind"), "duration": row.get("duration"), "mood": mood,
            "resume": resume or 0.0}


def record_event(lib: "Library", media_id: int, type: str, position: float | None = None,
                 duration: float | None = None, player_error: bool = False) -> dict[str, Any]:
    """One event through the core rules (the CLI's `event` command's); returns what was stored."""
    from ...library.listeners import current
    from ...recommend.ab import context_for

    who = current(lib)  # an item of the running A/B experiment's last mixed list: which variant offered it
    event_id = events.record(lib, media_id, type, position=position, duration=duration, source=SOURCE,
                             player_error=player_error, listener=who, context=context_for(lib, media_id, who))
    stored = next((e for e in lib.events.list(media_id=media_id) if e["id"] == event_id), None)
    return {"id": event_id, "media_id": media_id, "type": stored["type"] if stored else type}


def record_play_error(lib: "Library", media_id: int, message: str) -> None:
    """A file the player could not play: a file_status row at stage "play" (the Problems view lists it)."""
    core_record_play_error(lib, media_id, message)


def resume_position(lib: "Library", media_id: int) -> float:
    """Where a video was left (0: from the start)."""
    marks = lib.kv.get(RESUME_KEY) or {}
    if str(media_id) in marks:
        return float(marks[str(media_id)])
    return float(history_resume(lib, media_id) or 0.0)


def remember_position(lib: "Library", media_id: int, position: float, duration: float | None) -> None:
    """Keep where a video was left; forget it once it was watched to (near) its end."""
    marks = dict(lib.kv.get(RESUME_KEY) or {})
    marks.pop(str(media_id), None)
    if position >= RESUME_MIN_S and (not duration or position < duration - RESUME_MIN_S):
        marks[str(media_id)] = round(position, 1)
    lib.kv.set(RESUME_KEY, dict(list(marks.items())[-RESUME_KEEP:]))


def leave(lib: "Library", media_id: int, position: float, duration: float | None, kind: str | None,
          player_error: bool = False) -> dict[str, Any]:
    """The player left an item at `position`: a play, a skip (early, by hand) or a neutral end (an error)."""
    if kind == "video":
        remember_position(lib, media_id, position, duration)
    return record_event(lib, media_id, "stop", position=position, duration=duration, player_error=player_error)
