"""Results page: More like this from the one context menu, on a song and on a video, with scores, reasons,
a space selector that changes the ranking, lists that play/queue/export, and empty lists that say why."""
import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import Qt  # noqa: E402

from mediarec.library import Library  # noqa: E402
from mediarec.paths import AppPaths  # noqa: E402
from ui_parts import analysed_library, part_context  # noqa: E402
from vector_factory import add_media  # noqa: E402


@pytest.fixture
def app(qtbot, app_dirs):
    from mediarec.ui import results

    paths = AppPaths.resolve().ensure()
    lib = Library(paths.db)
    ids = analysed_library(lib)
    ids["unanalysed"] = add_media(lib, 1, prefix="/new", fields=[{"title": "Fresh song"}])
    lib.close()
    ctx = part_context(paths)
    qtbot.addWidget(ctx.window)
    service = results.install(ctx)
    yield ctx, service, service.page, ids
    service.close()


def _trigger(menu, text):
    action = next(a for a in menu.actions() if a.text() == text)
    assert action.isEnabled()
    action.trigger()


def _listed(qtbot, service, fn):
    with qtbot.waitSignal(service.listed, timeout=10000) as blocker:
        fn()
    return blocker.args[0]


def test_more_like_this_on_a_song_lists_its_own_cluster_with_scores_and_reasons(app, qtbot):
    ctx, service, page, ids = app
    song = ids["a"][0]
    result = _listed(qtbot, service, lambda: _trigger(ctx.actions.context_menu([song], ctx.window), "More like this"))
    assert ctx.window.shown_page == "Results"
    assert page.heading.text() == "More like Song a0"
    assert page.stack.currentWidget() is page.table
    model = page.model
    top = [model.rows[r].id for r in range(5)]
    assert set(top) <= set(ids["a"][1:])  # the calm cluster first, never the song itself
    assert song not in page.ids()
    scores = [float(model.index(r, 5).data()) for r in range(model.rowCount())]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0.5
    assert "also calm" in model.index(0, 6).data()


def test_more_like_this_on_a_video_and_the_kind_filter(app, qtbot):
    ctx, service, page, ids = app
    video = ids["videos"][0]
    result = _listed(qtbot, service, lambda: ctx.actions.more_like_this.emit(video))
    assert set(result.ids[:2]) <= set(ids["videos"][1:3])  # the same look and sound first
    kinds = {r.kind for r in result.rows}
    assert kinds == {"audio", "video"}  # it sounds like cluster b songs too
    videos_only = _listed(qtbot, service, lambda: page.kind.setCurrentIndex(page.kind.findData("video")))
    assert {r.kind for r in videos_only.rows} == {"video"}


def test_the_space_selector_changes_the_ranking(app, qtbot):
    ctx, service, page, ids = app
    song = ids["a"][0]
    _listed(qtbot, service, lambda: ctx.actions.more_like_this.emit(song))
    by_sound = _listed(qtbot, service, lambda: page.space.setCurrentIndex(page.space.findData("audio")))
    by_mood = _listed(qtbot, service, lambda: page.space.setCurrentIndex(page.space.findData("mood")))
    assert page.space.currentText() == "Feels alike"
    assert by_sound.query["space"] == "audio" and by_mood.query["space"] == "mood"
    assert by_sound.ids != by_mood.ids
    assert {r for r in by_mood.ids[:5]} <= set(ids["a"])  # still the calm ones, in another order


def test_empty_lists_say_why(app, qtbot):
    ctx, service, page, ids = app
    _listed(qtbot, service, lambda: ctx.actions.more_like_this.emit(ids["unanalysed"][0]))
    assert page.stack.currentWidget() is page.message
    assert "not analysed yet" in page.message.text()
    assert not page.play_button.isEnabled()
    _listed(qtbot, service, lambda: service.more_like_this(ids["a"][0], space="visual"))
    assert "nothing to compare by “Looks alike”" in page.message.text()


def test_a_list_plays_queues_and_exports_in_its_order(app, qtbot):
    ctx, service, page, ids = app
    _listed(qtbot, service, lambda: ctx.actions.more_like_this.emit(ids["b"][0]))
    played, queued, exported = [], [], []
    ctx.actions.play_now.connect(played.append)
    ctx.actions.enqueue.connect(queued.append)
    ctx.actions.export_items.connect(lambda i, t: exported.append((i, t)))
    page.play_button.click()
    page.queue_button.click()
    page.export_button.click()
    assert played == [page.ids()] and queued == [page.ids()]
    assert exported == [(page.ids(), "More like Song b0")]
    page.table.doubleClicked.emit(page.model.index(2, 1))
    assert played[-1] == page.ids()[2:]


def test_search_results_show_on_the_same_page(app, qtbot):
    ctx, service, page, ids = app
    first = _listed(qtbot, service, lambda: service.show_search("Song b3"))
    assert not first.rows and "nothing is analysed for search yet" in page.message.text().lower()
    lib = Library(ctx.paths.db)
    lib.transcripts.put(ids["videos"][0], 1, "en", [(65.0, 70.0, "the volcano erupted at dawn")])
    lib.close()
    result = _listed(qtbot, service, lambda: service.show_search("Song b3"))
    assert page.heading.text() == "Search: Song b3"
    assert result.ids[0] == ids["b"][3]
    assert not page.space.isVisibleTo(page)
    empty = _listed(qtbot, service, lambda: service.show_search("zebra xylophone"))
    assert not empty.rows and "matches" in page.message.text()
    talk = _listed(qtbot, service, lambda: service.show_search("volcano"))
    assert talk.ids == [ids["videos"][0]] and "at 1:05" in page.model.index(0, 6).data()


