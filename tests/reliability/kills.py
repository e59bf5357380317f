"""SIGKILL at seeded random moments during scan, analyze, index rebuild, export and forget.

Each operation runs as the CLI (`python -m mediarec ...`, in its own process group so its workers die
too, like a power cut) on a copy of a small generated library; after the kill the same command runs again
to completion, then `check_*` says what is wrong: integrity, events lost or duplicated, an index half
swapped, an export that is neither the old file nor the new one, files silently skipped. Used by
tests/reliability/test_kills.py (CI) and bench/kills.py (more seeds)."""
from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from media_factory import write_audio

REPO = Path(__file__).resolve().parents[2]
OPERATIONS = ("scan", "analyze", "index", "export", "forget")
EXTRACTOR = "audio.dsp"  # a real shipped extractor with no model: analysis costs a few ms a file
FORGET_ID = 3


def command(op: str, lab: "Lab", data: Path) -> list[str]:
    base = [sys.executable, "-m", "mediarec", "--data-dir", str(data)]
    return base + {
        "scan": ["scan", str(lab.root)],
        "analyze": ["analyze", "--only", EXTRACTOR, "--workers", "1"],
        "index": ["index", "--rebuild"],
        "export": ["export", str(lab.export_path(data)), "--similar", "1", "-n", "10"],
        "forget": ["forget", str(FORGET_ID)],
    }[op]


@dataclass
class Lab:
    """The library every kill starts from: media files, and per operation a data dir in the state before it."""

    home: Path
    root: Path = field(init=False)
    states: dict[str, Path] = field(default_factory=dict)
    full_seconds: dict[str, float] = field(default_factory=dict)  # an uninterrupted run, measured
    events: dict[int, tuple] = field(default_factory=dict)  # the history every state holds
    new_export: bytes = b""
    old_export: bytes = b""

    def __post_init__(self):
        self.root = self.home / "media"

    def export_path(self, data: Path) -> Path:
        return data / "out.m3u8"

    def env(self) -> dict[str, str]:
        env = dict(os.environ, PYTHONPATH=str(REPO))
        for name in ("CONFIG", "CACHE", "MODELS"):
            env[f"MEDIAREC_{name}_DIR"] = str(self.home / name.lower())
        return env

    def cli(self, op: str, data: Path, timeout: float = 120) -> float:
        started = time.monotonic()
        proc = subprocess.run(command(op, self, data), env=self.env(), capture_output=True, text=True,
                              timeout=timeout)
        if proc.returncode != 0:
            raise AssertionError(f"{op} failed ({proc.returncode}): {proc.stderr[-2000:]}")
        return time.monotonic() - started


def build_lab(home: Path, files: int = 30) -> Lab:
    """Media files plus the state before each operation (scanned, analysed, indexed, exported, history)."""
    lab = Lab(home)
    lab.root.mkdir(parents=True)
    exts = ("wav", "flac", "ogg", "mp3", "m4a", "opus")
    for i in range(files):
        write_audio(lab.root / f"s{i:03d}.{exts[i % len(exts)]}", seconds=2.0, freq=110.0 + 37.0 * i,
                    tags={"title": f"Song {i}", "artist": f"Artist {i % 4}"})
    (lab.root / "broken.mp3").write_bytes(b"ID3\x04\x00\x00\x00\x00\x00\x10" + os.urandom(5000))
    empty = home / "state-scan"
    empty.mkdir()
    lab.states["scan"] = empty
    lab.full_seconds["scan"] = _measure(lab, "scan", home / "state-analyze", empty)
    _add_history(lab, home / "state-analyze")
    lab.full_seconds["analyze"] = _measure(lab, "analyze", home / "state-index", home / "state-analyze")
    lab.full_seconds["index"] = _measure(lab, "index", home / "state-export", home / "state-index")
    # The export state holds an older export (5 items); the killed run writes 10 over it.
    old = home / "state-export"
    subprocess.run([*command("export", lab, old)[:-1], "5"], env=lab.env(), check=True, capture_output=True)
    lab.old_export = lab.export_path(old).read_bytes()
    done = home / "after-export"
    lab.full_seconds["export"] = _measure(lab, "export", done, old)
    lab.new_export = lab.export_path(done).read_bytes()
    assert lab.new_export != lab.old_export
    lab.states["forget"] = old
    lab.full_seconds["forget"] = _measure(lab, "forget", home / "after-forget", old)
    return lab


def _measure(lab: Lab, op: str, result: Path, start: Path) -> float:
    """Run `op` once uninterrupted on a copy of `start`, kept as `result` (the next operation's state)."""
    lab.states[op] = start
    shutil.copytree(start, result)
    return lab.cli(op, result)


def _add_history(lab: Lab, data: Path) -> None:
    """A few hundred events over the library (written through the Library, as the app does)."""
    sys.path.insert(0, str(REPO))
    from mediarec.library import Library

    rng = random.Random(7)
    with Library(data / "library.db") as lib:
        ids = [r["id"] for r in lib.query("SELECT id FROM media WHERE status = 'ok' ORDER BY id")]
        with lib.transaction():
            for i in range(300):
                lib.events.append(rng.choice(ids[:8]), rng.choice(("play", "skip", "like")), ts=1.7e9 + 60 * i,
                                  position=10.0, duration=120.0, session_id=f"s{i // 20}")
        lab.events = read_events(lib.path)


def read_events(db: Path) -> dict[int, tuple]:
    conn = sqlite3.connect(db)
    rows = {r[0]: tuple(r[1:]) for r in conn.execute(
        "SELECT id, media_id, type, ts, position, duration, session_id, context FROM events")}
    conn.close()
    return rows


