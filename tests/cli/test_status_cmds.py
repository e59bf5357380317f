"""`mediarec status`: an extractor's result counts as done only while it is current (the extractor's version
and the file's fingerprint), whichever way SQLite reads the features index (migration v7)."""
from __future__ import annotations

import json

from mediarec.cli import main


def test_status_counts_only_current_results_as_done(lib, capsys):
    from mediarec.extract.registry import create
    from vector_factory import add_media

    version = create("audio.dsp").spec.version
    ids = add_media(lib, 6)
    fps = {r["id"]: r["fingerprint"] for r in lib.media.list()}
    for mid in ids[:4]:
        lib.features.put(mid, "audio.dsp", version, fps[mid], None, {"tempo_bpm": 120.0})
    lib.features.put(ids[4], "audio.dsp", version + 1, fps[ids[4]], None, {})  # another version's result
    lib.features.put(ids[5], "audio.dsp", version, "the file before it changed", None, {})
    lib.conn.execute("UPDATE media SET status = 'missing' WHERE id = ?", (ids[3],))  # gone: not counted
    lib.conn.execute("ANALYZE")  # the statistics that once made SQLite scan media first
    lib.close()
    assert main(["status", "--json"]) == 0
    dsp = json.loads(capsys.readouterr().out)["pending"]["audio.dsp"]
    assert dsp["done"] == 3 and dsp["pending"] == 2

