"""The library pages as a user meets them: a welcome view on an empty library that scans the chosen folders,
a lazily filled table (qtmodeltester) that filters and sorts in SQL, a search over tags, double-click plays from
that row on in the order shown, Ctrl+Return queues, right-click gives the one context menu, Folders lists roots."""
import shutil

import pytest
from PySide6.QtCore import QModelIndex, QPoint, Qt
from PySide6.QtTest import QTest

from library_factory import fill_library
from mediarec.library import Library, browse
from mediarec.paths import AppPaths
from mediarec.settings import Settings

pytest.importorskip("PySide6")


def make_app(qtbot, parts=("library", "jobs", "problems")):
    from mediarec.ui.app import build, start

    ctx = build(AppPaths.resolve().ensure(), Settings(), parts=parts, options={"jobs": {"auto_analyze": False}})
    qtbot.addWidget(ctx.window)
    start(ctx)
    return ctx


@pytest.fixture(scope="module")
def generated_template(tmp_path_factory):
    """3000 generated items and a folder (so the app is past its first run), made once for the module."""
    root = tmp_path_factory.mktemp("generated")
    (root / "music").mkdir()
    with Library(root / "library.db") as lib:
        fill_library(lib, 3000, events=1500)
        lib.roots.add(root / "music")
        lib.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return root / "library.db"


@pytest.fixture
def generated(app_dirs, generated_template):
    db = AppPaths.resolve().ensure().db
    shutil.copy(generated_template, db)
    return db


def wait_rows(qtbot, view, n=1):
    qtbot.waitUntil(lambda: view.model.rowCount() >= n, timeout=10_000)


def test_welcome_view_on_an_empty_library_scans_the_chosen_folder(qtbot, media_dir):
    ctx = make_app(qtbot)
    w = ctx.window
    qtbot.waitUntil(lambda: w.current_page == "Welcome", timeout=5000)
    welcome = w.page("Welcome")
    assert welcome.isVisible() and welcome.music_button.isVisible()
    welcome._pick = lambda caption: str(media_dir)
    welcome.music_button.click()
    assert w.current_page == "Everything"
    view = w.page("Everything")
    qtbot.waitUntil(lambda: view.model.rowCount() == 9, timeout=30_000)
    # the count is its own query on its own thread (it may answer just after the rows)
    qtbot.waitUntil(lambda: "9 items" in view.info.text(), timeout=5000)
    qtbot.waitUntil(lambda: w.sidebar.topLevelItem(0).text(0) == "Music  (6)", timeout=5000)
    w.show_page("Folders")
    folders = w.page("Folders")
    qtbot.waitUntil(lambda: folders.tree.topLevelItemCount() == 1, timeout=5000)
    assert folders.tree.topLevelItem(0).text(0) == str(media_dir) and folders.tree.topLevelItem(0).text(1) == "9"
    ctx.window.close()


def load_all(qtbot, model):
    while model.canFetchMore(QModelIndex()) or model._pending is not None:
        with qtbot.waitSignal(model.loaded, timeout=10_000):
            model.fetchMore(QModelIndex())


def test_model_passes_qtmodeltester_while_pages_arrive(qtbot, qtmodeltester, generated):
    from mediarec.ui.library.model import LibraryTableModel
    from mediarec.ui.library.service import LibraryService

    service = LibraryService(AppPaths.resolve())
    model = LibraryTableModel(service)
    model.set_query(browse.Query(sort="plays", descending=True))
    load_all(qtbot, model)  # 3000 rows before the tester: its checks on every insert are quadratic
    assert model.rowCount() == 3000 and model.total == 3000
    plays = [model.row_data(r)["plays"] for r in range(model.rowCount())]
    assert plays == sorted(plays, reverse=True) and plays[0] > 0
    qtmodeltester.check(model, force_py=True)  # every row and role now, then every change below
    with Library(AppPaths.resolve().db) as lib:  # the library changes: a refresh signals the difference
        lib.events.append(model.row_id(2999), "play")
    with qtbot.waitSignal(model.loaded, timeout=10_000):
        model.refresh()
    assert model.rowCount() == 3000
    model.set_filter("blue")
    qtbot.waitUntil(lambda: model.rowCount() > 0 and model.total is not None, timeout=10_000)
    load_all(qtbot, model)
    assert model.rowCount() == model.total > 200
    assert all("blue" in (model.row_data(r)["title"] or "").lower() or "blue" in model.row_data(r)["path"]
               for r in range(model.rowCount()))
    service.close()


