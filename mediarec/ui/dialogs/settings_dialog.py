"""SettingsDialog: the pages in a sidebar; OK/Apply write the TOML settings (folders, blocklist and privacy
actions take effect at once through the "dialogs" service)."""
from __future__ import annotations

import copy

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFileDialog, QHBoxLayout, QLabel, QListWidget,
                               QStackedWidget, QVBoxLayout, QWidget)

from ...errors import ConfigError
from ...settings import Settings
from .confirm import ask
from .settings_pages import AnalysisPage, FoldersPage, PlaylistsPage, PrivacyPage, RecommendPage


class SettingsDialog(QDialog):
    folder_added = Signal(str)
    folder_removed = Signal(str)
    unblock_requested = Signal(int)
    clear_history_requested = Signal()
    export_data_requested = Signal(str)
    saved = Signal(object)  # the new Settings, written to the file

    def __init__(self, settings: Settings, settings_file, places: list[tuple[str, str]], export_available: bool,
                 parent: QWidget | None = None, models_dir=None):
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.resize(760, 560)
        self.settings, self.settings_file = settings, settings_file
        self.folders = FoldersPage()
        self.analysis = AnalysisPage(settings, models_dir)
        self.recommend = RecommendPage(settings)
        self.privacy = PrivacyPage(places, export_available)
        self.playlists = PlaylistsPage(settings)
        self.nav = QListWidget()
        self.nav.setFixedWidth(150)
        self.nav.setSpacing(3)
        self.stack = QStackedWidget()
        for name, page in (("Folders", self.folders), ("Analysis", self.analysis),
                           ("Recommendation", self.recommend), ("Privacy", self.privacy),
                           ("Playlists", self.playlists)):
            self.nav.addItem(name)
            self.stack.addWidget(page)
        self.nav.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.nav.setCurrentRow(0)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020;")
        self.error.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Apply
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(lambda: self.apply() and self.accept())
        buttons.button(QDialogButtonBox.StandardButton.Apply).clicked.connect(self.apply)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        body = QHBoxLayout()
        body.addWidget(self.nav)
        body.addWidget(self.stack, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self._wire()

    def _wire(self) -> None:
        self.folders.add_button.clicked.connect(self._add_folder)
        self.folders.remove_button.clicked.connect(self.ask_remove_folder)
        self.recommend.unblock_button.clicked.connect(
            lambda: (rule := self.recommend.current_rule()) is not None and self.unblock_requested.emit(rule))
        self.privacy.clear_button.clicked.connect(self.ask_clear_history)
        self.privacy.export_button.clicked.connect(self._export_data)

    def show_page(self, name: str) -> None:
        self.nav.setCurrentRow(next(i for i in range(self.nav.count()) if self.nav.item(i).text() == name))

    # --- immediate actions -----------------------------------------------------------------------------------
    def _add_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Add a music or video folder")
        if path:
            self.folder_added.emit(path)

    def ask_remove_folder(self):
        path = self.folders.current_path()
        if not path:
            return None
        self.question = ask(self, "Remove folder", f"Stop scanning {path}?", "Remove",
                            lambda: self.folder_removed.emit(path),
                            "Its files leave the library views. Their play history is kept, and adding the "
                            "folder again brings them back.")
        return self.question

    def ask_clear_history(self):
        self.question = ask(self, "Clear listening history", "Delete every play, skip and like?", "Clear history",
                            self.clear_history_requested.emit,
                            "Up Next starts learning your taste again. Files, playlists, the queue and the "
                            "blocklist stay. This cannot be undone.")
        return self.question

    def _export_data(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export my data", "mediarec-data.json", "JSON (*.json)")
        if path:
            self.export_data_requested.emit(path)

    # --- the TOML settings -----------------------------------------------------------------------------------
    def edited(self) -> Settings:
        new = copy.deepcopy(self.settings)
        for page in (self.analysis, self.recommend, self.playlists):
            page.apply(new)
        return new

    def apply(self) -> bool:
        new = self.edited()
        try:
            new.save(self.settings_file)
        except (ConfigError, OSError) as exc:
            self.error.setText(str(exc) if isinstance(exc, ConfigError) else f"{self.settings_file}: {exc}")
            return False
        self.error.clear()
        for name in vars(new):  # in place: every part holding ctx.settings sees the change
            setattr(self.settings, name, getattr(new, name))
        self.saved.emit(self.settings)
        return True
