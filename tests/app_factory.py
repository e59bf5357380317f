"""Builds the desktop app's parts for UI tests: a real MainWindow and AppContext over a scanned library of
generated media, optionally with synthetic feature vectors so Up Next has something to recommend."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from media_factory import write_audio, write_video
from vector_factory import REAL_DIMS, put_features

TAG_WORDS = ("ambient", "electronic", "rock")


def make_media(root: Path, songs: dict[str, float], videos: dict[str, float] | None = None) -> Path:
    """Tagged songs ({name: seconds}) in root/music and videos in root/video."""
    (root / "music").mkdir(parents=True, exist_ok=True)
    (root / "video").mkdir(parents=True, exist_ok=True)
    for n, (name, seconds) in enumerate(songs.items()):
        write_audio(root / "music" / f"{name}.ogg", seconds=seconds, freq=180.0 + 40 * n,
                    tags={"title": name.replace("_", " ").title(), "artist": f"Artist {n % 3}", "album": "Album"})
    for n, (name, seconds) in enumerate((videos or {}).items()):
        write_video(root / "video" / f"{name}.mp4", seconds=seconds, motion=1.0 + n, color=(40 + 50 * n, 90, 160))
    return root


def scan_into(lib, root: Path) -> dict[str, int]:
    """Scan `root` with the real scanner; returns {file stem: media id}."""
    from mediarec.jobs import run_job
    from mediarec.scan.scanner import scan

    lib.roots.add(str(root))
    run_job(scan(lib))
    return {Path(r["path"]).stem: r["id"] for r in lib.media.list()}


def add_vectors(lib, ids: list[int], seed: int = 0) -> None:
    """Clustered sound vectors (three clusters, each with its own tag and tempo) through the real feature store."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((3, REAL_DIMS["audio.musicnn"])).astype(np.float32)
    dsp = rng.standard_normal((3, REAL_DIMS["audio.dsp"])).astype(np.float32)
    for c in range(3):
        group = [i for k, i in enumerate(ids) if k % 3 == c]
        if not group:
            continue
        noise = 0.3 * rng.standard_normal((len(group), centres.shape[1])).astype(np.float32)
        v = centres[c] + noise
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        put_features(lib, group, "audio.musicnn", v,
                     [{"msd": {TAG_WORDS[c]: 0.7}, "mtt": {"beat": 0.2}, "top": [[TAG_WORDS[c], 0.7]]}] * len(group))
        d = dsp[c] + 0.2 * rng.standard_normal((len(group), dsp.shape[1])).astype(np.float32)
        put_features(lib, group, "audio.dsp", d / np.linalg.norm(d, axis=1, keepdims=True),
                     [{"tempo": 90.0 + 30 * c}] * len(group))


def make_context(qtbot):
    """A shown MainWindow with its AppContext (the composition root's part, done here for one part's tests)."""
    from mediarec.library import Library
    from mediarec.paths import AppPaths
    from mediarec.settings import Settings
    from mediarec.ui.actions import MediaActions
    from mediarec.ui.context import AppContext
    from mediarec.ui.main_window import MainWindow

    paths = AppPaths.resolve().ensure()
    lib = Library(paths.db)
    settings = Settings()
    window = MainWindow()
    qtbot.addWidget(window)
    ctx = AppContext(paths, settings, MediaActions(window), window)
    window.shown_pages = []
    window.page_shown.connect(window.shown_pages.append)  # what the tests check: the pages shown, in order
    return ctx, lib
