"""Cross-listener recommendations: listeners who share a cluster help each other's up next (with a reason),
opposite tastes do not, a private listener and the guest are never drawn on, and eval shows the difference."""
import pytest

from listening import T0, clustered_library, scripted_history
from mediarec.library.listeners import Listeners
from mediarec.recommend.cross import CLOSE, CrossModel
from mediarec.recommend.evaluate import replay
from mediarec.recommend.upnext import UpNext


@pytest.fixture
def index_dir(app_dirs):
    return app_dirs["data"] / "index"


def _two(lib, sam_likes, me_likes=(0,), private=False):
    """A clustered library; Sam's history (earlier, more of it), then mine. Returns (library, Sam's id)."""
    library = clustered_library(lib, clusters=6, per_cluster=30)
    sam = Listeners(lib).add("Sam", private=private).id
    scripted_history(lib, library, list(sam_likes), sessions=6, per_session=20, seed=1, listener=sam)
    scripted_history(lib, library, list(me_likes), sessions=3, per_session=8, seed=2, start=T0 + 30 * 86400.0)
    return library, sam


def test_agreement_is_high_for_a_shared_cluster_and_zero_for_opposite_tastes(lib):
    library, sam = _two(lib, sam_likes=(0, 1))
    ada = Listeners(lib).add("Ada").id
    scripted_history(lib, library, [4, 5], sessions=4, per_session=10, seed=3, start=T0 + 60 * 86400.0,
                     listener=ada)
    model = CrossModel(1, {sam: "Sam", ada: "Ada"})
    for e in lib.events.list():
        model.observe(e)
    assert model.agreement(sam) > CLOSE and model.agreement(ada) == 0.0
    # Item-based: what Sam finished right after my last song is the strongest signal.
    last = [e["media_id"] for e in lib.events.list(listener=1) if e["type"] == "play"][-1]
    nxt = library.clusters[0][library.clusters[0].index(last) + 1]
    found = model.signal(library.all, anchors=[last])
    assert found.item[library.all.index(nxt)] == found.item.max() > 0
    assert "Sam" in found.reasons[nxt]


def test_up_next_draws_on_a_close_listener_with_a_reason_and_never_on_a_private_one(lib, index_dir):
    library, sam = _two(lib, sam_likes=(0, 1))
    rec = UpNext(lib, index_dir, persist=False)
    picks = rec.refill(10, now=T0 + 40 * 86400.0).picks
    rec.close()
    told = [p for p in picks if any("Sam" in r for r in p.reasons)]
    assert told and all(library.cluster_of[p.id] in (0, 1) for p in told)
    Listeners(lib).set_private("Sam", True)
    rec = UpNext(lib, index_dir, persist=False)
    picks = rec.refill(10, now=T0 + 40 * 86400.0).picks
    rec.close()
    assert not any("Sam" in r for p in picks for r in p.reasons) and not any(p.origin == "cross" for p in picks)
    guest = UpNext(lib, index_dir, persist=False, listener=None)
    assert guest.cross is None and guest.refill(5, now=T0 + 40 * 86400.0).ids.size
    guest.close()


def _eval(lib, index_dir, sam_likes):
    _two(lib, sam_likes)
    report = replay(lib, index_dir, listener=1, baselines=False)
    return report.systems["recommender"], report.systems["recommender + others"]


def test_eval_shows_what_the_others_add_when_tastes_are_shared(lib, index_dir):
    alone, others = _eval(lib, index_dir, sam_likes=(0, 1))
    assert others["hit_rate"] > alone["hit_rate"] + 0.1, (alone, others)


def test_eval_shows_opposite_tastes_change_little(lib, index_dir):
    alone, others = _eval(lib, index_dir, sam_likes=(3, 4))
    assert abs(others["hit_rate"] - alone["hit_rate"]) <= 0.05, (alone, others)


def test_the_live_model_follows_new_events_forgets_and_privacy(lib):
    from mediarec.recommend import events
    from mediarec.recommend.cross import CrossListeners

    library, sam = _two(lib, sam_likes=(0, 1))
    live = CrossListeners(lib, 1)
    before = live.refresh().agreement(sam)
    assert before > 0 and live.refresh() is live.model  # nothing new: nothing read
    song = library.clusters[2][0]
    events.record(lib, song, "play", position=200.0, ts=T0 + 50 * 86400.0, listener=sam)
    assert live.refresh().verdicts[sam][song] == 1.0  # one new event applied
    lib.events.forget(song, listener=sam)
    assert song not in live.refresh().verdicts[sam]  # a forget re-reads the history
    Listeners(lib).set_private("Sam", True)
    assert live.refresh().others() == []


def test_mediarec_eval_adds_the_row_with_the_others_for_the_listening_listener(lib, capsys):
    import json

    from mediarec.cli import main

    _two(lib, sam_likes=(0, 1))
    lib.close()
    assert main(["eval", "--json"]) == 0
    systems = json.loads(capsys.readouterr().out)["systems"]
    assert {"recommender", "recommender + others", "random", "most played", "content"} <= set(systems)
    assert systems["recommender + others"]["hit_rate"] > systems["recommender"]["hit_rate"]
    assert main(["--listener", "Sam", "eval", "--json"]) == 0  # Sam's history scored, mine drawn on
    assert "recommender + others" in json.loads(capsys.readouterr().out)["systems"]
