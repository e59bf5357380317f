"""Settings dialog: pages write the TOML settings and read back; folders, blocklist and privacy act at once;
forget asks first; open containing folder says there is no desktop offscreen."""
import pytest

pytest.importorskip("PySide6")

from mediarec.library import Library  # noqa: E402
from mediarec.paths import AppPaths  # noqa: E402
from mediarec.settings import Settings  # noqa: E402
from ui_parts import part_context  # noqa: E402
from vector_factory import add_media  # noqa: E402


@pytest.fixture
def app(qtbot, app_dirs):
    from mediarec.ui import dialogs

    paths = AppPaths.resolve().ensure()
    lib = Library(paths.db)
    ids = add_media(lib, 3, prefix="/music/x", fields=[{"title": f"Song {i}", "artist": "Band"} for i in range(3)])
    for mid in ids:
        lib.events.append(mid, "play")
    lib.close()
    ctx = part_context(paths, Settings.load(paths.settings_file))
    qtbot.addWidget(ctx.window)
    service = dialogs.install(ctx)
    yield ctx, service, ids
    service.close()


def _first(widget) -> str:
    item = widget.item(0)
    return item.text() if item is not None else ""


def _events(ctx, media_id=None):
    lib = Library(ctx.paths.db)
    try:
        return len(lib.events.list(media_id))
    finally:
        lib.close()


def test_settings_pages_round_trip_through_toml(app, qtbot):
    ctx, service, ids = app
    dialog = service.open_settings()
    assert [dialog.nav.item(i).text() for i in range(dialog.nav.count())] == \
        ["Folders", "Analysis", "Recommendation", "Privacy", "Playlists"]
    dialog.analysis.device.setCurrentIndex(dialog.analysis.device.findData("cuda"))
    from mediarec.extract.models.whisper import model_problem

    base = dialog.analysis.speech.model().item(dialog.analysis.speech.findData("base"))
    problem = model_problem("base", ctx.paths.models)
    assert base.isEnabled() == (problem is None)
    if problem:  # listed, disabled, saying why and how to get it
        assert base.text().endswith("not installed") and "pip install" in base.toolTip()
    model = "tiny.en" if problem else "base"
    dialog.analysis.speech.setCurrentIndex(dialog.analysis.speech.findData(model))
    dialog.analysis.workers.setValue(3)
    dialog.recommend.weights["mood"].setValue(0.9)
    dialog.recommend.exploration.setValue(25)
    dialog.recommend.spacing.setValue(5)
    dialog.playlists.format.setCurrentIndex(dialog.playlists.format.findData("xspf"))
    dialog.playlists.relative.setChecked(True)
    with qtbot.waitSignal(dialog.saved, timeout=5000):
        dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    assert not dialog.isVisible()
    back = Settings.load(ctx.paths.settings_file)
    assert back == ctx.settings  # the app's settings object changed in place too
    assert (back.analyze.device, back.speech.model, back.analyze.workers) == ("cuda", model, 3)
    assert (back.recommend.weights.mood, back.recommend.exploration, back.recommend.artist_spacing) == (0.9, 0.25, 5)
    assert (back.playlists.format, back.playlists.relative) == ("xspf", True)
    again = service.open_settings()
    assert again.analysis.device.currentData() == "cuda" and again.recommend.exploration.value() == 25


def test_a_settings_file_that_cannot_be_written_is_said_and_nothing_changes(app, qtbot):
    ctx, service, ids = app
    ctx.paths.settings_file.mkdir(parents=True)  # a folder where the file should be
    dialog = service.open_settings()
    dialog.analysis.workers.setValue(2)
    assert dialog.apply() is False
    assert str(ctx.paths.settings_file) in dialog.error.text() and dialog.isVisible()
    assert ctx.settings.analyze.workers == 0


