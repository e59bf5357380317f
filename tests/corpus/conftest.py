"""The album corpus (seven real albums) for the tests here: run where MEDIAREC_ALBUMS names it (.ci/run does),
skipped elsewhere, since analysing it twice takes minutes."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

import albums


@pytest.fixture(scope="session")
def album_corpus(corpus) -> Path:
    if not os.environ.get("MEDIAREC_ALBUMS"):
        pytest.skip("album corpus tests run where MEDIAREC_ALBUMS is set (tools/fetch-album-corpus.sh; minutes)")
    found = albums.albums_dir()
    if found is None:
        if os.environ.get("MEDIAREC_REQUIRE_CORPUS"):
            pytest.fail("the album corpus is required here (MEDIAREC_REQUIRE_CORPUS) but was not found")
        pytest.skip("album corpus not fetched (tools/fetch-album-corpus.sh)")
    return found