def kill_once(lab: Lab, op: str, seed: int, work: Path) -> tuple[float, bool]:
    """Copy the op's start state, run it, SIGKILL its process group after a seeded random delay.
    Returns (delay, whether the kill came before the run ended by itself)."""
    data = work / f"{op}-{seed}"
    shutil.copytree(lab.states[op], data)
    # Within the uninterrupted run's time (measured once; a busy machine makes later runs faster or slower).
    delay = random.Random(f"{op}:{seed}").uniform(0.05, 0.9) * lab.full_seconds[op]
    proc = subprocess.Popen(command(op, lab, data), env=lab.env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        proc.wait(timeout=delay)
        killed = False
    except subprocess.TimeoutExpired:
        killed = True
    with_suppress_kill(proc.pid)
    proc.wait()
    return delay, killed


def with_suppress_kill(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def check_after_kill(lab: Lab, op: str, data: Path) -> list[str]:
    """What is wrong right after the kill (before any resume): half-swapped indexes, half-written exports."""
    problems = []
    if op == "export":
        out = lab.export_path(data)
        if out.read_bytes() not in (lab.old_export, lab.new_export):
            problems.append("the export is neither the old file nor the new one")
    if op in ("index", "analyze"):
        problems += check_index(data)
    return problems


def resume_and_check(lab: Lab, op: str, data: Path) -> list[str]:
    """Run the operation again to completion, then check everything it and the kill may have touched."""
    problems = []
    try:
        lab.cli(op, data)
    except AssertionError as exc:
        return [f"the resumed run failed: {exc}"]
    db = data / "library.db"
    conn = sqlite3.connect(db)
    if (ok := conn.execute("PRAGMA integrity_check").fetchone()[0]) != "ok":
        problems.append(f"integrity_check: {ok}")
    on_disk = {str(p) for p in lab.root.iterdir()}
    known = {r[0] for r in conn.execute("SELECT path FROM media WHERE status = 'ok'")}
    marked = {r[0]: r[1] for r in conn.execute("SELECT path, stage FROM file_status")}
    if missing := sorted(p for p in on_disk if p not in known and p not in marked):
        problems.append(f"scanned neither in, nor marked: {missing[:3]}")
    if op == "analyze":
        done = {r[0] for r in conn.execute(
            "SELECT m.path FROM features f JOIN media m ON m.id = f.media_id "
            "WHERE f.extractor = ? AND f.fingerprint = m.fingerprint", (EXTRACTOR,))}
        if skipped := sorted(p for p in known if p not in done and p not in marked):
            problems.append(f"silently not analysed: {skipped[:3]}")
    conn.close()
    events = read_events(db)
    want = {k: v for k, v in lab.events.items() if op != "forget" or v[0] != FORGET_ID}
    if op == "scan":
        want = {}
    if events != want:
        lost, extra = set(want) - set(events), set(events) - set(want)
        changed = [k for k in set(want) & set(events) if want[k] != events[k]]
        problems.append(f"events: {len(lost)} lost, {len(extra)} extra, {len(changed)} changed")
    if op in ("index", "analyze"):
        problems += check_index(data)
    if op == "export" and lab.export_path(data).read_bytes() != lab.new_export:
        problems.append("the resumed export differs from an uninterrupted one")
    return problems


def check_index(data: Path) -> list[str]:
    """Every manifest names files that exist, and `similar` answers from it."""
    problems = []
    index_dir = data / "index"
    for manifest in sorted(index_dir.glob("*.json")) if index_dir.exists() else []:
        try:
            doc = json.loads(manifest.read_text())
        except ValueError as exc:
            problems.append(f"{manifest.name}: unreadable manifest ({exc})")
            continue
        for role, name in (doc.get("files") or {}).items():
            if name and not (index_dir / name).exists():
                problems.append(f"{manifest.name}: its {role} file {name} is missing")
    if (index_dir / "audio.json").exists() and not problems:
        problems += _similar_answers(data)
    return problems


def _similar_answers(data: Path) -> list[str]:
    sys.path.insert(0, str(REPO))
    from mediarec.library import Library
    from mediarec.recommend.similar import MoreLikeThis

    with Library(data / "library.db") as lib:
        mlt = MoreLikeThis(lib, data / "index")
        try:
            found = mlt.similar(1, 5, "audio", "any")
        except Exception as exc:  # noqa: BLE001 - any failure here is the finding
            return [f"similar failed: {type(exc).__name__}: {exc}"]
        finally:
            mlt.close()
    return [] if len(found.ids) == 5 else [f"similar answered {len(found.ids)} items, not 5"]


def campaign(lab: Lab, op: str, seeds: range, work: Path) -> dict:
    """Kill `op` once per seed; the report: kills (that landed before the end), survived, problems."""
    killed = survived = 0
    problems: list[str] = []
    for seed in seeds:
        delay, landed = kill_once(lab, op, seed, work)
        data = work / f"{op}-{seed}"
        found = check_after_kill(lab, op, data) + resume_and_check(lab, op, data)
        killed += landed
        if found:
            problems += [f"seed {seed} (killed at {delay:.2f} s): {p}" for p in found]
        elif landed:
            survived += 1
        shutil.rmtree(data, ignore_errors=True)
    return {"op": op, "seeds": len(seeds), "killed": killed, "survived": survived, "problems": problems,
            "full_seconds": lab.full_seconds[op], "events_checked": 0 if op == "scan" else len(lab.events) * len(seeds)}


__all__ = ["Lab", "build_lab", "campaign", "OPERATIONS"]
