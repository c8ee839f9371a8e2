"""A simple top-down scalp map: zones from the protocol, treated ones filled in."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPainterPath, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from microneedle_desk.core.protocol import Zone
from microneedle_desk.i18n import tr


class ScalpMap(QWidget):
    zone_clicked = Signal(str)

    def __init__(self, zones: tuple[Zone, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.zones = zones
        self.treated: set[str] = set()
        self.setMinimumSize(QSize(180, 200))
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        self.setAccessibleName(tr("Scalp map"))
        self.setToolTip(tr("Click a zone to tick it as treated (front of the head at the top)"))

    def set_treated(self, treated: set[str]) -> None:
        if treated != self.treated:
            self.treated = set(treated)
            self.update()
        names = ", ".join(tr(z.label) for z in self.zones if z.id in treated) or "none"
        self.setAccessibleDescription(tr("Treated zones: {names}").format(names=names))

    def _frame(self) -> QRectF:
        side = min(self.width(), self.height() / 1.1) - 8
        return QRectF((self.width() - side) / 2, 4, side, side * 1.1)

    def _polygon(self, zone: Zone) -> QPolygonF:
        f = self._frame()
        return QPolygonF([QPointF(f.x() + x * f.width(), f.y() + y * f.height()) for x, y in zone.polygon])

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        head = QPainterPath()
        head.addEllipse(self._frame())
        painter.setPen(QPen(self.palette().text().color(), 2))
        painter.drawPath(head)
        for zone in self.zones:
            poly = self._polygon(zone)
            done = zone.id in self.treated
            painter.setBrush(QColor("#2e7d32") if done else QColor(0, 0, 0, 0))
            painter.setPen(QPen(self.palette().text().color(), 1))
            painter.drawPolygon(poly)
            painter.setPen(QColor("#ffffff") if done else self.palette().text().color())
            # the label without its explanation in brackets, its words on lines of their own where narrow
            # (German names a side after the zone: "Temporal links" must keep "links")
            name = tr(zone.label).split(" (")[0]
            painter.drawText(poly.boundingRect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                             name + (" ✓" if done else ""))
        painter.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        for zone in self.zones:
            if self._polygon(zone).containsPoint(event.position(), Qt.FillRule.OddEvenFill):
                self.zone_clicked.emit(zone.id)
                return
