"""Up Next's calls into the core, run on its service thread: the warm recommender, radio, journeys, the saved
queue and mode, the blocklist, and the fallbacks that keep the list from being blank.

The user's queue is the core's `UserQueue` (the CLI's `mediarec queue` sees the same one), the blocklist the
core's `Blocklist` (the Settings dialog and `mediarec blocklist` undo it), and the mode is saved where the core
keeps it (`library.queue.MODE_KEY`), with the dock's extras (a journey's remaining stops) beside its fields.
Exclusions, "not now" and radio seeds go to the recommender as its own arguments."""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Iterable

from ...errors import UserError
from ...library.listeners import current as listening, state_key
from ...library.queue import MODE_KEY, UpNextMode, UserQueue, load_mode

if TYPE_CHECKING:
    from ...library import Library
    from ...recommend.upnext import UpNext
    from ...settings import RecommendSettings

DEFAULT_MODE = {"mode": "taste", "seed": None, "ids": [], "title": "", "autoplay": True, "kind": "any",
                "exploration": None, "total": 0}
ITEM_COLUMNS = ["path", "title", "artist", "kind", "duration"]


# --- saved state --------------------------------------------------------------------------------------------
def load_state(lib: "Library") -> dict[str, Any]:
    """The user's queue (as items, gone ones dropped) and the mode, as they were left."""
    who = listening(lib)  # (each listener has their own queue and mode: the switcher reloads them)
    ids = UserQueue(lib, who).media_ids()
    saved = lib.kv.get(state_key(MODE_KEY, who)) or {}
    core = load_mode(lib, who)  # "Your taste" when the saved mode names items that are gone
    mode = {**DEFAULT_MODE, **saved} if core.mode == saved.get("mode", "taste") else dict(DEFAULT_MODE)
    return {"queue": describe(lib, ids), "mode": mode}


def save_queue(lib: "Library", ids: list[int]) -> None:
    """The dock's queue, in its order, as the core's user queue (one transaction)."""
    queue = UserQueue(lib, listening(lib))
    known = set(lib.media.get_many([int(i) for i in ids], ["id"]))
    with lib.transaction():
        queue.clear()
        queue.add([int(i) for i in ids if int(i) in known])


def save_mode(lib: "Library", mode: dict[str, Any]) -> None:
    """The core's mode fields (what `mediarec` reads) plus the dock's own (a journey's remaining stops)."""
    ids = [int(i) for i in mode.get("ids") or []]
    try:
        core = UpNextMode(mode=mode["mode"], seed=mode.get("seed"), kind=mode.get("kind") or "any",
                          autoplay=bool(mode.get("autoplay", True)), exploration=mode.get("exploration"),
                          start=ids[0] if ids else None, end=ids[-1] if ids else None,
                          via=tuple(ids[1:-1]))
    except UserError:
        core = UpNextMode(kind=mode.get("kind") or "any", autoplay=bool(mode.get("autoplay", True)))
    lib.kv.set(state_key(MODE_KEY, listening(lib)), {**mode, **core.to_json()})


def describe(lib: "Library", ids: Iterable[int], why: dict[int, list[str]] | None = None) -> list[dict[str, Any]]:
    """Rows for the list, in the order given (ids no longer in the library are left out)."""
    ids = [int(i) for i in ids]
    rows = lib.media.get_many(ids, ITEM_COLUMNS)
    out = []
    for i in ids:
        r = rows.get(i)
        if r is not None:
            out.append({"id": i, "title": r.get("title") or os.path.basename(r["path"]), "artist": r.get("artist"),
                        "kind": r.get("kind"), "path": r["path"], "duration": r.get("duration"),
                        "reasons": list((why or {}).get(i, []))})
    return out


# --- the blocklist ------------------------------------------------------------------------------------------
def block(lib: "Library", media_id: int, scope: str) -> str:
    """Never recommend this item, its artist or its folder; returns what was blocked, for the status bar."""
    row = lib.media.get(media_id)
    if row is None:
        return ""
    from ...library.blocklist import Blocklist

    rules = Blocklist(lib, listening(lib))
    if scope == "artist":
        if not row.get("artist"):
            return ""
        return rules.block_artist(row["artist"]).label or row["artist"]
    if scope == "folder":
        folder = os.path.dirname(row["path"])
        rules.block_folder(folder)
        return folder
    rules.block_item(media_id)
    return row.get("title") or os.path.basename(row["path"])


# --- the list ----------------------------------------------------------------------------------------------
def recommender(cache: dict, lib: "Library", index_dir, settings: "RecommendSettings") -> "UpNext":
    """The warm UpNext of the service thread (its vectors and indexes load once)."""
    # Imported here, on the service thread: numpy and the recommender cost ~0.3 s the first paint needn't wait.
    from ...recommend.upnext import UpNext

    who = listening(lib)
    rec = cache.get("upnext")
    if rec is not None and rec.listener != who:  # the switcher changed who is listening
        cache.pop("upnext").close()
        rec = None
    if rec is None:
        rec = cache["upnext"] = UpNext(lib, index_dir, settings=settings, save_every=30.0, listener=who)
    rec.settings = settings  # what Settings says now (artist spacing, no-repeat window), not at the first list
    return rec


