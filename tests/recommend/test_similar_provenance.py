"""More like this hears rather than reads names: provenance as its own signal, "beyond", the text space without
wordless items, and the audio space weighed by how well each component separates the library's albums."""
import json

import numpy as np
import pytest

from mediarec.cli import main
from mediarec.extract.base import FeatureResult, MediaInput, Runtime, Transcript
from mediarec.extract.extractors.text_embedding import TextEmbedding
from mediarec.index import BuildOptions, rebuild, space_status
from mediarec.index.origin import Origin, group_labels
from mediarec.index.spaces import MIN_GROUPS, separation_stats
from mediarec.recommend import provenance
from mediarec.recommend.similar import WEIGHTS_KEY, MoreLikeThis
from mediarec.settings import Settings
from vector_factory import add_media, put_features


@pytest.fixture
def index_dir(app_dirs):
    return app_dirs["data"] / "index"


@pytest.fixture
def built(lib, synthetic, index_dir):
    rebuild(lib, index_dir, only_stale=False, opts=BuildOptions(fresh_margin=0))
    mlt = MoreLikeThis(lib, index_dir)
    yield mlt
    mlt.close()


def _origin(path, album=None, artist=None, album_artist=None):
    return Origin.of({"path": path, "album": album, "artist": artist, "album_artist": album_artist})


def test_provenance_ties_and_their_words():
    q = _origin("/m/a/1.ogg", "Blue", "Miles  Davis")
    assert provenance.closeness(q, _origin("/x/2.ogg", "blue ", "miles davis")) == provenance.SAME_ALBUM
    assert provenance.phrase(q, _origin("/x/2.ogg", "Blue", "Miles Davis")) == "same album (Blue)"
    # Two artists' albums of one name are two albums.
    other = _origin("/x/3.ogg", "Blue", "Joni Mitchell")
    assert provenance.closeness(q, other) == 0.0 and provenance.phrase(q, other) is None
    assert provenance.phrase(q, _origin("/y/4.ogg", None, "Miles Davis")) == "same artist (Miles Davis)"
    assert provenance.phrase(q, _origin("/m/a/5.ogg")) == "same folder (a)"
    assert provenance.closeness(q, _origin("/m/a/5.ogg")) == provenance.SAME_FOLDER
    # Beyond: a tagged query leaves out its album and artist, not its folder; an untagged one its folder.
    assert not provenance.beyond(q, _origin("/z/6.ogg", "Kind of Blue", "Miles Davis"))
    assert provenance.beyond(q, _origin("/m/a/7.ogg", "Other", "Someone"))
    bare = _origin("/m/b/8.ogg")
    assert not provenance.beyond(bare, _origin("/m/b/9.ogg")) and provenance.beyond(bare, _origin("/m/c/9.ogg"))


def test_groups_are_shared_albums_else_folders(lib):
    ids = add_media(lib, 4, prefix="/lib", fields=[
        {"album": "One", "artist": "A"}, {"album": "one", "artist": "a"}, {"album": "Alone", "artist": "B"}, {}])
    labels = group_labels(lib, np.array(ids + [ids[0]]))
    assert labels[0] == labels[1] == labels[4] and labels[0].startswith("album:")
    assert labels[2] == labels[3] == "folder:/lib/audio"  # an album of one says nothing: its folder does


def test_separation_weighs_the_components_that_tell_groups_apart():
    rng = np.random.default_rng(0)
    groups = np.repeat(np.arange(6), 20)
    x = rng.standard_normal((120, 3))
    x[:, 0] += 3.0 * groups  # separates the groups; 1 and 2 are noise
    stats = separation_stats(x, [str(g) for g in groups], min_items=50)
    weight = (stats["scale"] * x.std(axis=0)) ** 2
    assert weight[0] > 3 * weight[1] and weight[0] > 3 * weight[2]
    np.testing.assert_allclose(stats["mean"], x.mean(axis=0), atol=1e-5)
    # Too few groups to learn from: centred (or not), never scaled. Too few items: untouched.
    assert MIN_GROUPS > 2
    few = separation_stats(x, ["a"] * 60 + ["b"] * 60, min_items=50)
    assert (few["scale"] == 1).all() and np.allclose(few["mean"], x.mean(axis=0), atol=1e-5)
    assert (separation_stats(x, None, min_items=50, centre=False)["mean"] == 0).all()
    tiny = separation_stats(x[:10], [str(g) for g in groups[:10]], min_items=50)
    assert (tiny["scale"] == 1).all() and (tiny["mean"] == 0).all()


