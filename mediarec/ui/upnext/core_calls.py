"""Up Next's calls into the core, run on its service thread: the warm recommender, radio, journeys, the saved
queue and mode, the blocklist, and the fallbacks that keep the list from being blank.

One module on purpose: appcore's `library/queue.py` and `library/blocklist.py` and the new `exclude` /
`not_now` / `seed` arguments of recommend/upnext.py are swapped in here at merge. Until then the queue,
the mode and the blocklist are kv documents and exclusions are applied to a deeper list."""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Iterable

from ...recommend.reasons import FactsCache, reasons
from ...recommend.upnext import UpNext

if TYPE_CHECKING:
    from ...library import Library
    from ...settings import RecommendSettings

QUEUE_KEY = "ui.upnext.queue"
MODE_KEY = "ui.upnext.mode"
BLOCK_KEY = "ui.blocklist"  # [{"scope": "item"|"artist"|"folder", "value": id|artist|folder}]
DEFAULT_MODE = {"mode": "taste", "seed": None, "ids": [], "title": "", "autoplay": True, "kind": "any",
                "exploration": None, "total": 0}
DEPTH = 2  # ask the recommender for this many times the list, so exclusions still leave a full list
ITEM_COLUMNS = ["path", "title", "artist", "kind", "duration"]


# --- saved state --------------------------------------------------------------------------------------------
def load_state(lib: "Library") -> dict[str, Any]:
    """The user's queue (as items, gone ones dropped) and the mode, as they were left."""
    ids = [int(i) for i in lib.kv.get(QUEUE_KEY) or []]
    mode = {**DEFAULT_MODE, **(lib.kv.get(MODE_KEY) or {})}
    return {"queue": describe(lib, ids), "mode": mode}


def save_queue(lib: "Library", ids: list[int]) -> None:
    lib.kv.set(QUEUE_KEY, [int(i) for i in ids])


def save_mode(lib: "Library", mode: dict[str, Any]) -> None:
    lib.kv.set(MODE_KEY, mode)


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
    value: Any = {"item": media_id, "artist": row.get("artist"), "folder": os.path.dirname(row["path"])}[scope]
    if value in (None, ""):
        return ""
    entries = [e for e in lib.kv.get(BLOCK_KEY) or [] if e != {"scope": scope, "value": value}]
    lib.kv.set(BLOCK_KEY, [*entries, {"scope": scope, "value": value}])
    return {"item": row.get("title") or os.path.basename(row["path"]), "artist": value, "folder": value}[scope]


def blocked(lib: "Library", ids: list[int]) -> set[int]:
    entries = lib.kv.get(BLOCK_KEY) or []
    if not entries or not ids:
        return set()
    items = {e["value"] for e in entries if e["scope"] == "item"}
    artists = {e["value"] for e in entries if e["scope"] == "artist"}
    folders = tuple(e["value"].rstrip("/") + "/" for e in entries if e["scope"] == "folder")
    rows = lib.media.get_many(ids, ["path", "artist"])
    return {i for i, r in rows.items()
            if i in items or r.get("artist") in artists or (folders and r["path"].startswith(folders))}


# --- the list ----------------------------------------------------------------------------------------------
def recommender(cache: dict, lib: "Library", index_dir, settings: "RecommendSettings") -> UpNext:
    """The warm UpNext of the service thread (its vectors and indexes load once)."""
    rec = cache.get("upnext")
    if rec is None:
        rec = cache["upnext"] = UpNext(lib, index_dir, settings=settings, save_every=30.0)
    return rec


def refill(cache: dict, lib: "Library", index_dir, settings: "RecommendSettings", mode: dict, n: int,
           exclude: set[int], not_now: set[int], current: int | None) -> dict[str, Any]:
    """The generated part: {"items": rows with reasons, "why_empty": None or a sentence, "note": fallback note}."""
    skip = set(exclude) | set(not_now) | ({current} if current else set())
    kind = mode.get("kind") or "any"
    if mode["mode"] == "journey":
        picks = _journey(lib, mode, skip)
    elif mode["mode"] == "radio" and mode.get("seed"):
        picks = _radio(cache, lib, index_dir, int(mode["seed"]), n, kind, skip)
    else:
        picks = _taste(cache, lib, index_dir, settings, mode, n, kind, skip)
    ids = [i for i, _ in picks]
    gone = blocked(lib, ids)
    picks = [(i, why) for i, why in picks if i not in gone][:n if mode["mode"] != "journey" else None]
    if picks:
        return {"items": describe(lib, [i for i, _ in picks], dict(picks)), "why_empty": None}
    anchor = current or mode.get("seed")
    fallback, note = _fallback(lib, anchor, n, skip | gone, kind)
    return {"items": fallback, "why_empty": _why_empty(lib, mode, kind, note)}


def _taste(cache, lib, index_dir, settings, mode, n, kind, skip) -> list[tuple[int, list[str]]]:
    rec = recommender(cache, lib, index_dir, settings)
    if mode.get("exploration") is not None:
        rec.settings.exploration = float(mode["exploration"])
    found = rec.refill(DEPTH * n + len(skip), kind)
    return [(p.id, p.reasons) for p in found.picks if p.id not in skip]


def _radio(cache, lib, index_dir, seed: int, n: int, kind: str, skip: set[int]) -> list[tuple[int, list[str]]]:
    from ...recommend.similar import MoreLikeThis

    mlt = cache.get("more_like_this")
    if mlt is None:
        mlt = cache["more_like_this"] = MoreLikeThis(lib, index_dir)
    found = mlt.similar(seed, DEPTH * n + len(skip), "all", kind)
    facts = FactsCache(lib)
    seed_facts = facts.get(seed)
    out = []
    for i, sims in zip(found.ids.tolist(), found.per_space):
        if i in skip or i == seed:
            continue
        f = facts.get(i)
        why = reasons(seed_facts, f, sims, 2) if seed_facts and f else []
        out.append((i, why or ["like the radio's seed"]))
    return out


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
