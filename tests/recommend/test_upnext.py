"""Up next on a clustered synthetic library stored through the real tables, with a simulated listener."""
import json

import numpy as np
import pytest

from listening import SKIP_AT, SONG_SECONDS, T0, Listener, clustered_library, scripted_history
from mediarec.cli import main
from mediarec.library import Library
from mediarec.recommend import events
from mediarec.recommend.pacing import MIN_GAP
from mediarec.recommend.upnext import STATE_KEY, UpNext, upnext
from mediarec.settings import RecommendSettings
from vector_factory import add_media, put_features

LIKED = {0, 3}


@pytest.fixture
def index_dir(app_dirs):
    return app_dirs["data"] / "index"


@pytest.fixture
def library(lib):
    return clustered_library(lib)


@pytest.fixture
def listened(lib, library, index_dir):
    """Sixty picks from up next, each finished when it is from a liked cluster and skipped otherwise."""
    listener = Listener(lib, library, LIKED)
    lists = []
    for _ in range(60):
        found = upnext(lib, index_dir, n=10, explain=False, now=listener.ts)
        lists.append(found.ids.tolist())
        listener.hear(int(found.ids[0]))
    return listener, lists


def test_the_simulated_listener_skips_far_less_than_with_shuffle(listened, library):
    listener, _ = listened
    rng = np.random.default_rng(7)  # shuffle play, the same picks 21-60, averaged over 200 shuffles
    shuffles = [rng.permutation(library.all)[20:60] for _ in range(200)]
    shuffle_skips = 1.0 - np.mean([[library.cluster_of[int(m)] in LIKED for m in s] for s in shuffles])
    assert shuffle_skips == pytest.approx(4 / 6, abs=0.03)  # four clusters in six are disliked
    assert listener.skip_rate(21, 60) < shuffle_skips / 3


def test_repeats_wait_while_fresh_favourites_remain_and_never_come_within_five_picks(listened):
    """A hundred liked songs, sixty picks: fresh ones the listener will finish never run out, so nothing
    comes back before most of the no-repeat window has passed; what was just heard never comes back
    within MIN_GAP picks, in the top pick or anywhere in a list; what comes back was finished."""
    listener, lists = listened
    window = RecommendSettings().no_repeat_window
    last_seen: dict[int, int] = {}
    for i, mid in enumerate(listener.picks):
        if mid in last_seen:
            assert i - last_seen[mid] > 0.8 * window, (i, i - last_seen[mid])
            assert listener.finished[last_seen[mid]], "a skipped song came back"
        last_seen[mid] = i
    for i, ids in enumerate(lists):
        assert len(set(ids)) == len(ids) == 10
        assert not set(ids) & set(listener.picks[max(0, i - MIN_GAP):i]), "a list offers what was just heard"
        skipped = {m for m, done in zip(listener.picks[max(0, i - window):i], listener.finished[max(0, i - window):i])
                   if not done}
        assert not set(ids) & skipped, "a list offers a song skipped within the window"


def test_the_model_learns_online_and_is_stored_as_json(lib, listened, index_dir):
    listener, _ = listened
    a = upnext(lib, index_dir, n=10, explain=False, now=listener.ts).ids.tolist()  # catches up with pick 60
    state = lib.kv.get(STATE_KEY)
    assert isinstance(state, dict) and state["cursor"]["count"] == 60
    assert state["scorer"]["updates"] == 60
    rec = UpNext(lib, index_dir)
    prior = UpNext(lib, index_dir, persist=False).scorer.weights()
    assert rec.scorer.weights() != prior, "the weights moved from the prior"
    # A fresh recommender loads that state and gives the same list as the one that made it.
    assert rec.recommend(10, now=listener.ts, explain=False).ids.tolist() == a
    # Forgetting the history leaves nothing of it in the model at the next list.
    assert main(["forget", "--all"]) == 0
    rec = UpNext(lib, index_dir)
    rec.catch_up()
    assert rec.cursor["count"] == 0 and not rec.taste.items and not rec.recent
    state = lib.kv.get(STATE_KEY)  # forget drops the stored model; a later save starts from nothing
    assert (state is None or state["cursor"]["count"] == 0) and rec.taste.strongest(listener.ts)[0].size == 0
    assert len(UpNext(lib, index_dir).cooc) == 0


