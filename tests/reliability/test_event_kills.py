"""A player recording events killed at any moment (the GUI path stood in for by `mediarec event`, which
records through the same events.record): every event acknowledged before the kill is stored, once, and
the one in flight is stored whole or not at all."""
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SEEDS = range(20)

SCRIPT = """
import sys
from mediarec.cli import main
data, ids = sys.argv[1], sys.argv[2].split(",")
for i in range(100000):
    rc = main(["--data-dir", data, "event", "play", ids[i % len(ids)], "--position", "100", "--duration", "120",
               "--source", f"ev-{i}"])
    print("ACK", i, rc, file=sys.stderr, flush=True)
"""


@pytest.fixture
def scanned(app_dirs, media_dir):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    subprocess.run([sys.executable, "-m", "mediarec", "--data-dir", str(app_dirs["data"]), "scan", str(media_dir)],
                   env=env, check=True, capture_output=True)
    return app_dirs["data"], env


def test_events_acknowledged_before_a_kill_are_all_stored_once(scanned):
    data, env = scanned
    db = data / "library.db"
    total_acked = 0
    for seed in SEEDS:
        conn = sqlite3.connect(db)
        before = {r[0] for r in conn.execute("SELECT id FROM events")}
        conn.close()
        proc = subprocess.Popen([sys.executable, "-c", SCRIPT, str(data), "1,2,3"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                start_new_session=True)
        time.sleep(random.Random(seed).uniform(0.8, 2.5))  # past start-up, into the recording loop
        os.killpg(proc.pid, signal.SIGKILL)
        _, err = proc.communicate()
        acked = [line.split() for line in err.splitlines() if line.startswith("ACK")]
        assert all(rc == "0" for _, _, rc in acked), err[-2000:]
        conn = sqlite3.connect(db)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        new = [r[0] for r in conn.execute("SELECT source FROM events WHERE id NOT IN (%s)"
                                          % ",".join(map(str, before or {0})))]
        conn.close()
        want = [f"ev-{a[1]}" for a in acked]
        assert len(new) == len(set(new)), "an event was stored twice"
        # Every acknowledged event is there; at most the one in flight besides, and only whole (one row).
        assert set(want) <= set(new), sorted(set(want) - set(new))[:5]
        assert len(new) - len(want) in (0, 1)
        total_acked += len(want)
    print(f"{len(SEEDS)} kills, {total_acked} acknowledged events checked")
    assert total_acked > 0
