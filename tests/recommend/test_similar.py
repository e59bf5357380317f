"""More like this on a clustered synthetic library stored through the real feature tables."""
import json

import numpy as np
import pytest

from mediarec.cli import main
from mediarec.index import BuildOptions, rebuild
from mediarec.recommend.similar import DUPLICATE_COSINE, WEIGHTS_KEY, MoreLikeThis
from vector_factory import add_media, put_features


@pytest.fixture
def index_dir(app_dirs):
    return app_dirs["data"] / "index"


@pytest.fixture
def built(lib, synthetic, index_dir):
    """The synthetic library with every space built, searched through Annoy (no small-library scan)."""
    rebuild(lib, index_dir, only_stale=False, opts=BuildOptions(fresh_margin=0))
    mlt = MoreLikeThis(lib, index_dir, scan_below=0)
    yield mlt
    mlt.close()


def test_more_like_this_returns_the_items_own_cluster(built, synthetic):
    for cluster, songs in enumerate(synthetic.songs):
        for song in songs[:4]:
            ids, scores = built.similar_items(song, n=10)
            assert len(ids) == 10 and isinstance(ids, np.ndarray) and isinstance(scores, np.ndarray)
            assert [synthetic.sound_cluster_of(i) for i in ids.tolist()] == [cluster] * 10
            assert np.all(np.diff(scores) <= 1e-6), "best first"


def test_fused_spaces_behave_as_weighted(lib, built, synthetic):
    song = synthetic.songs[1][3]
    by_sound = built.similar(song, n=8, space="audio")
    by_topic = built.similar(song, n=8, space="text")
    # Sound and text topic are independent in this library: each space alone finds its own neighbours.
    assert {synthetic.sound_cluster_of(i) for i in by_sound.ids.tolist()} == {1}
    assert {synthetic.text_topic.get(i, 2) for i in by_topic.ids.tolist()} == {synthetic.text_topic[song]}

    built.weights = {"audio": 1.0, "visual": 0.0, "text": 0.0, "mood": 0.0}
    assert built.similar(song, n=8).ids.tolist() == by_sound.ids.tolist()
    built.weights = {"audio": 0.0, "visual": 0.0, "text": 1.0, "mood": 0.0}
    assert built.similar(song, n=8).ids.tolist() == by_topic.ids.tolist()

    built.weights = {"audio": 3.0, "visual": 0.0, "text": 1.0, "mood": 0.0}
    mixed = built.similar(song, n=8)
    assert mixed.spaces == {"audio": 3.0, "text": 1.0}
    for score, sims in zip(mixed.scores, mixed.per_space):
        assert score == pytest.approx((3 * sims["audio"] + 1 * sims["text"]) / 4, abs=1e-4)


def test_weights_come_from_the_library_when_a_model_stored_them(lib, synthetic, index_dir):
    lib.kv.set(WEIGHTS_KEY, {"audio": 0.0, "text": 2.0})
    mlt = MoreLikeThis(lib, index_dir)
    assert mlt.weights["audio"] == 0.0 and mlt.weights["text"] == 2.0 and mlt.weights["mood"] > 0
    assert "audio" not in mlt.similar(synthetic.songs[0][0], n=3).spaces


def test_never_the_item_itself_or_its_duplicates(lib, synthetic, index_dir):
    song = synthetic.songs[2][5]
    row = lib.media.get(song)
    copy = add_media(lib, 1, prefix="/elsewhere", fields=[{"fingerprint": row["fingerprint"], "title": "copy"}])[0]
    reencode = add_media(lib, 1, prefix="/reencoded", fields=[{"title": "re-encode"}])[0]
    for name in ("audio.musicnn", "audio.dsp"):
        f = lib.features.get(song, name)
        put_features(lib, [copy], name, f["vector"][None, :], [f["attrs"]])
        tiny = np.random.default_rng(1).standard_normal(f["vector"].size).astype(np.float32) * 1e-3
        put_features(lib, [reencode], name, (f["vector"] + tiny)[None, :], [f["attrs"]])
    rebuild(lib, index_dir, only_stale=False, opts=BuildOptions(fresh_margin=0))
    mlt = MoreLikeThis(lib, index_dir, scan_below=0)
    for query, twins in ((song, {copy, reencode}), (copy, {song, reencode}), (reencode, {song, copy})):
        found = mlt.similar(query, n=60)
        assert query not in found.ids.tolist()
        assert not twins & set(found.ids.tolist())
        assert {d["id"] for d in found.duplicates} == twins
    why = {d["id"]: d["why"] for d in mlt.similar(song).duplicates}
    assert "fingerprint" in why[copy] and f"{DUPLICATE_COSINE}" in why[reencode]
    mlt.close()


