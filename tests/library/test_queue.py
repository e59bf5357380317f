"""The user's queue keeps what was put in it, in order, across restarts; the Up Next mode is restored."""
import pytest

from mediarec.errors import UserError
from mediarec.library import Library
from mediarec.library.queue import UpNextMode, UserQueue, load_mode, save_mode
from vector_factory import add_media


@pytest.fixture
def ids(lib):
    return add_media(lib, 6)


def test_add_next_move_remove_keep_a_dense_order(lib, ids):
    q = UserQueue(lib)
    a, b, c, d, e, f = ids
    q.add([a, b])
    q.insert_next([c, d])
    assert q.media_ids() == [c, d, a, b]
    entries = q.list()
    assert [x.position for x in entries] == [0, 1, 2, 3]
    q.move(entries[3].id, 0)  # b to the front
    assert q.media_ids() == [b, c, d, a]
    q.move(q.list()[0].id, 99)  # clamped to the end
    assert q.media_ids() == [c, d, a, b]
    q.move(q.list()[1].id, 2)
    assert q.media_ids() == [c, a, d, b]
    assert q.remove(q.list()[1].id) and not q.remove(12345)
    assert q.media_ids() == [c, d, b]
    assert [x.position for x in q.list()] == [0, 1, 2]
    q.add([e, e])  # the same item twice is two entries
    assert q.remove_media(e) == 2 and q.media_ids() == [c, d, b]
    assert q.pop_front().media_id == c and q.media_ids() == [d, b]
    assert q.played(b).media_id == b and q.media_ids() == [d]  # played out of order
    assert q.played(f) is None
    assert q.clear() == 1 and len(q) == 0 and q.pop_front() is None


def test_unknown_items_are_refused_and_nothing_is_queued(lib, ids):
    q = UserQueue(lib)
    with pytest.raises(UserError, match="999"):
        q.add([ids[0], 999])
    assert len(q) == 0
    with pytest.raises(UserError):
        q.move(4242, 0)


def test_the_queue_and_the_mode_survive_a_restart(app_dirs, ids, lib):
    q = UserQueue(lib)
    q.add(ids[:3])
    save_mode(lib, UpNextMode("journey", start=ids[0], end=ids[5], via=(ids[2],), kind="audio", autoplay=False,
                              exploration=0.3))
    lib.close()
    with Library(app_dirs["data"] / "library.db") as again:
        assert UserQueue(again).media_ids() == ids[:3]
        mode = load_mode(again)
        assert mode == UpNextMode("journey", start=ids[0], end=ids[5], via=(ids[2],), kind="audio", autoplay=False,
                                  exploration=0.3)
        assert mode.label(again) == "Journey audio 0 → audio 5"
    lib.__init__(app_dirs["data"] / "library.db")  # the fixture closes it again


def test_a_removed_item_leaves_the_queue_and_a_mode_naming_it_falls_back_to_taste(lib, ids):
    UserQueue(lib).add([ids[1], ids[2]])
    save_mode(lib, UpNextMode("radio", seed=ids[1], kind="video"))
    assert load_mode(lib).label(lib) == "Radio from audio 1"
    with lib.transaction() as c:
        c.execute("DELETE FROM media WHERE id = ?", (ids[1],))
    assert UserQueue(lib).media_ids() == [ids[2]]
    assert load_mode(lib) == UpNextMode(kind="video")


def test_a_mode_must_be_whole(lib):
    with pytest.raises(UserError):
        UpNextMode("radio")
    with pytest.raises(UserError):
        UpNextMode("journey", start=1)
    with pytest.raises(UserError):
        UpNextMode(exploration=2.0)
    lib.kv.set("upnext.mode", {"mode": "nonsense"})
    assert load_mode(lib) == UpNextMode()
