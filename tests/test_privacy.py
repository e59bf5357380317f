"""Nothing leaves the machine: the whole pipeline (scan, analyze with the real models, index, similar, upnext,
search, export, import) runs in processes whose every socket use is recorded by an audit hook, and none
is a network connection or a name lookup. Analysis workers are separate processes; the hook is installed
in each through sitecustomize, so they are watched too."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from media_factory import write_audio, write_video

# Installed into every Python process of the run (the CLI and its analysis workers) via PYTHONPATH.
SITECUSTOMIZE = '''
import os, sys
_LOG = os.environ["MEDIAREC_SOCKET_LOG"]
_WATCHED = {"socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg", "socket.getaddrinfo",
            "socket.gethostbyname", "socket.gethostbyaddr", "socket.getnameinfo", "urllib.Request",
            "http.client.connect"}

def _hook(event, args):
    if event not in _WATCHED:
        return
    if event in ("socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg"):
        sock, address = args[0], args[1] if len(args) > 1 else None
        if getattr(sock, "family", None) == 1:  # AF_UNIX: a local pipe between our own processes
            return
    with open(_LOG, "a") as f:
        f.write(f"{os.getpid()} {event} {args!r}"[:300] + "\\n")

sys.addaudithook(_hook)
'''


@pytest.fixture(scope="module")
def watched(tmp_path_factory):
    root = tmp_path_factory.mktemp("privacy")
    hook_dir = root / "hook"
    hook_dir.mkdir()
    (hook_dir / "sitecustomize.py").write_text(SITECUSTOMIZE)
    library = root / "library"
    library.mkdir()
    for n in range(3):
        write_audio(library / f"song{n}.ogg", seconds=6.0, freq=220.0 * (n + 1))
    write_video(library / "clip.mp4", seconds=2.0)
    log = root / "sockets.log"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(hook_dir), os.environ.get("PYTHONPATH", "")]),
               MEDIAREC_SOCKET_LOG=str(log), MEDIAREC_DATA_DIR=str(root / "data"),
               MEDIAREC_CONFIG_DIR=str(root / "config"), MEDIAREC_CACHE_DIR=str(root / "cache"),
               HF_HUB_OFFLINE="0")  # nothing here may rely on an offline switch to stay off the network

    def mediarec(*args: str) -> subprocess.CompletedProcess:
        run = subprocess.run([sys.executable, "-m", "mediarec", *args], env=env, capture_output=True, text=True,
                             timeout=900)
        assert run.returncode == 0, f"mediarec {' '.join(args)}: {run.stderr[-2000:]}"
        return run

    return mediarec, library, log, root


@pytest.mark.slow
def test_the_whole_pipeline_opens_no_network_socket(watched):
    mediarec, library, log, root = watched
    mediarec("scan", str(library))
    mediarec("analyze", "--workers", "1")
    mediarec("index")
    items = json.loads(mediarec("list", "--json").stdout)["items"]
    first = str(items[0]["id"])
    mediarec("event", "play", first)
    mediarec("similar", first, "--json")
    mediarec("upnext", "--json")
    mediarec("search", "tone", "--json")
    mediarec("export", str(root / "mix.m3u8"), "--similar", first)
    mediarec("import", str(root / "mix.m3u8"), "--name", "back")
    assert not log.exists() or log.read_text() == "", f"network use recorded:\n{log.read_text()}"


def test_the_audit_hook_does_see_a_connection(watched, tmp_path):
    """The watcher itself works: a process that does try to connect is caught."""
    _, _, _, root = watched
    log = tmp_path / "probe.log"
    code = "import socket\ntry:\n    socket.create_connection(('192.0.2.1', 9), timeout=0.01)\nexcept OSError:\n    pass\n"
    env = dict(os.environ, PYTHONPATH=str(root / "hook"), MEDIAREC_SOCKET_LOG=str(log))
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=60)
    assert "socket.connect" in log.read_text() or "socket.getaddrinfo" in log.read_text()


@pytest.mark.slow
def test_the_app_starts_plays_nothing_and_opens_no_network_socket(watched, tmp_path):
    """The GUI too, watched from outside with strace (Qt's own sockets are C++, invisible to the audit hook):
    no AF_INET/AF_INET6 connect or send while it starts on the library above and runs for a while. The
    single-instance server and MPRIS are local (AF_UNIX) sockets and are allowed."""
    import shutil
    import signal
    import time

    strace = shutil.which("strace")
    if strace is None:
        pytest.fail("strace is missing: ./setup.sh installs it (Debian package strace)")
    _, _, _, root = watched
    log = tmp_path / "strace.log"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", MEDIAREC_DATA_DIR=str(root / "data"),
               MEDIAREC_CONFIG_DIR=str(root / "config"), MEDIAREC_CACHE_DIR=str(root / "cache"))
    proc = subprocess.Popen([strace, "-f", "-qq", "-e", "trace=connect,sendto,sendmsg", "-o", str(log),
                             sys.executable, "-m", "mediarec.ui.app"], env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(15)
        assert proc.poll() is None, proc.stderr.read()[-2000:]
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)
    calls = log.read_text().splitlines()
    assert any("connect(" in c for c in calls), "strace saw no connect at all: is it tracing?"
    network = [c for c in calls if "AF_INET" in c]
    assert network == [], "\n".join(network[:20])
