"""`mediarec transcript` and the core TimedTranscript the app shows (clickable, timed segments)."""
import json

from mediarec.cli import main
from vector_factory import add_media


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_transcript_segments_with_times(capsys, lib):
    talk, silent, fresh = add_media(lib, 3, kind="video")
    lib.transcripts.put(talk, 1, "en", [(61.25, 64.0, " the volcano woke "), (0.5, 3.0, "Hello"), (3.0, 4.0, "  ")])
    lib.transcripts.put(silent, 1, None, [])
    t = lib.transcripts.timed(talk)
    assert [(s.start, s.end, s.text) for s in t.segments] == [(0.5, 3.0, "Hello"), (61.25, 64.0, "the volcano woke")]
    assert t.language == "en" and t.text == "Hello the volcano woke"
    assert (t.index_at(0.1), t.index_at(0.5), t.index_at(10.0), t.index_at(99.0)) == (None, 0, 0, 1)
    assert lib.transcripts.timed(fresh) is None and lib.transcripts.timed(silent).segments == ()

    code, out, _ = run(capsys, "transcript", talk)
    assert code == 0 and out.splitlines() == ["[0:00.5 - 0:03.0] Hello", "[1:01.2 - 1:04.0] the volcano woke"]
    doc = json.loads(run(capsys, "transcript", talk, "--json")[1])
    assert doc["language"] == "en" and doc["segments"][1] == {"start": 61.25, "end": 64.0, "text": "the volcano woke"}
    assert "No speech" in run(capsys, "transcript", silent)[1]
    code, _, err = run(capsys, "transcript", fresh)
    assert code == 1 and "not transcribed yet" in err
