"""Qt-free core calls for the dialogs, run on the "dialogs" service thread: export, transcripts, forget,
folders, blocklist and privacy. Every call into the app-core APIs (blocklist, timed transcripts, privacy)
is here, so a change to them is fixed in one place; a missing one is reported, never a crash."""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from ...errors import UserError

ITEM_COLUMNS = ("id", "title", "artist", "album", "duration", "path", "kind")


def items(ctx, ids: list[int]) -> list[dict[str, Any]]:
    """The rows of ids, in their order (ids no longer in the library are left out)."""
    found = ctx.lib.media.get_many(ids, ITEM_COLUMNS)
    return [found[int(i)] for i in ids if int(i) in found]


def find_items(ctx, text: str, limit: int = 50) -> list[dict[str, Any]]:
    """Items whose title, artist, album, genre or path contain every word of `text` (the item chooser)."""
    terms = text.split()
    rows = ctx.lib.transcripts.match_media(terms, limit=limit) if terms else ctx.lib.query(
        "SELECT id AS media_id, path, title, artist, kind FROM media WHERE status = 'ok' ORDER BY title LIMIT ?",
        (limit,))
    return [{"id": r["media_id"], "title": r["title"] or os.path.basename(r["path"]), "artist": r["artist"] or "",
             "kind": r["kind"], "path": r["path"]} for r in (dict(x) for x in rows)]


@dataclass
class Exported:
    path: str
    format: str
    entries: int
    parsed_back: int
    saved_as: str | None


def export_items(ctx, ids: list[int], path: str, relative: bool, save_as: str | None = None) -> Exported:
    """Write the items as a playlist (format by extension, atomic), read it back to check it parses, and
    optionally keep it as a saved playlist."""
    from ...export import Entry, read_playlist, save_playlist

    rows = items(ctx, ids)
    if not rows:
        raise UserError("nothing to export: the items are no longer in the library")
    folder = os.path.dirname(os.path.abspath(path))
    try:  # a new folder typed in the dialog is made, as a file manager's "save as" would
        os.makedirs(folder, exist_ok=True)
    except OSError as exc:
        raise UserError(f"{path}: cannot write the playlist: {exc.strerror or exc}") from None
    saved = save_playlist(path, [Entry.from_media(r) for r in rows], relative=relative)
    back = read_playlist(saved.path)
    if save_as:
        ctx.lib.playlists.save(save_as, [{"media_id": r["id"], "path": r["path"], "title": r["title"],
                                          "duration": r["duration"]} for r in rows],
                               source="export", params={"file": saved.path})
    return Exported(saved.path, saved.format, saved.entries, len(back), save_as or None)


def transcript(ctx, media_id: int) -> dict[str, Any]:
    """{"title", "segments": [(start, end, text)], "state": "ok" | "none" | "not yet"}."""
    lib = ctx.lib
    row = lib.media.get(int(media_id))
    title = (row or {}).get("title") or os.path.basename((row or {}).get("path") or "") or f"item {media_id}"
    timed = getattr(lib.transcripts, "timed", None)
    if timed is not None:  # app-core's TimedTranscript
        found = timed(int(media_id))
        segs = [(s.start, s.end, s.text) for s in found.segments] if found else None
    else:
        found = lib.transcripts.get(int(media_id))
        segs = [(s["start"], s["end"], s["text"]) for s in found["segments"]] if found else None
    state = "not yet" if segs is None else ("ok" if segs else "none")
    return {"title": title, "segments": segs or [], "state": state}


def forget(ctx, ids: list[int]) -> int:
    """Delete the play history of these items (the user asked); what was learned from it is refitted."""
    from ...recommend.upnext import forget_state

    n = sum(ctx.lib.events.forget(int(i)) for i in ids)
    forget_state(ctx.lib)
    return n


def folder_of(ctx, media_id: int) -> str:
    row = ctx.lib.media.get(int(media_id))
    if row is None:
        raise UserError(f"item {media_id} is no longer in the library")
    return os.path.dirname(row["path"])


# --- folders ----------------------------------------------------------------------------------------------
def roots(ctx) -> list[dict[str, Any]]:
    return [dict(r) for r in ctx.lib.roots.list(include_removed=False)]


def add_root(ctx, path: str) -> list[dict[str, Any]]:
    ctx.lib.roots.add(path)
    return roots(ctx)


def remove_root(ctx, path: str) -> list[dict[str, Any]]:
    ctx.lib.roots.remove(path)
    return roots(ctx)


# --- blocklist (app-core library/blocklist.py) -------------------------------------------------------------
BLOCKLIST_MISSING = "The blocklist needs a newer library (library/blocklist.py); not in this build."


def _blocklist(lib):
    try:
        from ...library.blocklist import Blocklist
        from ...library.listeners import current
    except ImportError:
        return None
    return Blocklist(lib, current(lib))  # everyone's rules and those of who is listening


def experiment(ctx) -> dict[str, Any] | None:
    """The running A/B experiment's status (recommend/ab.py), None when none runs."""
    from ...recommend import ab

    return ab.status(ctx.lib) if ab.current(ctx.lib) is not None else None


def blocklist(ctx) -> list[dict[str, Any]] | None:
    """The "never recommend" rules as the core lists them; None when this build has no blocklist."""
    store = _blocklist(ctx.lib)
    if store is None:
        return None
    return [{"id": r.id, "kind": r.kind, "label": r.label or r.value, "created_at": r.created_at}
            for r in store.rules()]


def unblock(ctx, rule_id: int) -> list[dict[str, Any]] | None:
    store = _blocklist(ctx.lib)
    if store is None:
        raise UserError(BLOCKLIST_MISSING)
    store.unblock(int(rule_id))
    return blocklist(ctx)



# --- privacy (app-core mediarec/privacy.py) ---------------------------------------------------------------
def privacy_available() -> bool:
    try:
        from ... import privacy  # noqa: F401
    except ImportError:
        return False
    return True


def clear_history(ctx) -> int:
    """Every event and what was learned from them (`forget --all`)."""
    if privacy_available():
        from ...privacy import clear_history as clear

        return clear(ctx.lib)
    from ...recommend.upnext import forget_state

    n = ctx.lib.events.forget(None)
    forget_state(ctx.lib)
    return n


def export_data(ctx, path: str, settings) -> dict[str, int]:
    if not privacy_available():
        raise UserError("exporting your data needs a newer mediarec (mediarec/privacy.py)")
    from ...privacy import export_data as export

    return export(ctx.lib, path, settings)
