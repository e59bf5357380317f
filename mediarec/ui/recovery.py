"""The app's answer to a damaged library.db: a question with Restore newest backup / Start fresh / Quit.

The work is the core's (mediarec/library/recovery.py); this module only asks. app.py opens the library
with `open_library_or_recover(paths.db)` and quits when it returns None."""
from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtWidgets import QMessageBox, QWidget

from ..errors import MediarecError
from ..library import Library
from ..library import recovery

log = logging.getLogger(__name__)

RESTORE, FRESH, QUIT = "restore", "fresh", "quit"


def build_question(error: recovery.DamagedLibrary, parent: QWidget | None = None) -> tuple[QMessageBox, dict]:
    """The message box (not shown) and {choice: button}; Restore is there only when a backup exists."""
    newest = recovery.newest_backup(error.path)
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle("mediarec: library damaged")
    box.setText(f"The library database {error.path} is damaged and cannot be read ({error.cause}).")
    kept = "The damaged file is kept beside it under a new name, whatever you choose."
    if newest is not None:
        box.setInformativeText(f"Restore the newest backup ({newest.name}) or start with an empty library "
                               f"(your media files are not touched). {kept}")
    else:
        box.setInformativeText(f"There is no backup to restore. Start with an empty library (your media files "
                               f"are not touched), or quit. {kept}")
    buttons = {}
    if newest is not None:
        buttons[RESTORE] = box.addButton("Restore newest backup", QMessageBox.ButtonRole.AcceptRole)
    buttons[FRESH] = box.addButton("Start fresh", QMessageBox.ButtonRole.DestructiveRole)
    buttons[QUIT] = box.addButton("Quit", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(buttons.get(RESTORE, buttons[QUIT]))
    box.setEscapeButton(buttons[QUIT])
    return box, buttons


def ask(error: recovery.DamagedLibrary, parent: QWidget | None = None) -> str:
    """Shows the question (modal) and returns RESTORE, FRESH or QUIT."""
    box, buttons = build_question(error, parent)
    box.exec()
    clicked = box.clickedButton()
    return next((choice for choice, b in buttons.items() if b is clicked), QUIT)


def open_library_or_recover(db_path: str | Path, parent: QWidget | None = None) -> Library | None:
    """The open library; on a damaged file, asks and restores or starts fresh (then opens that). None: quit."""
    while True:
        try:
            return Library(db_path)
        except recovery.DamagedLibrary as exc:
            choice = ask(exc, parent)
            if choice == QUIT:
                return None
            try:
                done = (recovery.restore_newest_backup if choice == RESTORE else recovery.start_fresh)(Path(db_path))
            except (MediarecError, OSError) as err:  # e.g. every backup is damaged too: say so, ask again
                QMessageBox.warning(parent, "mediarec", str(err))
                continue
            log.warning("%s", done.summary())


__all__ = ["open_library_or_recover", "ask", "build_question", "RESTORE", "FRESH", "QUIT"]
