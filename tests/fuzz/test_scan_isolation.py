"""A file whose header crashes or hangs the prober costs that file in a pooled scan, not the scan."""
import os
import shutil
import sys
import time
from pathlib import Path

from mediarec.errors import MediaTimeout, WorkerCrash
from mediarec.scan import parallel
from mediarec.scan.probe import ProbeResult

sys.path.insert(0, str(Path(__file__).parent))
import bad_probers  # noqa: E402


def test_a_crash_and_a_hang_cost_their_files_and_every_other_file_is_probed(media_templates, tmp_path, monkeypatch):
    monkeypatch.setattr(parallel, "CHUNK", 4)
    monkeypatch.setattr(parallel, "PROBE_SECONDS", 2.0)
    names = [f"ok{i:02d}.wav" for i in range(10)] + ["crash.wav", "hang.wav"]
    names.insert(3, names.pop())  # the bad ones share chunks with good ones
    for name in names:
        shutil.copy(media_templates / "song1.wav", tmp_path / name)
    items = [(str(tmp_path / n), os.stat(tmp_path / n)) for n in names]
    pool = parallel.make_pool(2)
    started = time.monotonic()
    try:
        results = list(parallel.probe_all(items, pool, bad_probers.hostile_probe))
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    assert time.monotonic() - started < 60
    assert len(results) == len(names)  # in order, one per file
    by_name = dict(zip(names, results))
    assert isinstance(by_name["crash.wav"], WorkerCrash)
    assert isinstance(by_name["hang.wav"], MediaTimeout)
    assert all(isinstance(by_name[n], ProbeResult) for n in names if n.startswith("ok"))
