"""Application-wide desktop integration: the app icon, light/dark colours that follow the
operating system, and what happens right after the main window is first shown."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QApplication, QDialog

from microneedle_desk import paths
from microneedle_desk.ui.first_start import FirstStartDialog, needs_first_start
from microneedle_desk.ui.focus_style import FocusStyle

if TYPE_CHECKING:
    from microneedle_desk.ui.main_window import MainWindow

EXIT_AFTER_START_ENV = "MICRONEEDLE_DESK_EXIT_AFTER_START"  # start-up measurements (packaging/build.py)


def app_icon() -> QIcon:
    return QIcon(str(paths.resources_dir() / "icons" / "microneedle-desk.svg"))


def dark_palette() -> QPalette:
    p = QPalette()
    base, window, text, mid = QColor("#1e1f22"), QColor("#2b2d30"), QColor("#e8e8e8"), QColor("#3c3f44")
    for role, colour in (
        (QPalette.ColorRole.Window, window), (QPalette.ColorRole.WindowText, text),
        (QPalette.ColorRole.Base, base), (QPalette.ColorRole.AlternateBase, window),
        (QPalette.ColorRole.Text, text), (QPalette.ColorRole.Button, mid),
        (QPalette.ColorRole.ButtonText, text), (QPalette.ColorRole.ToolTipBase, window),
        (QPalette.ColorRole.ToolTipText, text), (QPalette.ColorRole.PlaceholderText, QColor("#9a9a9a")),
        (QPalette.ColorRole.Highlight, QColor("#3d7be0")), (QPalette.ColorRole.HighlightedText, QColor("#ffffff")),
        (QPalette.ColorRole.Link, QColor("#7fb0ff")), (QPalette.ColorRole.BrightText, QColor("#ff6b6b")),
        (QPalette.ColorRole.Light, QColor("#4a4d52")), (QPalette.ColorRole.Midlight, QColor("#43464b")),
        (QPalette.ColorRole.Mid, mid), (QPalette.ColorRole.Dark, QColor("#18191b")),
        (QPalette.ColorRole.Shadow, QColor("#000000")),
    ):
        p.setColor(role, colour)
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor("#7a7a7a"))
    return p


def is_dark(app: QGuiApplication) -> bool:
    return app.palette().color(QPalette.ColorRole.Window).lightness() < 128


def apply_colour_scheme(app: QApplication, scheme: Qt.ColorScheme | None = None) -> None:
    """Match the OS light/dark choice. Where the platform theme already gives the matching
    palette nothing changes; otherwise Fusion with an explicit palette is used. The countdown
    and alert colours are set explicitly elsewhere, so they read the same in both."""
    scheme = scheme if scheme is not None else app.styleHints().colorScheme()
    if scheme == Qt.ColorScheme.Dark and not is_dark(app):
        app.setStyle(FocusStyle("Fusion"))
        app.setPalette(dark_palette())
    elif scheme == Qt.ColorScheme.Light and is_dark(app):
        app.setStyle(FocusStyle("Fusion"))
        app.setPalette(app.style().standardPalette())
    elif not isinstance(app.style(), FocusStyle):  # the platform's own style, with the focus mark
        app.setStyle(FocusStyle(app.style().name()))
    readable_placeholders(app)


def readable_placeholders(app: QApplication) -> None:
    """Placeholder text (the date formats among them) at least 4.5:1 against its field: the
    styles' own grey is about 4:1 on white."""
    palette = app.palette()
    palette.setColor(QPalette.ColorRole.PlaceholderText, QColor("#9a9a9a" if is_dark(app) else "#666666"))
    app.setPalette(palette)


def setup_app(app: QApplication) -> None:
    app.setWindowIcon(app_icon())
    app.setDesktopFileName("io.github.microneedle_desk")
    apply_colour_scheme(app)
    app.styleHints().colorSchemeChanged.connect(lambda scheme: apply_colour_scheme(app, scheme))


def exit_after_start() -> bool:
    """Start-up measurements (packaging/build.py): stop once the window is up, before any dialog."""
    return bool(os.environ.get(EXIT_AFTER_START_ENV))


def after_show(window: MainWindow) -> bool:
    """Right after the window is shown: the first-start screen when nobody has an account here.
    False when the person closed it without making the first account."""

    if not needs_first_start(window.ctx.settings, window.ctx.store):
        return True
    return FirstStartDialog(window).exec() == QDialog.DialogCode.Accepted
