"""The PyInstaller onedir build: the spec builds, and the built app starts offscreen on a library with
items, shows its window and exits cleanly (status 0) when asked to quit (SIGTERM, as a logout does)."""
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from media_factory import write_audio

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_built_app_starts_on_a_library_and_exits_cleanly(tmp_path):
    pyinstaller = Path(sys.executable).with_name("pyinstaller")
    if not pyinstaller.exists():
        pytest.fail("pyinstaller is missing: it is in the dev extra that ./setup.sh installs")
    dist, work = tmp_path / "dist", tmp_path / "work"
    build = subprocess.run([str(pyinstaller), "--noconfirm", "--log-level", "WARN", "--distpath", str(dist),
                            "--workpath", str(work), str(ROOT / "packaging" / "mediarec.spec")],
                           cwd=ROOT, capture_output=True, text=True, timeout=2400)
    assert build.returncode == 0, build.stderr[-3000:]
    app = dist / "mediarec" / "mediarec"
    assert app.exists()
    shutil.rmtree(work, ignore_errors=True)

    music = tmp_path / "music"
    music.mkdir()
    for n in range(3):
        write_audio(music / f"song{n}.ogg", seconds=2.0, freq=220.0 * (n + 1))
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", MEDIAREC_DATA_DIR=str(tmp_path / "data"),
               MEDIAREC_CONFIG_DIR=str(tmp_path / "config"), MEDIAREC_CACHE_DIR=str(tmp_path / "cache"))
    subprocess.run([sys.executable, "-m", "mediarec", "scan", str(music)], env=env, check=True, timeout=300)

    proc = subprocess.Popen([str(app)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        time.sleep(20)  # start-up of a 1.8 GB bundle on a busy 2-core machine; then it must still be running
        assert proc.poll() is None, proc.stdout.read()[-3000:]
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out[-3000:]
    assert "Traceback" not in out, out[-3000:]
