"""A tick or a choice on screen is what the record holds: a refused tick is taken back with the
reason shown, a box unticked to correct it stays unticked, and a new registration starts blank."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from e2e import driver
from e2e.driver import click


def test_a_refused_endpoint_tick_is_taken_back_and_the_reason_shown(qtbot: Any, clinic: Any, fake_clock: Any) -> None:
    driver.register_patient(qtbot, clinic)
    driver.start_session(qtbot, clinic)
    driver.walk_session(qtbot, clinic, fake_clock)
    clinic.go_to(6)
    page = clinic.current_page()
    click(qtbot, page.boxes["neither"])
    assert not page.boxes["neither"].isChecked(), "the refused tick does not stay on screen"
    assert page.boxes["pinpoint_bleeding"].isChecked()
    assert page.error_label.isVisible() and page.error_label.text()
    assert list(clinic.ctx.controller.session.state.endpoints) == ["pinpoint_bleeding"]


def test_no_antibiotic_can_be_unticked_to_type_the_cream_that_was_used(qtbot: Any, clinic: Any,
                                                                       fake_clock: Any) -> None:
    driver.register_patient(qtbot, clinic)
    driver.start_session(qtbot, clinic)
    driver.walk_session(qtbot, clinic, fake_clock)
    clinic.go_to(7)
    page = clinic.current_page()
    click(qtbot, page.none)
    qtbot.wait(250)
    assert page.none.isChecked() and not page.product.isEnabled()
    click(qtbot, page.none)
    qtbot.wait(500)  # the refresh runs: the box stays as the person left it
    assert not page.none.isChecked() and page.product.isEnabled()
    driver.type_into(qtbot, page.product, "Mupirocin 2% ointment")
    assert clinic.ctx.controller.session.state.antibiotic_product == "Mupirocin 2% ointment"


def test_after_registering_the_form_starts_blank_for_the_next_patient(qtbot: Any, clinic: Any) -> None:
    page = clinic.patient_page
    first_indication = page.indication.itemText(0)
    driver.register_patient(qtbot, clinic, indication="Female-pattern androgenetic alopecia", grade="II")
    assert page.indication.currentText() == first_indication and page.sex.currentData() == ""
    assert (page.name.text(), page.dob.text(), page.clinic_id.text()) == ("", "", "")


def test_walking_past_a_suggested_value_records_nothing_but_enter_confirms_it(qtbot: Any, clinic: Any,
                                                                              fake_clock: Any) -> None:
    driver.register_patient(qtbot, clinic)
    driver.start_session(qtbot, clinic)
    clinic.go_to(3)
    device = clinic.current_page()
    assert device.needle.text(), "the indication's length is suggested"
    clinic.go_to(5)
    clinic.go_to(4)
    state = clinic.ctx.controller.session.state
    assert state.needle_mm is None and state.needling_planned_min is None, "nobody confirmed the suggestions"
    clinic.go_to(3)
    device = clinic.current_page()
    device.needle.setFocus()
    qtbot.keyClick(device.needle, Qt.Key.Key_Return)
    assert clinic.ctx.controller.session.state.needle_mm is not None, "Enter confirms the suggestion"


def test_a_refused_value_left_in_its_field_is_marked_as_not_recorded_until_corrected(
        qtbot: Any, clinic: Any, fake_clock: Any) -> None:
    driver.register_patient(qtbot, clinic)
    driver.start_session(qtbot, clinic)
    driver.focus_window(qtbot, clinic)  # as after any dialog: Tab leaves the field only in the active window
    clinic.go_to(3)
    device = clinic.current_page()
    driver.type_into(qtbot, device.needle, "1.2")
    driver.type_into(qtbot, device.needle, "2.0", enter=False)
    qtbot.keyClick(device.needle, Qt.Key.Key_Tab)
    qtbot.wait(300)  # the refresh runs
    assert clinic.ctx.controller.session.state.needle_mm is not None
    assert str(clinic.ctx.controller.session.state.needle_mm) == "1.2", "the refused 2.0 is not recorded"
    assert device.needle.text() == "2.0", "what was typed is not thrown away"
    assert "Not recorded" in device.needle.accessibleDescription() and "1.2" in device.needle.toolTip()
    driver.type_into(qtbot, device.needle, "1.3")
    qtbot.wait(300)
    assert device.needle.accessibleDescription() == "" and "steps" in device.needle.toolTip()
