"""A generated library database for the app's table, benchmarks and stall tests: media rows with varied tags,
mood and tempo features and a play/skip history, all written through the real storage code."""
from __future__ import annotations

import random
import time

from vector_factory import add_media

MOODS = ("happy", "sad", "calm", "angry", "tender", "exciting", "scary")
WORDS = ("blue", "night", "river", "gold", "echo", "fire", "glass", "shadow", "summer", "storm", "velvet", "dust")


def fill_library(lib, n: int, video_share: float = 0.2, events: int | None = None, seed: int = 1) -> None:
    """n media rows (a share of them videos), emotion.music mood and audio.dsp tempo for most, and a history."""
    rng = random.Random(seed)
    n_video = int(n * video_share)
    for kind, count in (("audio", n - n_video), ("video", n_video)):
        fields = [_fields(rng, kind, i) for i in range(count)]
        ids = add_media(lib, count, kind=kind, fields=fields)
        _features(lib, rng, ids)
    _history(lib, rng, n, events if events is not None else n // 2)


def _fields(rng: random.Random, kind: str, i: int) -> dict:
    title = " ".join(rng.sample(WORDS, 2)).title() + f" {i}"
    return {"kind": kind, "size": 1000 + i, "mtime": 1.0, "fingerprint": f"fp-{kind}-{i}",
            "duration": rng.uniform(60, 600), "title": title, "artist": f"Artist {rng.randrange(max(1, i // 8 + 1))}",
            "album": f"Album {rng.randrange(500)}", "genre": rng.choice(("Rock", "Jazz", "Ambient", "Talk")),
            "tags": {}, "streams": []}


def _features(lib, rng: random.Random, ids: list[int]) -> None:
    with lib.transaction() as c:  # features.put joins this one transaction
        fps = dict(c.execute("SELECT id, fingerprint FROM media WHERE id BETWEEN ? AND ?", (ids[0], ids[-1])))
        for mid in ids:
            if rng.random() < 0.9:
                lib.features.put(mid, "emotion.music", 1, fps[mid], None, {"mood": rng.choice(MOODS)})
                lib.features.put(mid, "audio.dsp", 1, fps[mid], None, {"tempo_bpm": round(rng.uniform(60, 180), 1)})


def _history(lib, rng: random.Random, n: int, count: int) -> None:
    ts = time.time() - 30 * 86400
    with lib.transaction():
        for _ in range(count):
            mid = rng.randrange(1, n + 1)
            kind = "play" if rng.random() < 0.7 else "skip"
            lib.events.append(mid, kind, ts=ts, position=100.0, duration=200.0)
            ts += 60.0