def test_events_stamped_earlier_than_the_last_one_are_learned_without_refitting(lib, library, index_dir):
    """A clock set back (or an imported history): such an event is new all the same, and the model takes
    it as one more step instead of replaying the whole history at every list."""
    ids = library.all[:3]
    start = 1_700_000_000.0
    events.record(lib, ids[0], "play", position=SONG_SECONDS, duration=SONG_SECONDS, ts=start)
    rec = UpNext(lib, index_dir)
    rec.catch_up()
    fits = []
    rec.fit = lambda history, _fit=rec.fit: fits.append(len(history)) or _fit(history)
    for k, mid in enumerate(ids[1:]):
        events.record(lib, mid, "skip", position=SKIP_AT, duration=SONG_SECONDS, ts=start - 3600 * (k + 1))
        assert rec.catch_up() == 1
    assert fits == [] and rec.cursor["count"] == 3


def test_a_running_player_forgets_what_the_cli_forgot(lib, library, index_dir, app_dirs):
    """The app's recommender lives on while `mediarec forget` deletes one item's history from another
    process: its next catch-up replays what is left, and that item's record is gone from its model."""
    a, b = library.all[:2]
    start = 1_700_000_000.0
    rec = UpNext(lib, index_dir)
    for k, mid in enumerate([a, b, a]):
        events.record(lib, mid, "play", position=SONG_SECONDS, duration=SONG_SECONDS, ts=start + 300 * k)
    assert rec.catch_up() == 3 and a in rec.taste.items
    with Library(lib.path) as other:  # the CLI's own connection
        assert other.events.forget(a) == 2
    events.record(lib, b, "skip", position=SKIP_AT, duration=SONG_SECONDS, ts=start + 1200)
    rec.catch_up()
    assert a not in rec.taste.items and rec.cursor["count"] == 2
    assert rec.taste.items.get(b).plays == 1 and rec.taste.items.get(b).skips == 1


def test_a_long_first_replay_cut_short_keeps_what_it_did(lib, library, index_dir, monkeypatch):
    """The first catch-up of a long history replays every event (20,000: ~40 s). The app may close in the
    middle: what was replayed is saved as it goes, and the next start goes on from there to the same model
    as an uninterrupted replay."""
    from mediarec.recommend import upnext as upnext_module

    total = scripted_history(lib, library, [0, 3], sessions=3, per_session=12)
    monkeypatch.setattr(upnext_module, "FIT_SAVE_S", 0.0)
    cut = UpNext(lib, index_dir)
    seen = []
    real = cut.observe

    def closing(event):
        if len(seen) == total // 2:
            raise KeyboardInterrupt  # the app going away mid-replay
        seen.append(event["id"])
        real(event)
    cut.observe = closing
    with pytest.raises(KeyboardInterrupt):
        cut.catch_up()
    resumed = UpNext(lib, index_dir)
    kept = resumed.cursor["count"]
    assert 0 < kept <= total // 2
    fits = []
    resumed.fit = lambda *a, **kw: fits.append(1)
    assert resumed.catch_up() == total - kept and fits == []
    whole = UpNext(lib, index_dir, persist=False)
    whole.catch_up()
    now = T0 + 86400.0
    assert resumed.recommend(10, now=now, explain=False).ids.tolist() == \
        whole.recommend(10, now=now, explain=False).ids.tolist()
    assert resumed.taste.strongest(now)[0].tolist() == whole.taste.strongest(now)[0].tolist()


