"""A setting saved in Tools › Settings… takes effect in the open window at once."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from e2e import driver


def test_a_shorter_idle_lock_time_saved_in_settings_applies_at_once_without_locking_first(
        qtbot: Any, clinic: Any) -> None:
    app = clinic
    idle = app.security.locking.idle
    assert idle.timer.interval() == 10 * 60_000, "the default: 10 minutes"

    def set_two_minutes(dialog: QDialog) -> None:
        field = dialog.fields["security/idle_minutes"]  # type: ignore[attr-defined]
        field.setFocus()
        field.selectAll()
        driver.QTest_keyClicks(field, "2")
        driver.button(dialog, "Save").click()

    driver.answer_next_dialog(qtbot, set_two_minutes)
    driver.focus_window(qtbot, app)
    qtbot.keyClick(app, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    assert str(app.ctx.settings.get("security/idle_minutes")) == "2", "saved"
    assert idle.timer.interval() == 2 * 60_000, "the window locks after 2 idle minutes from now on"
    assert idle.timer.isActive()