def test_the_users_weights_from_settings_change_all(app, qtbot):
    ctx, service, page, ids = app
    song = ids["a"][0]
    default = _listed(qtbot, service, lambda: service.more_like_this(song))
    ctx.settings.recommend.weights.audio = 0.0  # only how it feels counts now
    by_feel = _listed(qtbot, service, lambda: service.more_like_this(song))
    only_mood = _listed(qtbot, service, lambda: service.more_like_this(song, space="mood"))
    assert by_feel.ids != default.ids and by_feel.ids == only_mood.ids


def test_beyond_this_album_and_artist_leaves_them_out_or_is_disabled_with_the_reason(app, qtbot):
    from mediarec.ui.results.lists import beyond_supported

    ctx, service, page, ids = app
    song = ids["a"][0]
    with_artist = _listed(qtbot, service, lambda: ctx.actions.more_like_this.emit(song))
    assert any(r.artist == "Artist a" for r in with_artist.rows)
    if not beyond_supported():
        assert not page.beyond.isEnabled() and "not available in this build" in page.beyond.toolTip()
        return
    assert page.beyond.isEnabled()
    beyond = _listed(qtbot, service, lambda: page.beyond.setChecked(True))
    assert beyond.query["beyond"] and beyond.rows
    assert all(r.artist != "Artist a" for r in beyond.rows)


def test_right_click_on_a_result_row_opens_the_one_menu_and_more_like_this_follows_it(app, qtbot):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    ctx, service, page, ids = app
    first = _listed(qtbot, service, lambda: ctx.actions.more_like_this.emit(ids["b"][0]))
    page.table.selectRow(0)
    seen = []

    def choose():
        menu = QApplication.activePopupWidget()
        seen.append([a.text() for a in menu.actions()])
        _trigger(menu, "More like this")
        menu.close()
    QTimer.singleShot(200, choose)
    rect = page.table.visualRect(page.model.index(0, 1))
    with qtbot.waitSignal(service.listed, timeout=10000) as blocker:
        page.table.customContextMenuRequested.emit(rect.center())
    assert "Play next" in seen[0] and "Export as playlist…" in seen[0]
    assert blocker.args[0].query["id"] == first.ids[0]
    assert page.heading.text() == f"More like {first.rows[0].title}"


def test_every_similar_row_says_why(app, qtbot):
    ctx, service, page, ids = app
    result = _listed(qtbot, service, lambda: ctx.actions.more_like_this.emit(ids["a"][0]))
    far = [r for r in result.rows if r.artist == "Artist b"]
    assert far and all(r.reasons and r.reasons[0].startswith("loosely alike in ") for r in far)


def test_back_returns_to_the_list_before_and_options_do_not_pile_up(app, qtbot):
    ctx, service, page, ids = app
    first = _listed(qtbot, service, lambda: ctx.actions.more_like_this.emit(ids["a"][0]))
    assert not page.back_button.isEnabled()
    _listed(qtbot, service, lambda: page.space.setCurrentIndex(page.space.findData("mood")))  # a refinement
    assert not page.back_button.isEnabled()
    second = _listed(qtbot, service, lambda: ctx.actions.more_like_this.emit(first.ids[0]))
    assert page.back_button.isEnabled() and second.query["id"] == first.ids[0]
    with qtbot.waitSignal(service.listed, timeout=5000) as blocker:
        page.back_button.click()
    assert blocker.args[0].query == {**first.query, "space": "mood"}
    assert page.heading.text() == "More like Song a0" and not page.back_button.isEnabled()


def test_an_item_not_analysed_yet_fills_in_when_the_library_changes(app, qtbot):
    import numpy as np
    from PySide6.QtCore import QObject, Signal

    from mediarec.ui import results
    from vector_factory import put_features

    _, _, _, ids = app

    class LibraryService(QObject):  # where the shell's "library" service stands: its documented signal
        changed = Signal()
    ctx = part_context(AppPaths.resolve())
    qtbot.addWidget(ctx.window)
    ctx.services["library"] = library = LibraryService()
    service = results.install(ctx)
    fresh = ids["unanalysed"][0]
    empty = _listed(qtbot, service, lambda: ctx.actions.more_like_this.emit(fresh))
    assert not empty.rows
    lib = Library(ctx.paths.db)  # analysis reaches it
    put_features(lib, [fresh], "emotion.music", np.ones((1, 6), np.float32),
                 [{"valence": 0.7, "arousal": 0.2, "mood": "calm"}])
    lib.close()
    filled = _listed(qtbot, service, library.changed.emit)
    assert filled.rows and filled.query["id"] == fresh
    service.close()


def test_a_slow_list_says_what_is_being_worked_out_and_a_fast_one_does_not_flash(app, qtbot):
    import threading

    ctx, service, page, ids = app
    _listed(qtbot, service, lambda: ctx.actions.more_like_this.emit(ids["a"][0]))
    gate = threading.Event()
    service.bridge.submit(lambda c: gate.wait(5))  # the service thread is busy with something else
    ctx.actions.more_like_this.emit(ids["b"][0])
    assert page.stack.currentWidget() is page.table  # not at once
    qtbot.waitUntil(lambda: page.message.text() == "Finding more like this…", timeout=2000)
    gate.set()
    qtbot.waitUntil(lambda: page.heading.text() == "More like Song b0", timeout=5000)
    assert page.stack.currentWidget() is page.table
