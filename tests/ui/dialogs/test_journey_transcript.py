"""Journey picker (start, destination, waypoints through the searchable chooser; plays in order) and the
transcript viewer (a clicked segment asks the player to play from its start)."""
import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QObject, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from mediarec.library import Library  # noqa: E402
from mediarec.paths import AppPaths  # noqa: E402
from ui_parts import analysed_library, part_context  # noqa: E402


@pytest.fixture
def app(qtbot, app_dirs):
    from mediarec.ui import dialogs, results

    paths = AppPaths.resolve().ensure()
    lib = Library(paths.db)
    ids = analysed_library(lib)
    lib.close()
    ctx = part_context(paths)
    qtbot.addWidget(ctx.window)
    res = results.install(ctx)
    service = dialogs.install(ctx)
    yield ctx, service, ids
    service.close()
    res.close()


def _choose(qtbot, dialog, opener, text):
    chooser = opener()
    QTest.keyClicks(chooser.query, text)
    qtbot.waitUntil(lambda: chooser.results.count() > 0 and text in chooser.results.item(0).text(), timeout=10000)
    chooser.choose_button.click()
    assert not chooser.isVisible()


class UpNextRecorder(QObject):
    """Stands where the player engineer's "upnext" service is: records what set_journey received."""
    def __init__(self):
        super().__init__()
        self.journeys = []

    def set_journey(self, ids, title):
        self.journeys.append((list(ids), title))


def test_a_journey_with_a_waypoint_plays_in_order(app, qtbot):
    ctx, service, ids = app
    a, b, via = ids["a"][0], ids["b"][0], ids["a"][5]
    played = []
    ctx.actions.play_now.connect(played.append)
    ctx.actions.journey_to.emit(b)
    qtbot.waitUntil(lambda: service.journey_dialog is not None, timeout=10000)
    dialog = service.journey_dialog
    assert "Song b0" in dialog.destination_label.text() and not dialog.play_button.isEnabled()
    _choose(qtbot, dialog, dialog.choose_start, "Song a0")
    _choose(qtbot, dialog, dialog.choose_waypoint, "Song a5")
    assert dialog.start["id"] == a and dialog.via() == [via] and dialog.play_button.isEnabled()
    dialog.length.setValue(8)
    with qtbot.waitSignal(service.journey_planned, timeout=20000) as blocker:
        dialog.play_button.click()
    result, play = blocker.args
    assert play and played == [result.ids] and len(result.ids) == 8
    assert result.ids[0] == a and result.ids[-1] == b and via in result.ids
    assert len(set(result.ids)) == 8
    page = ctx.services["results"].page
    assert page.heading.text() == "Journey Song a0 → Song b0" and page.ids() == result.ids


def test_the_journey_goes_to_up_next_when_it_is_there_and_waypoints_reorder(app, qtbot):
    ctx, service, ids = app
    upnext = ctx.services["upnext"] = UpNextRecorder()
    service.open_journey(ids["b"][1], start=ids["a"][1])
    qtbot.waitUntil(lambda: service.journey_dialog is not None, timeout=10000)
    dialog = service.journey_dialog
    _choose(qtbot, dialog, dialog.choose_waypoint, "Song a3")
    _choose(qtbot, dialog, dialog.choose_waypoint, "Song b3")
    dialog.waypoints.setCurrentRow(1)
    dialog.move_waypoint(-1)
    assert dialog.via() == [ids["b"][3], ids["a"][3]]
    dialog.remove_waypoint()  # the current one: "Song b3", now first
    assert dialog.via() == [ids["a"][3]]
    _choose(qtbot, dialog, dialog.choose_waypoint, "Song a1")  # the start again: refused
    assert not dialog.play_button.isEnabled() and "must all be different" in dialog.status.text()
    dialog.remove_waypoint()
    with qtbot.waitSignal(service.journey_planned, timeout=20000):
        dialog.play_button.click()
    (journey_ids, title), = upnext.journeys
    assert journey_ids[0] == ids["a"][1] and journey_ids[-1] == ids["b"][1] and ids["a"][3] in journey_ids
    assert title == "Journey Song a1 → Song b1"


def test_a_transcript_segment_click_seeks_to_its_start(app, qtbot):
    ctx, service, ids = app
    video = ids["videos"][0]
    lib = Library(ctx.paths.db)
    lib.transcripts.put(video, 1, "en", [(0.0, 4.0, "hello and welcome"), (65.5, 70.0, "the volcano erupted"),
                                         (130.0, 135.0, "thanks for watching")])
    lib.close()
    seeks = []
    ctx.actions.seek_requested.connect(lambda mid, at: seeks.append((mid, at)))
    ctx.actions.show_transcript.emit(video)
    view = service.transcript_view
    qtbot.waitUntil(lambda: view.segments.count() == 3, timeout=10000)
    assert view.segments.item(1).text() == "1:05   the volcano erupted"
    rect = view.segments.visualItemRect(view.segments.item(1))
    QTest.mouseClick(view.segments.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert seeks == [(video, 65.5)]


def test_a_file_not_transcribed_yet_says_so(app, qtbot):
    ctx, service, ids = app
    view = service.open_transcript(ids["a"][0])
    qtbot.waitUntil(lambda: "Not transcribed yet" in view.empty.text(), timeout=10000)
    assert view.empty.isVisibleTo(view) and not view.segments.isVisibleTo(view)
    lib = Library(ctx.paths.db)
    lib.transcripts.put(ids["a"][1], 1, None, [])
    lib.close()
    silent = service.open_transcript(ids["a"][1])
    qtbot.waitUntil(lambda: "No speech" in silent.empty.text(), timeout=10000)


def test_the_journey_starts_from_the_playing_item(app, qtbot):
    ctx, service, ids = app

    class Playing:  # the player service's documented `current` (the playing item's info dict)
        current = {"id": ids["videos"][2], "title": "Clip 2"}
    ctx.services["player"] = Playing()
    ctx.actions.journey_to.emit(ids["a"][2])
    qtbot.waitUntil(lambda: service.journey_dialog is not None, timeout=10000)
    dialog = service.journey_dialog
    assert dialog.start["id"] == ids["videos"][2] and "Clip 2" in dialog.start_label.text()
    assert dialog.destination["id"] == ids["a"][2] and dialog.play_button.isEnabled()


def test_the_transcript_marks_the_line_being_said_while_its_item_plays(app, qtbot):
    from PySide6.QtCore import Signal

    ctx, service, ids = app
    video = ids["videos"][0]

    class Player(QObject):  # the player service's documented position_changed(seconds) and current
        position_changed = Signal(float)
        current = None
    player = ctx.services["player"] = Player()
    lib = Library(ctx.paths.db)
    lib.transcripts.put(video, 1, "en", [(0.0, 4.0, "one"), (10.0, 14.0, "two"), (20.0, 24.0, "three")])
    lib.close()
    view = service.open_transcript(video)
    qtbot.waitUntil(lambda: view.segments.count() == 3, timeout=10000)
    before = view.segments.currentRow()  # -1, or 0 once the list has focus
    player.position_changed.emit(12.0)  # another item plays: the line at 12 s is not marked
    assert view.segments.currentRow() == before != 1
    player.current = {"id": video}
    player.position_changed.emit(12.0)
    assert view.segments.currentRow() == 1
    player.position_changed.emit(21.5)
    assert view.segments.currentRow() == 2
    view.reject()
    player.position_changed.emit(1.0)  # a closed viewer no longer follows
    assert view.segments.currentRow() == 2
