"""Export dialog: a list of items becomes an M3U8, XSPF or PLS playlist that parses back and the real mpv opens."""
import os
import shutil
import subprocess

import pytest

pytest.importorskip("PySide6")

from mediarec.export import read_playlist  # noqa: E402
from mediarec.library import Library  # noqa: E402
from mediarec.paths import AppPaths  # noqa: E402
from ui_parts import part_context  # noqa: E402


@pytest.fixture
def app(qtbot, app_dirs, media_dir):
    from mediarec.ui import dialogs

    paths = AppPaths.resolve().ensure()
    lib = Library(paths.db)
    files = sorted(p for p in media_dir.rglob("*") if p.is_file())
    ids = [lib.media.insert(str(p), None, {"kind": "video" if p.parent.name == "video" else "audio", "size": 1,
                                            "mtime": 1.0, "fingerprint": p.name, "duration": 1.0,
                                            "title": f"Track {i}", "tags": {}, "streams": []})
           for i, p in enumerate(files)]
    lib.close()
    ctx = part_context(paths)
    qtbot.addWidget(ctx.window)
    service = dialogs.install(ctx)
    yield ctx, service, ids, [str(p) for p in files]
    service.close()


def _mpv_plays(playlist) -> list[str]:
    out = subprocess.run(["mpv", "--no-config", "--vo=null", "--ao=null", "--length=0.2",
                          "--term-playing-msg=PLAYING:${path}", f"--playlist={playlist}"],
                         stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120, check=False)
    return [os.path.normpath(line[len("PLAYING:"):]) for line in out.stdout.splitlines() if line.startswith("PLAYING:")]


@pytest.mark.parametrize("fmt, relative", [("m3u8", False), ("xspf", True), ("pls", True)])
def test_export_writes_a_playlist_that_parses_back_and_mpv_opens(app, qtbot, tmp_path, fmt, relative):
    ctx, service, ids, files = app
    ctx.actions.export_items.emit(ids, "More like Track 0")
    dialog = service.export_dialog
    assert dialog.isVisible() and "9 items" in dialog.summary.text()
    assert dialog.destination.text().endswith("More like Track 0.m3u8")
    dialog.destination.setText(str(tmp_path / "out" / "mix.m3u8"))
    dialog.format.setCurrentIndex(dialog.format.findData(fmt))
    assert dialog.destination.text() == str(tmp_path / "out" / f"mix.{fmt}")
    (dialog.relative if relative else dialog.absolute).setChecked(True)
    got = []
    service.exported.connect(got.append)
    dialog.export_button.click()
    qtbot.waitUntil(lambda: bool(got) or "Writing" not in dialog.status.text(), timeout=10000)
    assert got, dialog.status.text()
    done = got[0]
    assert (done.entries, done.parsed_back) == (9, 9) and not dialog.isVisible()
    written = tmp_path / "out" / f"mix.{fmt}"
    assert [e.path for e in read_playlist(written)] == files
    assert (str(tmp_path) in written.read_text()) == (not relative)  # relative: no absolute paths
    assert ctx.window.messages[-1].startswith(f"Wrote 9 entries to {written}")
    if fmt != "xspf" and shutil.which("mpv"):  # mpv reads M3U and PLS, not XSPF
        assert _mpv_plays(written) == files


def test_a_failed_write_keeps_the_dialog_open_and_says_why(app, qtbot, tmp_path):
    ctx, service, ids, files = app
    dialog = service.open_export(ids[:2], "Two")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    dialog.destination.setText(str(blocker / "mix.m3u8"))  # a folder that is a file
    dialog.export_button.click()
    qtbot.waitUntil(lambda: "cannot write" in dialog.status.text(), timeout=10000)
    assert dialog.isVisible() and dialog.export_button.isEnabled()
    dialog.destination.setText(str(tmp_path / "odd.wpl"))
    dialog.export_button.click()
    qtbot.waitUntil(lambda: "unknown playlist type .wpl" in dialog.status.text(), timeout=10000)


def test_the_export_can_be_kept_in_playlists_and_uses_the_settings_defaults(app, qtbot, tmp_path):
    ctx, service, ids, files = app
    ctx.settings.playlists.format, ctx.settings.playlists.relative = "pls", True
    dialog = service.open_export(ids[:3], "Keep me")
    assert dialog.format.currentData() == "pls" and dialog.relative.isChecked()
    dialog.destination.setText(str(tmp_path / "keep.pls"))
    dialog.keep.setChecked(True)
    with qtbot.waitSignal(service.exported, timeout=10000):
        dialog.export_button.click()
    lib = Library(ctx.paths.db)
    saved = lib.playlists.get("Keep me")
    lib.close()
    assert [it["media_id"] for it in saved["items"]] == ids[:3]
