"""The error colour of the screens, readable in both themes.

The light theme's red reads 7.3:1 on a white window; on the dark window (#2b2d30) that red
reads under 2:1, so the dark theme uses a light red (6:1 there, 7.3:1 on its fields).
"""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication, QPalette

ERROR_ON_LIGHT = "#b00020"
ERROR_ON_DARK = "#ff8a80"


def error_colour() -> str:
    """The error red for the application's current palette."""
    app = QGuiApplication.instance()
    dark = isinstance(app, QGuiApplication) and app.palette().color(QPalette.ColorRole.Window).lightness() < 128
    return ERROR_ON_DARK if dark else ERROR_ON_LIGHT


def error_style(bold: bool = True) -> str:
    """A style sheet that draws a message in the error colour."""
    return f"color: {error_colour()};" + (" font-weight: bold;" if bold else "")
