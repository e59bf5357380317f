"""The blocklist: rules for items, artists and folders resolve to the right media ids, and undo works."""
import time

import numpy as np
import pytest

from mediarec.errors import UserError
from mediarec.library.blocklist import Blocklist, blocked_ids, without_blocked
from vector_factory import add_media


@pytest.fixture
def ids(lib):
    a = add_media(lib, 3, prefix="/music/Abba", fields=[{"artist": "ABBA"}] * 3)
    b = add_media(lib, 3, prefix="/music/Abbatoir", fields=[{"artist": "Abbatoir"}] * 3)  # a sibling prefix
    c = add_media(lib, 2, prefix="/music/Other", fields=[{"artist": None}] * 2)
    return a, b, c


def test_each_kind_of_rule_blocks_what_it_names(lib, ids):
    a, b, c = ids
    bl = Blocklist(lib)
    assert blocked_ids(lib).dtype == np.int64 and len(blocked_ids(lib)) == 0
    bl.block_artist("abba ")  # case and spaces do not matter
    assert bl.blocked_ids().tolist() == sorted(a)
    bl.block_folder("/music/Abbatoir/")  # trailing slash or not; not /music/Abba
    bl.block_item(c[1])
    assert bl.blocked_ids().tolist() == sorted(a + b + [c[1]])
    assert bl.is_blocked(c[1]) and not bl.is_blocked(c[0])
    assert [r.kind for r in bl.rules()] == ["item", "folder", "artist"]
    assert bl.block_artist("ABBA").id == [r for r in bl.rules() if r.kind == "artist"][0].id  # no duplicate
    assert len(bl.rules()) == 3


def test_a_folder_rule_covers_files_scanned_later_and_nothing_beside_it(lib, ids):
    bl = Blocklist(lib)
    bl.block_folder("/music/Abba")
    later = add_media(lib, 2, prefix="/music/Abba/new")
    assert set(later) <= set(bl.blocked_ids().tolist())
    assert not set(ids[1]) & set(bl.blocked_ids().tolist())


def test_undo(lib, ids):
    a, b, c = ids
    bl = Blocklist(lib)
    bl.block_artist("Abba")
    rule = bl.block_folder("/music/Other")
    bl.block_item(b[0])
    assert bl.unblock_artist("ABBA") and not bl.unblock_artist("ABBA")
    assert bl.unblock(rule.id) and not bl.unblock(rule.id)
    assert bl.blocked_ids().tolist() == [b[0]]
    assert bl.unblock_item(b[0]) and bl.rules() == []
    with pytest.raises(UserError):
        bl.block_item(424242)
    with pytest.raises(UserError):
        bl.block_artist("  ")


def test_an_item_rule_goes_with_its_item(lib, ids):
    bl = Blocklist(lib)
    bl.block_item(ids[2][0])
    with lib.transaction() as c:
        c.execute("DELETE FROM media WHERE id = ?", (ids[2][0],))
    assert bl.rules() == [] and len(bl.blocked_ids()) == 0


def test_without_blocked_keeps_the_order():
    ids, scores = np.array([5, 3, 9, 1]), np.array([0.9, 0.8, 0.7, 0.6])
    kept, s = without_blocked(ids, scores, np.array([1, 3], dtype=np.int64))
    assert kept.tolist() == [5, 9] and s.tolist() == [0.9, 0.7]
    assert without_blocked(ids, scores, np.array([], dtype=np.int64))[0].tolist() == ids.tolist()


@pytest.mark.slow
def test_resolving_at_100k_items_is_fast(lib):
    n = 100_000
    fields = [{"artist": f"Artist {i % 5000}"} for i in range(n)]
    add_media(lib, n, prefix="/big", fields=fields)
    bl = Blocklist(lib)
    for i in range(20):
        bl.block_artist(f"artist {i}")
    bl.block_folder("/big/audio")  # everything: a range of the path index
    started = time.perf_counter()
    found = bl.blocked_ids()
    assert len(found) == n
    assert time.perf_counter() - started < 1.0
