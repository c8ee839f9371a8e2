"""The focus mark is seen on every kind of control: at least 3:1 against what it is drawn on,
all the way round, in the light and the dark theme."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from microneedle_desk.ui.desktop import dark_palette
from microneedle_desk.ui.focus_style import FocusStyle


def luminance(colour: QColor) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(colour.red()) + 0.7152 * channel(colour.green()) + 0.0722 * channel(colour.blue())


def contrast(a: QColor, b: QColor) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def over(colour: QColor, background: QColor) -> QColor:
    """``colour`` as seen drawn over ``background`` (Qt's placeholder grey is often black at half alpha)."""
    a = colour.alphaF()
    return QColor.fromRgbF(*(a * c + (1 - a) * b for c, b in zip(colour.getRgbF()[:3], background.getRgbF()[:3],
                                                                   strict=True)))


def marked_pixels(before: QImage, after: QImage) -> int:
    """Pixels that the focus changed to a colour at least 3:1 against what was there."""
    return sum(1 for y in range(after.height()) for x in range(after.width())
               if contrast(after.pixelColor(x, y), before.pixelColor(x, y)) >= 3.0)


def controls() -> list[QWidget]:
    combo = QComboBox()
    combo.addItems(["Mild", "Moderate"])
    listed = QListWidget()
    listed.addItems(["Screening", "Anesthetic"])
    listed.setCurrentRow(0)
    return [QPushButton("Next"), QCheckBox("Sealed pack"), QRadioButton("No"), QLineEdit("1.2"), combo,
            QSpinBox(), listed, QPlainTextEdit("note")]


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_kind_of_control_shows_a_focus_mark_of_3_to_1_all_round(qtbot: Any, theme: str) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    old_style, old_palette = app.style().name(), app.palette()
    app.setStyle(FocusStyle("Fusion"))  # as desktop.apply_colour_scheme sets it
    app.setPalette(dark_palette() if theme == "dark" else app.style().standardPalette())
    try:
        top = QWidget()
        qtbot.addWidget(top)
        layout = QVBoxLayout(top)
        widgets = controls()
        for widget in widgets:
            layout.addWidget(widget)
        top.show()
        qtbot.waitExposed(top)
        top.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is top)
        faint = []
        for widget in widgets:
            top.setFocus()
            before = widget.grab().toImage()
            widget.setFocus()
            qtbot.waitUntil(widget.hasFocus)
            after = widget.grab().toImage()
            ring = 2 * (widget.width() + widget.height())  # a one-pixel line all round
            if isinstance(widget, (QCheckBox, QRadioButton)):
                ring = 2 * (widget.height() + 20)  # the mark goes round the box's label
            if marked_pixels(before, after) < 0.9 * ring:  # (corners may blend into a frame)
                faint.append(f"{type(widget).__name__}: {marked_pixels(before, after)} of {ring} pixels")
        assert faint == [], "\n".join(faint)
    finally:
        app.setStyle(old_style)
        app.setPalette(old_palette)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_placeholder_text_is_at_least_4_5_to_1_against_its_field(qtbot: Any, theme: str) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QPalette

    from microneedle_desk.ui.desktop import apply_colour_scheme

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    old_style, old_palette = app.style().name(), app.palette()
    try:
        apply_colour_scheme(app, Qt.ColorScheme.Dark if theme == "dark" else Qt.ColorScheme.Light)
        palette = app.palette()
        base = palette.color(QPalette.ColorRole.Base)
        ratio = contrast(over(palette.color(QPalette.ColorRole.PlaceholderText), base), base)
        assert ratio >= 4.5, f"{ratio:.2f}:1"
    finally:
        app.setStyle(old_style)
        app.setPalette(old_palette)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_an_error_message_reads_at_least_4_5_to_1_on_the_window_in_either_theme(qapp: Any, theme: str) -> None:
    from microneedle_desk.ui.colours import error_colour

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    saved = app.palette()
    try:
        if theme == "dark":
            app.setPalette(dark_palette())
        window = app.palette().color(app.palette().ColorRole.Window)
        base = app.palette().color(app.palette().ColorRole.Base)
        red = QColor(error_colour())
        assert contrast(red, window) >= 4.5, (theme, red.name(), window.name())
        assert contrast(red, base) >= 4.5, (theme, red.name(), base.name())
    finally:
        app.setPalette(saved)
