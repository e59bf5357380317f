"""One fuzz campaign: good files and mutants in one library, scanned and analysed by a separate process.

The scan and the analysis run in a child process (the driver below), as the app or the CLI would, so a
crash of the "main process" is seen as its exit status instead of taking the test down. While it runs,
one file grows and others vanish between scan and analysis. `check()` then reads the database and says
what went wrong: every mutant must end analysed or with a file_status row, every good file analysed."""
from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from mutants import hostile_tag_files, mutants, seed_files

HERE = Path(__file__).parent
EXTRACTOR = "fuzz.probe"

DRIVER = """
import sys
sys.path.insert(0, sys.argv[2])
import fuzz_extractors
from mediarec.extract.runner import analyze
from mediarec.jobs import run_job
from mediarec.library import Library
from mediarec.paths import AppPaths
from mediarec.scan.scanner import scan
from mediarec.settings import Settings
lib = Library(sys.argv[1])
lib.roots.add(sys.argv[3])
run_job(scan(lib))
print("SCANNED", flush=True)
sys.stdin.readline()
settings = Settings()
settings.analyze.file_timeout = float(sys.argv[4])
report = run_job(analyze(lib, AppPaths.resolve(), settings, only=sys.argv[6].split(","), workers=int(sys.argv[5]),
                         modules=("fuzz_extractors",)))
print("ANALYSED", report.summary(), flush=True)
"""


@dataclass
class Result:
    tried: int = 0  # files in the batch that are not good seed copies
    good: int = 0
    exit_status: int | None = None
    stderr_tail: str = ""
    analysed: int = 0
    marked: dict[str, int] = field(default_factory=dict)  # file_status kind -> files
    unaccounted: list[str] = field(default_factory=list)  # neither analysed nor marked
    good_missing: list[str] = field(default_factory=list)
    worst_seconds: float = 0.0
    worst_file: str = ""
    peak_mb: float = 0.0
    good_worst_seconds: float = 0.0  # the baseline: the slowest undamaged file of the same batch
    wall_seconds: float = 0.0
    run_past_limit: list[str] = field(default_factory=list)
    balloon: str = ""  # the file_status message of the memory hog

    def problems(self) -> list[str]:
        out = []
        if self.exit_status != 0:
            out.append(f"driver exited {self.exit_status}: {self.stderr_tail}")
        if self.unaccounted:
            out.append(f"{len(self.unaccounted)} file(s) neither analysed nor marked: {self.unaccounted[:5]}")
        if self.good_missing:
            out.append(f"good files not analysed: {self.good_missing}")
        if "memory limit" not in self.balloon:
            out.append(f"the memory hog was not ended by the watchdog: {self.balloon!r}")
        if self.marked.get("bug"):
            out.append(f"{self.marked['bug']} file(s) hit a bug of ours (file_status kind 'bug')")
        if self.run_past_limit:
            out.append(f"ran past the time limit: {self.run_past_limit[:5]}")
        return out

    def report(self) -> str:
        marked = ", ".join(f"{k} {v}" for k, v in sorted(self.marked.items())) or "none"
        return (f"mutants tried {self.tried}, good files {self.good}, main-process crashes "
                f"{int(self.exit_status != 0)}, hangs (timeouts) {self.marked.get('timeout', 0)}, worker crashes "
                f"{self.marked.get('crash', 0)}, analysed {self.analysed}, files marked by kind: {marked}; "
                f"worst time per file {self.worst_seconds:.2f} s ({self.worst_file}), worst worker peak memory "
                f"{self.peak_mb:.0f} MiB; slowest good file {self.good_worst_seconds:.2f} s (worst mutant / "
                f"good = {self.worst_seconds / max(self.good_worst_seconds, 1e-6):.1f}x); wall "
                f"{self.wall_seconds:.1f} s")


def prepare(root: Path, count: int, seed: int) -> tuple[list[Path], list[Path]]:
    """(good files, hostile files) under root/library, made fresh."""
    seeds = seed_files(root / "seeds")
    lib_dir = root / "library"
    good = []
    for p in seeds:
        dest = lib_dir / "good" / p.name.replace("seed", "good")
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(p, dest)
        good.append(dest)
    hostile = mutants(seeds, lib_dir / "mutants", count, seed)
    hostile += hostile_tag_files(seeds, lib_dir / "mutants")
    for name in ("grow.wav", "vanish1.mp3", "vanish2.mkv", "balloon.wav"):  # changed while read; memory hog
        src = next(p for p in seeds if p.suffix == Path(name).suffix)
        shutil.copy(src, lib_dir / "mutants" / name)
        hostile.append(lib_dir / "mutants" / name)
    return good, hostile


