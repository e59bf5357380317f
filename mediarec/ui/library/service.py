"""LibraryService ("library" in AppContext.services): the library's reads and small writes as asynchronous calls.

Every call runs on the library's ServiceBridge thread (its own connection) and answers on the GUI thread:
pages and counts of the table (core library/browse.py), the ids in a row's visible order, the core search
over tags and transcripts, folders, a summary for the welcome view and status bar, problems. `changed` says
the library's content changed (a job finished, the folder watcher saw files) so views re-read what they show.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QImage

from ...library import browse
from ...paths import AppPaths
from ..bridges.service import ServiceBridge, ServiceContext

THUMB_HEIGHT = 36  # pixels: a row's video thumbnail (16:9 -> 64 x 36)

Done = Callable[[Any], None]


class LibraryService(QObject):
    changed = Signal()  # the library's content changed: views re-read
    error = Signal(str)
    watch_changed = Signal()  # a folder's watch state changed (the folder watcher sets it)
    started = Signal()  # the app is composed and shown: views read their first rows

    def __init__(self, paths: AppPaths, parent: QObject | None = None):
        super().__init__(parent)
        self.paths = paths
        self.bridge = ServiceBridge(paths.db, "library", self)
        self.bridge.error.connect(self.error)
        # Counts on their own thread: a count at 100k (~50-100 ms) must not hold up the next page while typing.
        self.count_bridge = ServiceBridge(paths.db, "library-count", self)
        self.count_bridge.error.connect(self.error)
        self._watch: dict[str, str] = {}

    def watch_state(self, root: str) -> str:
        """"watching", "rescanned every 5 min (watching failed: …)" or "" (no watcher)."""
        return self._watch.get(root, "")

    def set_watch_state(self, root: str, text: str) -> None:
        if self._watch.get(root) != text:
            self._watch[root] = text
            self.watch_changed.emit()

    def start(self) -> None:
        self.started.emit()

    def close(self) -> None:
        self.bridge.close()
        self.count_bridge.close()

    # --- the table --------------------------------------------------------------------------------------
    def page(self, q: browse.Query, offset: int, limit: int, on_done: Done, key: str | None = None) -> None:
        thumbs = self.paths.cache
        self.bridge.submit(lambda ctx: _with_thumbnails(browse.page(ctx.lib, q, offset, limit), thumbs),
                           on_done, key=key)

    def count(self, q: browse.Query, on_done: Done, key: str | None = None) -> None:
        self.count_bridge.submit(lambda ctx: browse.count(ctx.lib, q), on_done, key=key)

    def ids(self, q: browse.Query, offset: int, limit: int, on_done: Done) -> None:
        self.bridge.submit(lambda ctx: browse.ids(ctx.lib, q, offset, limit), on_done)

    def search(self, text: str, kind: str | None, on_done: Done, on_error: Callable[[str], None],
               limit: int = 200) -> None:
        """The core search (tags, transcripts and meaning, fused): rows in rank order, the snippet on each."""
        thumbs = self.paths.cache

        def run(ctx: ServiceContext):
            from ...search import search

            hits = search(ctx.lib, text, kind=kind, limit=limit)
            rows = _with_thumbnails(browse.rows_for_ids(ctx.lib, [h.id for h in hits]), thumbs)
            snippets = {h.id: h.snippet for h in hits}
            for r in rows:
                r["snippet"] = snippets.get(r["id"])
            return rows

        self.bridge.submit(run, on_done, on_error, key="search")

    # --- folders, summary ---------------------------------------------------------------------------------
    def roots(self, on_done: Done) -> None:
        self.bridge.submit(lambda ctx: ctx.lib.roots.list(include_removed=False), on_done, key="roots")

    def remove_root(self, path: str, on_done: Done) -> None:
        self.bridge.submit(lambda ctx: ctx.lib.roots.remove(path), lambda n: (on_done(n), self.changed.emit()))

    def summary(self, on_done: Done) -> None:
        """{"roots": n, "audio": n, "video": n, "problems": n} (for the welcome view and status bar)."""
        def run(ctx: ServiceContext) -> dict[str, int]:
            counts = ctx.lib.media.counts()
            problems = ctx.lib.conn.execute(
                "SELECT count(*) FROM file_status WHERE NOT ignored").fetchone()[0]
            return {"roots": len(ctx.lib.roots.active()), "problems": problems,
                    "audio": counts.get("audio", {}).get("ok", 0), "video": counts.get("video", {}).get("ok", 0)}

        self.bridge.submit(run, on_done, key="summary")

    def call(self, fn: Callable[[ServiceContext], Any], on_done: Done | None = None,
             on_error: Callable[[str], None] | None = None, key: str | None = None) -> None:
        """Any other read or small write on the library's thread (Problems, Folders, file hand-off use it)."""
        self.bridge.submit(fn, on_done, on_error, key)


def thumbnail_path(cache_dir, media_id: int) -> Path:
    """Where video.frames saved the thumbnail (extract/extractors/video_frames.thumbnail_path, spelled out
    here so the app does not import the frame model's module; a test checks both agree)."""
    return Path(cache_dir) / "thumbnails" / f"{media_id}.jpg"


def _with_thumbnails(rows: list[dict[str, Any]], cache_dir) -> list[dict[str, Any]]:
    """Each video row gets its thumbnail (video.frames stores one per analysed video) as a small QImage,
    read and scaled here on the service thread so the GUI thread never touches the disk while scrolling."""
    for r in rows:
        if r["kind"] != "video":
            continue
        path = thumbnail_path(cache_dir, r["id"])
        image = QImage(str(path)) if path.exists() else QImage()
        if not image.isNull():
            r["thumbnail"] = image.scaledToHeight(THUMB_HEIGHT, Qt.TransformationMode.SmoothTransformation)
    return rows
