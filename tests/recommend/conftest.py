"""A small synthetic library with songs and videos whose features are stored through the real tables.

Songs fall in three sound clusters with their own tempo and mood; videos fall in two look clusters;
one video is the music video of a cluster-0 song (its soundtrack sounds like cluster 0), two videos
talk about volcanoes (same transcript topic, calm speech), one is an energetic talk."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pytest

from vector_factory import REAL_DIMS, add_media, put_features

SONG_CLUSTERS = 3
SONGS_PER_CLUSTER = 24
TEMPO = (92.0, 124.0, 160.0)
MOOD = (("calm", 0.72, 0.2), ("energetic", 0.55, 0.85), ("sad", 0.15, 0.3))
TAGS = ("ambient", "electronic", "rock")


def _near(rng, centre: np.ndarray, n: int, noise: float) -> np.ndarray:
    x = centre + noise * rng.standard_normal((n, centre.size)).astype(np.float32)
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


@dataclass
class SyntheticLibrary:
    songs: list[list[int]] = field(default_factory=list)  # per sound cluster
    videos: list[list[int]] = field(default_factory=list)  # per look cluster
    music_video: int = 0  # a video whose soundtrack sounds like song cluster 0
    volcano: list[int] = field(default_factory=list)  # calm videos that talk about volcanoes
    energetic_talk: int = 0
    sound_centres: np.ndarray | None = None
    dsp_centres: np.ndarray | None = None
    text_topic: dict[int, int] = field(default_factory=dict)  # media id -> text topic (independent of sound)

    def sound_cluster_of(self, media_id: int) -> int | None:
        for c, ids in enumerate(self.songs):
            if media_id in ids:
                return c
        return 0 if media_id == self.music_video else None


@pytest.fixture
def synthetic(lib) -> SyntheticLibrary:
    rng = np.random.default_rng(42)
    out = SyntheticLibrary()
    dims = REAL_DIMS
    sound = rng.standard_normal((SONG_CLUSTERS, dims["audio.musicnn"])).astype(np.float32)
    dsp = rng.standard_normal((SONG_CLUSTERS, dims["audio.dsp"])).astype(np.float32)
    topics = rng.standard_normal((3, dims["text.embedding"])).astype(np.float32)  # independent of sound
    out.sound_centres, out.dsp_centres = sound, dsp
    for c in range(SONG_CLUSTERS):
        ids = add_media(lib, SONGS_PER_CLUSTER, prefix=f"/music/c{c}",
                        fields=[{"title": f"Song {c}.{i}", "artist": f"Artist {c}.{i % 5}", "genre": TAGS[c]}
                                for i in range(SONGS_PER_CLUSTER)])
        out.songs.append(ids)
        put_features(lib, ids, "audio.musicnn", _near(rng, sound[c], len(ids), 0.3),
                     [{"msd": {TAGS[c]: 0.7, "pop": 0.1}, "mtt": {"beat": 0.2}, "top": [[TAGS[c], 0.7]]}] * len(ids))
        put_features(lib, ids, "audio.dsp", _near(rng, dsp[c], len(ids), 0.3),
                     [{"tempo_bpm": TEMPO[c] + (i % 5) - 2, "key_label": "A minor", "key_confidence": 0.1}
                      for i in range(len(ids))])
        mood, v, a = MOOD[c]
        put_features(lib, ids, "emotion.music", np.tile([v, a, a, 0.5, 0.5, 0.5], (len(ids), 1)).astype(np.float32),
                     [{"valence": v, "arousal": a, "mood": mood}] * len(ids))
        topic_of = [int(t) for t in rng.integers(3, size=len(ids))]
        put_features(lib, ids, "text.embedding",
                     np.stack([_near(rng, topics[t], 1, 0.08)[0] for t in topic_of]))
        out.text_topic.update(zip(ids, topic_of))
    look = rng.standard_normal((2, dims["video.frames"])).astype(np.float32)
    for c in range(2):
        ids = add_media(lib, 8, kind="video", prefix=f"/video/v{c}",
                        fields=[{"title": f"Clip {c}.{i}"} for i in range(8)])
        out.videos.append(ids)
        put_features(lib, ids, "video.frames", _near(rng, look[c], len(ids), 0.3),
                     [{"brightness": 0.8 if c == 0 else 0.1, "colourfulness": 70 if c == 0 else 10,
                       "motion": 0.2, "cut_rate": 30 if c == 0 else 1, "labels": [["volcano", 0.4]]}] * len(ids))
        put_features(lib, ids, "text.embedding", _near(rng, topics[2], len(ids), 0.3))
    # The music video of a cluster-0 song: its soundtrack sounds like cluster 0.
    out.music_video = out.videos[1][0]
    put_features(lib, [out.music_video], "audio.musicnn", _near(rng, sound[0], 1, 0.3))
    put_features(lib, [out.music_video], "audio.dsp", _near(rng, dsp[0], 1, 0.3), [{"tempo_bpm": TEMPO[0]}])
    # Two calm talks about volcanoes and one energetic talk.
    out.volcano = [out.videos[0][1], out.videos[1][2]]
    out.energetic_talk = out.videos[0][3]
    lines = {out.volcano[0]: "the volcano erupted and lava reached the sea; volcanoes shape islands",
             out.volcano[1]: "we walked up the volcano at dawn, the lava fields were quiet, volcanoes sleep",
             out.energetic_talk: "buy now, the market is moving, prices are jumping everywhere"}
    for mid, text in lines.items():
        lib.transcripts.put(mid, 1, "en", [(0.0, 5.0, text)])
        calm = mid != out.energetic_talk
        v, a = (0.7, 0.2) if calm else (0.5, 0.9)
        put_features(lib, [mid], "emotion.speech", np.array([[v, a, 0.5, 0.5, 0.5]], np.float32),
                     [{"speech": True, "valence": v, "arousal": a, "mood": "calm" if calm else "energetic"}])
    return out
