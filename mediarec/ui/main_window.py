"""The main window, layout only: a sidebar of pages on the left, the pages stacked in the middle, docks, a
transport bar and a status bar. The app's parts (ui/library, ui/jobs, ui/player...) fill it through
add_page / show_page / add_dock / set_transport / menu / add_status_widget; the window itself does no work."""
from __future__ import annotations

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QDockWidget, QMainWindow, QMenu, QSplitter, QStackedWidget, QToolBar, QTreeWidget, QTreeWidgetItem, QWidget,
)

SIDEBAR_ORDER = ("Music", "Videos", "Everything", "Playlists", "Folders", "Problems")
"""Where the library's pages sit in the sidebar; pages of other names follow in the order they were added."""
PAGE_ROLE = Qt.ItemDataRole.UserRole + 1


class MainWindow(QMainWindow):
    page_shown = Signal(str)  # the name of the page now in front
    closing = Signal()  # the window is closing: services stop their work (jobs commit what they have)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("mediarec")
        self.setObjectName("MainWindow")
        self.resize(1200, 720)
        self._pages: dict[str, QWidget] = {}
        self._entries: dict[str, QTreeWidgetItem] = {}
        self.sidebar = QTreeWidget(self)
        self.sidebar.setObjectName("sidebar")
        self.sidebar.setHeaderHidden(True)
        self.sidebar.setRootIsDecorated(False)
        self.sidebar.setIndentation(14)
        self.sidebar.setMinimumWidth(170)
        self.sidebar.setStyleSheet("QTreeWidget#sidebar::item { padding: 3px 4px; }")
        self.sidebar.currentItemChanged.connect(self._on_sidebar)
        self.stack = QStackedWidget(self)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(self.stack)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([210, 1000])
        self.setCentralWidget(self.splitter)
        self.statusBar().setObjectName("statusBar")

    # --- pages --------------------------------------------------------------------------------------
    def add_page(self, name: str, widget: QWidget, sidebar: bool = True) -> None:
        """A view in the central area, shown by `show_page(name)`; listed in the sidebar unless `sidebar` is False."""
        if name in self._pages:
            raise ValueError(f"a page named {name!r} already exists")
        self._pages[name] = widget
        self.stack.addWidget(widget)
        if sidebar:
            entry = QTreeWidgetItem([name])
            entry.setData(0, PAGE_ROLE, name)
            self._entries[name] = entry
            self.sidebar.insertTopLevelItem(self._sidebar_position(name), entry)
        if self.stack.count() == 1:
            self.show_page(name)

    def _sidebar_position(self, name: str) -> int:
        if name not in SIDEBAR_ORDER:
            return self.sidebar.topLevelItemCount()
        rank = SIDEBAR_ORDER.index(name)
        for i in range(self.sidebar.topLevelItemCount()):
            other = self.sidebar.topLevelItem(i).data(0, PAGE_ROLE)
            if other not in SIDEBAR_ORDER or SIDEBAR_ORDER.index(other) > rank:
                return i
        return self.sidebar.topLevelItemCount()

    def show_page(self, name: str) -> None:
        widget = self._pages[name]
        self.stack.setCurrentWidget(widget)
        entry = self._entries.get(name)
        if entry is not None and self.sidebar.currentItem() is not entry:
            self.sidebar.setCurrentItem(entry)
        elif entry is None:
            self.sidebar.setCurrentItem(None)
        self.page_shown.emit(name)

    def page(self, name: str) -> QWidget | None:
        return self._pages.get(name)

    @property
    def current_page(self) -> str | None:
        current = self.stack.currentWidget()
        return next((n for n, w in self._pages.items() if w is current), None)

    def set_page_label(self, name: str, text: str, details: list[str] | None = None) -> None:
        """The sidebar text of a page (e.g. "Problems (3)") and lines shown under it (e.g. each folder's state)."""
        entry = self._entries.get(name)
        if entry is None:
            return
        entry.setText(0, text)
        if details is not None:
            entry.takeChildren()
            for line in details:
                child = QTreeWidgetItem([line])
                child.setData(0, PAGE_ROLE, name)
                child.setToolTip(0, line)
                entry.addChild(child)
            entry.setExpanded(True)

    def _on_sidebar(self, item: QTreeWidgetItem | None, _previous=None) -> None:
        if item is not None:
            name = item.data(0, PAGE_ROLE)
            if name in self._pages and self.stack.currentWidget() is not self._pages[name]:
                self.show_page(name)

    # --- docks, transport, menus, status bar ---------------------------------------------------------
    def add_dock(self, title: str, widget: QWidget, area=Qt.DockWidgetArea.RightDockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(title)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def set_transport(self, widget: QWidget) -> None:
        """The player's transport bar, docked at the bottom."""
        bar = QToolBar("Player", self)
        bar.setObjectName("Player")
        bar.setMovable(False)
        bar.addWidget(widget)
        self.addToolBar(Qt.ToolBarArea.BottomToolBarArea, bar)

    def menu(self, title: str) -> QMenu:
        """The menu bar's menu of that title (made on first use), e.g. "&Play"."""
        for action in self.menuBar().actions():
            if action.menu() is not None and action.text() == title:
                return action.menu()
        return self.menuBar().addMenu(title)

    def add_status_widget(self, widget: QWidget, permanent: bool = True) -> None:
        """A widget in the status bar (the jobs' progress, the watcher's state)."""
        if permanent:
            self.statusBar().addPermanentWidget(widget)
        else:
            self.statusBar().addWidget(widget, 1)

    def show_message(self, text: str, ms: int = 8000) -> None:
        self.statusBar().showMessage(text, ms)

    # --- geometry -----------------------------------------------------------------------------------
    def restore_layout(self) -> None:
        state = QSettings()
        geometry, layout = state.value("window/geometry"), state.value("window/state")
        if geometry is not None:
            self.restoreGeometry(geometry)
        if layout is not None:
            self.restoreState(layout)

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        state = QSettings()
        state.setValue("window/geometry", self.saveGeometry())
        state.setValue("window/state", self.saveState())
        self.closing.emit()
        event.accept()
