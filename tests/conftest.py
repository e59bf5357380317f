"""Shared fixtures: isolated app dirs for every test, generated media, the real dev corpus."""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Qt keeps window and header state (QSettings) under XDG_CONFIG_HOME, read once per process: without this every
# run would share the developer's saved column sort, and a header saved sorted by length broke the filter tests.
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="mediarec-test-xdg-")

from media_factory import write_audio, write_video  # noqa: E402

TAGS = dict(title="Song {n}", artist="Artist {n}", album="Album", albumartist="Various", genre="Ambient",
            date="2021", tracknumber="{n}/9")


@pytest.fixture(autouse=True)
def app_dirs(tmp_path, monkeypatch):
    """Every test gets its own data/config/cache/models dirs: tests never touch the user's."""
    dirs = {}
    for name in ("DATA", "CONFIG", "CACHE", "MODELS"):
        d = tmp_path / f"app-{name.lower()}"
        monkeypatch.setenv(f"MEDIAREC_{name}_DIR", str(d))
        dirs[name.lower()] = d
    yield dirs
    if "PySide6.QtCore" in sys.modules:  # one test's saved layout must not steer the next one's view
        from PySide6.QtCore import QSettings
        QSettings().clear()


def _tags(n: int) -> dict:
    return {k: v.format(n=n) for k, v in TAGS.items()}


@pytest.fixture(scope="session")
def media_templates(tmp_path_factory) -> Path:
    """One tagged file per audio format and a short video per container, made once per session."""
    root = tmp_path_factory.mktemp("templates")
    for n, ext in enumerate(("wav", "flac", "ogg", "opus", "mp3", "m4a"), start=1):
        write_audio(root / f"song{n}.{ext}", seconds=1.0, freq=220.0 * n, tags=_tags(n))
    for n, ext in enumerate(("mp4", "mkv", "webm"), start=1):
        write_video(root / f"clip{n}.{ext}", seconds=1.0, motion=2.0 * n, color=(60 * n, 90, 200 - 50 * n))
    return root


@pytest.fixture
def media_dir(tmp_path, media_templates) -> Path:
    """A fresh copy of the good media, in music/ and video/ subfolders."""
    root = tmp_path / "library"
    (root / "music").mkdir(parents=True)
    (root / "video").mkdir()
    for f in media_templates.iterdir():
        sub = "video" if f.name.startswith("clip") else "music"
        shutil.copy2(f, root / sub / f.name)
    return root


@pytest.fixture
def lib(app_dirs):
    from mediarec.library import Library

    library = Library(app_dirs["data"] / "library.db")
    yield library
    library.close()


def corpus_dir() -> Path | None:
    env = os.environ.get("MEDIAREC_CORPUS")
    candidates = [Path(env)] if env else []
    candidates.append(Path.home() / ".cache" / "mediarec-corpus")
    for c in candidates:
        if (c / ".complete").exists():
            return c
    return None


@pytest.fixture(scope="session")
def corpus() -> Path:
    found = corpus_dir()
    if found is None:
        if os.environ.get("MEDIAREC_REQUIRE_CORPUS"):
            pytest.fail("the dev corpus is required here (MEDIAREC_REQUIRE_CORPUS) but was not found")
        pytest.skip("dev corpus not fetched (tools/fetch-dev-corpus.sh)")
    return found


@pytest.fixture(autouse=True)
def _logger_levels():
    """The CLI's main() quietens the scan and extract loggers for its progress bar; in a real run that is the
    process's whole life, here it would leak into the next test's log capture."""
    import logging

    names = ("mediarec", "mediarec.scan", "mediarec.extract")
    levels = {n: logging.getLogger(n).level for n in names}
    yield
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
