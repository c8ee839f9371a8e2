"""The idle lock's wait starts again on a person's input to any of the app's windows, as the
window system delivers it (to the window first), and on nothing else."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit, QVBoxLayout

from e2e import driver


def test_a_key_a_mouse_move_or_a_click_in_the_window_starts_the_idle_wait_again(qtbot: Any, clinic: Any) -> None:
    idle = clinic.security.locking.idle
    driver.focus_window(qtbot, clinic)
    handle = clinic.windowHandle()
    for act in (lambda: QTest.keyClick(handle, Qt.Key.Key_Shift),
                lambda: QTest.mouseMove(handle, QPoint(40, 300)),
                lambda: QTest.mouseClick(handle, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                                         QPoint(600, 700))):
        idle.timer.stop()
        act()
        assert idle.timer.isActive(), "input restarts the idle wait"
    idle.timer.stop()
    clinic.repaint()
    clinic.countdowns.update()
    QApplication.processEvents()
    assert not idle.timer.isActive(), "painting is not a person's input"


def test_typing_in_a_dialog_starts_the_idle_wait_again(qtbot: Any, clinic: Any) -> None:
    idle = clinic.security.locking.idle
    dialog = QDialog(clinic)
    field = QLineEdit(dialog)
    QVBoxLayout(dialog).addWidget(field)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QGuiApplication.focusWindow() is dialog.windowHandle(), timeout=3000)
    field.setFocus()
    idle.timer.stop()
    for letter in (Qt.Key.Key_P, Qt.Key.Key_I, Qt.Key.Key_N):
        QTest.keyClick(dialog.windowHandle(), letter)
    assert field.text().upper() == "PIN", "the keys reached the dialog's field"
    assert idle.timer.isActive(), "typing in a dialog is input to the app"
