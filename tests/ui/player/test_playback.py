"""The player plays generated media without a sound device and records starts, plays, skips and errors
through the core events API; keys and the video page work as a user expects."""
import pytest

from app_factory import make_context, make_media, scan_into

pytest.importorskip("PySide6.QtMultimedia")


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    return make_media(tmp_path_factory.mktemp("player-media"),
                      {"short_a": 1.2, "short_b": 1.2, "long_song": 30.0, "broken": 1.0}, {"clip": 25.0})


@pytest.fixture
def app(qtbot, app_dirs, media, tmp_path):
    import shutil

    from mediarec.ui import player as player_part

    root = tmp_path / "lib"
    shutil.copytree(media, root)
    ctx, lib = make_context(qtbot)
    ids = scan_into(lib, root)
    (root / "music" / "broken.ogg").write_bytes(b"not audio at all " * 200)  # broke after the scan
    player = player_part.install(ctx)
    ctx.window.show()
    yield ctx, lib, ids, player
    player.close()
    lib.close()


def types(lib, media_id):
    return [e["type"] for e in lib.events.list(media_id=media_id)]


def test_an_item_plays_to_its_end_records_start_and_play_then_the_next_plays(app, qtbot):
    ctx, lib, ids, player = app
    player.play_ids([ids["short_a"], ids["short_b"]])
    qtbot.waitUntil(lambda: types(lib, ids["short_b"])[:1] == ["play_start"], timeout=10000)
    assert types(lib, ids["short_a"]) == ["play_start", "play"]
    assert ctx.window.findChild(object, "nowTitle").text() == "Short B"
    qtbot.waitUntil(lambda: types(lib, ids["short_b"]) == ["play_start", "play"], timeout=10000)
    qtbot.waitUntil(lambda: player.current is None, timeout=3000)  # nothing more queued: it stops


def test_moving_on_early_by_hand_is_a_skip(app, qtbot):
    ctx, lib, ids, player = app
    player.play_ids([ids["long_song"], ids["short_a"]])
    qtbot.waitUntil(lambda: player.position > 0.3, timeout=10000)
    ctx.window.findChild(object, "transport").next_button.click()
    qtbot.waitUntil(lambda: "skip" in types(lib, ids["long_song"]), timeout=5000)
    ev = [e for e in lib.events.list(media_id=ids["long_song"]) if e["type"] == "skip"][0]
    assert 0.3 <= ev["position"] < 15 and ev["source"] == "gui"
    qtbot.waitUntil(lambda: types(lib, ids["short_a"])[:1] == ["play_start"], timeout=5000)


def test_stopping_by_hand_early_is_not_a_skip(app, qtbot):
    ctx, lib, ids, player = app
    player.play_ids([ids["long_song"]])
    qtbot.waitUntil(lambda: player.position > 0.3, timeout=10000)
    player.stop()
    qtbot.wait(300)
    assert types(lib, ids["long_song"]) == ["play_start"]


def test_an_unplayable_file_is_an_error_row_never_a_skip_and_the_next_item_plays(app, qtbot):
    ctx, lib, ids, player = app
    messages = []
    player.error.connect(messages.append)
    player.play_ids([ids["broken"], ids["short_a"]])
    qtbot.waitUntil(lambda: types(lib, ids["short_a"])[:1] == ["play_start"], timeout=10000)
    assert "skip" not in types(lib, ids["broken"])
    rows = [r for r in lib.file_status.list() if r["stage"] == "play"]
    assert [r["path"].rsplit("/", 1)[-1] for r in rows] == ["broken.ogg"]
    assert messages and "broken.ogg" in messages[0]
    assert "broken.ogg" in ctx.window.statusBar().currentMessage()


def test_space_pauses_and_alt_right_seeks_ten_seconds(app, qtbot):
    from PySide6.QtCore import Qt

    ctx, lib, ids, player = app
    player.play_ids([ids["long_song"]])
    qtbot.waitUntil(lambda: player.playing and player.position > 0.2, timeout=10000)
    before = player.position
    qtbot.keyClick(ctx.window, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: player.position >= before + 9.5, timeout=3000)
    qtbot.keyClick(ctx.window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not player.playing, timeout=3000)
    paused_at = player.position
    qtbot.wait(400)
    assert abs(player.position - paused_at) < 0.05
    qtbot.keyClick(ctx.window, Qt.Key.Key_MediaPlay)
    qtbot.waitUntil(lambda: player.playing, timeout=3000)
    table, line = _table_and_filter(ctx.window)
    table.setFocus()  # Space in a list of items is play/pause too...
    qtbot.keyClick(table, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not player.playing, timeout=3000)
    line.setFocus()  # ...but in a text box it is a space
    qtbot.keyClicks(line, "a b")
    assert line.text() == "a b" and not player.playing


def _table_and_filter(window):
    """A page with a table and a filter box, like the library's (that part is not installed here)."""
    from PySide6.QtWidgets import QLineEdit, QTableView, QVBoxLayout, QWidget

    page = QWidget()
    table, line = QTableView(page), QLineEdit(page)
    layout = QVBoxLayout(page)
    layout.addWidget(line)
    layout.addWidget(table)
    window.add_page("Keys", page)
    window.show_page("Keys")
    return table, line


def test_a_video_shows_its_page_and_resumes_where_it_was_left(app, qtbot):
    ctx, lib, ids, player = app
    player.play_ids([ids["clip"]])
    qtbot.waitUntil(lambda: player.playing and player.position > 0.1, timeout=10000)
    assert ctx.window.shown_pages[-1] == "Now playing"
    player.seek(12.0)
    qtbot.waitUntil(lambda: player.position >= 12.0, timeout=3000)
    player.stop()  # early by hand: no skip, but the place is kept
    player.play_ids([ids["clip"]])
    qtbot.waitUntil(lambda: player.playing and player.position >= 11.5, timeout=5000)
    assert "skip" not in types(lib, ids["clip"])


def test_stop_after_this_one_stops_at_the_end(app, qtbot):
    ctx, lib, ids, player = app
    player.play_ids([ids["short_a"], ids["short_b"]])
    qtbot.waitUntil(lambda: player.playing, timeout=10000)
    player.transport.stop_after_action.trigger()
    qtbot.waitUntil(lambda: types(lib, ids["short_a"]) == ["play_start", "play"], timeout=10000)
    qtbot.wait(400)
    assert types(lib, ids["short_b"]) == [] and not player.playing
    assert not player.transport.stop_after_action.isChecked()
