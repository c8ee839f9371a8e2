"""Editors on the step pages keep what a person typed (real window, real refresh timer)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import WINDOW_PIN, WINDOW_PRACTITIONER
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QPushButton
from pytestqt.qtbot import QtBot
from test_session_gui import click, register_and_start, type_into

from microneedle_desk import app
from microneedle_desk.app import resume
from microneedle_desk.core.clock import FakeClock
from microneedle_desk.ui import pin_prompt
from microneedle_desk.ui.main_window import MainWindow

REFRESHES = 600  # ms of real event loop: three refreshes


def _state(win: MainWindow):  # type: ignore[no-untyped-def]
    session = win.ctx.controller.session
    assert session is not None
    return session.state


def _device(win: MainWindow):  # type: ignore[no-untyped-def]
    win.go_to(3)
    return win.pages[3]


def _type_slowly(qtbot: QtBot, edit: QLineEdit, text: str) -> None:
    edit.setFocus()
    qtbot.keyClicks(edit, text, delay=20)


def test_a_refused_value_stays_in_its_field_with_the_message(qtbot: QtBot, window: MainWindow) -> None:
    register_and_start(qtbot, window)
    device = _device(window)
    type_into(qtbot, device.expiry, "2020-01-31")
    qtbot.wait(REFRESHES)
    assert device.expiry.text() == "2020-01-31"
    assert "expired on 2020-01-31" in device.error_label.text()
    assert _state(window).cartridge_expiry is None


def test_what_is_typed_is_kept_when_the_step_is_left_and_the_window_closes(qtbot: QtBot, window: MainWindow) -> None:
    register_and_start(qtbot, window)
    screening = window.pages[1]
    _type_slowly(qtbot, screening.consent_by, "Alex Dem")  # type: ignore[attr-defined]
    device = _device(window)
    _type_slowly(qtbot, device.serial, "HP-7")
    session_id = _state(window).id
    window.close()
    state = window.ctx.store.session_state(session_id)
    assert state is not None and state.handpiece_serial == "HP-7"
    assert state.drafts == {"consent_by": "Alex Dem"}, "consent is given by its button: the name is a draft"
    assert state.consent_by == ""


def test_a_field_is_saved_when_the_step_is_left_by_keys(qtbot: QtBot, window: MainWindow) -> None:
    register_and_start(qtbot, window)
    device = _device(window)
    _type_slowly(qtbot, device.lot, "LOT-9")
    qtbot.keyClick(device.lot, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    assert window.stack.currentIndex() == 4
    assert _state(window).cartridge_lot == "LOT-9"


def test_typing_is_kept_as_a_draft_a_moment_after_the_last_key(qtbot: QtBot, window: MainWindow) -> None:
    register_and_start(qtbot, window)
    window.go_to(2)
    page = window.pages[2]
    _type_slowly(qtbot, page.product, "Lido")  # type: ignore[attr-defined]
    assert _state(window).drafts == {}
    qtbot.waitUntil(lambda: _state(window).drafts.get("anesthetic_product") == "Lido", timeout=3000)
    assert page.product.hasFocus() and page.product.text() == "Lido"  # type: ignore[attr-defined]
    assert _state(window).anesthetic_product == "", "a draft is not the saved value"
    qtbot.keyClick(page.product, Qt.Key.Key_Tab)  # type: ignore[attr-defined]
    assert _state(window).anesthetic_product == "Lido" and _state(window).drafts == {}


def test_a_value_saved_by_a_button_updates_its_field(qtbot: QtBot, window: MainWindow) -> None:
    register_and_start(qtbot, window)
    device = _device(window)
    assert device.needle.text() == "1.5"
    shorter = next(b for b in device.findChildren(QPushButton) if b.accessibleName() == "Shorter needle")
    click(qtbot, shorter)
    assert device.needle.text() == "1.4" and str(_state(window).needle_mm) == "1.4"


def test_a_new_session_starts_with_empty_fields(qtbot: QtBot, window: MainWindow) -> None:
    register_and_start(qtbot, window)
    device = _device(window)
    type_into(qtbot, device.lot, "LOT-1")
    _type_slowly(qtbot, device.serial, "HP-unsaved")
    window.ctx.controller.act(lambda c: c.abandon("Patient left before the anesthetic."))
    click(qtbot, window.patient_page.start_button)
    device = _device(window)
    assert (device.lot.text(), device.serial.text()) == ("", "")


def test_a_draft_comes_back_into_its_field_after_a_crash(
        qtbot: QtBot, data_dir: Path, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    first, lock = app.build_window(fake_clock, interactive=False)
    qtbot.addWidget(first)
    first.security.set_current(first.security.book.create_first_admin(WINDOW_PRACTITIONER, WINDOW_PIN))
    monkeypatch.setattr(pin_prompt, "ask_pin", lambda _parent, _name, _purpose: WINDOW_PIN)
    register_and_start(qtbot, first)
    device = _device(first)
    type_into(qtbot, device.lot, "LOT-5")
    _type_slowly(qtbot, device.expiry, "2027-0")
    qtbot.waitUntil(lambda: _state(first).drafts.get("cartridge_expiry") == "2027-0", timeout=3000)
    first.ctx.controller.ticker.stop()  # the kill: no clean shutdown, the lock is let go
    first.ctx.store.close()
    lock.release()

    second, lock2 = app.build_window(fake_clock, interactive=False)
    qtbot.addWidget(second)
    second.destroyed.connect(lock2.release)
    [active] = second.ctx.store.active_sessions()
    resume.resume_session(second, active.events)
    device = _device(second)
    assert (device.lot.text(), device.expiry.text()) == ("LOT-5", "2027-0")
    assert _state(second).cartridge_expiry is None
    second.ctx.controller.close()