def refill(cache: dict, lib: "Library", index_dir, settings: "RecommendSettings", mode: dict, n: int,
           exclude: set[int], not_now: set[int], current: int | None) -> dict[str, Any]:
    """The generated part: {"items": rows with reasons, "why_empty": None or a sentence, "note": fallback note}."""
    skip = set(exclude) | set(not_now) | ({current} if current else set())
    kind = mode.get("kind") or "any"
    from ...library.blocklist import blocked_ids

    gone = set(blocked_ids(lib, listening(lib)).tolist())  # resolved once a list (about 1 ms at 100k items)
    if mode["mode"] == "journey":
        picks = _journey(lib, mode, skip)
    else:
        seed = int(mode["seed"]) if mode["mode"] == "radio" and mode.get("seed") else None
        picks = _recommended(cache, lib, index_dir, settings, mode, n, kind, skip, not_now, seed, gone)
    picks = [(i, why) for i, why in picks if i not in gone][:n if mode["mode"] != "journey" else None]
    if picks:
        return {"items": describe(lib, [i for i, _ in picks], dict(picks)), "why_empty": None}
    anchor = current or mode.get("seed")
    fallback, note = _fallback(lib, anchor, n, skip | gone, kind)
    return {"items": fallback, "why_empty": _why_empty(lib, mode, kind, note)}


def _recommended(cache, lib, index_dir, settings, mode, n, kind, skip, not_now, seed, gone
                 ) -> list[tuple[int, list[str]]]:
    """Your taste, or a radio from `seed` (the recommender falls back to its artist, then its folder)."""
    rec = recommender(cache, lib, index_dir, settings)
    if mode.get("exploration") is not None:
        rec.settings.exploration = float(mode["exploration"])
    exclude = set(skip - set(not_now)) | gone
    mixed = _experiment(cache, lib, index_dir, settings) if seed is None else None
    if mixed is not None:  # an A/B experiment runs: the two variants' lists mixed (the queue shows no teams)
        found = mixed.refill(n, kind, exclude=exclude, not_now=not_now)
    else:
        found = rec.refill(n, kind, exclude=exclude, not_now=not_now, seed=seed)
    return [(p.id, p.reasons) for p in found.picks if p.id not in exclude]


def _experiment(cache: dict, lib: "Library", index_dir, settings):
    """The interleaved pair of the running experiment for who is listening (kept warm), or None."""
    from ...recommend import ab

    exp, who = ab.current(lib), listening(lib)
    held = cache.get("ab")
    if held is not None and (exp is None or held[0] != (exp.id, who)):
        cache.pop("ab")[1].close()
        held = None
    if exp is None:
        return None
    if held is None:
        held = cache["ab"] = ((exp.id, who), ab.Interleaved(
            lib, exp, ab.variant(lib, exp.a, index_dir, who, settings, persist=False),
            ab.variant(lib, exp.b, index_dir, who, settings, persist=False), who))
    return held[1]


def _journey(lib, mode, skip) -> list[tuple[int, list[str]]]:
    """What is left of the journey, in its order (a journey plays as planned; nothing else is mixed in)."""
    ids = [int(i) for i in mode.get("ids") or []]
    total = max(int(mode.get("total") or 0), len(ids))
    done = total - len(ids)
    return [(i, [f"step {done + k + 1} of {total} · {mode.get('title') or 'journey'}"])
            for k, i in enumerate(ids) if i not in skip]


def _fallback(lib, anchor: int | None, n: int, skip: set[int], kind: str) -> tuple[list[dict], str]:
    """Same artist as what plays (or the seed), then the same folder; returns the rows and what they are."""
    row = lib.media.get(int(anchor)) if anchor else None
    if row is None:
        return [], ""
    kinds = ("audio", "video") if kind == "any" else (kind,)
    marks = ",".join("?" * len(kinds))
    tries = []
    if row.get("artist"):
        tries.append(("same artist", "artist = ?", (row["artist"],), f"more by {row['artist']}"))
    folder = os.path.dirname(row["path"])
    tries.append(("same folder", "substr(path, 1, ?) = ?", (len(folder) + 1, folder + "/"),
                  f"from the same folder as {row.get('title') or os.path.basename(row['path'])}"))
    for _, where, args, why in tries:
        found = [r["id"] for r in lib.query(
            f"SELECT id FROM media WHERE status = 'ok' AND kind IN ({marks}) AND {where} ORDER BY path LIMIT ?",
            (*kinds, *args, n + len(skip) + 1)) if r["id"] not in skip and r["id"] != row["id"]][:n]
        if found:
            return describe(lib, found, {i: [why] for i in found}), why
    return [], ""


def _why_empty(lib, mode: dict, kind: str, fallback_note: str) -> str:
    """One sentence for the empty (or fallback) list: what is missing and what to do."""
    total = sum(v.get("ok", 0) for v in lib.media.counts().values())
    analysed = lib.query("SELECT EXISTS (SELECT 1 FROM features) AS any_rows")[0]["any_rows"]
    if total == 0:
        why = "Your library is empty: add a music or video folder."
    elif not analysed:
        why = "Nothing is analysed yet: suggestions appear as analysis finishes."
    elif mode["mode"] == "radio":
        why = "No similar items found for this radio's seed (is it analysed?)."
    elif mode["mode"] == "journey":
        why = "The journey is over: back to your taste with the button above."
    else:
        what = {"audio": "music", "video": "videos"}.get(kind, "items")
        why = f"No {what} left to suggest: everything is queued, played lately, set aside or blocked."
    return f"{why} Meanwhile: {fallback_note}." if fallback_note else why
