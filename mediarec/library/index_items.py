"""index_items: which media item each dense Annoy id of a built index stands for, and the feature
queries the indexes need (current rows of an extractor, what changed since a build)."""
from __future__ import annotations

import contextlib
import json
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Sequence

import numpy as np

if TYPE_CHECKING:
    from .db import Library

_CURRENT = """f.version = ? AND f.fingerprint = m.fingerprint AND m.status = 'ok'"""
"""A feature row counts when it has the extractor's version and was made from the file as it is now."""


class IndexStore:
    def __init__(self, lib: "Library"):
        self.lib = lib

    # --- the id map of built indexes ---------------------------------------------------------------
    def replace(self, space: str, build_id: str, media_ids: Sequence[int], built_at: float) -> None:
        """Make `media_ids` (annoy id i -> media_ids[i]) the map of `space`, dropping older builds."""
        with self.lib.transaction() as c:
            c.execute("DELETE FROM index_items WHERE space = ?", (space,))
            c.executemany(
                "INSERT INTO index_items (space, annoy_id, media_id, build_id, built_at) VALUES (?, ?, ?, ?, ?)",
                ((space, i, int(m), build_id, built_at) for i, m in enumerate(media_ids)))

    def items(self, space: str, build_id: str) -> tuple[np.ndarray, np.ndarray]:
        """(media id, kind) per annoy id of one build; empty when the map now belongs to another build.
        The kind is '' for a media row deleted since the build."""
        rows = self.lib.conn.execute(
            """SELECT i.media_id, coalesce(m.kind, '') FROM index_items i LEFT JOIN media m ON m.id = i.media_id
               WHERE i.space = ? AND i.build_id = ? ORDER BY i.annoy_id""", (space, build_id)).fetchall()
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        return ids, np.array([r[1] for r in rows], dtype="<U5")

    def kinds(self, media_ids: Iterable[int]) -> np.ndarray:
        """The kind of each item, in the order given ('' for an unknown id)."""
        ids = [int(i) for i in media_ids]
        found = dict(self.lib.conn.execute(
            "SELECT id, kind FROM media WHERE id IN (SELECT value FROM json_each(?))", (json.dumps(ids),)).fetchall())
        return np.array([found.get(i, "") for i in ids], dtype="<U5")

    def builds(self) -> dict[str, dict[str, Any]]:
        """space -> {build_id, items, built_at} of the maps stored."""
        rows = self.lib.query("SELECT space, build_id, count(*) AS n, max(built_at) AS t FROM index_items "
                              "GROUP BY space, build_id")
        return {r["space"]: {"build_id": r["build_id"], "items": r["n"], "built_at": r["t"]} for r in rows}

    def drop(self, space: str) -> None:
        with self.lib.transaction() as c:
            c.execute("DELETE FROM index_items WHERE space = ?", (space,))

    # --- feature reads the indexes need ------------------------------------------------------------
    def feature_matrix(self, extractor: str, version: int, media_ids: Iterable[int] | None = None, *,
                       dim: int | None = None, attrs: bool = False, leave_out: str | None = None,
                       chunk: int = 4096) -> tuple[np.ndarray, np.ndarray, list[dict] | None, int]:
        """(media ids, float32 matrix, attrs or None, stray) of the current rows of one extractor, by media id,
        streamed from the database a chunk at a time into one preallocated matrix (a million rows are never
        held as a million Python objects). Rows are those whose vector has `dim` numbers (None: the most
        common non-zero length; 0: no vector is read, the matrix has no columns); `stray` counts the rows of
        another length, left out. `media_ids` limits it to those items (the few analysed since a build);
        rows whose attribute `leave_out` is true are left out."""
        where = f"f.extractor = ? AND {_CURRENT}"
        params: list[Any] = [extractor, version]
        if media_ids is not None:
            wanted = sorted({int(i) for i in media_ids})
            where += " AND f.media_id IN (SELECT value FROM json_each(?))"
            params.append(json.dumps(wanted))
        if leave_out:  # a JSON true (or a non-zero number): what the extractor writes for a flag
            where += " AND NOT coalesce(json_extract(f.attrs, '$.' || ?), 0)"
            params.append(leave_out)
        base = f"FROM features f JOIN media m ON m.id = f.media_id WHERE {where}"
        lengths = dict(self.lib.conn.execute(f"SELECT f.dim, count(*) {base} GROUP BY f.dim", params).fetchall())
        vectorless = dim is None and not any(lengths)  # only empty vectors (e.g. wordless items): no rows
        if dim is None:
            dim = max((d for d in lengths if d), key=lambda d: (lengths[d], d), default=0)
        total = sum(lengths.values())
        n = 0 if vectorless else total if dim == 0 else lengths.get(dim, 0)
        stray = 0 if dim == 0 else total - n - lengths.get(0, 0)
        ids = np.empty(n, dtype=np.int64)
        matrix = np.empty((n, dim), dtype=np.float32)
        attr_list: list[dict] | None = [] if attrs else None
        cols = "f.media_id" + (", f.vector" if dim else "") + (", f.attrs" if attrs else "")
        cur = self.lib.conn.execute(f"SELECT {cols} {base}{' AND f.dim = ?' if dim else ''} ORDER BY f.media_id",
                                    params + ([dim] if dim else []))
        pos = 0
        while rows := cur.fetchmany(chunk):
            rows = rows[: n - pos]  # rows written since the count are left to the next read
            ids[pos:pos + len(rows)] = [r[0] for r in rows]
            if dim:
                matrix[pos:pos + len(rows)] = np.frombuffer(b"".join(r[1] for r in rows), dtype="<f4").reshape(-1, dim)
            if attr_list is not None:
                attr_list.extend(json.loads(r[-1] or "{}") for r in rows)
            pos += len(rows)
            if pos >= n:
                break
        return ids[:pos], matrix[:pos], attr_list, stray

    def feature_state(self, extractor: str, version: int) -> dict[str, Any]:
        """How many current rows one extractor has, the newest one's time, and the dims seen."""
        row = self.lib.conn.execute(
            f"""SELECT count(*), max(f.created_at) FROM features f JOIN media m ON m.id = f.media_id
                WHERE f.extractor = ? AND {_CURRENT}""", (extractor, version)).fetchone()
        return {"count": row[0], "max_created_at": row[1]}

    def newest_version(self, extractor: str) -> int | None:
        row = self.lib.conn.execute("SELECT max(version) FROM features WHERE extractor = ?", (extractor,)).fetchone()
        return row[0]

    def changed_since(self, extractors: Sequence[str], since: float) -> tuple[set[int], set[int]]:
        """(items with a feature row of `extractors` or a media change after `since` that are ok now,
        items changed after `since` that are no longer ok): what a built index cannot know about."""
        names = json.dumps(list(extractors))
        fresh = {r[0] for r in self.lib.conn.execute(
            """SELECT DISTINCT f.media_id FROM features f
               WHERE f.extractor IN (SELECT value FROM json_each(?)) AND f.created_at > ?
               UNION
               SELECT m.id FROM media m WHERE m.updated_at > ? AND +m.status = 'ok'""", (names, since, since))}
        # `+m.status`: without it SQLite picks media_status_kind and scans every ok item (~30 ms at 100k
        # items, after every write); media_updated finds the few changed rows at once.
        gone = {r[0] for r in self.lib.conn.execute(
            "SELECT id FROM media WHERE updated_at > ? AND status != 'ok'", (since,))}
        return fresh, gone - fresh

    @contextlib.contextmanager
    def read_snapshot(self) -> Iterator[None]:
        """One read transaction: every query inside sees the database as it was when the first one ran,
        while writers go on (WAL). A build reads all its features inside one."""
        conn = self.lib.conn
        with self.lib._lock:
            if conn.in_transaction:
                yield
                return
            conn.execute("BEGIN DEFERRED")
            try:
                yield
            finally:
                conn.execute("COMMIT")

    def same_fingerprint(self, media_id: int) -> list[int]:
        """Other ok items with the same content fingerprint (copies of the file)."""
        return [r[0] for r in self.lib.conn.execute(
            """SELECT id FROM media WHERE fingerprint = (SELECT fingerprint FROM media WHERE id = ?)
               AND id != ? AND status = 'ok' ORDER BY id""", (media_id, media_id))]

    def change_token(self) -> tuple[int, int]:
        """Changes whenever any connection commits a write: a cheap test before re-running the queries above."""
        return self.lib.conn.execute("PRAGMA data_version").fetchone()[0], self.lib.conn.total_changes


__all__ = ["IndexStore"]
