"""Renders the app icon's PNG sizes from mediarec/resources/icons/mediarec.svg (run after editing the SVG)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication(sys.argv[:1])  # noqa: F841 - QPainter needs an application
    icons = Path(__file__).resolve().parent.parent / "mediarec" / "resources" / "icons"
    renderer = QSvgRenderer(str(icons / "mediarec.svg"))
    if not renderer.isValid():
        print(f"render_icons: {icons / 'mediarec.svg'}: not a valid SVG", file=sys.stderr)
        return 1
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        image.save(str(icons / f"mediarec-{size}.png"))
    print(f"rendered {len(SIZES)} sizes into {icons}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
