"""ask(): a non-blocking Yes/Cancel question; the answer runs `on_yes` (the box is returned for tests to answer)."""
from __future__ import annotations

from typing import Callable

from PySide6.QtWidgets import QMessageBox, QWidget


def ask(parent: QWidget, title: str, text: str, yes_text: str, on_yes: Callable[[], None],
        details: str = "") -> QMessageBox:
    box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.Cancel, parent)
    if details:
        box.setInformativeText(details)
    yes = box.addButton(yes_text, QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.finished.connect(lambda _: on_yes() if box.clickedButton() is yes else None)
    box.yes_button = yes
    box.open()
    return box
