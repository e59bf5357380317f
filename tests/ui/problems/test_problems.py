"""The Problems page lists files that failed, with why; Ignore hides one (Show ignored brings it back into
view), Retry forgets the failure and scans again, and the sidebar counts what is open."""
import pytest
from PySide6.QtCore import QItemSelectionModel

from mediarec.paths import AppPaths
from mediarec.settings import Settings

pytest.importorskip("PySide6")


@pytest.fixture
def app(qtbot, app_dirs, media_dir):
    from mediarec.ui.app import build, start

    (media_dir / "music" / "broken.mp3").write_bytes(b"this is no mp3" * 50)
    (media_dir / "music" / "empty.flac").write_bytes(b"")
    ctx = build(AppPaths.resolve().ensure(), Settings(), parts=("library", "jobs", "problems"),
                options={"jobs": {"auto_analyze": False}})
    qtbot.addWidget(ctx.window)
    start(ctx)
    jobs = ctx.services["jobs"]
    jobs.scan([str(media_dir)])
    qtbot.waitUntil(lambda: not jobs.busy, timeout=30_000)
    yield ctx
    ctx.window.close()


def problems_label(ctx):
    w = ctx.window
    return next(w.sidebar.topLevelItem(i).text(0) for i in range(w.sidebar.topLevelItemCount())
                if w.sidebar.topLevelItem(i).text(0).startswith("Problems"))


def select(view, row):
    index = view.model.index(row, 0)
    view.tree.selectionModel().select(index, QItemSelectionModel.SelectionFlag.ClearAndSelect
                                      | QItemSelectionModel.SelectionFlag.Rows)


def test_lists_ignores_and_retries(app, qtbot):
    ctx = app
    ctx.window.show_page("Problems")
    view = ctx.window.page("Problems")
    qtbot.waitUntil(lambda: view.model.rowCount() == 2, timeout=10_000)
    names = {view.model.index(r, 0).data() for r in range(2)}
    assert names == {"broken.mp3", "empty.flac"}
    assert problems_label(ctx) == "Problems  (2)"
    assert not view.retry_button.isEnabled()
    row = next(r for r in range(2) if view.model.index(r, 0).data() == "broken.mp3")
    select(view, row)
    assert view.ignore_button.isEnabled()
    view.ignore_button.click()
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=10_000)
    assert problems_label(ctx) == "Problems  (1)"
    view.show_ignored.setChecked(True)
    qtbot.waitUntil(lambda: view.model.rowCount() == 2, timeout=10_000)
    assert any("(ignored)" in view.model.index(r, 3).data() for r in range(2))
    view.show_ignored.setChecked(False)
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=10_000)
    select(view, 0)
    with qtbot.waitSignal(ctx.services["jobs"].started, timeout=10_000) as started:
        view.retry_button.click()
    assert started.args == ["Scanning"]  # a scan failure is retried by scanning again
    qtbot.waitUntil(lambda: not ctx.services["jobs"].busy, timeout=30_000)
    qtbot.waitUntil(lambda: view.model.rowCount() == 1 and view.model.rows[0]["attempts"] == 1, timeout=10_000)
