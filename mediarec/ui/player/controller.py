"""PlaybackController: plays items with QMediaPlayer and turns what happens into core events (off the GUI thread).

The rules are the core's (recommend/events.py, the CLI's `event`): leaving an item records a `stop` at its
position, which the core makes a play (>= half, or 4 minutes) or a skip (earlier, by hand); the end of the
file is a play; a player error is recorded with the file (a file_status row) and as a neutral end, never a
skip, and the player moves on. Stopping by hand records nothing unless the item was already heard enough.
What plays after an item comes from a "next source" (Up Next: `take_next()` and `push_front(ids)`), or from
a local list when Up Next is not installed."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QObject, QTimer, QUrl, Signal, Slot
from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer

from ...recommend.events import play_threshold
from ..bridges.service import ServiceBridge
from . import core_calls

log = logging.getLogger(__name__)

PREVIOUS_RESTARTS_AFTER_S = 3.0  # "previous" past this point restarts the item, as players do
STALL_S = 8.0  # playing but the position did not move for this long: the backend is stuck (an error)
MAX_ERRORS_IN_A_ROW = 5  # then stop instead of racing through a library that cannot play at all


class NextSource(Protocol):
    def take_next(self) -> int | None: ...
    def push_front(self, ids: list[int]) -> None: ...


class LocalQueue:
    """The next source when Up Next is not installed: what play_now / play_next / enqueue put there."""

    def __init__(self) -> None:
        self.ids: list[int] = []

    def take_next(self) -> int | None:
        return self.ids.pop(0) if self.ids else None

    def push_front(self, ids: list[int]) -> None:
        self.ids[:0] = list(ids)

    def extend(self, ids: list[int]) -> None:
        self.ids.extend(ids)


class PlaybackController(QObject):
    """The "player" service. Widgets call its slots and show its signals; it never touches SQL itself."""
    current_changed = Signal(object)   # the item's info dict (title, artist, kind, mood, duration...) or None
    state_changed = Signal(str)        # "playing" | "paused" | "stopped"
    position_changed = Signal(float)   # seconds
    seeked = Signal(float)             # seconds: a jump asked for (MPRIS announces it as Seeked)
    duration_changed = Signal(float)   # seconds
    event_recorded = Signal(object)    # {"media_id", "type"} once the core stored it (Up Next refills on it)
    error = Signal(str)                # one line for the status bar
    stop_after_changed = Signal(bool)

    def __init__(self, db_path: Path, parent: QObject | None = None):
        super().__init__(parent)
        self.bridge = ServiceBridge(db_path, "player", self)
        self.bridge.error.connect(self.error)
        self.player = QMediaPlayer(self)
        self.audio = QAudioOutput(self)
        self.player.setAudioOutput(self.audio)
        self.local = LocalQueue()
        self.next_source: NextSource = self.local
        self.current: dict[str, Any] | None = None
        self.history: list[int] = []
        self.stop_after = False
        self._started = False     # play_start recorded for the current item
        self._pending_seek = 0.0  # applied once the media is loaded
        self._position = 0.0
        self._errors_in_a_row = 0
        self._stall = (0.0, 0)    # (position, ticks without movement)
        self._closing = False
        self._loading = False
        self._stopped_id: int | None = None  # what Play restarts after Stop
        self.player.playbackStateChanged.connect(self._on_state)
        self.player.mediaStatusChanged.connect(self._on_status)
        self.player.errorOccurred.connect(self._on_error)
        self.player.positionChanged.connect(self._on_position)
        self.player.durationChanged.connect(lambda ms: self.duration_changed.emit(ms / 1000.0))
        self._watchdog = QTimer(self)
        self._watchdog.setInterval(1000)
        self._watchdog.timeout.connect(self._check_stall)
        self._watchdog.start()

    # --- what the user asks for ------------------------------------------------------------------------
    def set_next_source(self, source: NextSource) -> None:
        self.next_source = source

    @Slot(list)
    def play_ids(self, ids: list[int]) -> None:
        """Play the first now; the others play next, in order."""
        if not ids:
            return
        if len(ids) > 1:
            self.next_source.push_front(list(ids[1:]))
        self.play(int(ids[0]))

    def play(self, media_id: int, start_at: float | None = None) -> None:
        """Leave what plays (a skip if early) and play `media_id` (a video from where it was left)."""
        if self.current is not None:
            self.history.append(self.current["id"])
            self._leave("manual")
        self._load(int(media_id), start_at)

    @Slot(int, float)
    def play_from(self, media_id: int, seconds: float) -> None:
        """A transcript segment: seek if it is the current item, else play it from there."""
        if self.current is not None and self.current["id"] == media_id:
            self.seek(seconds)
            if self.player.playbackState() != QMediaPlayer.PlaybackState.PlayingState:
                self.player.play()
        else:
            self.play(media_id, start_at=seconds)

    @Slot()
    def toggle(self) -> None:
        state = self.player.playbackState()
        if state == QMediaPlayer.PlaybackState.PlayingState:
            self.player.pause()
        elif state == QMediaPlayer.PlaybackState.PausedState:
            self.player.play()
        elif self.current is not None or self._stopped_id is not None:
            self._load(self.current["id"] if self.current else self._stopped_id, None)
        else:
            self.next()

    @Slot()
    def next(self) -> None:
        """A manual advance: the item left early is a skip."""
        if self.current is not None:
            self.history.append(self.current["id"])
            self._leave("manual")
        self._advance()

    @Slot()
    def previous(self) -> None:
        if self.current is not None and self._position > PREVIOUS_RESTARTS_AFTER_S:
            self.seek(0.0)
            return
        if not self.history:
            return
        back = self.history.pop()
        if self.current is not None:
            self.next_source.push_front([self.current["id"]])
            self._leave("manual")
        self._load(back, None)

    @Slot()
    def stop(self) -> None:
        """Stop by hand: not a verdict on the item (no skip), but a play if it was heard enough."""
        if self.current is not None:
            self._stopped_id = self.current["id"]
            self._leave("stop")
        self._halt()

    @Slot(bool)
    def set_stop_after(self, on: bool) -> None:
        if on != self.stop_after:
            self.stop_after = on
            self.stop_after_changed.emit(on)

    @Slot(float)
    def seek(self, seconds: float) -> None:
        ms = int(max(0.0, seconds) * 1000)
        if self.player.duration() > 0:
            ms = min(ms, self.player.duration())
        self.player.setPosition(ms)
        self.seeked.emit(ms / 1000.0)  # what was asked: the backend may report the new position later

    @Slot(float)
    def seek_by(self, delta: float) -> None:
        if self.current is not None:
            self.seek(self._position + delta)

    @Slot(int)
    def set_volume(self, percent: int) -> None:
        self.audio.setVolume(max(0, min(100, percent)) / 100.0)

    @Slot()
    def like(self) -> None:
        self._record_now("like")

    @Slot()
    def dislike(self) -> None:
        self._record_now("dislike")

    @property
    def position(self) -> float:
        return self._position

    @property
    def playing(self) -> bool:
        return self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState

    def close(self) -> None:
        """At exit: keep where a video was left (no skip is recorded for closing the app)."""
        self._closing = True
        self._watchdog.stop()
        cur = self.current
        if cur is not None and cur.get("kind") == "video":
            pos, dur = self._position, cur.get("duration")
            self.bridge.submit(lambda ctx: core_calls.remember_position(ctx.lib, cur["id"], pos, dur))
        self._halt()
        self.bridge.close()

    def _halt(self) -> None:
        """Stop the backend. Not QMediaPlayer.stop(): PySide calls it holding Python's GIL, and Qt's FFmpeg backend
        then waits on its own thread, which may be deleting an object whose PySide wrapper needs the GIL (a
        deadlock, seen as a hang when the player closed). setSource() is one of the calls PySide makes without
        the GIL, and an empty source stops playback and tears the engine down the same way; Play after Stop
        loads the item again (_stopped_id)."""
        self.player.setSource(QUrl())

    # --- loading and leaving ------------------------------------------------------------------------------
    def _load(self, media_id: int, start_at: float | None) -> None:
        self.bridge.submit(lambda ctx: core_calls.item_info(ctx.lib, media_id),
                           lambda info: self._on_info(media_id, info, start_at), key="load")

    def _on_info(self, media_id: int, info: dict | None, start_at: float | None) -> None:
        if self._closing:
            return
        if info is None:
            self.error.emit(f"item {media_id} is no longer in the library")
            self._advance()
            return
        self.current = info
        self._stopped_id = None
        self._started = False
        self._position = 0.0
        self._stall = (0.0, 0)
        self._pending_seek = info["resume"] if start_at is None else start_at
        self._loading = True  # the backend may still report the previous source's position until loaded
        self.current_changed.emit(info)
        self.position_changed.emit(0.0)
        self.player.setSource(QUrl.fromLocalFile(info["path"]))
        self.player.play()

    def _leave(self, why: str) -> None:
        """Record how the current item was left: "manual" (play/skip by position), "end" (a play),
        "stop" (a play or nothing), "error" (a neutral end, never a skip)."""
        cur, pos = self.current, self._position
        self.current = None
        if cur is None:
            return
        duration = cur.get("duration") or (self.player.duration() / 1000.0 or None)
        if why == "end":
            pos = max(pos, duration or pos)
        started, self._started = self._started, False
        if not started and why != "error":
            return  # it never played: nothing to say about it
        if why == "stop" and pos < play_threshold(duration):
            if cur.get("kind") == "video":
                self.bridge.submit(lambda ctx: core_calls.remember_position(ctx.lib, cur["id"], pos, duration))
            return
        if why == "error" and not started:
            return  # the error row is the record; it was never heard
        error = why == "error"
        self.bridge.submit(lambda ctx: core_calls.leave(ctx.lib, cur["id"], pos, duration, cur.get("kind"), error),
                           self.event_recorded.emit)

    def _advance(self) -> None:
        """Play what comes next, or stop when nothing does."""
        nxt = self.next_source.take_next()
        if nxt is None:
            self._halt()
            self.current = None
            self.current_changed.emit(None)
            return
        self._load(nxt, None)

    def _record_now(self, kind: str) -> None:
        cur = self.current
        if cur is None:
            return
        pos = self._position
        self.bridge.submit(lambda ctx: core_calls.record_event(ctx.lib, cur["id"], kind, position=None),
                           self.event_recorded.emit)
        log.debug("%s of %s at %.1f s", kind, cur["id"], pos)

    # --- what the backend reports ----------------------------------------------------------------------
    @Slot(QMediaPlayer.PlaybackState)
    def _on_state(self, state) -> None:
        name = {QMediaPlayer.PlaybackState.PlayingState: "playing",
                QMediaPlayer.PlaybackState.PausedState: "paused"}.get(state, "stopped")
        if name == "playing" and self.current is not None and not self._started:
            self._started = True
            self._errors_in_a_row = 0
            cur = self.current
            self.bridge.submit(lambda ctx: core_calls.record_event(ctx.lib, cur["id"], "start"),
                               self.event_recorded.emit)
        self.state_changed.emit(name)

    @Slot(QMediaPlayer.MediaStatus)
    def _on_status(self, status) -> None:
        S = QMediaPlayer.MediaStatus
        if status in (S.LoadedMedia, S.BufferedMedia):
            self._loading = False
        if status in (S.LoadedMedia, S.BufferedMedia) and self._pending_seek > 0:
            self.player.setPosition(int(self._pending_seek * 1000))
            self._pending_seek = 0.0
        elif status == S.EndOfMedia and self.current is not None:
            self._errors_in_a_row = 0
            self._leave("end")
            if self.stop_after:
                self.set_stop_after(False)
                self.current_changed.emit(None)
                return
            self._advance()
        elif status == S.InvalidMedia and self.current is not None:
            self._fail(self.player.errorString() or "the file cannot be played")

    @Slot(QMediaPlayer.Error, str)
    def _on_error(self, err, message: str) -> None:
        if err != QMediaPlayer.Error.NoError and self.current is not None:
            self._fail(message or err.name)

    @Slot("qint64")
    def _on_position(self, ms: int) -> None:
        if self._loading:
            return
        # The signal can arrive queued from the previous source after a switch; the player's own value is current.
        self._position = self.player.position() / 1000.0
        self.position_changed.emit(self._position)

    def _check_stall(self) -> None:
        if not self.playing or self.current is None:
            self._stall = (self._position, 0)
            return
        last, ticks = self._stall
        self._stall = (self._position, ticks + 1 if self._position == last else 0)
        if self._stall[1] >= STALL_S:
            self._fail(f"playback stalled at {self._position:.0f} s (no audio device, or the file is damaged)")

    def _fail(self, message: str) -> None:
        """A player error: shown, recorded with the file, never a skip; the player moves on."""
        cur = self.current
        if cur is None:
            return
        self.error.emit(f"Cannot play {cur['path']}: {message}")
        self.bridge.submit(lambda ctx: core_calls.record_play_error(ctx.lib, cur["id"], message))
        self._leave("error")
        self._halt()
        self._errors_in_a_row += 1
        if self._errors_in_a_row >= MAX_ERRORS_IN_A_ROW:
            self._errors_in_a_row = 0
            self.error.emit(f"Stopped after {MAX_ERRORS_IN_A_ROW} files in a row could not be played")
            self.current_changed.emit(None)
            return
        QTimer.singleShot(0, self._advance)  # after the backend finished reporting this error