def test_wordless_items_are_marked_and_left_out_of_the_text_space(lib, synthetic, index_dir, tmp_path):
    ext = TextEmbedding()
    runtime = Runtime(models_dir=str(tmp_path / "models"), cache_dir=str(tmp_path / "cache"), settings=Settings())
    assert ext.check(runtime) is None
    ext.load(runtime)
    song = MediaInput({"id": 1, "kind": "audio", "path": "/m/Album/01 Tune.ogg", "title": "Tune"})
    song.results["speech.transcript"] = FeatureResult(None, {"speech": False}, Transcript("en", []))
    talk = MediaInput({"id": 2, "kind": "video", "path": "/v/talk.mp4", "title": "Talk"})
    talk.results["speech.transcript"] = FeatureResult(None, {"speech": True}, Transcript(
        "en", [(0.0, 3.0, "the volcano erupted and the lava reached the sea")]))
    assert ext.spec.version >= 2
    assert ext.extract(song).attrs["wordless"] is True and ext.extract(talk).attrs["wordless"] is False
    # Mark the songs of cluster 0 wordless: the text space then holds everything but them.
    wordless = synthetic.songs[0]
    rows = {r: lib.features.get(r, "text.embedding") for r in wordless}
    put_features(lib, wordless, "text.embedding", np.stack([rows[r]["vector"] for r in wordless]),
                 [{"wordless": True}] * len(wordless))
    rebuild(lib, index_dir, only_stale=False, opts=BuildOptions(fresh_margin=0))
    mlt = MoreLikeThis(lib, index_dir)
    try:
        assert mlt.similar(wordless[0], 5, space="text").spaces == {}
        assert "text" not in mlt.similar(wordless[0], 5).spaces
        spoken = mlt.similar(synthetic.songs[1][0], 30, space="text")
        assert len(spoken.ids) == 30 and not set(spoken.ids.tolist()) & set(wordless)
    finally:
        mlt.close()


def test_beyond_leaves_the_query_artist_out(built, synthetic, lib):
    song = synthetic.songs[2][0]
    artist = lib.media.get(song)["artist"]
    plain = built.similar(song, 10)
    assert artist in {lib.media.get(i)["artist"] for i in plain.ids.tolist()}  # there is something to leave out
    found = built.similar(song, 10, beyond=True)
    assert len(found.ids) == 10
    assert artist not in {lib.media.get(i)["artist"] for i in found.ids.tolist()}
    assert {synthetic.sound_cluster_of(i) for i in found.ids.tolist()} == {2}  # still by sound


def test_provenance_has_its_own_weight_and_is_said(lib, synthetic, index_dir, built):
    song = synthetic.songs[1][0]
    artist = lib.media.get(song)["artist"]
    plain = built.similar(song, 8)
    assert "metadata" not in plain.spaces  # default: ranked by sound and feel
    lib.kv.set(WEIGHTS_KEY, {"metadata": 4.0})
    mlt = MoreLikeThis(lib, index_dir)
    try:
        found = mlt.similar(song, 8)
        assert found.spaces["metadata"] == 4.0
        same = [lib.media.get(i)["artist"] == artist for i in found.ids.tolist()]
        before = sum(lib.media.get(i)["artist"] == artist for i in plain.ids.tolist())
        # The artist's songs among what sounds alike come first (the signal re-ranks, it adds none).
        assert same[:sum(same)] == [True] * sum(same) and sum(same) >= max(2, before)
        for score, sims in zip(found.scores, found.per_space):
            total = sum(found.spaces.values())
            assert score == pytest.approx(sum(found.spaces[s] * (sims[s] or 0) for s in found.spaces) / total, abs=1e-4)
        why = mlt.explain(found)
        assert why[0][0] == f"same artist ({artist})"
        assert all(not any(p.startswith("same artist") for p in w) for w, s in zip(why, same) if not s)
    finally:
        mlt.close()


def test_similar_cli_beyond(capsys, lib, synthetic, index_dir):
    rebuild(lib, index_dir, only_stale=False)
    song = synthetic.songs[0][1]
    artist = lib.media.get(song)["artist"]
    assert main(["similar", str(song), "-n", "6", "--beyond", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["beyond"] is True and len(doc["items"]) == 6
    assert all(item["artist"] != artist for item in doc["items"])
    assert main(["similar", str(song), "-n", "6", "--metadata-weight", "3", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["weights"]["metadata"] == 3.0 and doc["items"][0]["artist"] == artist
    assert doc["items"][0]["reasons"][0] == f"same artist ({artist})"


def test_an_index_composed_differently_is_stale(lib, synthetic, index_dir):
    rebuild(lib, index_dir, only_stale=False)
    assert not space_status(lib, index_dir, "audio")["stale"]
    manifest = index_dir / "audio.json"
    doc = json.loads(manifest.read_text())
    doc["blocks"] = doc["blocks"][:2]  # as the audio space was built before its tags block
    manifest.write_text(json.dumps(doc))
    assert "the space is composed differently now: rebuild" in space_status(lib, index_dir, "audio")["reasons"]
