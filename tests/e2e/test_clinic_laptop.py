"""The laptop side of the first day: who sees what before signing in, private files, countdown
words, and the window's size on a small screen."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from e2e import driver
from e2e.driver import PIN, answer_next_dialog, click, pass_time, type_into
from microneedle_desk.core.clock import FakeClock


@pytest.fixture
def second_start(qtbot: Any, data_dir: Path, fake_clock: FakeClock) -> Iterator[Any]:
    """A clinic's second start: the first run made the account and registered a patient, then closed."""
    from microneedle_desk.app import greet

    first, lock = driver.open_app(qtbot, fake_clock)
    answer_next_dialog(qtbot, driver.first_start())
    assert greet(first)
    driver.register_patient(qtbot, first, name="Alex Demo", clinic_id="DEMO-1")
    first.close()
    lock.release()
    window, lock = driver.open_app(qtbot, fake_clock)
    yield window
    window.ctx.controller.close()
    lock.release()


def sign_in_by_keys(pin: str, seen_behind: list[bool]) -> driver.Handler:
    def handle(dialog: Any) -> None:
        window = dialog.parent()
        seen_behind.append(window.centralWidget().isVisible())
        pin_edit = driver.fields(dialog)[0]
        pin_edit.setFocus()
        driver.QTest_keyClicks(pin_edit, pin)
        driver.QTest_keyClick(pin_edit, Qt.Key.Key_Return)

    return handle


def test_nothing_of_a_patient_shows_behind_the_sign_in_dialog(qtbot: Any, second_start: Any) -> None:
    from microneedle_desk.app import greet

    window = second_start
    behind: list[bool] = []
    answer_next_dialog(qtbot, sign_in_by_keys(PIN, behind))
    assert greet(window)
    assert behind == [False], "the patient list was hidden while the sign-in dialog was open"
    assert window.centralWidget().isVisible(), "signed in, the patient page shows"
    assert window.patient_page.model.rowCount() == 1


def test_every_folder_and_file_the_app_makes_is_private(qtbot: Any, clinic: Any, fake_clock: FakeClock,
                                                         data_dir: Path) -> None:
    driver.register_patient(qtbot, clinic)
    driver.start_session(qtbot, clinic)
    driver.walk_session(qtbot, clinic, fake_clock)
    driver.sign(qtbot, clinic)
    loose = []
    for path in [data_dir, *data_dir.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        wanted = 0o700 if path.is_dir() else 0o600
        if mode != wanted:
            loose.append(f"{path.relative_to(data_dir.parent)} {oct(mode)}")
    assert not loose, "not private: " + ", ".join(loose)
    assert (data_dir / "index").is_dir() and (data_dir / "store.lock").exists(), "the places that were loose"


def test_a_countdown_past_its_planned_end_says_it_is_over_by_so_much(qtbot: Any, clinic: Any,
                                                                     fake_clock: FakeClock) -> None:
    driver.register_patient(qtbot, clinic)
    driver.start_session(qtbot, clinic)
    driver.screen(qtbot, clinic)
    anesthetic = clinic.current_page()
    type_into(qtbot, anesthetic.product, "Lidocaine 5% cream")
    type_into(qtbot, anesthetic.planned, "20")
    click(qtbot, anesthetic.apply_button)
    box = clinic.countdowns.boxes["dwell"]
    pass_time(qtbot, fake_clock, 5 * 60)
    assert (box.caption.text(), box.digits.text()) == ("left", "15:00")
    assert box.digits.accessibleName() == "Numbing (dwell): 15 minutes left", "a screen reader hears words"
    pass_time(qtbot, fake_clock, 17 * 60 + 10)
    assert (box.caption.text(), box.digits.text()) == ("over by", "02:10")
    assert box.digits.accessibleName() == "Numbing (dwell): over by 2 minutes 10 seconds"
    assert "over by 2 minutes 10 seconds" in box.accessibleDescription()


def test_the_window_opens_maximized_on_a_small_screen_and_then_where_it_was_left(
        qtbot: Any, data_dir: Path, fake_clock: FakeClock) -> None:
    window, lock = driver.open_app(qtbot, fake_clock)
    screen = window.screen().availableGeometry()
    if screen.width() >= window.SMALL_SCREEN[0] and screen.height() >= window.SMALL_SCREEN[1]:
        pytest.skip("this test's screen is not small")
    window.hide()
    window.show_placed()
    qtbot.waitUntil(window.isMaximized, timeout=2000)
    window.showNormal()
    window.setGeometry(40, 60, 700, 500)
    qtbot.wait(50)
    window.confirm_close = True
    window.close()
    lock.release()
    again, lock = driver.open_app(qtbot, fake_clock)
    again.hide()
    again.show_placed()
    qtbot.wait(50)
    assert not again.isMaximized() and (again.width(), again.height()) == (700, 500)
    again.close()
    lock.release()


def test_a_refusal_leaves_the_status_line_once_a_valid_entry_is_accepted(qtbot: Any, clinic: Any) -> None:
    driver.register_patient(qtbot, clinic)
    driver.start_session(qtbot, clinic)
    driver.screen(qtbot, clinic)
    page = clinic.current_page()
    type_into(qtbot, page.product, "Lidocaine 5% cream")
    type_into(qtbot, page.planned, "50")
    click(qtbot, page.apply_button)
    assert "45" in clinic.statusBar().currentMessage(), "the refusal is on the status line"
    type_into(qtbot, page.planned, "30")
    click(qtbot, page.apply_button)
    qtbot.wait(250)  # the refresh has run
    assert clinic.statusBar().currentMessage() == "", clinic.statusBar().currentMessage()
    assert page.error_label.isHidden()
