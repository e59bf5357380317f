"""Playlists page: saved and imported playlists listed, opened as a results-like table, played, queued,
exported and deleted; a playlist file imported with an entry outside the library keeps it as text."""
import pytest

pytest.importorskip("PySide6")

from mediarec.library import Library  # noqa: E402
from mediarec.paths import AppPaths  # noqa: E402
from ui_parts import part_context  # noqa: E402
from vector_factory import add_media  # noqa: E402


@pytest.fixture
def app(qtbot, app_dirs, tmp_path):
    from mediarec.ui import playlists

    paths = AppPaths.resolve().ensure()
    lib = Library(paths.db)
    (tmp_path / "music").mkdir()
    lib.roots.add(str(tmp_path / "music"))
    ids = add_media(lib, 4, prefix=str(tmp_path / "music"), fields=[{"title": f"Song {i}"} for i in range(4)])
    rows = [lib.media.get(i) for i in ids]
    lib.close()
    ctx = part_context(paths)
    qtbot.addWidget(ctx.window)
    return ctx, playlists, ids, rows


def test_no_playlists_says_how_to_make_one(app, qtbot):
    ctx, playlists, ids, rows = app
    controller = playlists.install(ctx)
    qtbot.waitUntil(lambda: "No playlists yet" in controller.page.message.text(), timeout=5000)
    assert not controller.page.buttons["play"].isEnabled() and not controller.page.buttons["delete"].isEnabled()
    controller.close()


def test_import_open_play_queue_export_and_delete(app, qtbot, tmp_path):
    ctx, playlists, ids, rows = app
    lib = Library(ctx.paths.db)
    lib.playlists.save("Evening", [{"media_id": r["id"], "path": r["path"], "title": r["title"]} for r in rows[:2]])
    lib.close()
    controller = playlists.install(ctx)
    page = controller.page
    qtbot.waitUntil(lambda: page.heading.text() == "Evening" and page.model.rowCount() == 2, timeout=5000)
    file = tmp_path / "road trip.m3u8"
    file.write_text("#EXTM3U\n" + "\n".join([rows[3]["path"], "/elsewhere/secret.mp3", rows[1]["path"]]) + "\n")
    controller.import_file(str(file))
    qtbot.waitUntil(lambda: page.heading.text() == "road trip" and page.model.rowCount() == 3, timeout=5000)
    assert [page.names.item(i).text() for i in range(page.names.count())] == ["Evening  (2)", "road trip  (3)"]
    assert page.model.index(1, 6).data() == "not in the library"
    assert "imported" in page.details.text() and str(file) in page.details.text()
    assert "1 not in the library" in ctx.window.messages[-1]
    played, queued, exported = [], [], []
    ctx.actions.play_now.connect(played.append)
    ctx.actions.enqueue.connect(queued.append)
    ctx.actions.export_items.connect(lambda i, t: exported.append((i, t)))
    for key in ("play", "queue", "export"):
        page.buttons[key].click()
    assert played == queued == [[ids[3], ids[1]]] and exported == [([ids[3], ids[1]], "road trip")]
    box = controller.ask_delete("road trip")
    box.yes_button.click()
    qtbot.waitUntil(lambda: page.names.count() == 1 and page.heading.text() == "Evening", timeout=5000)
    lib = Library(ctx.paths.db)
    assert [p["name"] for p in lib.playlists.list()] == ["Evening"]
    lib.close()
    controller.import_file(str(tmp_path / "missing.m3u8"))
    qtbot.waitUntil(lambda: "missing.m3u8" in ctx.window.messages[-1], timeout=5000)
    controller.close()


def test_an_export_kept_in_playlists_appears_at_once(app, qtbot, tmp_path):
    ctx, playlists, ids, rows = app
    from mediarec.ui import dialogs

    service = dialogs.install(ctx)
    controller = playlists.install(ctx)
    dialog = service.open_export(ids[:3], "Kept")
    dialog.destination.setText(str(tmp_path / "kept.m3u8"))
    dialog.keep.setChecked(True)
    dialog.export_button.click()
    qtbot.waitUntil(lambda: controller.page.heading.text() == "Kept" and controller.page.ids() == ids[:3],
                    timeout=5000)
    controller.close()
    service.close()
