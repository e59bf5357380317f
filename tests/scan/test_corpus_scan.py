"""On real recordings nobody here made: every file is listed with the tags and durations it carries."""
import mutagen
import pytest

from mediarec.jobs import run_job
from mediarec.scan.scanner import scan

pytestmark = pytest.mark.corpus


def test_real_corpus_scans_completely_with_true_tags(lib, corpus):
    for sub in ("music", "video", "speech"):
        lib.roots.add(corpus / sub)
    report = run_job(scan(lib))
    files = [p for p in corpus.rglob("*") if p.suffix.lower() in (".ogg", ".mp3", ".mp4", ".wav")]
    assert report.failed == 0 and report.added == len(files) == 31
    items = {i["path"]: i for i in lib.media.list()}
    for f in files:
        item = items[str(f)]
        mf = mutagen.File(f)
        if mf is not None and mf.info.length:
            assert item["duration"] == pytest.approx(mf.info.length, rel=0.02)
        if f.suffix == ".ogg":  # the tagged album
            assert item["title"] == mf["title"][0] and item["artist"] == mf["artist"][0]
            assert item["album"] == mf["album"][0]
    videos = [i for i in items.values() if i["kind"] == "video"]
    assert len(videos) == 4 and all(v["width"] and v["height"] and v["fps"] for v in videos)
    bunny = next(v for v in videos if "bigbuckbunny" in v["path"])
    assert bunny["audio_channels"] == 6  # the 5.1 AAC track
    untagged = [i for i in items.values() if i["path"].endswith(".mp3")]
    assert all(i["title"] and i["artist"] is None for i in untagged)  # titles from file names
