"""The garbage collector runs wherever Python allocates (in the day's backup, say): a focused
widget it frees there makes Qt announce the focus change from that thread, a call queued to the
window that arrives once the widget is gone. The window's keys and the idle lock follow the focus
without being handed that widget, so nothing crashes."""

from __future__ import annotations

import threading
from typing import Any

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QWindow
from PySide6.QtWidgets import QApplication, QLineEdit

from e2e import driver


def test_a_focus_change_told_from_another_thread_about_a_widget_gone_since_does_not_crash(
        qtbot: Any, clinic: Any) -> None:
    driver.focus_window(qtbot, clinic)
    field = QLineEdit(clinic.patient_page)
    app = QApplication.instance()
    # what a widget freed on another thread does: the focus change is told from there
    telling = threading.Thread(target=lambda: app.focusChanged.emit(field, None), name="collector")
    telling.start()
    telling.join()
    window = QWindow()
    telling = threading.Thread(target=lambda: app.focusWindowChanged.emit(window), name="collector")
    telling.start()
    telling.join()
    shiboken6.delete(field)  # both gone before the queued calls arrive
    shiboken6.delete(window)
    qtbot.wait(100)
    clinic.patient_page.focus_first()
    driver.key(qtbot, Qt.Key.Key_Shift)
    assert clinic.isVisible(), "the window goes on"