def test_cold_start_is_varied_then_follows_the_first_play(lib, library, index_dir):
    found = upnext(lib, index_dir, n=10, now=Listener(lib, library, LIKED).ts)
    clusters = [library.cluster_of[m] for m in found.ids.tolist()]
    assert len(set(clusters)) >= 5, clusters
    assert all(p.reasons == ["a varied start: a different corner of your library"] for p in found.picks)
    listener = Listener(lib, library, {2})
    first = library.clusters[2][7]
    listener.hear(first)
    found = upnext(lib, index_dir, n=10, now=listener.ts)
    regular = [p for p in found.picks if not p.explored]
    assert sum(library.cluster_of[p.id] == 2 for p in regular) >= len(regular) - 1
    assert found.picks[0].reasons[0] == "because you finished Song 2.7"
    assert first not in found.ids.tolist()


def test_the_first_list_of_a_session_follows_what_the_user_put_on(lib, library, index_dir):
    """Nothing heard yet, the user starts a song: the list follows it at once (it said "a varied start" until
    the song ended), says so, and leaves it out; once the song ends it is the session like any other."""
    listener = Listener(lib, library, {4})
    first = library.clusters[4][3]
    events.record(lib, first, "start", ts=listener.ts)
    rec = UpNext(lib, index_dir)
    found = rec.refill(10, now=listener.ts + 5.0)
    regular = [p for p in found.picks if not p.explored]
    assert first not in found.ids.tolist()
    assert sum(library.cluster_of[p.id] == 4 for p in regular) >= len(regular) - 1, found.ids
    assert all(p.reasons[0] == "after Song 4.3, playing now" for p in regular if p.origin == "radio"), found.picks
    listener.hear(first)  # it ends: a play
    found = rec.refill(10, now=listener.ts)
    assert found.picks[0].reasons[0] == "because you finished Song 4.3"
    assert not any("playing now" in r for p in found.picks for r in p.reasons)


def test_in_session_skips_steer_away_at_once(lib, library, index_dir):
    listener = Listener(lib, library, {0, 3})
    for a, b in zip(library.clusters[3][:3], library.clusters[0][:3]):
        listener.hear(a)
        listener.hear(b)
    probe = library.clusters[0][20:30] + library.clusters[3][20:30]

    def state():
        rec = UpNext(lib, index_dir)
        rec.catch_up()
        found = rec.recommend(10, now=listener.ts)
        p = rec.predict(probe, listener.ts)
        rec.close()
        return sum(library.cluster_of[m] == 0 for m in found.ids.tolist()), found, p[:10].mean(), p[10:].mean()

    def top(found):  # the best pick that is not an exploring one
        return next(p.id for p in found.picks if not p.explored)

    before, found, p0_before, p3_before = state()
    assert library.cluster_of[top(found)] == 0 and before >= 5  # the session ended on cluster 0
    listener.liked = {3}  # the mood changes: cluster 0 is skipped from now on
    listener.hear(top(found))
    after, found, p0_after, p3_after = state()
    assert library.cluster_of[top(found)] == 3 and after <= before // 2
    assert p0_after < p0_before - 0.2 and p3_after > p3_before - 0.05  # away from the skipped region only
    listener.hear(library.clusters[0][11])
    _, found, _, _ = state()
    # Both skips are slow songs (cluster 0: ~84 BPM) while the finished ones were mixed: the reason says so.
    said = [r for p in found.picks for r in p.reasons]
    assert any(r.startswith("you skip slow tracks") for r in said), said


