"""The user's data, theirs to take and to wipe: export everything as JSON, clear the history.

`export_data` writes one JSON document (atomically: a crash never leaves half a file) holding every
event, playlist, the queue, the Up Next mode, the blocklist, the library folders and the settings;
`clear_history` is `mediarec forget --all`: every event, and what was learned from them."""
from __future__ import annotations

import dataclasses
import json
import os
import time
from typing import TYPE_CHECKING, Any

from . import __version__
from .export.atomic import atomic_write
from .library.blocklist import Blocklist
from .library.queue import UserQueue, load_mode

if TYPE_CHECKING:
    from .library import Library
    from .settings import Settings

FORMAT = "mediarec-data/1"


def data_document(lib: "Library", settings: "Settings | None" = None) -> dict[str, Any]:
    """Everything the user made or did, as one JSON-ready dict: {"format", "exported_at", "mediarec",
    "database", "events": [...], "playlists": [{..., "items": [...]}], "queue": [...], "upnext_mode",
    "blocklist": [...], "roots": [...], "settings", "listeners": [{..., "queue", "upnext_mode", "blocklist"}]}
    (the top-level queue and mode are the default listener's, the blocklist everyone's rules). Events carry the item's path, so the file
    still means something without the database."""
    paths = {r[0]: r[1] for r in lib.query("SELECT id, path FROM media")}
    events = [{**e, "path": paths.get(e["media_id"])} for e in lib.events.list()]
    playlists = [lib.playlists.get(p["name"]) for p in lib.playlists.list()]
    queue = [{**dataclasses.asdict(e), "path": paths.get(e.media_id)} for e in UserQueue(lib).list()]
    return {
        "format": FORMAT,
        "exported_at": time.time(),
        "mediarec": __version__,
        "database": str(lib.path) if lib.path else None,
        "events": events,
        "playlists": playlists,
        "queue": queue,
        "upnext_mode": load_mode(lib).to_json(),
        "blocklist": [dataclasses.asdict(r) for r in Blocklist(lib).rules()],
        "roots": [{"path": r["path"], "added_at": r["added_at"]} for r in lib.roots.list(include_removed=False)],
        "settings": dataclasses.asdict(settings) if settings is not None else None,
        "listeners": _listeners(lib, paths),
    }


def _listeners(lib: "Library", paths: dict[int, str]) -> list[dict[str, Any]]:
    """Each listener with their own queue, Up Next mode and blocklist rules (events carry listener_id)."""
    from .library.listeners import Listeners

    out = []
    for person in Listeners(lib).list():
        queue = [{**dataclasses.asdict(e), "path": paths.get(e.media_id)} for e in UserQueue(lib, person.id).list()]
        own = [dataclasses.asdict(r) for r in Blocklist(lib, person.id).rules() if r.listener_id == person.id]
        out.append({**dataclasses.asdict(person), "queue": queue, "upnext_mode": load_mode(lib, person.id).to_json(),
                    "blocklist": own})
    return out


def export_data(lib: "Library", path: str | os.PathLike, settings: "Settings | None" = None) -> dict[str, int]:
    """Write `data_document` to `path` atomically; returns counts {"events", "playlists", "queue",
    "blocklist"}. Raises OSError when the file cannot be written."""
    doc = data_document(lib, settings)
    atomic_write(path, json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8"))
    return {k: len(doc[k]) for k in ("events", "playlists", "queue", "blocklist")}


def clear_history(lib: "Library") -> int:
    """Delete every event and the model learned from them (`mediarec forget --all`); returns how many
    events there were. Playlists, the queue and the blocklist are the user's own making and stay."""
    from .recommend.upnext import forget_state  # (recommend sits above library; imported when used)

    n = lib.events.forget(None)
    forget_state(lib)
    return n


__all__ = ["data_document", "export_data", "clear_history", "FORMAT"]
