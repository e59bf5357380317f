"""mediarec search: a video is found by a word said in it (with the snippet and the time it is said),
by a paraphrase that shares no word with it, and by its title; nothing analysed is a clear error.

The library is made the way a user makes it: scan a folder, then the analysis runner (in-process)
runs speech.transcript and text.embedding and stores transcripts and vectors."""
import json

import numpy as np
import pytest

from mediarec.cli import main
from mediarec.errors import UserError
from mediarec.extract.runner import analyze
from mediarec.jobs import run_job
from mediarec.library import Library
from mediarec.paths import AppPaths
from mediarec.scan.scanner import scan
from mediarec.search import search
from mediarec.settings import Settings
from media_factory import write_audio, write_tags, write_video
from speech_factory import BAKING, RATE, VOLCANO, SpeechSynthMissing, chords, espeak, stereo

LEAD = 3.0  # seconds of silence before the speech in each video


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    """(data dir, {name: media id}) of an analysed library: two talks, a silent clip, a tagged song."""
    root = tmp_path_factory.mktemp("search")
    media = root / "media"
    media.mkdir()
    try:
        talks = {"clip1.mp4": espeak(VOLCANO), "clip2.mp4": espeak(BAKING)}
    except SpeechSynthMissing as exc:
        pytest.skip(str(exc))
    for name, speech in talks.items():  # neutral names: the words must come from the speech
        signal = np.concatenate([np.zeros(int(LEAD * RATE), np.float32), speech])
        write_video(media / name, seconds=signal.size / RATE, audio_signal=signal[None])
    write_video(media / "clip3.mp4", seconds=4.0, audio_signal=np.zeros((1, 4 * RATE), np.float32))
    song = write_audio(media / "track.flac", signal=stereo(chords(8.0)))
    write_tags(song, {"title": "Northern Lights", "artist": "Aurora Quartet", "genre": "Ambient"})
    paths = AppPaths(data=root / "data", config=root / "config", cache=root / "cache", models=root / "models").ensure()
    with Library(paths.db) as lib:
        lib.roots.add(media)
        run_job(scan(lib))
        report = run_job(analyze(lib, paths, Settings(), only=["speech.transcript", "text.embedding"],
                                 in_process=True))
        # The transcript's voice gate reads the music tagger's vocal tags and vibenet's instrumentalness, so the
        # plan computes those inputs first.
        assert report.results == {"audio.musicnn": 4, "emotion.music": 4, "speech.transcript": 4,
                                  "text.embedding": 4}, report
        ids = {m["path"].rsplit("/", 1)[1]: m["id"] for m in lib.media.list()}
    return paths.data, ids


@pytest.fixture
def lib_of(analysed):
    data, _ = analysed
    with Library(data / "library.db") as lib:
        yield lib


def test_a_spoken_keyword_finds_the_video_at_the_moment_it_is_said(lib_of, analysed):
    _, ids = analysed
    hits = search(lib_of, "molten")
    top = hits[0]
    assert top.id == ids["clip1.mp4"] and top.kind == "video"
    assert "transcript" in top.matched and "[molten]" in top.snippet.lower()
    assert LEAD - 0.5 <= top.start <= LEAD + 1.5  # the speech starts after the silent lead-in
    assert ids["clip2.mp4"] not in [h.id for h in hits if "transcript" in h.matched]
    assert search(lib_of, "oven kitchen")[0].id == ids["clip2.mp4"]  # any of several words


def test_a_paraphrase_finds_the_video_by_meaning(lib_of, analysed):
    _, ids = analysed
    query = "magma bursting from a fiery peak"  # no content word (or its stem) is in the narration
    hits = search(lib_of, query)
    assert hits[0].id == ids["clip1.mp4"]
    assert hits[0].matched == ["meaning"] and hits[0].snippet is None
    bread = search(lib_of, "making a loaf at home")
    assert bread[0].id == ids["clip2.mp4"]


def test_titles_and_artists_are_searched_and_kind_filters(lib_of, analysed):
    _, ids = analysed
    hits = search(lib_of, "aurora")
    assert hits[0].id == ids["track.flac"] and "metadata" in hits[0].matched
    assert all(h.kind == "audio" for h in search(lib_of, "molten lava", kind="audio"))
    assert ids["clip1.mp4"] not in [h.id for h in search(lib_of, "molten lava", kind="audio")]


def test_silence_is_stored_as_no_speech(lib_of, analysed):
    _, ids = analysed
    silent = lib_of.transcripts.get(ids["clip3.mp4"])
    assert silent is not None and silent["text"] == "" and silent["segments"] == []


def test_cli_json_and_table(analysed, capsys):
    data, ids = analysed
    assert main(["--data-dir", str(data), "search", "molten", "lava", "--json", "-n", "2"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert len(doc["items"]) <= 2
    first = doc["items"][0]
    assert first["id"] == ids["clip1.mp4"]
    assert {"id", "path", "title", "score", "kind", "snippet", "start"} <= set(first)
    assert main(["--data-dir", str(data), "search", "molten", "--kind", "video"]) == 0
    out = capsys.readouterr().out
    assert "0:03" in out and "[molten]" in out.lower()  # mm:ss of the segment and the snippet


def test_nothing_analysed_is_a_one_line_error(lib, media_dir, capsys, app_dirs):
    lib.roots.add(media_dir)
    run_job(scan(lib))
    with pytest.raises(UserError):
        search(lib, "anything")
    assert main(["search", "anything"]) == 1
    err = capsys.readouterr().err
    assert "mediarec analyze" in err and err.count("\n") == 1
