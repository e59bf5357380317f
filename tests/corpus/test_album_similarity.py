"""More like this on seven real albums (58 tracks), named and anonymised: it must hear the album, not read it.

Both copies are analysed once for the module with the default `analyze` (minutes: marked slow). The
anonymised copy has no tags and no names (tracks trackNN in folders dNN, one per album). Before the fix
the "talks alike" space was the names of wordless tracks: same-album precision@5 was 0.997 from it alone
and 0.84 blended for the named copy, and the blend fell when names were gone. Now the lists are ranked by
sound and feel and are as good without names; the old composition is measured beside them from the same
stored features."""
from __future__ import annotations

import os
import shutil

import pytest

import albums
from mediarec.index.spaces import SPACES, Block, Center, Space, Unit
from mediarec.recommend.similar import MoreLikeThis

pytestmark = [pytest.mark.corpus, pytest.mark.slow]

OLD_AUDIO = Space("audio", (Block(("audio.musicnn",), 0.7, Center()), Block(("audio.dsp",), 0.3, Unit())),
                  frozenset({"audio", "video"}))
OLD_TEXT = Space("text", (Block(("text.embedding",), 1.0, Center()),), frozenset({"audio", "video"}))


@pytest.fixture(scope="module")
def copies(album_corpus, corpus, tmp_path_factory):
    """{"named" | "anonymised": (library, index dir, {media id: true album})}, analysed once."""
    files = albums.sources(album_corpus, corpus)
    assert len(files) == albums.TRACKS
    root = tmp_path_factory.mktemp("albums")
    anonymous = albums.anonymise(files, root / "files")
    named_roots = [album_corpus / d for d in albums.ALBUM_DIRS] + [corpus / "music" / d for d in albums.DEV_ALBUMS]
    out = {}
    for name, roots, truth_of in (("named", named_roots, albums.album_of),
                                  ("anonymised", [root / "files"], lambda p: anonymous[p])):
        lib, index_dir, report = albums.analyse(roots, root / name, workers=os.cpu_count())
        assert not report.failed, report
        assert all(report.results.get(e) == albums.TRACKS for e in
                   ("audio.dsp", "audio.musicnn", "emotion.music", "text.embedding")), report
        out[name] = (lib, index_dir, albums.truth_by_id(lib, truth_of))
    yield out
    for lib, _, _ in out.values():
        lib.close()
    shutil.rmtree(root, ignore_errors=True)


def _p5(entry, **kw) -> float:
    lib, index_dir, truth = entry
    mlt = MoreLikeThis(lib, index_dir)
    try:
        return albums.precision_at_5(albums.lists_of(mlt, truth, **kw), truth)
    finally:
        mlt.close()


def test_the_copies_are_whole_and_nameless(copies):
    for name, (lib, _, truth) in copies.items():
        assert len(truth) == albums.TRACKS and len(set(truth.values())) == albums.ALBUMS
    lib, _, truth = copies["anonymised"]
    assert all(it["album"] is None and it["artist"] is None and it["title"].startswith("track")
               for it in lib.media.list(kind="audio"))
    named = copies["named"][0]
    assert sum(1 for it in named.media.list(kind="audio") if it["album"]) >= 16  # singularity and two more


def test_wordless_music_has_no_text_vector_to_be_found_by(copies):
    for lib, index_dir, truth in copies.values():
        for mid in list(truth)[:10]:
            assert lib.features.get(mid, "text.embedding")["attrs"]["wordless"] is True
        mlt = MoreLikeThis(lib, index_dir)
        try:
            found = mlt.similar(next(iter(truth)), 5)
            assert "text" not in found.spaces and set(found.spaces) <= {"audio", "mood"}
        finally:
            mlt.close()


def test_names_do_not_change_the_lists(copies):
    named, anonymised = _p5(copies["named"]), _p5(copies["anonymised"])
    assert abs(named - anonymised) <= 0.05, (named, anonymised)


def test_it_hears_the_album_better_than_the_old_weighting(copies):
    lib, _, truth = copies["anonymised"]
    old = albums.exact_lists(lib, {"audio": OLD_AUDIO, "mood": SPACES["mood"]}, {"audio": 1.0, "mood": 0.35}, truth)
    before_audio = albums.precision_at_5(old["audio"], truth)
    before = albums.precision_at_5(old["blend"], truth)
    after_audio = _p5(copies["anonymised"], space="audio")
    after = _p5(copies["anonymised"])
    assert after_audio > before_audio + 0.01, (before_audio, after_audio)
    assert after > before, (before, after)
    assert after >= 0.55  # 0.60 when this was written; the old blend without names 0.59


def test_the_old_text_space_read_the_names(copies):
    """What this was about: the names alone found the album, with no hearing at all."""
    lib, _, truth = copies["named"]
    lists = albums.exact_lists(lib, {"text": OLD_TEXT}, {"text": 1.0}, truth)["text"]
    assert albums.precision_at_5(lists, truth) >= 0.9


def test_beyond_leaves_the_album_out(copies):
    for name in ("named", "anonymised"):
        lib, index_dir, truth = copies[name]
        items = {it["id"]: it for it in lib.media.list(kind="audio")}
        mlt = MoreLikeThis(lib, index_dir)
        try:
            for q in truth:
                found = mlt.similar(q, 5, beyond=True)
                assert len(found.ids) == 5
                a = items[q]
                for b in (items[r] for r in found.ids.tolist()):
                    where = (name, a["path"], b["path"])
                    assert not a["album"] or a["album"] != b["album"], where
                    assert not a["artist"] or a["artist"] != b["artist"], where
                    if not (a["album"] or a["artist"]):
                        assert a["path"].rsplit("/", 1)[0] != b["path"].rsplit("/", 1)[0], where
            # Anonymised, the folder is the album: beyond finds none of it.
            if name == "anonymised":
                assert albums.precision_at_5(albums.lists_of(mlt, truth, beyond=True), truth) == 0.0
        finally:
            mlt.close()


def test_provenance_is_said_and_can_be_weighed(copies):
    lib, index_dir, truth = copies["named"]
    mlt = MoreLikeThis(lib, index_dir, weights={"metadata": 0.3})
    try:
        p = albums.precision_at_5(albums.lists_of(mlt, truth), truth)
        song = next(it["id"] for it in lib.media.list(kind="audio") if it["album"] and "Singularity" in it["album"])
        found = mlt.similar(song, 5)
        why = mlt.explain(found)
    finally:
        mlt.close()
    assert p > _p5(copies["named"]) + 0.05  # the album first, when the user asks for it
    assert any(w and w[0].startswith(("same album (Endgame", "same artist (Maxstack")) for w in why), why
