"""Screenshots of the results part's views: More like this, a journey list, the journey picker, the settings
dialog (each page), the export dialog, the transcript viewer and the Playlists page, written to
$MEDIAREC_SHOTS_DIR (default: this test's tmp folder; the paths are printed). For the real rendering:
xvfb-run -a -s "-screen 0 1400x900x24" env QT_QPA_PLATFORM=xcb MEDIAREC_SHOTS_DIR=/tmp/mediarec-shots/results \\
    python -m pytest -s tests/ui/results/test_results_screenshots.py"""
import os
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from mediarec.library import Library  # noqa: E402
from mediarec.paths import AppPaths  # noqa: E402
from ui_parts import analysed_library, part_context  # noqa: E402

CALM = [("Morning Light", "Nils Frahm"), ("Slow River", "Hania Rani"), ("Paper Boats", "Nils Frahm"),
        ("Quiet Hours", "Ólafur Arnalds"), ("Winter Orchard", "Hania Rani"), ("Salt and Stone", "Ólafur Arnalds"),
        ("Harbour Lights", "Nils Frahm"), ("Last Ferry", "Hania Rani")]
ENERGETIC = [("Night Drive", "Kavinsky"), ("Glass City", "Daft Punk"), ("Copper Sky", "Justice"),
             ("Northern Road", "Kavinsky"), ("Neon Rain", "Justice"), ("Fast Lane", "Daft Punk"),
             ("Strobe", "Justice"), ("Midnight Run", "Kavinsky")]
VIDEOS = [("City timelapse", ""), ("Volcano documentary", ""), ("Concert: Night Drive", ""),
          ("Forest walk", ""), ("Ocean at dawn", ""), ("Talk: how volcanoes work", "")]


def _out(tmp_path) -> Path:
    out = Path(os.environ.get("MEDIAREC_SHOTS_DIR") or os.environ.get("MEDIAREC_SHOTS") or tmp_path / "shots")
    out.mkdir(parents=True, exist_ok=True)
    return out


def shot(widget, out: Path, name: str) -> Path:
    from PySide6.QtWidgets import QApplication

    QApplication.processEvents()
    path = out / f"{name}.png"
    assert widget.grab().save(str(path)) and path.stat().st_size > 3000
    print(f"screenshot: {path}")
    return path


def test_screenshots_of_results_dialogs_and_playlists(qtbot, app_dirs, tmp_path):
    from mediarec.ui import dialogs, playlists, results

    out = _out(tmp_path)
    paths = AppPaths.resolve().ensure()
    lib = Library(paths.db)
    ids = analysed_library(lib, names={"a": CALM, "b": ENERGETIC, "videos": VIDEOS})
    lib.transcripts.put(ids["videos"][1], 1, "en", [
        (0.0, 6.2, "Deep under the island, the magma chamber has been filling for centuries."),
        (6.2, 14.8, "When the pressure grows too great, the volcano erupts and lava reaches the sea."),
        (14.8, 22.0, "Scientists measure the ground as it rises, a few millimetres a day."),
        (65.5, 73.0, "By dawn the lava fields were quiet again, steaming in the cold air."),
        (130.0, 138.5, "Thanks for watching; next time we follow the lava down to the coast.")])
    lib.playlists.save("Sunday morning", [{"media_id": i, "path": lib.media.get(i)["path"],
                                           "title": lib.media.get(i)["title"]} for i in ids["a"][:6]])
    for folder in ("Music", "Videos"):
        (tmp_path / folder).mkdir()
        lib.roots.add(str(tmp_path / folder))
    lib.close()
    ctx = part_context(paths)
    ctx.window.resize(1200, 700)
    qtbot.addWidget(ctx.window)
    res = results.install(ctx)
    dlg = dialogs.install(ctx)
    pls = playlists.install(ctx)
    ctx.window.show()
    with qtbot.waitSignal(res.listed, timeout=10000):
        ctx.actions.more_like_this.emit(ids["a"][0])
    shots = [shot(ctx.window, out, "more-like-this-song")]
    with qtbot.waitSignal(res.listed, timeout=10000):
        ctx.actions.more_like_this.emit(ids["videos"][2])
    shots.append(shot(ctx.window, out, "more-like-this-video"))
    with qtbot.waitSignal(res.listed, timeout=10000):
        res.more_like_this(ids["a"][0], space="visual")
    shots.append(shot(ctx.window, out, "more-like-this-empty"))

    dlg.open_journey(ids["b"][0], start=ids["a"][0])
    qtbot.waitUntil(lambda: dlg.journey_dialog is not None, timeout=10000)
    journey = dlg.journey_dialog
    for row in ({"id": ids["a"][3], "title": "Quiet Hours", "artist": "Ólafur Arnalds", "kind": "audio"},
                {"id": ids["videos"][2], "title": "Concert: Night Drive", "artist": "", "kind": "video"}):
        journey.add_waypoint(row)
    shots.append(shot(journey, out, "journey-picker"))
    chooser = journey.choose_waypoint()
    qtbot.waitUntil(lambda: chooser.results.count() == 22, timeout=10000)
    chooser.query.setText("night")
    qtbot.waitUntil(lambda: chooser.results.count() == 3, timeout=10000)  # two songs and the concert
    shots.append(shot(chooser, out, "journey-item-chooser"))
    chooser.reject()
    with qtbot.waitSignal(dlg.journey_planned, timeout=20000):
        journey.show_button.click()
    shots.append(shot(ctx.window, out, "journey-list"))
    journey.reject()

    settings = dlg.open_settings()
    qtbot.waitUntil(lambda: settings.folders.folders.count() > 0, timeout=5000)
    for i in range(settings.nav.count()):
        settings.nav.setCurrentRow(i)
        shots.append(shot(settings, out, f"settings-{settings.nav.item(i).text().lower()}"))
    settings.reject()

    export = dlg.open_export(res.page.ids(), res.page.heading.text())
    shots.append(shot(export, out, "export-dialog"))
    export.reject()

    view = dlg.open_transcript(ids["videos"][1])
    qtbot.waitUntil(lambda: view.segments.count() == 5, timeout=5000)
    shots.append(shot(view, out, "transcript-viewer"))
    view.reject()

    ctx.window.show_page("Playlists")
    qtbot.waitUntil(lambda: pls.page.model.rowCount() == 6, timeout=5000)
    shots.append(shot(ctx.window, out, "playlists-page"))
    assert len(shots) == 14
    for service in (res, dlg, pls):
        service.close()