def test_filter_sort_and_lazy_scroll(qtbot, generated):
    ctx = make_app(qtbot)
    w = ctx.window
    w.show_page("Everything")
    view = w.page("Everything")
    wait_rows(qtbot, view, 200)
    assert view.model.rowCount() < 3000  # lazily: only what the view needs
    view.table.scrollToBottom()
    qtbot.waitUntil(lambda: view.model.rowCount() > 200, timeout=10_000)
    QTest.keyClick(w, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert view.filter.hasFocus()
    QTest.keyClicks(view.filter, "glass")
    qtbot.waitUntil(lambda: view.model.query.text == "glass" and view.model.rowCount() > 0, timeout=10_000)
    titles = [view.model.index(r, 0).data() for r in range(view.model.rowCount())]
    assert all("glass" in t.lower() for t in titles)
    assert titles == sorted(titles, key=str.casefold)
    header = view.table.horizontalHeader()
    QTest.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(header.sectionViewportPosition(3) + 10,
                                                                               header.height() // 2))  # Length
    qtbot.waitUntil(lambda: view.model.query.sort == "duration", timeout=5000)
    qtbot.waitUntil(lambda: view.model.rowCount() > 0, timeout=5000)
    lengths = [view.model.row_data(r)["duration"] for r in range(view.model.rowCount())]
    assert lengths == sorted(lengths, reverse=view.model.query.descending)
    ctx.window.close()


def test_double_click_plays_that_row_and_ctrl_return_queues(qtbot, generated):
    ctx = make_app(qtbot)
    w = ctx.window
    w.show_page("Music")
    view = w.page("Music")
    wait_rows(qtbot, view, 200)
    with qtbot.waitSignal(ctx.actions.play_now, timeout=10_000) as played:
        rect = view.table.visualRect(view.model.index(5, 0))
        QTest.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        QTest.mouseDClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert played.args[0] == [view.model.row_id(5)]  # that item; Up Next goes on from it
    view.table.selectRow(2)
    with qtbot.waitSignal(ctx.actions.enqueue) as queued:
        QTest.keyClick(view.table, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert queued.args[0] == [view.model.row_id(2)]
    ctx.window.close()


def test_right_click_builds_the_shared_menu_for_the_selection(qtbot, generated, monkeypatch):
    ctx = make_app(qtbot)
    view = ctx.window.page("Music")
    wait_rows(qtbot, view, 10)
    seen = []
    real = ctx.actions.context_menu
    monkeypatch.setattr(ctx.actions, "context_menu", lambda ids, parent, title="": seen.append(ids) or real(ids, parent, title))
    rect = view.table.visualRect(view.model.index(3, 0))
    view.table.customContextMenuRequested.emit(rect.center())
    assert seen == [[view.model.row_id(3)]]
    ctx.window.close()


def test_enter_searches_tags_and_transcripts_with_the_core_search(qtbot, generated):
    with Library(AppPaths.resolve().db) as lib:
        mid = lib.media.ids()[7]
        lib.transcripts.put(mid, 1, "en", [(3.0, 6.0, "the lighthouse keeper sang")])
    ctx = make_app(qtbot)
    view = ctx.window.page("Everything")
    ctx.window.show_page("Everything")
    view.filter.setText("lighthouse")
    view.filter.returnPressed.emit()
    qtbot.waitUntil(lambda: view.model.showing_results, timeout=30_000)
    assert view.model.row_id(0) == mid
    assert "lighthouse" in view.model.index(0, 0).data(Qt.ItemDataRole.ToolTipRole)
    ctx.window.close()


def test_video_rows_show_the_thumbnail_video_frames_saved(qtbot, generated):
    from PySide6.QtGui import QImage, QPixmap

    from mediarec.extract.extractors.video_frames import thumbnail_path as saved_at
    from mediarec.ui.library.service import thumbnail_path

    paths = AppPaths.resolve()
    with Library(paths.db) as lib:
        video = lib.media.ids(kind="video")[0]
    assert thumbnail_path(paths.cache, video) == saved_at(paths.cache, video)
    image = QImage(320, 180, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.darkCyan)
    saved_at(paths.cache, video).parent.mkdir(parents=True, exist_ok=True)
    assert image.save(str(saved_at(paths.cache, video)))
    ctx = make_app(qtbot)
    view = ctx.window.page("Videos")
    ctx.window.show_page("Videos")
    wait_rows(qtbot, view)
    row = next(r for r in range(view.model.rowCount()) if view.model.row_id(r) == video)
    icon = view.model.index(row, 0).data(Qt.ItemDataRole.DecorationRole)
    assert isinstance(icon, QPixmap) and icon.height() == 36 and icon.width() == 64
    assert view.model.index(row + 1, 0).data(Qt.ItemDataRole.DecorationRole) is None  # no thumbnail saved
    ctx.window.close()


def test_typing_matches_what_is_said_and_counts_once_typing_pauses(qtbot, generated, monkeypatch):
    with Library(AppPaths.resolve().db) as lib:
        mid = lib.media.ids()[11]
        lib.transcripts.put(mid, 1, "en", [(1.0, 4.0, "welcome aboard the submarine")])
    ctx = make_app(qtbot)
    view = ctx.window.page("Everything")
    ctx.window.show_page("Everything")
    wait_rows(qtbot, view)
    counts = []
    real = view.service.count
    monkeypatch.setattr(view.service, "count", lambda q, *a, **k: (counts.append(q.text), real(q, *a, **k)))
    view.filter.setFocus()
    for text in ("s", "su", "sub", "subm", "submarine"):  # each a new filter: the rows follow every one
        view.model.set_filter(text)
    qtbot.waitUntil(lambda: view.model.rowCount() == 1 and view.model.row_id(0) == mid, timeout=10_000)
    qtbot.waitUntil(lambda: view.model.total == 1, timeout=5000)
    assert counts == ["submarine"]  # one count, after the pause, not one per keystroke
    assert view.info.text() == "1 item match"
    view.filter.setText("aboard")  # typed in the box: until the new count, no stale total is shown
    qtbot.waitUntil(lambda: view.model.query.text == "aboard", timeout=5000)
    assert view.info.text() in ("", "1 item match") and view.model.total in (None, 1)
    qtbot.waitUntil(lambda: view.info.text() == "1 item match", timeout=5000)
    ctx.window.close()