def test_folders_are_added_and_removed_after_a_question_keeping_history(app, qtbot, tmp_path):
    ctx, service, ids = app
    dialog = service.open_settings()
    qtbot.waitUntil(lambda: "No folders yet" in _first(dialog.folders.folders), timeout=5000)
    folder = tmp_path / "Music"
    folder.mkdir()
    dialog.folder_added.emit(str(folder))
    qtbot.waitUntil(lambda: dialog.folders.current_path() is None and dialog.folders.folders.count() == 1
                    and str(folder) in _first(dialog.folders.folders), timeout=5000)
    dialog.folders.folders.setCurrentRow(0)
    box = dialog.ask_remove_folder()
    assert "history is kept" in box.informativeText()
    box.yes_button.click()
    qtbot.waitUntil(lambda: "No folders yet" in _first(dialog.folders.folders), timeout=5000)
    assert _events(ctx) == 3


def test_the_blocklist_is_listed_and_undone_or_its_absence_is_said(app, qtbot):
    ctx, service, ids = app
    try:
        from mediarec.library.blocklist import Blocklist
    except ImportError:
        Blocklist = None
    if Blocklist is not None:
        lib = Library(ctx.paths.db)
        Blocklist(lib).block_artist("Band")
        lib.close()
    dialog = service.open_settings("Recommendation")
    blocked = dialog.recommend.blocked
    if Blocklist is None:
        qtbot.waitUntil(lambda: blocked.count() == 1 and "needs a newer library" in _first(blocked),
                        timeout=5000)
        assert not dialog.recommend.unblock_button.isEnabled()
        return
    qtbot.waitUntil(lambda: blocked.count() == 1 and "Band" in _first(blocked), timeout=5000)
    blocked.setCurrentRow(0)
    dialog.recommend.unblock_button.click()
    qtbot.waitUntil(lambda: "Nothing is blocked" in _first(blocked), timeout=5000)


def test_clear_history_asks_then_clears_and_the_data_places_are_shown(app, qtbot):
    ctx, service, ids = app
    dialog = service.open_settings("Privacy")
    texts = " ".join(w.text() for w in dialog.privacy.findChildren(type(dialog.error)))
    assert str(ctx.paths.db) in texts and str(ctx.paths.settings_file) in texts
    dialog.ask_clear_history().button(dialog.ask_clear_history().StandardButton.Cancel).click()
    assert _events(ctx) == 3
    dialog.ask_clear_history().yes_button.click()
    qtbot.waitUntil(lambda: "Cleared 3 events" in dialog.privacy.status.text(), timeout=5000)
    assert _events(ctx) == 0


def test_forget_asks_first_and_forgets_only_those_items(app, qtbot):
    ctx, service, ids = app
    ctx.actions.forget.emit(ids[:2])
    box = service.question
    assert "these 2 items" in box.text()
    box.yes_button.click()
    qtbot.waitUntil(lambda: bool(ctx.window.messages) and "Forgot 2 plays" in ctx.window.messages[-1], timeout=5000)
    assert _events(ctx, ids[0]) == 0 and _events(ctx, ids[2]) == 1


def test_open_folder_offscreen_says_there_is_no_desktop(app, qtbot):
    ctx, service, ids = app
    ctx.actions.open_folder.emit(ids[0])
    qtbot.waitUntil(lambda: bool(ctx.window.messages), timeout=5000)
    assert ctx.window.messages[-1] == "No desktop to show /music/x/audio in"


def test_export_my_data_writes_json_or_says_why_not(app, qtbot, tmp_path):
    import json

    from mediarec.ui.dialogs.calls import privacy_available

    ctx, service, ids = app
    dialog = service.open_settings("Privacy")
    if not privacy_available():
        assert not dialog.privacy.export_button.isEnabled()
        assert "not in this build" in dialog.privacy.export_button.toolTip()
        return
    out = tmp_path / "mine.json"
    dialog.export_data_requested.emit(str(out))
    qtbot.waitUntil(lambda: "Exported 3 events" in dialog.privacy.status.text(), timeout=5000)
    assert len(json.loads(out.read_text())["events"]) == 3
