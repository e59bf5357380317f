"""The app's icons, read from the package through importlib.resources (works installed, editable or frozen)."""
from __future__ import annotations

from importlib import resources

from PySide6.QtGui import QIcon, QPixmap

ICON_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)


def app_icon() -> QIcon:
    """The mediarec icon with every rendered size, so each desktop picks a sharp one."""
    icons = resources.files("mediarec").joinpath("resources/icons")
    icon = QIcon()
    for size in ICON_SIZES:
        pixmap = QPixmap()
        if pixmap.loadFromData(icons.joinpath(f"mediarec-{size}.png").read_bytes()):
            icon.addPixmap(pixmap)
    return icon