def run(root: Path, count: int, seed: int = 0, file_timeout: float = 10.0, workers: int = 2,
        memory_mb: int = 1024, extractors: tuple[str, ...] = (EXTRACTOR,), limit_s: float = 600.0) -> Result:
    good, hostile = prepare(root, count, seed)
    db = root / "data" / "library.db"
    db.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(HERE.parent.parent), str(HERE)]),
               MEDIAREC_WORKER_MEMORY_MB=str(memory_mb))
    cmd = [sys.executable, "-c", DRIVER, str(db), str(HERE), str(root / "library"), str(file_timeout), str(workers),
           ",".join(extractors)]
    started = time.monotonic()
    # stderr goes to a file: a thousand "cannot read" lines fill a pipe (64 KiB) before the driver prints
    # SCANNED, and a driver blocked on a full pipe while we wait for that line would be a hang of our own.
    errors = tempfile.TemporaryFile(mode="w+")
    proc = subprocess.Popen(cmd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors,
                            text=True, start_new_session=True)
    stop = threading.Event()
    grower = threading.Thread(target=_grow, args=(root / "library" / "mutants" / "grow.wav", stop), daemon=True)
    grower.start()
    try:
        line = proc.stdout.readline()
        if line.startswith("SCANNED"):
            for name in ("vanish1.mp3", "vanish2.mkv"):
                (root / "library" / "mutants" / name).unlink()
            proc.stdin.write("go\n")
            proc.stdin.flush()
        proc.communicate(timeout=limit_s)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
    finally:
        stop.set()
        grower.join()
        errors.seek(0)
        err = errors.read()
        errors.close()
    result = Result(tried=len(hostile), good=len(good), exit_status=proc.returncode,
                    stderr_tail=err[-2000:] if proc.returncode else "", wall_seconds=time.monotonic() - started)
    check(db, good, hostile, extractors[0], file_timeout, result)
    return result


def _grow(path: Path, stop: threading.Event) -> None:
    """Append to a file while the scan and analysis read it (a download in progress), up to 8 MiB."""
    for _ in range(400):
        if stop.wait(0.02):
            return
        with open(path, "ab") as f:
            f.write(os.urandom(20_000))


def check(db: Path, good: list[Path], hostile: list[Path], extractor: str, file_timeout: float,
          result: Result) -> None:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    analysed = {r["path"]: r["attrs"] for r in conn.execute(
        "SELECT m.path, f.attrs FROM features f JOIN media m ON m.id = f.media_id "
        "WHERE f.extractor = ? AND f.fingerprint = m.fingerprint", (extractor,))}
    marked: dict[str, str] = {}
    for r in conn.execute("SELECT path, kind, message FROM file_status"):
        marked.setdefault(r["path"], r["kind"])
        if Path(r["path"]).name == "balloon.wav":
            result.balloon = f"{r['kind']}: {r['message']}"
    conn.close()
    import json

    result.analysed = len(analysed)
    for path in hostile:
        p = str(path)
        if p in marked:
            result.marked[marked[p]] = result.marked.get(marked[p], 0) + 1
        elif p not in analysed:
            result.unaccounted.append(path.name)
    result.good_missing = [p.name for p in good if str(p) not in analysed]
    good_paths = {str(p) for p in good}
    for p, attrs in analysed.items():
        a = json.loads(attrs or "{}")
        seconds = float(a.get("seconds", 0.0))
        if p in good_paths:
            result.good_worst_seconds = max(result.good_worst_seconds, seconds)
        if seconds > result.worst_seconds:
            result.worst_seconds, result.worst_file = seconds, os.path.basename(p)
        result.peak_mb = max(result.peak_mb, float(a.get("peak_mb", 0.0)))
        if seconds > file_timeout:
            result.run_past_limit.append(os.path.basename(p))


__all__ = ["run", "Result", "prepare", "check"]
