"""A clinic's records written before the accounts had a file of their own open in the app: the
person signs in by keys as before, and signs a session with their PIN."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from helpers import as_accounts_in_patients_file
from PySide6.QtCore import Qt

from e2e import driver
from e2e.driver import PIN, answer_next_dialog
from microneedle_desk import paths
from microneedle_desk.core.clock import FakeClock


def pin_by_keys(pin: str) -> driver.Handler:
    """The sign-in dialog answered as a person does: the PIN typed, then Return."""
    def handle(dialog: Any) -> None:
        pin_edit = driver.fields(dialog)[0]
        pin_edit.setFocus()
        driver.QTest_keyClicks(pin_edit, pin)
        driver.QTest_keyClick(pin_edit, Qt.Key.Key_Return)

    return handle


def test_records_with_the_accounts_beside_the_patients_open_and_the_person_signs_in_and_signs(
        qtbot: Any, data_dir: Path, fake_clock: FakeClock) -> None:
    from microneedle_desk.app import greet

    first, lock = driver.open_app(qtbot, fake_clock)
    answer_next_dialog(qtbot, driver.first_start())
    assert greet(first)
    driver.register_patient(qtbot, first, name="Alex Demo", clinic_id="DEMO-1")
    first.close()
    first.ctx.controller.close()
    lock.release()
    as_accounts_in_patients_file(data_dir)

    window, lock = driver.open_app(qtbot, fake_clock)
    try:
        answer_next_dialog(qtbot, pin_by_keys(PIN))
        assert greet(window), "the person signed in with their PIN"
        assert window.security.current is not None and window.security.current.name == driver.NAME
        assert window.patient_page.model.rowCount() == 1
        people = json.loads(paths.patients_file(data_dir).read_text(encoding="utf-8"))
        assert "accounts" not in people and paths.accounts_file(data_dir).exists(), "the accounts were moved"
        driver.register_patient(qtbot, window, name="Sam Later", clinic_id="DEMO-2")
        driver.start_session(qtbot, window)
        driver.walk_session(qtbot, window, fake_clock, consent_by="Sam Later")
        driver.sign(qtbot, window)
        signed = window.ctx.store.summaries()
        assert [row["status"] for row in signed] == ["signed"], "the moved account's key signed the session"
    finally:
        window.ctx.controller.close()
        lock.release()
