"""What analysis has left to do: per file, the extractors whose stored result is missing or stale.

A result is current when its row has the extractor's current version and the file's current
fingerprint. A file whose last attempt failed is not retried until it changes (its size or mtime),
so a bad file costs one attempt, and `doctor` lists it."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable

from .base import FeatureResult, Transcript
from .registry import create, ordered

if TYPE_CHECKING:  # workers import Task from here and never open the library: sqlite and the stores stay out
    from ..library import Library

STAGE_PREFIX = "analyze:"


def stage_of(name: str) -> str:
    return f"{STAGE_PREFIX}{name}"


@dataclass
class Task:
    """One file and the extractors to run on it (in dependency order)."""

    item: dict[str, Any]  # the media row: id, path, kind, duration, fingerprint, title, artist, ...
    extractors: list[str]
    stored: dict[str, FeatureResult] = field(default_factory=dict)  # current results they read

    @property
    def media_id(self) -> int:
        return self.item["id"]


_ITEM_COLUMNS = ("id", "path", "kind", "duration", "fingerprint", "size", "mtime", "title", "artist", "album",
                 "album_artist", "genre", "date", "tags")


def plan(lib: Library, names: Iterable[str], kind: str | None = None, limit: int | None = None,
         available: Iterable[str] | None = None) -> list[Task]:
    """Tasks for every ok file with at least one stale extractor among `names`.

    Dependencies follow: an extractor whose input (`spec.after` or `spec.uses`) has no current result
    gets that input computed first when it is `available` (default: the same as `names`), and a result
    whose `after` input is recomputed is recomputed too, since it was made from the old one (not for a
    `uses` input: a hint)."""
    names = ordered(names)
    available = set(available if available is not None else names) | set(names)
    everything = ordered(available)
    specs = {n: create(n).spec for n in everything}
    rows = lib.query(
        f"SELECT {', '.join(_ITEM_COLUMNS)} FROM media WHERE status = 'ok'"
        + (" AND kind = ?" if kind else "") + " ORDER BY id", (kind,) if kind else ())
    current = _current_results(lib, specs)
    failed = _failed_attempts(lib)
    tasks: list[Task] = []
    for row in rows:
        item = dict(row)

        def stale(name: str) -> bool:
            return (item["kind"] in specs[name].kinds and (item["id"], name) not in current
                    and failed.get((item["path"], stage_of(name))) != (item["size"], item["mtime"]))

        todo = [n for n in names if stale(n)]
        todo = _close_over_dependencies(todo, names, everything, specs, stale,
                                        lambda n: (item["id"], n) in current, item["kind"])
        if not todo:
            continue
        item["tags"] = json.loads(item["tags"] or "{}")
        deps = {d for n in todo for d in (*specs[n].after, *specs[n].uses) if d not in todo}
        stored = {d: r for d in deps if (r := _stored_result(lib, item["id"], d)) is not None}
        tasks.append(Task(item, todo, stored))
        if limit and len(tasks) >= limit:
            break
    return tasks


def _close_over_dependencies(todo, names, everything, specs, stale, has_result, kind) -> list[str]:
    """Add missing inputs of what will run, and redo what was made from an input that will change
    (outside `names` only where such a result exists: `--only` does not start new kinds of work)."""
    chosen = set(todo)
    changed = True
    while changed:
        changed = False
        for n in list(chosen):
            for dep in (*specs[n].after, *specs[n].uses):
                if dep in specs and dep not in chosen and stale(dep):
                    chosen.add(dep)
                    changed = True
        for n in everything:
            if (n not in chosen and kind in specs[n].kinds and any(d in chosen for d in specs[n].after)
                    and (n in names or has_result(n))):
                chosen.add(n)
                changed = True
    return [n for n in everything if n in chosen]


def _current_results(lib: Library, specs) -> set[tuple[int, str]]:
    out: set[tuple[int, str]] = set()
    for name, spec in specs.items():
        for r in lib.conn.execute(
                "SELECT f.media_id FROM features f JOIN media m ON m.id = f.media_id "
                "WHERE f.extractor = ? AND f.version = ? AND f.fingerprint = m.fingerprint", (name, spec.version)):
            out.add((r[0], name))
    return out


def _failed_attempts(lib: Library) -> dict[tuple[str, str], tuple]:
    return {(r["path"], r["stage"]): (r["size"], r["mtime"]) for r in lib.file_status.list(STAGE_PREFIX)}


def _stored_result(lib: Library, media_id: int, name: str) -> FeatureResult | None:
    row = lib.features.get(media_id, name)
    if row is None:
        return None
    transcript = None
    stored = lib.transcripts.get(media_id)
    if stored is not None and stored["version"] == row["version"]:
        transcript = Transcript(stored["language"],
                                [(s["start"], s["end"], s["text"]) for s in stored["segments"]])
    return FeatureResult(row["vector"], row["attrs"], transcript)


def pending_summary(lib: Library) -> dict[str, dict[str, int]]:
    """For `status`: per extractor, files done (current), pending, and failed."""
    from .registry import names as all_names

    out: dict[str, dict[str, int]] = {}
    counts = {r["kind"]: r["n"] for r in lib.query(
        "SELECT kind, count(*) AS n FROM media WHERE status = 'ok' GROUP BY kind")}
    failures = lib.file_status.count_by_stage()
    for name in all_names():
        spec = create(name).spec
        eligible = sum(n for k, n in counts.items() if k in spec.kinds)
        # CROSS JOIN keeps SQLite on features first (the covering features_current index, then each media row by
        # id): with the library's statistics it chose to scan media instead, 4x slower at 100k items.
        done = lib.conn.execute(
            "SELECT count(*) FROM features f CROSS JOIN media m ON m.id = f.media_id WHERE f.extractor = ? "
            "AND f.version = ? AND f.fingerprint = m.fingerprint AND m.status = 'ok'", (name, spec.version)
        ).fetchone()[0]
        failed = failures.get(stage_of(name), 0)
        out[name] = {"version": spec.version, "done": done, "failed": failed,
                     "pending": max(0, eligible - done - failed)}
    return out
