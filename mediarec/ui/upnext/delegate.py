"""UpNextDelegate: two lines per pick (title and artist; the reasons, smaller and dimmer), and the part's title
("Queued by you", "Suggested") above the first row of each part."""
from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate

from .model import ITEM_ROLE, SECTION_ROLE, USER_ROLE

PAD = 4


class UpNextDelegate(QStyledItemDelegate):
    def _fonts(self, option):
        title = QFont(option.font)
        title.setBold(True)
        small = QFont(option.font)
        small.setPointSizeF(max(7.0, option.font.pointSizeF() * 0.88))
        return title, small

    def sizeHint(self, option, index) -> QSize:  # noqa: N802 (Qt API)
        title, small = self._fonts(option)
        h = QFontMetrics(title).height() + QFontMetrics(small).height() + 3 * PAD
        if index.data(SECTION_ROLE):
            h += QFontMetrics(small).height() + 2 * PAD
        return QSize(200, h)

    def paint(self, painter, option, index) -> None:
        entry = index.data(ITEM_ROLE) or {}
        title_font, small = self._fonts(option)
        pal = option.palette
        rect = QRect(option.rect)
        painter.save()
        section = index.data(SECTION_ROLE)
        if section:
            sh = _height(small) + 2 * PAD
            head = QRect(rect.left(), rect.top(), rect.width(), sh)
            painter.fillRect(head, pal.color(QPalette.ColorRole.AlternateBase))
            painter.setFont(small)
            painter.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(head.adjusted(PAD * 2, 0, -PAD, 0), Qt.AlignmentFlag.AlignVCenter, section.upper())
            rect.setTop(rect.top() + sh)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        if selected:
            painter.fillRect(rect, pal.color(QPalette.ColorRole.Highlight))
        text_pen = pal.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        dim_pen = text_pen if selected else pal.color(QPalette.ColorRole.PlaceholderText)
        inner = rect.adjusted(PAD * 2, PAD, -PAD * 2, -PAD)
        th = _height(title_font)
        line1 = QRect(inner.left(), inner.top(), inner.width(), th)
        line2 = QRect(inner.left(), inner.top() + th + PAD // 2, inner.width(), _height(small))
        title = entry.get("title") or ""
        artist = entry.get("artist") or ""
        if entry.get("kind") == "video":
            title = "▶ " + title
        painter.setFont(title_font)
        painter.setPen(text_pen)
        fm = painter.fontMetrics()
        shown = fm.elidedText(title, Qt.TextElideMode.ElideRight, line1.width())
        painter.drawText(line1, Qt.AlignmentFlag.AlignVCenter, shown)
        if artist and fm.horizontalAdvance(shown) < line1.width() - 40:
            painter.setFont(option.font)
            rest = QRect(line1.left() + fm.horizontalAdvance(shown + "  "), line1.top(),
                         line1.width() - fm.horizontalAdvance(shown + "  "), th)
            painter.setPen(dim_pen)
            painter.drawText(rest, Qt.AlignmentFlag.AlignVCenter,
                             painter.fontMetrics().elidedText(artist, Qt.TextElideMode.ElideRight, rest.width()))
        if index.data(USER_ROLE):
            second = "queued by you"
        else:
            second = " · ".join(entry.get("reasons") or []) or "suggested"
        painter.setFont(small)
        painter.setPen(dim_pen)
        painter.drawText(line2, Qt.AlignmentFlag.AlignVCenter,
                         painter.fontMetrics().elidedText(second, Qt.TextElideMode.ElideRight, line2.width()))
        painter.restore()


def _height(font: QFont) -> int:
    return QFontMetrics(font).height()
