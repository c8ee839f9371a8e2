"""A focus mark that can be seen on every kind of control, in the light and the dark theme.

The platform styles mark the focus faintly (Fusion: a pale outline around a check box's text,
about 1.1:1 against the window). :class:`FocusStyle` wraps the style in use and draws a solid
two-pixel outline around whatever has the focus, in a colour at least 3:1 against the window's
background in either theme.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QPainter, QPalette, QPen
from PySide6.QtWidgets import QAbstractScrollArea, QProxyStyle, QStyle, QStyleFactory, QStyleOption, QWidget

LIGHT_MARK = QColor("#0b57d0")  # 5.7:1 on Fusion's light window (#efefef), 6.4:1 on white
DARK_MARK = QColor("#8ab4f8")   # 6.4:1 on the dark window (#2b2d30), 7.4:1 on its fields (#1e1f22)
WIDTH = 2

_PE = QStyle.PrimitiveElement
_CC = QStyle.ComplexControl
# The focus rectangle a style asks for (boxes to tick, list items), and the frames and panels of
# the controls that show their focus by them (text fields, buttons, lists, text areas).
_MARKED_PRIMITIVES = {_PE.PE_FrameLineEdit, _PE.PE_PanelLineEdit, _PE.PE_PanelButtonCommand}
_MARKED_COMPLEX = {_CC.CC_ComboBox, _CC.CC_SpinBox}


def mark_colour(palette: QPalette) -> QColor:
    return DARK_MARK if palette.color(QPalette.ColorRole.Window).lightness() < 128 else LIGHT_MARK


def draw_mark(painter: QPainter, rect: QRect, palette: QPalette) -> None:
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    painter.setPen(QPen(mark_colour(palette), WIDTH))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRect(rect.adjusted(1, 1, -1, -1))
    painter.restore()


class FocusStyle(QProxyStyle):
    """The style ``key`` (e.g. "Fusion") with a strong focus mark."""

    def __init__(self, key: str) -> None:
        base = QStyleFactory.create(key) or QStyleFactory.create("Fusion")
        super().__init__(base)

    def drawPrimitive(self, element: QStyle.PrimitiveElement, option: QStyleOption,
                      painter: QPainter, widget: QWidget | None = None) -> None:
        if element == _PE.PE_FrameFocusRect:
            draw_mark(painter, option.rect, option.palette)
            return
        super().drawPrimitive(element, option, painter, widget)
        if element in _MARKED_PRIMITIVES and option.state & QStyle.StateFlag.State_HasFocus:
            draw_mark(painter, option.rect, option.palette)

    def drawControl(self, element: QStyle.ControlElement, option: QStyleOption,
                    painter: QPainter, widget: QWidget | None = None) -> None:
        super().drawControl(element, option, painter, widget)
        if (element == QStyle.ControlElement.CE_ShapedFrame and widget is not None and widget.hasFocus()
                and isinstance(widget, QAbstractScrollArea)):
            draw_mark(painter, option.rect, option.palette)

    def drawComplexControl(self, control: QStyle.ComplexControl, option: QStyleOption,
                           painter: QPainter, widget: QWidget | None = None) -> None:
        super().drawComplexControl(control, option, painter, widget)  # type: ignore[arg-type]
        if control in _MARKED_COMPLEX and option.state & QStyle.StateFlag.State_HasFocus:
            draw_mark(painter, option.rect, option.palette)
