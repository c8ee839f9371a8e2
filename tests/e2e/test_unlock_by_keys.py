"""Unlocked by keys, the window is at the keyboard again: the focus is back where it was on the
step (not in the lock screen's hidden PIN field), so Space on the Needling step works again."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from e2e import driver
from e2e.test_alert_banner_keys import _on_the_needling_step


def test_after_unlocking_by_keys_the_focus_is_back_on_the_step_and_space_toggles_needling(
        qtbot: Any, clinic: Any, fake_clock: Any) -> None:
    page = _on_the_needling_step(qtbot, clinic, fake_clock)  # needling started with its button
    page.toggle.setFocus()
    locking = clinic.security.locking
    locking.lock()  # as after the idle minutes
    handle = clinic.windowHandle()
    marks = clinic.ctx.controller.session.state.needling_marks
    for digit in driver.PIN:
        QTest.keyClick(handle, getattr(Qt.Key, f"Key_{digit}"))
    QTest.keyClick(handle, Qt.Key.Key_Return)
    assert locking.lock_screen.isHidden(), "the PIN typed and Enter unlock"
    focus = QApplication.focusWidget()
    assert focus is page.toggle and focus.isVisible(), "the focus is back where it was before the lock"
    QTest.keyClick(handle, Qt.Key.Key_Space)
    assert [m[0] for m in marks] == ["started", "paused"], "and Space toggles needling again"