def test_kind_filter_and_cli(capsys, lib, library, index_dir):
    # Five music videos that sound like cluster 1.
    videos = add_media(lib, 5, kind="video", prefix="/video")
    f = [lib.features.get(m, "audio.musicnn")["vector"] for m in library.clusters[1][:5]]
    put_features(lib, videos, "audio.musicnn", np.stack(f) * 1.01)
    assert main(["event", "play", str(library.clusters[1][0])]) == 0
    capsys.readouterr()
    assert main(["upnext", "-n", "5", "--kind", "video", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [it["id"] for it in doc["items"]] and {it["kind"] for it in doc["items"]} == {"video"}
    assert set(it["id"] for it in doc["items"]) <= set(videos)
    assert main(["upnext", "-n", "8", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["events"] == 1 and len(doc["items"]) == 8
    for it in doc["items"]:
        assert {"id", "path", "title", "kind", "score", "reasons"} <= set(it) and it["reasons"]
        assert it["id"] != library.clusters[1][0]
    assert any(r == "because you finished Song 1.0" for it in doc["items"] for r in it["reasons"])
    # Refilled after every event: a skip is in the very next list.
    top = doc["items"][0]["id"]
    assert main(["event", "skip", str(top), "--position", str(SKIP_AT)]) == 0
    capsys.readouterr()
    assert main(["upnext", "-n", "8", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["events"] == 2 and top not in [it["id"] for it in doc["items"]]
    assert main(["upnext", "-n", "3"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["#", "score", "kind", "item", "why"] and "because you finished" in out


def test_an_empty_library_says_what_to_do(capsys, lib):
    assert main(["upnext"]) == 0
    assert "mediarec scan" in capsys.readouterr().out
    assert events.PLAY_SECONDS > SONG_SECONDS / 2  # the listener's finishes count as plays by the rules


def test_a_library_smaller_than_the_window_still_gets_a_list(lib, index_dir):
    small = clustered_library(lib, clusters=2, per_cluster=8)
    listener = Listener(lib, small, {0, 1})
    for _ in range(30):  # more than the library holds
        found = upnext(lib, index_dir, n=5, explain=False, now=listener.ts)
        assert len(found.ids) == 5
        listener.hear(int(found.ids[0]))
    # Never what was heard in the last MIN_GAP picks; sooner than the window only what was finished (all of
    # it here), marked as coming again.
    found = upnext(lib, index_dir, n=5, explain=False, now=listener.ts)
    assert len(found.ids) == 5 and set(found.ids.tolist()).isdisjoint(listener.picks[-MIN_GAP:])
    assert all(p.origin == "again" for p in found.picks if p.id in listener.picks[-(16 - 5):])


def test_a_pick_heard_earlier_in_the_session_is_never_explained_by_itself(lib, index_dir):
    small = clustered_library(lib, clusters=2, per_cluster=8)
    listener = Listener(lib, small, {0, 1})
    for _ in range(20):  # past the library's size: earlier items come back within the session
        listener.hear(int(upnext(lib, index_dir, n=5, explain=False, now=listener.ts).ids[0]))
    back = [m for m in upnext(lib, index_dir, n=5, explain=False, now=listener.ts).ids.tolist()
            if m in listener.picks]
    assert back, "something heard earlier is offered again"
    for mid in back:  # liked just now: the session's latest "finished" items are the picks themselves
        events.record(lib, mid, "like", ts=listener.ts)
    found = upnext(lib, index_dir, n=5, now=listener.ts + 1)
    titles = lib.media.get_many(found.ids.tolist(), ["title"])
    for pick in found.picks:
        assert f"because you finished {titles[pick.id]['title']}" not in pick.reasons, pick.reasons
    assert any(w.startswith("because you finished") for p in found.picks for w in p.reasons)


def test_a_disliked_item_is_not_offered_again(lib, index_dir):
    small = clustered_library(lib, clusters=2, per_cluster=8)  # so small that every item comes round
    listener = Listener(lib, small, {0, 1})
    for _ in range(12):
        listener.hear(int(upnext(lib, index_dir, n=5, explain=False, now=listener.ts).ids[0]))
    top = int(upnext(lib, index_dir, n=5, explain=False, now=listener.ts).ids[0])
    events.record(lib, top, "dislike", ts=listener.ts)
    for _ in range(20):
        found = upnext(lib, index_dir, n=5, explain=False, now=listener.ts).ids.tolist()
        assert top not in found and len(found) == 5
        listener.hear(found[0])
    events.record(lib, top, "like", ts=listener.ts)  # a change of mind brings it back
    assert top in upnext(lib, index_dir, n=16, explain=False, now=listener.ts).ids.tolist()
