"""Whether the window can be seen, as the platform tells it.

Minimised is a window state (the window's changeEvent); "covered" is what Qt calls not exposed:
a QWindow gets an Expose event whenever that changes (unmapped under X11, as when minimised or
on another virtual desktop; occluded on macOS; suspended by a Wayland compositor that says
so). A window fully covered by another on a plain X11 desktop stays exposed: the system does
not tell. The watch sits on the window's own QWindow, not on the application, so it sees that
window's few events only.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QWidget


class ExposureWatch(QObject):
    """Calls ``changed()`` on each Expose event of ``window``'s QWindow (the window must exist)."""

    def __init__(self, window: QWidget, changed: Callable[[], None]) -> None:
        super().__init__(window)
        self._changed = changed
        handle = window.windowHandle()
        if handle is not None:
            handle.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Expose:
            self._changed()
        return False
