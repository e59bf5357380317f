"""What the app asks of up next beyond a plain list: a blocklist, "not now", and radio from a seed with its
fallbacks (same artist, then same folder), never an empty list while the library has something to offer."""
import pytest

from listening import Listener, clustered_library
from mediarec.recommend.upnext import UpNext
from vector_factory import add_media


@pytest.fixture
def index_dir(app_dirs):
    return app_dirs["data"] / "index"


@pytest.fixture
def small(lib):
    return clustered_library(lib, clusters=3, per_cluster=12)


def _listen(lib, library, index_dir, liked, picks, **request):
    listener = Listener(lib, library, liked)
    rec = UpNext(lib, index_dir)
    lists = []
    for _ in range(picks):
        found = rec.refill(6, now=listener.ts, **request)
        lists.append(found)
        listener.hear(int(found.ids[0]))
    return listener, rec, lists


def test_excluded_items_are_never_offered_even_when_little_else_is_left(lib, small, index_dir):
    blocked = small.clusters[0][:6] + small.clusters[1][:3]
    listener, rec, lists = _listen(lib, small, index_dir, {0, 1, 2}, 40, exclude=blocked)  # more than the rest
    assert all(len(f.ids) == 6 and not set(f.ids.tolist()) & set(blocked) for f in lists)
    rest = len(small.all) - len(blocked)
    everything = rec.recommend(len(small.all), now=listener.ts, exclude=blocked).ids.tolist()
    assert not set(everything) & set(blocked) and len(everything) == rest
    only = rec.recommend(5, now=listener.ts, exclude=small.all[1:]).ids.tolist()
    assert only == [small.all[0]], "the one item not blocked is offered, never an empty list"
    assert len(rec.recommend(5, now=listener.ts, exclude=small.all).ids) == 0  # nothing it may offer
    rec.close()


def test_not_now_lowers_an_item_for_now_without_banning_it(lib, small, index_dir):
    listener, rec, lists = _listen(lib, small, index_dir, {0}, 6)
    top = rec.recommend(6, now=listener.ts)
    first = int(top.ids[0])
    lowered = rec.recommend(6, now=listener.ts, not_now=[first])
    assert first not in lowered.ids.tolist()[:3]
    everything = rec.recommend(len(small.all), now=listener.ts, not_now=[first]).ids.tolist()
    assert first in everything, "not now is not never"
    rec.close()


def test_radio_starts_from_the_seed_and_says_so(lib, small, index_dir):
    listener, rec, _ = _listen(lib, small, index_dir, {0}, 8)  # a session deep in cluster 0
    seed = small.clusters[2][4]
    found = rec.recommend(6, now=listener.ts, seed=seed)
    assert seed not in found.ids.tolist()  # the player plays the seed itself
    regular = [p for p in found.picks if not p.explored]
    assert sum(small.cluster_of[p.id] == 2 for p in regular) >= len(regular) - 1, found.ids
    assert found.picks[0].origin == "radio" and found.picks[0].reasons[0] == "radio from Song 2.4"
    plain = rec.recommend(6, now=listener.ts)
    assert small.cluster_of[int(plain.ids[0])] == 0  # without the seed: the session's own direction
    rec.close()


def test_radio_from_an_item_not_analysed_falls_back_to_its_artist_then_its_folder(lib, small, index_dir):
    listener, rec, _ = _listen(lib, small, index_dir, {0}, 4)
    seed, *folder = add_media(lib, 4, prefix="/music/new", fields=[
        {"title": "Fresh", "artist": "Newcomer"}, {"title": "F1", "artist": "Other"},
        {"title": "F2", "artist": "Other"}, {"title": "F3"}])
    artist = add_media(lib, 2, prefix="/music/elsewhere", fields=[{"title": f"N{i}", "artist": "newcomer"}
                                                                  for i in range(2)])
    rec.catalogue.ttl = 0.0  # (the catalogue is re-read at most every 30 s; the test added items just now)
    found = rec.recommend(8, now=listener.ts, seed=seed)
    ids = found.ids.tolist()
    assert ids[:2] == artist and sorted(ids[2:5]) == sorted(folder), ids
    assert [p.origin for p in found.picks[:5]] == ["artist"] * 2 + ["folder"] * 3
    assert found.picks[0].reasons[0] == "radio from Fresh: same artist, nothing closer is known"
    assert found.picks[2].reasons[0] == "radio from Fresh: same folder, nothing closer is known"
    assert len(ids) == 8 and seed not in ids  # the rest of the list: the regular picks
    rec.close()
