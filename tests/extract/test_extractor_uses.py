"""ExtractorSpec.uses: a hint read from another extractor's result runs first and comes from the
database when stored, but a new result of it does not redo the extractor that read it."""
import sys
from pathlib import Path

import numpy as np
import pytest

from mediarec.extract.base import REGISTRY, Extractor, ExtractorSpec, FeatureResult
from mediarec.extract.registry import ordered
from mediarec.extract.runner import analyze
from mediarec.jobs import run_job
from mediarec.paths import AppPaths
from mediarec.scan.scanner import scan
from mediarec.settings import Settings

sys.path.insert(0, str(Path(__file__).parent))
import runner_extractors  # noqa: E402,F401  (registers test.level)


class HintedExtractor(Extractor):
    """Stores whether test.level's result was there to read."""

    spec = ExtractorSpec("test.hinted", 1, frozenset({"audio", "video"}), 1, uses=("test.level",))

    def extract(self, media):
        level = media.result("test.level")
        return FeatureResult(np.array([1.0], np.float32), {"saw_level": level is not None})


@pytest.fixture
def library(lib, media_dir, monkeypatch):
    monkeypatch.setitem(REGISTRY, "test.hinted", HintedExtractor)
    lib.roots.add(media_dir)
    run_job(scan(lib))
    return lib


def analyse(lib, only):
    return run_job(analyze(lib, AppPaths.resolve(), Settings(), only=only, in_process=True))


def saw_level(lib):
    return {r["v"] for r in lib.query("SELECT json_extract(attrs, '$.saw_level') AS v FROM features "
                                      "WHERE extractor = 'test.hinted'")}


def test_a_hint_runs_first_and_comes_from_the_database_but_does_not_redo(library):
    assert ordered(["test.hinted", "test.level"]) == ["test.level", "test.hinted"]
    report = analyse(library, ["test.hinted"])  # its missing hint is computed first, in the same task
    assert report.results == {"test.level": 9, "test.hinted": 9} and saw_level(library) == {1}
    library.conn.execute("DELETE FROM features WHERE extractor = 'test.hinted'")
    assert analyse(library, ["test.hinted"]).results == {"test.hinted": 9}  # the hint read from the database
    assert saw_level(library) == {1}
    library.conn.execute("DELETE FROM features WHERE extractor = 'test.level'")
    assert analyse(library, ["test.level"]).results == {"test.level": 9}  # no redo of test.hinted
