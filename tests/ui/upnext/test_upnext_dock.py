"""Up Next keeps what the user queued above the suggestions, refills with reasons after events, replaces a
removed suggestion at once, starts radio with its seed, honours never-recommend, and survives a restart."""
import shutil

import pytest

from app_factory import add_vectors, make_context, make_media, scan_into

pytest.importorskip("PySide6.QtMultimedia")

SONGS = {f"song_{i:02d}": 1.0 for i in range(20)}


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    return make_media(tmp_path_factory.mktemp("upnext-media"), SONGS)


@pytest.fixture
def library(app_dirs, media, tmp_path):
    from mediarec.library import Library
    from mediarec.paths import AppPaths

    root = tmp_path / "lib"
    shutil.copytree(media, root)
    paths = AppPaths.resolve().ensure()
    with Library(paths.db) as lib:
        ids = scan_into(lib, root)
        add_vectors(lib, [ids[k] for k in sorted(ids)])
    return ids


def start_app(qtbot):
    from mediarec.ui import player as player_part
    from mediarec.ui import upnext as upnext_part

    ctx, lib = make_context(qtbot)
    player = player_part.install(ctx)
    service = upnext_part.install(ctx)
    ctx.window.show()
    qtbot.waitUntil(lambda: service.loaded and len(service.model.generated) > 0, timeout=15000)
    return ctx, lib, player, service


def stop_app(ctx, lib, player, service):
    player.close()
    service.close()
    lib.close()


@pytest.fixture
def app(qtbot, library):
    parts = start_app(qtbot)
    yield parts
    stop_app(*parts)


def test_suggestions_show_reasons_and_refill_after_an_event(app, qtbot, library):
    ctx, lib, player, service = app
    assert all(e["reasons"] for e in service.model.generated)
    assert service.dock.mode_label.text() == "Your taste"
    before = service.model.ids()
    song = library["song_03"]
    with qtbot.waitSignal(service.refilled, timeout=15000):
        player.play(song)  # its start is an event: the list refills
    qtbot.waitUntil(lambda: [e["type"] for e in lib.events.list(media_id=song)] == ["play_start", "play"],
                    timeout=10000)
    qtbot.waitUntil(lambda: not service.bridge.busy, timeout=10000)  # the refill after the play is in
    after = service.model.generated
    assert song not in [e["id"] for e in after] and all(e["reasons"] for e in after)
    assert [e["id"] for e in after] != before


def test_user_items_stay_above_suggestions_and_survive_a_restart(qtbot, library):
    ctx, lib, player, service = start_app(qtbot)
    a, b, c = library["song_05"], library["song_06"], library["song_07"]
    ctx.actions.enqueue.emit([a, b])
    ctx.actions.play_next.emit([c])
    qtbot.waitUntil(lambda: [e["id"] for e in service.model.user] == [c, a, b], timeout=5000)
    assert service.model.ids()[:3] == [c, a, b] and len(service.model.ids()) > 3
    service.dock.kind.setCurrentIndex(service.dock.kind.findData("audio"))
    # drag the last queued item to the top (the view's drop goes through the model's mime data)
    from PySide6.QtCore import QModelIndex, Qt

    mime = service.model.mimeData([service.model.index(2)])
    assert service.model.dropMimeData(mime, Qt.DropAction.MoveAction, 0, 0, QModelIndex())
    assert [e["id"] for e in service.model.user] == [b, c, a]
    qtbot.wait(300)
    stop_app(ctx, lib, player, service)
    ctx, lib, player, service = start_app(qtbot)
    try:
        assert [e["id"] for e in service.model.user] == [b, c, a]
        assert service.mode["kind"] == "audio" and service.dock.kind.currentData() == "audio"
        assert player.next_source.take_next() == b  # the user's items play first
    finally:
        stop_app(ctx, lib, player, service)


def test_an_item_queued_again_moves_instead_of_appearing_twice(app, qtbot, library):
    ctx, lib, player, service = app
    a, b = library["song_05"], library["song_06"]
    ctx.actions.enqueue.emit([a, b])
    qtbot.waitUntil(lambda: [e["id"] for e in service.model.user] == [a, b], timeout=5000)
    ctx.actions.enqueue.emit([a])
    qtbot.waitUntil(lambda: [e["id"] for e in service.model.user] == [b, a], timeout=5000)
    ctx.actions.play_next.emit([a, b])
    qtbot.waitUntil(lambda: [e["id"] for e in service.model.user] == [a, b], timeout=5000)


