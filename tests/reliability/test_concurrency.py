"""The CLI used while the app runs: `mediarec event` from a script loop and `mediarec scan` from cron write
at the same time as the app's own connection; every event is stored exactly once, nobody sees
"database is locked", and the app's connection reads what the others wrote."""
import os
import subprocess
import sys
import time
from pathlib import Path

from mediarec.library import Library

REPO = Path(__file__).resolve().parents[2]
CLI_EVENTS = 300
APP_EVENTS = 300

# A script recording events one command at a time, as a shell loop over `mediarec event` would; each
# command opens its own connection (the CLI's open_context), in-process to spare 300 interpreter starts.
SCRIPT = """
import sys
from mediarec.cli import main
data, n, ids = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(",")
failed = 0
for i in range(n):
    rc = main(["--data-dir", data, "event", "like", ids[i % len(ids)], "--source", f"cli-{i}"])
    failed += rc != 0
print("failed", failed, flush=True)
"""


def _env(app_dirs):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    for name in ("config", "cache", "models"):
        env[f"MEDIAREC_{name.upper()}_DIR"] = str(app_dirs[name])
    return env


def test_cli_events_and_a_scan_alongside_the_app_each_store_every_event_once(app_dirs, media_dir):
    data = app_dirs["data"]
    app = Library(data / "library.db")
    env = _env(app_dirs)
    subprocess.run([sys.executable, "-m", "mediarec", "--data-dir", str(data), "scan", str(media_dir)], env=env,
                   check=True, capture_output=True)
    ids = [r["id"] for r in app.query("SELECT id FROM media ORDER BY id")]
    assert len(ids) >= 6
    writer = subprocess.Popen([sys.executable, "-c", SCRIPT, str(data), str(CLI_EVENTS), ",".join(map(str, ids[:3]))],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    cron = []
    seen_cli = 0
    for i in range(APP_EVENTS):
        if i % 100 == 0:  # a scan from cron, now and then, writing its own batches
            (media_dir / "music" / "song1.wav").touch()
            cron.append(subprocess.Popen([sys.executable, "-m", "mediarec", "--data-dir", str(data), "scan"],
                                         env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        if i % 50 == 25:
            with app.transaction():  # a long write (the app storing a batch) makes the others wait their turn
                app.events.append(ids[3 + i % 3], "like", source=f"app-{i}")
                time.sleep(0.2)
        else:
            app.events.append(ids[3 + i % 3], "like", source=f"app-{i}")
        seen_cli = max(seen_cli, app.query("SELECT count(*) FROM events WHERE source LIKE 'cli-%'")[0][0])
        time.sleep(0.005)
    out, err = writer.communicate(timeout=600)
    assert writer.returncode == 0 and out.strip().splitlines()[-1] == "failed 0", err[-2000:]
    assert "locked" not in err
    for proc in cron:
        cout, cerr = proc.communicate(timeout=120)
        assert proc.returncode == 0, cerr[-2000:]
    sources = [r[0] for r in app.query("SELECT source FROM events")]
    assert sorted(sources) == sorted([f"cli-{i}" for i in range(CLI_EVENTS)] + [f"app-{i}" for i in range(APP_EVENTS)])
    assert seen_cli > 0  # the app's connection saw the CLI's events while both were writing
    assert app.integrity_check() == "ok"
    app.close()
