"""The app's question for a damaged library.db (mediarec/ui/recovery.py): the buttons offered, and each choice
clicked on the real message box doing what it says."""
import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QMessageBox  # noqa: E402

from mediarec.library import Library, recovery  # noqa: E402
from mediarec.ui import recovery as ui_recovery  # noqa: E402


def _damaged_with_backup(tmp_path, backup=True):
    db = tmp_path / "library.db"
    with Library(db) as lib:
        lib.kv.set("marker", "kept")
        if backup:
            assert lib.periodic_backup() is not None
    db.write_bytes(b"not a database at all" * 50)
    for side in ("-wal", "-shm"):
        (tmp_path / f"library.db{side}").unlink(missing_ok=True)
    return db


def _click_when_shown(label, seen):
    def click():
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, click)
            return
        seen.append([b.text() for b in box.buttons()])
        next(b for b in box.buttons() if b.text() == label).click()
    QTimer.singleShot(0, click)


@pytest.mark.parametrize("label,expect", [("Restore newest backup", "restored"), ("Start fresh", "fresh"),
                                          ("Quit", None)])
def test_each_choice(qtbot, tmp_path, label, expect):
    db = _damaged_with_backup(tmp_path)
    seen = []
    _click_when_shown(label, seen)
    lib = ui_recovery.open_library_or_recover(db)
    assert seen and set(seen[0]) == {"Restore newest backup", "Start fresh", "Quit"}
    kept = [p for p in tmp_path.iterdir() if ".damaged-" in p.name]
    if expect is None:
        assert lib is None and not kept and db.read_bytes().startswith(b"not a database")
        return
    try:
        assert lib.integrity_check() == "ok"
        assert lib.kv.get("marker") == ("kept" if expect == "restored" else None)
        assert len(kept) == 1 and kept[0].read_bytes().startswith(b"not a database")
    finally:
        lib.close()


def test_no_backup_offers_only_start_fresh_or_quit(qtbot, tmp_path):
    db = _damaged_with_backup(tmp_path, backup=False)
    with pytest.raises(recovery.DamagedLibrary) as info:
        Library(db)
    box, buttons = ui_recovery.build_question(info.value)
    qtbot.addWidget(box)
    assert set(buttons) == {ui_recovery.FRESH, ui_recovery.QUIT}
    assert "no backup" in box.informativeText() and str(db) in box.text()