def test_removing_a_suggestion_replaces_it_at_once_and_it_stays_away(app, qtbot):
    ctx, lib, player, service = app
    shown = len(service.model.generated)
    gone = service.model.generated[0]["id"]
    service.dock.list.setCurrentIndex(service.model.index(0))
    service.remove_rows(service.dock.selected_rows())
    assert len(service.model.generated) == shown  # a spare took its place, no waiting for a refill
    assert gone not in service.model.ids()
    with qtbot.waitSignal(service.refilled, timeout=10000):
        service.refill()
    assert gone not in service.model.ids() and gone in service.not_now


def test_the_context_menu_adds_not_now_and_remove(app, qtbot):
    ctx, lib, player, service = app
    rect = service.dock.list.visualRect(service.model.index(0))
    service.dock.list.customContextMenuRequested.emit(rect.center())
    texts = [a.text() for a in service.dock._menu.actions() if a.text()]
    assert texts[0] == "Play" and "More like this" in texts and texts[-2:] == ["Not now", "Remove"]
    service.dock._menu.close()


def test_radio_starts_with_its_seed(app, qtbot, library):
    ctx, lib, player, service = app
    seed = library["song_09"]
    with qtbot.waitSignal(service.refilled, timeout=15000):
        ctx.actions.start_radio.emit(seed)
    qtbot.waitUntil(lambda: player.current is not None and player.current["id"] == seed, timeout=5000)
    qtbot.waitUntil(lambda: service.dock.mode_label.text() == "Radio from Song 09", timeout=5000)
    assert service.dock.back_button.isVisible()
    assert seed not in [e["id"] for e in service.model.generated] and service.model.generated
    assert all(e["reasons"] for e in service.model.generated)


def test_never_recommend_an_artist_refills_without_them(app, qtbot, library):
    ctx, lib, player, service = app
    victim = service.model.generated[0]
    with qtbot.waitSignal(service.refilled, timeout=15000):
        ctx.actions.never_recommend.emit(victim["id"], "artist")
    assert service.model.generated and victim["artist"] not in {e["artist"] for e in service.model.generated}
    assert victim["artist"] in ctx.window.statusBar().currentMessage()


def test_an_empty_library_says_why_instead_of_a_blank_list(qtbot, app_dirs):
    from mediarec.ui import upnext as upnext_part

    ctx, lib = make_context(qtbot)
    service = upnext_part.install(ctx)
    ctx.window.show()
    try:
        qtbot.waitUntil(lambda: service.dock.empty.isVisible(), timeout=10000)
        assert "library is empty" in service.dock.empty.text()
    finally:
        service.close()
        lib.close()


def test_a_journey_plays_in_order_then_says_it_is_over(app, qtbot, library):
    ctx, lib, player, service = app
    steps = [library[f"song_{i:02d}"] for i in (1, 4, 7, 10)]
    service.set_journey(steps, "Song 01 → Song 10")
    qtbot.waitUntil(lambda: service.dock.mode_label.text() == "Journey Song 01 → Song 10", timeout=5000)
    qtbot.waitUntil(lambda: [e["id"] for e in service.model.generated] == steps[1:], timeout=10000)
    assert service.model.generated[0]["reasons"] == ["step 2 of 4 · Song 01 → Song 10"]
    started = lambda: [e["media_id"] for e in lib.events.list() if e["type"] == "play_start"]  # noqa: E731
    qtbot.waitUntil(lambda: started()[-4:] == steps, timeout=20000)  # each 1 s song, then the next
    qtbot.waitUntil(lambda: service.dock.empty.isVisible(), timeout=10000)
    assert "journey is over" in service.dock.empty.text()


def test_with_autoplay_off_the_player_stops_when_the_users_queue_runs_out(app, qtbot, library):
    ctx, lib, player, service = app
    service.dock.autoplay.setChecked(False)
    ctx.actions.enqueue.emit([library["song_02"]])
    qtbot.waitUntil(lambda: len(service.model.user) == 1, timeout=5000)
    ctx.actions.play_now.emit([library["song_01"]])
    qtbot.waitUntil(lambda: [e["type"] for e in lib.events.list(media_id=library["song_02"])] == ["play_start", "play"],
                    timeout=10000)
    qtbot.waitUntil(lambda: player.current is None, timeout=3000)
    assert service.model.generated  # suggestions stay listed, they just do not play themselves