def test_cross_kind_a_music_video_for_a_song_and_a_calm_video_for_a_calm_track(built, synthetic):
    song = synthetic.songs[0][2]  # cluster 0: calm
    videos = built.similar(song, n=5, kind="video")
    assert videos.ids[0] == synthetic.music_video
    assert "visual" not in videos.spaces  # a song has no look; only spaces it shares with videos count
    assert set(videos.ids.tolist()) <= set(synthetic.videos[0] + synthetic.videos[1])
    calm = built.similar(song, n=16, space="mood", kind="video").ids.tolist()
    assert calm.index(synthetic.volcano[0]) < calm.index(synthetic.energetic_talk)
    assert calm.index(synthetic.volcano[1]) < calm.index(synthetic.energetic_talk)
    songs = built.similar(synthetic.music_video, n=5, kind="audio")
    assert {synthetic.sound_cluster_of(i) for i in songs.ids.tolist()} == {0}


def test_an_item_analysed_after_the_build_is_found_at_once(lib, built, synthetic):
    new = add_media(lib, 1, prefix="/new", fields=[{"title": "brand new"}])[0]
    rng = np.random.default_rng(5)
    tags = {"msd": {"electronic": 0.7, "pop": 0.1}, "mtt": {"beat": 0.2}}  # a real musicnn row has its tags
    for name, centre, attrs in (("audio.musicnn", synthetic.sound_centres[1], [tags]),
                                ("audio.dsp", synthetic.dsp_centres[1], None)):
        vec = centre + 0.3 * rng.standard_normal(centre.size).astype(np.float32)
        put_features(lib, [new], name, (vec / np.linalg.norm(vec))[None, :], attrs)  # like its cluster's vectors
    neighbours = built.similar(new, n=10, space="audio")
    assert {synthetic.sound_cluster_of(i) for i in neighbours.ids.tolist()} == {1}
    # ... and the new item is among the neighbours of its cluster, though no index holds it yet.
    ranks = [built.similar(s, n=10, space="audio").ids.tolist() for s in synthetic.songs[1]]
    assert sum(new in r for r in ranks) >= 3


def test_similar_cli_json_carries_reasons_from_real_attributes(capsys, lib, synthetic, index_dir):
    rebuild(lib, index_dir, only_stale=False, opts=BuildOptions(fresh_margin=0))
    song = synthetic.songs[1][0]
    assert main(["similar", str(song), "-n", "5", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["query"]["id"] == song and doc["duplicates"] == []
    tempo = {r["media_id"]: r["attrs"]["tempo_bpm"] for r in
             (dict(lib.features.get(i, "audio.dsp"), media_id=i) for i in synthetic.songs[1])}
    for item in doc["items"]:
        assert {"id", "path", "title", "kind", "score", "reasons"} <= set(item)
        assert item["kind"] == "audio" and item["path"].startswith("/music/c1/")
        assert f"similar tempo ({tempo[item['id']]:.0f} vs {tempo[song]:.0f} BPM)" in item["reasons"]
        assert "also energetic" in item["reasons"] or "both tagged electronic" in item["reasons"]

    assert main(["similar", str(synthetic.volcano[0]), "--kind", "video", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    other = next(i for i in doc["items"] if i["id"] == synthetic.volcano[1])
    assert any(r.startswith("mentions") and "volcano" in r for r in other["reasons"])

    assert main(["similar", str(song)]) == 0
    assert "similar tempo" in capsys.readouterr().out


def test_similar_without_features_is_a_user_error(capsys, lib, index_dir):
    bare = add_media(lib, 1, prefix="/bare")[0]
    assert main(["similar", str(bare)]) == 1
    assert "mediarec analyze" in capsys.readouterr().err


def test_reasons_only_say_what_both_items_have():
    from collections import Counter

    from mediarec.recommend.reasons import Facts, reasons

    a = Facts({"artist": "X"}, dsp={"tempo_bpm": 124.0}, tags={"electronic": 0.8, "rock": 0.1},
              emotion={"mood": "calm"}, frames={"brightness": 0.8, "cut_rate": 25, "motion": 0.03,
                                                "labels": [["volcano", 0.3]]},
              words=Counter({"volcanoes": 3, "lava": 1}))
    b = Facts({"artist": "Y"}, dsp={"tempo_bpm": 121.0}, tags={"electronic": 0.5, "rock": 0.6},
              emotion={"mood": "calm"}, frames={"brightness": 0.7, "cut_rate": 30, "motion": 0.03,
                                                "labels": [["volcano", 0.2]]},
              words=Counter({"volcanoes": 1}))
    said = reasons(a, b, limit=10)
    assert "similar tempo (121 vs 124 BPM)" in said
    assert "also calm" in said and "both tagged electronic" in said
    assert "looks alike: bright, fast cuts" in said and "both show volcano" in said
    assert "mentions volcanoes" in said
    assert not any("artist" in r or "rock" in r for r in said)
    c = Facts({}, dsp={"tempo_bpm": 160.0}, emotion={"mood": "neutral"})
    assert reasons(a, c) == []  # nothing in common: nothing said
    assert reasons(a, c, sims={"audio": 0.7, "mood": 0.2}) == ["sounds alike"]
