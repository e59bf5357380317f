"""Qt-free requests for the Playlists page: list, open (as a results list), delete and import saved playlists."""
from __future__ import annotations

import os
import time

from ..results.lists import ResultList, ResultRow


def playlists(ctx) -> list[dict]:
    return ctx.lib.playlists.list()


def open_playlist(ctx, name: str) -> ResultList:
    """A saved playlist's items in order; an item gone from the library stays listed (id -1) and says so."""
    doc = ctx.lib.playlists.get(name)
    known = ctx.lib.media.get_many([it["media_id"] for it in doc["items"] if it["media_id"] is not None],
                                   ("id", "title", "artist", "kind", "duration", "path"))
    rows = []
    for it in doc["items"]:
        row = known.get(it["media_id"]) if it["media_id"] is not None else None
        if row is None:
            rows.append(ResultRow(-1, it["title"] or os.path.basename(it["path"]), duration=it["duration"],
                                  path=it["path"], reasons=["not in the library"]))
        else:
            rows.append(ResultRow(row["id"], row.get("title") or os.path.basename(row["path"]),
                                  row.get("artist") or "", row.get("kind") or "", row.get("duration"), row["path"]))
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(doc["updated_at"])) if doc.get("updated_at") else ""
    source = {"import": "imported", "export": "exported"}.get(doc.get("source") or "", doc.get("source") or "")
    empty = "" if rows else "This playlist is empty."
    return ResultList("playlist", doc["name"], rows, empty,
                      {"name": doc["name"], "source": source, "updated": when,
                       "file": (doc.get("params") or {}).get("file", "")})


def delete(ctx, name: str) -> list[dict]:
    ctx.lib.playlists.delete(name)
    return playlists(ctx)


def import_file(ctx, path: str) -> dict:
    """Import a playlist file under its own name (a number added when that name is taken)."""
    from ...export.importing import import_playlist

    base = os.path.splitext(os.path.basename(path))[0]
    taken = {p["name"] for p in ctx.lib.playlists.list()}
    name = base if base not in taken else next(f"{base} ({i})" for i in range(2, 10_000) if f"{base} ({i})" not in taken)
    done = import_playlist(ctx.lib, path, name)
    return {"name": done.name, "entries": len(done.items), "unknown": len(done.unknown), "refused": done.refused}
