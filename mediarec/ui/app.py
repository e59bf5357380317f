"""Starts the desktop app: QApplication, settings, library, main window."""
from __future__ import annotations

import logging
import sys

from PySide6.QtWidgets import QApplication, QMessageBox

from ..errors import MediarecError
from ..library import Library
from ..paths import AppPaths
from ..settings import Settings


def main(data_dir: str | None = None, argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("mediarec")
    app.setOrganizationName("mediarec")
    app.setDesktopFileName("mediarec")
    try:
        paths = AppPaths.resolve(data_dir)
        settings = Settings.load(paths.settings_file)
        paths.ensure()
        lib = Library(paths.db)
    except MediarecError as exc:
        QMessageBox.critical(None, "mediarec", str(exc))
        print(f"mediarec: {exc}", file=sys.stderr)
        return 1
    from .main_window import MainWindow

    window = MainWindow(paths, settings, lib)
    window.show()
    window.resume_pending_work()
    try:
        return app.exec()
    finally:
        lib.close()


if __name__ == "__main__":
    sys.exit(main())
