"""A clustered synthetic music library (stored through the real tables) and a simulated listener.

Six sound clusters of songs; each cluster has its own musicnn and DSP direction, tempo, mood and five
artists. The listener finishes songs of the clusters they like and skips the others after ten seconds,
recording events through the same rules the player uses."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from mediarec.recommend import events
from vector_factory import REAL_DIMS, add_media, put_features

CLUSTERS = 6
PER_CLUSTER = 50
TEMPO = (84.0, 100.0, 118.0, 132.0, 150.0, 170.0)
MOODS = (("calm", 0.7, 0.2), ("sad", 0.2, 0.25), ("happy", 0.8, 0.6), ("energetic", 0.6, 0.85),
         ("aggressive", 0.25, 0.9), ("tense", 0.3, 0.7))
SONG_SECONDS = 200.0
SKIP_AT = 10.0
T0 = 1_700_000_000.0


def _around(rng, centre: np.ndarray, n: int, noise: float) -> np.ndarray:
    x = centre + noise * rng.standard_normal((n, centre.size)).astype(np.float32)
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


@dataclass
class Clustered:
    clusters: list[list[int]] = field(default_factory=list)
    cluster_of: dict[int, int] = field(default_factory=dict)

    @property
    def all(self) -> list[int]:
        return [m for c in self.clusters for m in c]


def clustered_library(lib, clusters: int = CLUSTERS, per_cluster: int = PER_CLUSTER, seed: int = 3,
                      noise: float = 0.45) -> Clustered:
    rng = np.random.default_rng(seed)
    out = Clustered()
    for c in range(clusters):
        ids = add_media(lib, per_cluster, prefix=f"/music/c{c}",
                        fields=[{"title": f"Song {c}.{i}", "artist": f"Artist {c}.{i % 5}",
                                 "album": f"Album {c}.{i % 5}", "duration": SONG_SECONDS} for i in range(per_cluster)])
        sound = rng.standard_normal(REAL_DIMS["audio.musicnn"]).astype(np.float32)
        dsp = rng.standard_normal(REAL_DIMS["audio.dsp"]).astype(np.float32)
        put_features(lib, ids, "audio.musicnn", _around(rng, sound, per_cluster, noise))
        put_features(lib, ids, "audio.dsp", _around(rng, dsp, per_cluster, noise),
                     [{"tempo_bpm": TEMPO[c % len(TEMPO)] + (i % 5) - 2} for i in range(per_cluster)])
        mood, v, a = MOODS[c % len(MOODS)]
        emo = np.tile([v, a, a, 0.5, 0.5, 0.5, 0.5, 0.5], (per_cluster, 1)).astype(np.float32)
        emo[:, :2] += 0.03 * rng.standard_normal((per_cluster, 2)).astype(np.float32)
        put_features(lib, ids, "emotion.music", emo, [{"valence": v, "arousal": a, "mood": mood}] * per_cluster)
        out.clusters.append(ids)
        out.cluster_of.update({m: c for m in ids})
    return out


@dataclass
class Listener:
    """Finishes what belongs to `liked` clusters, skips the rest; time moves on like a real session."""

    lib: object
    library: Clustered
    liked: set[int]
    ts: float = T0
    picks: list[int] = field(default_factory=list)
    finished: list[bool] = field(default_factory=list)
    who: int | None = 1  # the listener id the events are recorded for (None: a guest)

    def likes(self, media_id: int) -> bool:
        return self.library.cluster_of.get(media_id) in self.liked

    def hear(self, media_id: int) -> bool:
        done = self.likes(media_id)
        position = SONG_SECONDS if done else SKIP_AT
        events.record(self.lib, media_id, "stop", position=position, ts=self.ts, source="upnext", listener=self.who)
        self.ts += position + 1.0
        self.picks.append(media_id)
        self.finished.append(done)
        return done

    def skip_rate(self, first: int, last: int) -> float:
        """Share of picks first..last (1-based, inclusive) that were skipped."""
        window = self.finished[first - 1:last]
        return 1.0 - sum(window) / len(window)


def scripted_history(lib, library: Clustered, liked: list[int], sessions: int = 8, per_session: int = 14,
                     seed: int = 0, start: float = T0, listener: int | None = 1) -> int:
    """A history the recommender did not choose: each session (a day apart) the listener puts on one of the
    clusters they like and goes on through its songs in their usual order from where they stopped last
    time (now and then one is left out), with a stray song from another cluster now and then, which they
    skip. Returns the number of events made."""
    rng = np.random.default_rng(seed)
    others = [m for c, ids in enumerate(library.clusters) if c not in liked for m in ids]
    where = {c: 0 for c in liked}
    n = 0
    for s in range(sessions):
        ts = start + s * 86400.0
        cluster = liked[s % len(liked)]
        order = library.clusters[cluster]
        played = 0
        while played < per_session:
            mid = order[where[cluster] % len(order)]
            where[cluster] += 1
            if rng.random() < 0.2:
                stray = int(rng.choice(others))
                events.record(lib, stray, "stop", position=SKIP_AT, ts=ts, source="library", listener=listener)
                ts += SKIP_AT + 1.0
                n += 1
            if rng.random() < 0.15:
                continue
            events.record(lib, mid, "stop", position=SONG_SECONDS, ts=ts, source="library", listener=listener)
            ts += SONG_SECONDS + 1.0
            played += 1
            n += 1
    return n


DRIFT_CLUSTERS, DRIFT_PER_CLUSTER = 12, 16
"""The long-session library: 192 songs (about the size of the real collection issue 11 was found on)."""
DRIFT_LIKED = {6: {0, 7}, 3: {0, 3, 7, 10}}
"""Liked clusters by the denominator of the liked share: two of twelve (a sixth), four (a third)."""


def long_session(lib, index_dir, share: int, seed: int = 0, picks: int = 100, explain: bool = False
                 ) -> tuple[Listener, list]:
    """From a cold start, `picks` top picks of the list refilled after each event (as the player does), heard
    by a listener who likes a 1/`share` of the drift library. Returns the listener and each top Pick."""
    from mediarec.recommend.upnext import UpNext

    library = clustered_library(lib, clusters=DRIFT_CLUSTERS, per_cluster=DRIFT_PER_CLUSTER, seed=seed)
    listener = Listener(lib, library, set(DRIFT_LIKED[share]))
    rec = UpNext(lib, index_dir)
    tops = []
    try:
        for _ in range(picks):
            top = rec.refill(10, now=listener.ts, explain=explain).picks[0]
            tops.append(top)
            listener.hear(top.id)
    finally:
        rec.close()
    return listener, tops


def window_rates(listener: Listener, size: int = 20) -> list[float]:
    """The skip rate of each `size`-pick window."""
    return [listener.skip_rate(i + 1, min(i + size, len(listener.finished)))
            for i in range(0, len(listener.finished), size)]
