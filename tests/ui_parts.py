"""Helpers for the UI parts' tests: a window with the window API, an AppContext, a small analysed library."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QMainWindow, QMenu, QStackedWidget

from vector_factory import REAL_DIMS, add_media, put_features


class PartWindow(QMainWindow):
    """The window API the parts use (add_page, show_page, menu, show_message, closing), as in main_window."""
    closing = Signal()

    def __init__(self):
        super().__init__()
        self.pages: dict[str, object] = {}
        self.stack = QStackedWidget(self)
        self.setCentralWidget(self.stack)
        self.shown_page: str | None = None
        self.messages: list[str] = []

    def add_page(self, name, widget, sidebar=True):
        self.pages[name] = widget
        self.stack.addWidget(widget)

    def show_page(self, name):
        self.shown_page = name
        self.stack.setCurrentWidget(self.pages[name])

    def menu(self, title) -> QMenu:
        return self.menuBar().addMenu(title)

    def show_message(self, text, ms=8000):
        self.messages.append(text)

    def closeEvent(self, event):  # noqa: N802
        self.closing.emit()
        super().closeEvent(event)


def part_context(paths, settings=None):
    from mediarec.settings import Settings
    from mediarec.ui.actions import MediaActions
    from mediarec.ui.context import AppContext

    window = PartWindow()
    return AppContext(paths=paths, settings=settings or Settings(), actions=MediaActions(window), window=window)


def _near(rng, centre, n, noise=0.25):
    x = centre + noise * rng.standard_normal((n, centre.size)).astype(np.float32)
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def analysed_library(lib, songs_per_cluster: int = 8, videos: int = 6,
                     names: dict[str, list[tuple[str, str]]] | None = None) -> dict[str, list[int]]:
    """Songs in two sound clusters (calm / energetic) and videos in two look clusters, whose features are
    stored through the real feature store. Cluster "a" songs are calm; video look cluster 0 sounds like "b".
    `names`: (title, artist) per song of cluster "a" and "b", and (title, "") per video, instead of "Song a0"."""
    rng = np.random.default_rng(7)
    sound = rng.standard_normal((2, REAL_DIMS["audio.musicnn"])).astype(np.float32)
    dsp = rng.standard_normal((2, REAL_DIMS["audio.dsp"])).astype(np.float32)
    look = rng.standard_normal((2, REAL_DIMS["video.frames"])).astype(np.float32)
    out: dict[str, list[int]] = {}
    for c, (name, mood, v, a) in enumerate((("a", "calm", 0.7, 0.2), ("b", "energetic", 0.55, 0.85))):
        ids = add_media(lib, songs_per_cluster, prefix=f"/music/{name}",
                        fields=[{"title": t, "artist": a} for t, a in (names or {}).get(name, [])]
                        or [{"title": f"Song {name}{i}", "artist": f"Artist {name}"} for i in range(songs_per_cluster)])
        put_features(lib, ids, "audio.musicnn", _near(rng, sound[c], len(ids)))
        put_features(lib, ids, "audio.dsp", _near(rng, dsp[c], len(ids)), [{"tempo_bpm": 100.0 + 40 * c}] * len(ids))
        # the mood is the opposite cluster's sound order: "feels alike" ranks differently from "sounds alike"
        put_features(lib, ids, "emotion.music",
                     np.tile([v, a, a, 0.5, 0.5, 0.5], (len(ids), 1)).astype(np.float32)
                     + 0.05 * rng.standard_normal((len(ids), 6)).astype(np.float32),
                     [{"valence": v, "arousal": a, "mood": mood}] * len(ids))
        out[name] = ids
    vids = add_media(lib, videos, kind="video", prefix="/video",
                     fields=[{"title": t} for t, _ in (names or {}).get("videos", [])]
                     or [{"title": f"Clip {i}"} for i in range(videos)])
    half = videos // 2
    put_features(lib, vids[:half], "video.frames", _near(rng, look[0], half))
    put_features(lib, vids[half:], "video.frames", _near(rng, look[1], videos - half))
    put_features(lib, vids[:half], "audio.musicnn", _near(rng, sound[1], half))
    put_features(lib, vids[:half], "audio.dsp", _near(rng, dsp[1], half))
    out["videos"] = vids
    return out
