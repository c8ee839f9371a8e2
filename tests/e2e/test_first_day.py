"""A new clinic's first day, as a person meets it: first start to a signed, printed session,
then the next patient's session showing nothing of the first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QAbstractButton, QLabel, QLineEdit, QPlainTextEdit

from e2e import driver
from e2e.driver import PIN, answer_next_dialog, click


def test_a_new_clinic_gets_from_the_first_start_to_a_signed_session_and_its_sheet(
        qtbot: Any, app: Any, fake_clock: Any, tmp_path: Path) -> None:
    from microneedle_desk.app import greet

    answer_next_dialog(qtbot, driver.first_start())
    assert greet(app), "the first start makes the first account and signs it in"
    page = app.patient_page
    assert app.centralWidget().isVisible(), "the signed-in person sees the patient page"
    assert page.practitioner.currentText() == driver.NAME, "the first account is the practitioner picked"
    assert not page.practitioner.isEditable(), "a practitioner is an account, never a typed name"

    driver.register_patient(qtbot, app)
    driver.start_session(qtbot, app)
    assert page.error_label.isHidden(), page.error_label.text()
    assert app.stack.currentIndex() == 1, "starting opens the Screening step: nobody was refused"

    driver.walk_session(qtbot, app, fake_clock)
    driver.sign(qtbot, app, PIN)
    assert app.stack.currentIndex() == 0, "after signing the patient page is back"
    assert "signed" in app.statusBar().currentMessage()
    assert "In session" not in page.chosen.text(), "the signed session no longer shows as running"

    pdf = tmp_path / "sheet.pdf"
    asked: list[tuple[str, list[str]]] = []

    def save(dialog: Any) -> None:
        asked.append((dialog.windowTitle(), dialog.selectedFiles()))
        driver.save_file_as(str(pdf))(dialog)

    answer_next_dialog(qtbot, save)
    click(qtbot, page)  # focus back in the window, as after reading the status line
    app.print_actions.actions[("sheet", "pdf")].trigger()
    assert pdf.read_bytes().startswith(b"%PDF"), "the session sheet was written"
    title, suggested = asked[0]
    assert "Alex Demo" in title, "the dialog says whose sheet it saves"
    assert suggested and Path(suggested[0]).name.startswith("sheet-DEMO-1-"), suggested


def test_a_first_start_with_two_different_pins_is_refused_and_says_so(qtbot: Any, app: Any) -> None:
    from microneedle_desk.app import greet
    from microneedle_desk.ui.first_start import FirstStartDialog

    seen = answer_next_dialog(qtbot, driver.first_start(again="135799"))

    def after_refusal() -> None:
        dialog = seen[0]
        assert isinstance(dialog, FirstStartDialog)
        assert "differ" in dialog.error_label.text(), dialog.error_label.text()
        assert not app.security.book.has_accounts(), "no account is made from two different PINs"
        dialog.reject()

    QTimer.singleShot(300, after_refusal)
    assert not greet(app), "closing the first-start screen leaves the app without anyone signed in"


def screen_texts(window: Any) -> str:
    """Everything the current page shows a person: labels, fields, checked buttons."""
    page = window.current_page()
    parts = [w.text() for w in page.findChildren(QLabel) if w.isVisible()]
    parts += [w.text() for w in page.findChildren(QLineEdit) if w.isVisible()]
    parts += [w.toPlainText() for w in page.findChildren(QPlainTextEdit) if w.isVisible()]
    parts += ["checked:" + w.text() for w in page.findChildren(QAbstractButton)
              if w.isVisible() and w.isCheckable() and w.isChecked()]
    return "\n".join(parts)


def test_the_second_patients_session_shows_nothing_of_the_first_on_any_step(
        qtbot: Any, clinic: Any, fake_clock: Any) -> None:
    app = clinic
    driver.register_patient(qtbot, app, name="Alex Demo", clinic_id="DEMO-1")
    driver.start_session(qtbot, app)
    driver.walk_session(qtbot, app, fake_clock, consent_by="Alex Demo", anesthetic="Lidocaine 5% cream",
                        lot="LOT-FIRST", serial="HP-FIRST", cleanup_product="Fusidic acid cream")
    driver.sign(qtbot, app)

    driver.register_patient(qtbot, app, name="Robin Sample", dob="1975-06-01", clinic_id="DEMO-2")
    driver.start_session(qtbot, app)
    first = ("Alex Demo", "Lidocaine", "LOT-FIRST", "HP-FIRST", "Fusidic", "Confirmed")
    for index in range(1, len(app.pages)):
        app.go_to(index)
        qtbot.wait(250)  # the refresh timer has run on the step
        shown = screen_texts(app)
        leaked = [text for text in first if text in shown]
        assert not leaked, f"step {index} shows the first session's {leaked}"
        assert "checked:" not in shown, f"step {index} has answers picked: {shown}"
