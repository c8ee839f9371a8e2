"""A complete session through the real main window, driven by keyboard and mouse, on a fake clock."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QCheckBox, QLineEdit, QRadioButton

from microneedle_desk.ui.main_window import MainWindow


def type_into(qtbot, edit: QLineEdit, text: str) -> None:
    edit.setFocus()
    edit.clear()
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key.Key_Return)


def click(qtbot, widget) -> None:
    """Click where a person would: on the box of a check box or radio button, else the middle."""
    if isinstance(widget, (QCheckBox, QRadioButton)):
        qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=QPoint(8, widget.height() // 2))
    else:
        qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def fill_in(qtbot, edit: QLineEdit, text: str) -> None:
    """Type into a field without pressing Enter (Enter submits the form the field is in)."""
    edit.setFocus()
    edit.clear()
    qtbot.keyClicks(edit, text)


def register_and_start(qtbot, win: MainWindow) -> None:
    page = win.patient_page
    page.sex.setCurrentIndex(page.sex.findData("male"))
    page.indication.setCurrentIndex(page.indication.findData("aga_male"))
    page.grade.setCurrentText("III")
    fill_in(qtbot, page.name, "Alex Demo")
    fill_in(qtbot, page.dob, "1980-02-29")
    type_into(qtbot, page.clinic_id, "DEMO-1")  # Enter in the last field registers
    assert page.error_label.isHidden(), page.error_label.text()
    assert [p.name for p in win.ctx.store.patients()] == ["Alex Demo"]
    page.practitioner.setCurrentText("Dr Demo")
    click(qtbot, page.start_button)


def test_complete_session_from_registration_to_signature_through_the_window(qtbot, window, fake_clock):
    win, clock = window, fake_clock
    register_and_start(qtbot, win)
    assert win.stack.currentIndex() == 1, "starting a session opens the screening step"
    screening = win.pages[1]
    assert not win.next.isEnabled(), "continue is unavailable before every question is answered"
    for _group, _yes, no in screening.rows.values():  # type: ignore[attr-defined]
        assert not _yes.isChecked() and not no.isChecked(), "nothing is pre-answered"
        click(qtbot, no)
    assert not win.next.isEnabled(), "consent is still missing"
    type_into(qtbot, screening.consent_by, "Alex Demo")  # type: ignore[attr-defined]
    click(qtbot, screening.consent_button)  # type: ignore[attr-defined]
    assert win.next.isEnabled()
    click(qtbot, win.next)

    anesthetic = win.pages[2]
    type_into(qtbot, anesthetic.product, "Lidocaine 5% cream")  # type: ignore[attr-defined]
    type_into(qtbot, anesthetic.planned, "30")  # type: ignore[attr-defined]
    click(qtbot, anesthetic.apply_button)  # type: ignore[attr-defined]
    assert "dwell" in win.countdowns.boxes and win.countdowns.isVisible()
    assert win.countdowns.boxes["dwell"].digits.text() == "30:00"

    win.go_to(3)
    device = win.pages[3]
    assert device.needle.text() == "1.5", "starts at the indication's default length"  # type: ignore[attr-defined]
    type_into(qtbot, device.needle, "1.2")  # type: ignore[attr-defined]
    type_into(qtbot, device.lot, "LOT-77")  # type: ignore[attr-defined]
    type_into(qtbot, device.expiry, "2027-06-30")  # type: ignore[attr-defined]
    click(qtbot, device.sealed)  # type: ignore[attr-defined]
    type_into(qtbot, device.serial, "HP-1")  # type: ignore[attr-defined]
    state = win.ctx.controller.session.state  # type: ignore[union-attr]
    assert str(state.needle_mm) == "1.2" and state.cartridge_lot == "LOT-77" and state.cartridge_new_sealed

    clock.advance(10 * 60)
    win.ctx.controller.poll()
    assert win.countdowns.boxes["dwell"].digits.text() == "20:00", "the dwell keeps running on every step"
    win.go_to(4)
    antiseptic = win.pages[4]
    click(qtbot, antiseptic.buttons["alcohol"])  # type: ignore[attr-defined]

    win.go_to(5)
    win.next.setFocus()  # Space on the Needling step, with the focus where it has no use of its own
    qtbot.keyClick(win.next, Qt.Key.Key_Space)
    assert not state.needling_marks, "needling cannot start before 15 min of dwell"
    assert "15 min" in win.pages[5].error_label.text()

    clock.advance(21 * 60)
    win.ctx.controller.poll()
    assert win.alert_bar.isVisible(), "the planned end of the dwell raises a visible alert"
    assert set(state.alerts) >= {"dwell_min_reached", "dwell_planned_end"}
    qtbot.keyClick(win.next, Qt.Key.Key_Space)
    state = win.ctx.controller.session.state  # type: ignore[union-attr]
    assert state.needling_marks and state.needling_marks[0][0] == "started"
    clock.advance(5 * 60)
    qtbot.keyClick(win.next, Qt.Key.Key_Space)
    clock.advance(2 * 60)
    qtbot.keyClick(win.next, Qt.Key.Key_Space)
    clock.advance(10 * 60)
    needling = win.pages[5]
    for zone in ("frontal", "mid_scalp", "vertex"):
        click(qtbot, needling.zone_boxes[zone])  # type: ignore[attr-defined]
    click(qtbot, needling.direction_boxes["longitudinal"])  # type: ignore[attr-defined]
    click(qtbot, needling.direction_boxes["diagonal"])  # type: ignore[attr-defined]
    needling.passes.setValue(4)  # type: ignore[attr-defined]
    click(qtbot, next(b for b in needling.findChildren(type(needling.finish)) if "passes" in b.text()))  # type: ignore[attr-defined]
    click(qtbot, needling.finish)  # type: ignore[attr-defined]
    assert state.actual_needling_seconds() == 15 * 60, "needling time excludes the pause"
    assert "needling_min_reached" in state.alerts

    win.go_to(6)
    click(qtbot, win.pages[6].boxes["pinpoint_bleeding"])  # type: ignore[attr-defined]
    win.go_to(7)
    click(qtbot, win.pages[7].washed)  # type: ignore[attr-defined]
    type_into(qtbot, win.pages[7].product, "Fusidic acid cream")  # type: ignore[attr-defined]
    win.go_to(8)
    adjunct = win.pages[8]
    type_into(qtbot, adjunct.mx_product, "Regaine Extra Strength")  # type: ignore[attr-defined]
    adjunct.mx_form.setCurrentIndex(adjunct.mx_form.findData("foam"))  # type: ignore[attr-defined]
    adjunct.mx_strength.setCurrentIndex(adjunct.mx_strength.findData("5pct"))  # type: ignore[attr-defined]
    click(qtbot, adjunct.buttons["minoxidil"])  # type: ignore[attr-defined]
    assert "resume minoxidil" in adjunct.info.text()  # type: ignore[attr-defined]
    win.go_to(9)
    click(qtbot, win.pages[9].none)  # type: ignore[attr-defined]
    win.go_to(10)
    click(qtbot, win.pages[10].given)  # type: ignore[attr-defined]
    click(qtbot, win.pages[10].roller_no)  # type: ignore[attr-defined]
    type_into(qtbot, win.pages[10].next_date, state.suggested_next_session().isoformat())  # type: ignore[attr-defined, union-attr]
    win.go_to(11)
    signoff = win.pages[11]
    assert "Nothing missing" in signoff.missing.text(), signoff.missing.text()  # type: ignore[attr-defined]
    click(qtbot, signoff.sign)  # type: ignore[attr-defined]

    assert win.ctx.controller.session is None
    rows = win.ctx.store.summaries()
    assert [r["status"] for r in rows] == ["signed"]
    assert rows[0]["needle_mm"] == 1.2 and rows[0]["dwell_actual_s"] == 31 * 60
    assert win.stack.currentIndex() == 0


def test_bad_needle_lengths_are_refused_with_the_allowed_range(qtbot, window):
    register_and_start(qtbot, window)
    window.go_to(3)
    device = window.pages[3]
    for typed, expected in (("2.0", "0.5–1.5 mm"), ("1,2", "decimal point"), ("1.25", "steps of 0.1"),
                            ("abc", "number")):
        type_into(qtbot, device.needle, typed)  # type: ignore[attr-defined]
        assert expected in device.error_label.text(), (typed, device.error_label.text())
    assert window.ctx.controller.session.state.needle_mm is None  # type: ignore[union-attr]


def test_duplicate_clinic_id_is_refused_and_the_first_patient_kept(qtbot, window):
    register_and_start(qtbot, window)
    window.ctx.controller.close()
    page = window.patient_page
    page.sex.setCurrentIndex(page.sex.findData("female"))
    fill_in(qtbot, page.name, "Another Demo")
    fill_in(qtbot, page.dob, "1990-01-01")
    fill_in(qtbot, page.clinic_id, "demo-1")
    click(qtbot, next(b for b in page.findChildren(type(page.start_button)) if "Register" in b.text()))
    assert "already used" in page.error_label.text()
    assert [p.name for p in window.ctx.store.patients()] == ["Alex Demo"]


def test_typing_in_the_search_box_filters_patients_by_name_id_or_birth_date(qtbot, window):
    register_and_start(qtbot, window)
    page = window.patient_page
    page.search.clear()
    assert page.proxy.rowCount() == 1
    qtbot.keyClicks(page.search, "1980-02")
    assert page.proxy.rowCount() == 1
    page.search.clear()
    qtbot.keyClicks(page.search, "nobody")
    assert page.proxy.rowCount() == 0


def test_registering_a_patient_needs_a_sex_chosen_and_the_next_form_starts_without_one(qtbot, window):
    page = window.patient_page
    assert page.sex.currentData() == "", "no sex is chosen before the person chooses one"
    fill_in(qtbot, page.name, "Robin Demo")
    fill_in(qtbot, page.dob, "1990-01-01")
    type_into(qtbot, page.clinic_id, "DEMO-7")
    assert "sex" in page.error_label.text() and "Female" in page.error_label.text(), page.error_label.text()
    assert window.ctx.store.patients() == []
    page.sex.setCurrentIndex(page.sex.findData("male"))
    type_into(qtbot, page.clinic_id, "DEMO-7")
    assert [p.sex for p in window.ctx.store.patients()] == ["male"]
    assert page.sex.currentData() == "", "the next patient's form does not carry this one's sex"


def test_the_needle_field_reads_and_shows_the_locales_decimal_comma_and_never_clamps_silently(qtbot, window):
    from PySide6.QtCore import QLocale

    before = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.German, QLocale.Country.Germany))
    try:
        register_and_start(qtbot, window)
        window.go_to(3)
        device = window.pages[3]
        type_into(qtbot, device.needle, "1,2")  # type: ignore[attr-defined]
        state = window.ctx.controller.session.state  # type: ignore[union-attr]
        assert str(state.needle_mm) == "1.2", device.error_label.text()
        assert device.needle.text() == "1,2"  # type: ignore[attr-defined]
        type_into(qtbot, device.needle, "")  # type: ignore[attr-defined]
        assert "empty" in device.error_label.text() and "0,5–1,5" in device.error_label.text()
        fill_in(qtbot, device.needle, "9")  # type: ignore[attr-defined]
        click(qtbot, next(b for b in device.findChildren(type(window.next)) if b.text() == "−"))
        assert "outside the allowed" in device.error_label.text(), device.error_label.text()
        assert str(window.ctx.controller.session.state.needle_mm) == "1.2", "9 then − did not store 1.5"  # type: ignore[union-attr]
    finally:
        QLocale.setDefault(before)
