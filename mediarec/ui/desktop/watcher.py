"""Folder watching: watchdog reports new, changed, moved and deleted media files while the app runs and a scan
follows (debounced). Where watching fails (the inotify limit, a network mount whose changes inotify never
sees), the status bar says so and a periodic rescan takes over: never silently."""
from __future__ import annotations

import logging
import os
from typing import Callable

from PySide6.QtCore import QObject, QTimer, Signal
from watchdog.events import FileSystemEventHandler

from ...scan.formats import format_for

log = logging.getLogger(__name__)

NETWORK_FS = frozenset({"nfs", "nfs4", "cifs", "smb3", "smbfs", "fuse.sshfs", "9p", "afs", "davfs",
                        "fuse.rclone", "fuse.davfs2", "ncpfs"})
RESCAN_MINUTES = 5
DEBOUNCE_MS = 1500  # a copy of many files is one scan, started when they stop arriving


def mount_type(path: str, mounts_file: str = "/proc/mounts") -> str | None:
    """The file system type of the mount holding `path` (Linux; None where unknown)."""
    best, kind = "", None
    try:
        with open(mounts_file, encoding="utf-8", errors="replace") as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 3:
                    point = parts[1].replace("\\040", " ")
                    if (path == point or path.startswith(point.rstrip("/") + "/")) and len(point) > len(best):
                        best, kind = point, parts[2]
    except OSError:
        return None
    return kind


class _Handler(FileSystemEventHandler):
    """watchdog's callback object (runs on watchdog's thread): passes relevant events on as a Qt signal."""

    def __init__(self, emit: Callable[[str], None]):
        super().__init__()
        self.emit = emit

    def dispatch(self, event) -> None:
        kind = event.event_type
        if kind not in ("created", "modified", "moved", "deleted"):
            return
        paths = [event.src_path, getattr(event, "dest_path", "") or ""]
        if event.is_directory:
            if kind in ("moved", "deleted", "created"):
                self.emit(str(event.src_path))
        elif any(p and format_for(str(p)) is not None for p in paths):
            self.emit(str(paths[1] or paths[0]))


class FolderWatcher(QObject):
    file_changed = Signal(str)  # a media file (or a folder) changed under a watched root
    rescan_due = Signal()  # time to scan: a debounced change, or the periodic rescan
    state_changed = Signal(str, str)  # root, what the Folders view and status bar say about it

    def __init__(self, parent: QObject | None = None, rescan_minutes: float = RESCAN_MINUTES):
        super().__init__(parent)
        self.observer = None
        self.watched: dict[str, object] = {}
        self.failed: dict[str, str] = {}  # root -> why watching failed
        self._debounce = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._debounce.timeout.connect(self.rescan_due)
        self.periodic = QTimer(self, interval=int(rescan_minutes * 60_000))
        self.periodic.timeout.connect(self.rescan_due)
        self.file_changed.connect(lambda _p: self._debounce.start())
        self.rescan_minutes = rescan_minutes

    def watch(self, roots: list[str]) -> None:
        """Watch exactly these folders (newly added ones start, removed ones stop)."""
        for root in [r for r in self.watched if r not in roots]:
            self._unwatch(root)
        self.failed = {r: why for r, why in self.failed.items() if r in roots}
        for root in roots:
            if root not in self.watched and root not in self.failed:
                self._watch(root)
        self._update_periodic()

    def _watch(self, root: str) -> None:
        fs = mount_type(root)
        if fs in NETWORK_FS:
            self._failed(root, f"a network folder ({fs}) reports no changes")
            return
        try:
            self.watched[root] = self._schedule(root)
        except OSError as exc:
            reason = "the system's inotify watch limit is reached" if exc.errno == 28 else (exc.strerror or str(exc))
            self._failed(root, reason)
            return
        self.state_changed.emit(root, "watching for changes")

    def _schedule(self, root: str):
        if self.observer is None:
            from watchdog.observers import Observer

            self.observer = Observer()
            self.observer.daemon = True
            self.observer.start()
        return self.observer.schedule(_Handler(self.file_changed.emit), root, recursive=True)

    def _failed(self, root: str, reason: str) -> None:
        log.warning("cannot watch %s: %s; rescanning every %s min", root, reason, self.rescan_minutes)
        self.failed[root] = reason
        self.state_changed.emit(root, f"rescanned every {self.rescan_minutes:g} min ({reason})")

    def _unwatch(self, root: str) -> None:
        watch = self.watched.pop(root, None)
        if watch is not None and self.observer is not None:
            try:
                self.observer.unschedule(watch)
            except (KeyError, OSError):
                pass

    def _update_periodic(self) -> None:
        if self.failed and not self.periodic.isActive():
            self.periodic.start()
        elif not self.failed:
            self.periodic.stop()

    def summary(self) -> str:
        """The status bar's line: empty while every folder is watched."""
        if not self.failed:
            return ""
        n = len(self.failed)
        why = next(iter(self.failed.values())) if n == 1 else "see Folders"
        return (f"Watching failed for {n} folder{'s' if n > 1 else ''} ({why}): "
                f"rescanning every {self.rescan_minutes:g} min")

    def stop(self) -> None:
        self.periodic.stop()
        self._debounce.stop()
        if self.observer is not None:
            self.observer.stop()
            self.observer.join(timeout=2)
            self.observer = None
        self.watched.clear()
