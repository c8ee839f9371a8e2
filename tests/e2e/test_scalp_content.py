"""Scalp content in the real window, by keys and clicks: screening limited by sex, several
endpoints, antibiotic or none, minoxidil and PRP details, the home derma roller, scalp
aftercare on the page, and amending any field of a signed session from the history."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from e2e import driver
from microneedle_desk.ui.main_window import MainWindow

# -- what a person does (driver's keys and clicks) -------------------------------------------------
type_into, click, choose = driver.type_into, driver.click, driver.choose


def register_and_start(qtbot: Any, win: MainWindow, sex: str = "Male") -> None:
    driver.register_patient(qtbot, win, sex=sex)
    driver.start_session(qtbot, win)
    assert win.ctx.controller.session is not None


def screen(qtbot: Any, win: MainWindow) -> None:
    """Answer every question that is asked No, and confirm consent."""
    screening = win.pages[1]
    for _group, _yes, no in screening.rows.values():  # type: ignore[attr-defined]
        if no.isEnabled():
            click(qtbot, no)
    type_into(qtbot, screening.consent_by, "Alex Demo")  # type: ignore[attr-defined]
    click(qtbot, screening.consent_button)  # type: ignore[attr-defined]


def needle(qtbot: Any, win: MainWindow, clock: Any) -> None:
    """Anesthetic, device, antiseptic, a full needling time, zones and passes."""
    win.go_to(2)
    anesthetic = win.pages[2]
    type_into(qtbot, anesthetic.product, "Lidocaine 5% cream")  # type: ignore[attr-defined]
    type_into(qtbot, anesthetic.planned, "30")  # type: ignore[attr-defined]
    click(qtbot, anesthetic.apply_button)  # type: ignore[attr-defined]
    win.go_to(3)
    device = win.pages[3]
    type_into(qtbot, device.needle, "1.2")  # type: ignore[attr-defined]
    type_into(qtbot, device.lot, "LOT-77")  # type: ignore[attr-defined]
    type_into(qtbot, device.expiry, "2027-06-30")  # type: ignore[attr-defined]
    click(qtbot, device.sealed)  # type: ignore[attr-defined]
    type_into(qtbot, device.serial, "HP-1")  # type: ignore[attr-defined]
    win.go_to(4)
    click(qtbot, win.pages[4].buttons["alcohol"])  # type: ignore[attr-defined]
    driver.pass_time(qtbot, clock, 31 * 60)
    win.go_to(5)
    needling = win.pages[5]
    click(qtbot, needling.toggle)  # type: ignore[attr-defined]
    driver.pass_time(qtbot, clock, 15 * 60)
    for zone in ("frontal", "vertex"):
        click(qtbot, needling.zone_boxes[zone])  # type: ignore[attr-defined]
    click(qtbot, needling.direction_boxes["longitudinal"])  # type: ignore[attr-defined]
    click(qtbot, next(b for b in needling.findChildren(type(needling.finish))  # type: ignore[attr-defined]
                      if "passes" in b.text()))
    click(qtbot, needling.finish)  # type: ignore[attr-defined]
    state = win.ctx.controller.session.state  # type: ignore[union-attr]
    assert state.needling_finished_at() is not None and state.zones and state.passes


def state_of(win: MainWindow) -> Any:
    session = win.ctx.controller.session
    assert session is not None
    return session.state


def error_of(win: MainWindow, index: int) -> str:
    label = win.pages[index].error_label
    return label.text() if label.isVisible() else ""


# -- screening limited by sex ------------------------------------------------------------------------
def test_a_male_patient_is_not_asked_about_pregnancy_and_the_page_says_not_applicable(qtbot: Any, clinic: Any):
    register_and_start(qtbot, clinic, "Male")
    screening = clinic.pages[1]
    _group, yes, no = screening.rows["pregnant_or_breastfeeding"]
    assert not yes.isEnabled() and not no.isEnabled()
    assert screening.not_asked["pregnant_or_breastfeeding"].text() == "Not applicable (male patient): not asked"
    screen(qtbot, clinic)
    state = state_of(clinic)
    assert state.screening_cleared(clinic.ctx.protocol) and state.consent_by
    assert "pregnant_or_breastfeeding" not in state.answers
    assert state.not_applicable == ("pregnant_or_breastfeeding",)
    assert "Screening complete" in screening.status.text()


def test_a_female_patient_is_asked_about_pregnancy(qtbot: Any, clinic: Any):
    register_and_start(qtbot, clinic, "Female")
    screening = clinic.pages[1]
    _group, yes, no = screening.rows["pregnant_or_breastfeeding"]
    assert yes.isEnabled() and no.isEnabled()
    assert screening.not_asked["pregnant_or_breastfeeding"].text() == ""
    screen(qtbot, clinic)
    assert state_of(clinic).answers["pregnant_or_breastfeeding"] is False


# -- closing steps -----------------------------------------------------------------------------------
def test_pinpoint_bleeding_and_redness_are_ticked_together_and_neither_stands_alone(qtbot: Any, clinic: Any,
                                                                                     fake_clock: Any):
    register_and_start(qtbot, clinic)
    screen(qtbot, clinic)
    needle(qtbot, clinic, fake_clock)
    clinic.go_to(6)
    page = clinic.pages[6]
    click(qtbot, page.boxes["pinpoint_bleeding"])
    click(qtbot, page.boxes["redness"])
    assert state_of(clinic).endpoints == ("pinpoint_bleeding", "redness")
    click(qtbot, page.boxes["neither"])
    assert "cannot be ticked together" in error_of(clinic, 6)
    assert state_of(clinic).endpoints == ("pinpoint_bleeding", "redness"), "the record is not overwritten"
    assert not page.boxes["neither"].isChecked(), "a refused tick is taken back: the boxes show the record"
    click(qtbot, page.boxes["pinpoint_bleeding"])
    assert state_of(clinic).endpoints == ("redness",)
    qtbot.wait(600)  # the refresh runs: the ticks stay as recorded
    assert [k for k, b in page.boxes.items() if b.isChecked()] == ["redness"]


def test_clean_up_records_no_antibiotic_cream_and_then_does_not_ask_for_a_product(qtbot: Any, clinic: Any,
                                                                                  fake_clock: Any):
    register_and_start(qtbot, clinic)
    screen(qtbot, clinic)
    needle(qtbot, clinic, fake_clock)
    clinic.go_to(7)
    page = clinic.pages[7]
    click(qtbot, page.washed)
    click(qtbot, page.none)
    state = state_of(clinic)
    assert (state.antibiotic_used, state.antibiotic_product) == (False, "")
    assert not page.product.isEnabled()
    assert not any("antibiotic" in m.lower() for m in state.missing(clinic.ctx.protocol))
    click(qtbot, page.none)  # changed their mind: a cream was used after all
    type_into(qtbot, page.product, "Fusidic acid cream")
    state = state_of(clinic)
    assert (state.antibiotic_used, state.antibiotic_product) == (True, "Fusidic acid cream")


def test_minoxidil_is_recorded_with_product_strength_and_form(qtbot: Any, clinic: Any, fake_clock: Any):
    register_and_start(qtbot, clinic)
    screen(qtbot, clinic)
    needle(qtbot, clinic, fake_clock)
    clinic.go_to(8)
    page = clinic.pages[8]
    click(qtbot, page.buttons["minoxidil"])
    assert "minoxidil product name must not be empty" in error_of(clinic, 8)
    assert state_of(clinic).adjunct == ""
    type_into(qtbot, page.mx_product, "Regaine Extra Strength")
    choose(qtbot, page.mx_form, "Oral (tablets)")
    assert [page.mx_strength.itemText(i) for i in range(page.mx_strength.count())] == [
        "— choose —", "0.25 mg", "0.5 mg", "1 mg", "2.5 mg", "5 mg"], "tablets come in mg"
    choose(qtbot, page.mx_form, "Foam")
    choose(qtbot, page.mx_strength, "5 %")
    state = state_of(clinic)
    assert (state.adjunct, state.minoxidil_product, state.minoxidil_strength, state.minoxidil_form) == (
        "minoxidil", "Regaine Extra Strength", "5pct", "foam")
    assert "resume minoxidil" in page.info.text()


def test_prp_is_recorded_with_its_volume_and_kit_lot(qtbot: Any, clinic: Any, fake_clock: Any):
    register_and_start(qtbot, clinic)
    screen(qtbot, clinic)
    needle(qtbot, clinic, fake_clock)
    clinic.go_to(8)
    page = clinic.pages[8]
    type_into(qtbot, page.prp, "40")
    click(qtbot, page.buttons["prp"])
    assert "0.5–20 mL" in error_of(clinic, 8)
    type_into(qtbot, page.prp, "4.5")
    assert "kit lot" in error_of(clinic, 8) or state_of(clinic).adjunct == ""
    type_into(qtbot, page.kit_lot, "PRP-KIT-31")
    state = state_of(clinic)
    assert (state.adjunct, str(state.prp_ml), state.prp_kit_lot) == ("prp", "4.5", "PRP-KIT-31")
    assert "kit lot PRP-KIT-31" in page.info.text()


def test_the_aftercare_page_shows_the_scalp_points_and_asks_about_a_home_roller(qtbot: Any, clinic: Any,
                                                                                 fake_clock: Any):
    register_and_start(qtbot, clinic)
    screen(qtbot, clinic)
    needle(qtbot, clinic, fake_clock)
    clinic.go_to(10)
    page = clinic.pages[10]
    shown = " ".join(label.text() for label in page.findChildren(type(page.suggested)) if label.isVisible())
    for point in clinic.ctx.protocol.aftercare:
        if point.group == "minoxidil":  # no adjunct chosen in this session: its points are not shown
            assert point.text not in shown, point.id
        else:
            assert point.text in shown, point.id
    assert "Aftercare: whether the patient uses a derma roller at home" in state_of(clinic).missing(
        clinic.ctx.protocol)
    click(qtbot, page.roller_yes)
    assert "0.2–0.5 mm" in error_of(clinic, 10), "a Yes needs the roller's needle length, in the home range"
    type_into(qtbot, page.roller_mm, "1.0")
    assert "must be 0.2–0.5 mm" in error_of(clinic, 10)
    assert state_of(clinic).home_roller is None
    type_into(qtbot, page.roller_mm, "0.25")
    state = state_of(clinic)
    assert (state.home_roller, str(state.home_roller_mm)) == (True, "0.25")
    assert "home-roller points" in page.roller_info.text()
    click(qtbot, page.roller_no)
    assert state_of(clinic).home_roller is False


# -- amending a signed session ---------------------------------------------------------------------
def shown(parent: QWidget, title: str) -> Any:
    """The window or dialog of ``parent`` showing now with this title."""
    return next(w for w in parent.findChildren(QWidget) if w.isVisible() and w.windowTitle() == title)


def finish_and_sign(qtbot: Any, win: MainWindow) -> str:
    win.go_to(6)
    click(qtbot, win.pages[6].boxes["pinpoint_bleeding"])  # type: ignore[attr-defined]
    win.go_to(7)
    click(qtbot, win.pages[7].washed)  # type: ignore[attr-defined]
    type_into(qtbot, win.pages[7].product, "Fusidic acid cream")  # type: ignore[attr-defined]
    win.go_to(8)
    click(qtbot, win.pages[8].buttons["none"])  # type: ignore[attr-defined]
    win.go_to(9)
    click(qtbot, win.pages[9].none)  # type: ignore[attr-defined]
    win.go_to(10)
    aftercare = win.pages[10]
    click(qtbot, aftercare.given)  # type: ignore[attr-defined]
    click(qtbot, aftercare.roller_no)  # type: ignore[attr-defined]
    type_into(qtbot, aftercare.next_date, "2026-12-09")  # type: ignore[attr-defined]
    session_id = state_of(win).id
    win.go_to(11)
    driver.sign(qtbot, win)
    assert win.ctx.controller.session is None
    return session_id


@pytest.mark.qt_log_ignore("This plugin does not support raise")  # the offscreen platform; the window is raised
def test_any_clinical_field_of_a_signed_session_is_amended_from_its_history_window(qtbot: Any, clinic: Any,
                                                                                  fake_clock: Any):
    register_and_start(qtbot, clinic)
    screen(qtbot, clinic)
    needle(qtbot, clinic, fake_clock)
    session_id = finish_and_sign(qtbot, clinic)
    clinic.review_menu.actions["history"].trigger()  # Review > Session history
    history = next(w for w in QApplication.topLevelWidgets() if w.isVisible() and w.windowTitle() == "Session history")
    qtbot.waitUntil(lambda: history.model.rowCount() == 1)
    history.table.setFocus()
    history.table.selectRow(0)
    qtbot.keyClick(history.table, Qt.Key.Key_Return)
    dialog = shown(history, "Session (read-only)")
    assert dialog.amend_button.isEnabled()
    click(qtbot, dialog.amend_button)
    amend = shown(dialog, "Amend a signed session")
    labels = [amend.field.itemText(i) for i in range(amend.field.count())]
    for label in ("Grade", "Screening: Taking blood thinners?", "Anesthetic product", "Needle length (mm)",
                  "Cartridge expiry", "Zones treated", "Endpoint", "Antibiotic cream",
                  "Minoxidil (product, strength, form)", "PRP kit lot", "Home derma roller", "Next session"):
        assert label in labels, label
    assert "Screening: Pregnant or breastfeeding?" not in labels, "a question not asked cannot be amended"

    choose(qtbot, amend.field, "Needle length (mm)")
    assert amend.old.text() == "1.2 mm"
    type_into(qtbot, amend.inputs["value"], "2.0")
    type_into(qtbot, amend.reason, "Cartridge box says otherwise")
    click(qtbot, amend.save_button)
    assert "0.5–1.5 mm" in amend.error.text() and amend.isVisible(), "refused by the session's own rule"
    assert amend.inputs["value"].text() == "2.0", "what was typed stays to be corrected"
    driver.answer_next_dialog(qtbot, driver.enter_pin(driver.PIN))
    type_into(qtbot, amend.inputs["value"], "1.0")  # Enter saves, as the dialog's default button
    assert not amend.isVisible()
    [doc] = clinic.ctx.store.amendments(session_id)
    assert (doc["field"], doc["old"], doc["new"], doc["reason"]) == (
        "needle_mm", 1.2, 1.0, "Cartridge box says otherwise")
    assert "Needle length (mm) “1.2 mm” → “1.0 mm” — Cartridge box says otherwise" in dialog.text()

    click(qtbot, dialog.amend_button)
    amend = shown(dialog, "Amend a signed session")
    choose(qtbot, amend.field, "Endpoint")
    assert amend.old.text() == "Pinpoint bleeding"
    click(qtbot, amend.inputs["boxes"]["redness"])
    driver.answer_next_dialog(qtbot, driver.enter_pin(driver.PIN))
    type_into(qtbot, amend.reason, "Redness was also seen")
    assert not amend.isVisible()
    assert clinic.ctx.store.amendments(session_id)[-1]["new"] == ["pinpoint_bleeding", "redness"]
