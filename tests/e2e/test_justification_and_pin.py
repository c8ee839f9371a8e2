"""A justification is clinical text, and an override is confirmed with the acting practitioner's PIN:
"ok" is refused with a message that says what is expected, a wrong PIN records nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from PySide6.QtWidgets import QDialog

from e2e import driver
from e2e.driver import answer_next_dialog, button, click, enter_pin, pass_time, type_into

OVERRIDE = "Flat naevus outside the treated zones; mapped and avoided during needling."
SHORT = "Patient found the scalp too tender to go on; stopped after the vertex."


def no_pin_prompt(qtbot: Any, action: Any) -> None:
    """Run ``action``; a PIN prompt it opened would be cancelled and fail the test."""
    seen = answer_next_dialog(qtbot, lambda dialog: dialog.reject(), timeout_s=1.0)
    action()
    qtbot.wait(1200)  # past the watch above, so it cannot catch a later prompt
    assert seen == [], "refused before the PIN was asked"


def saved_types(app: Any) -> list[str]:
    """The kinds of the events on file for the session being run (what was recorded)."""
    session = app.ctx.controller.session
    doc = app.ctx.store.session_doc(session.id)
    return [e["type"] for e in doc["events"]]


def blocked_screening(qtbot: Any, app: Any) -> Any:
    driver.register_patient(qtbot, app)
    driver.start_session(qtbot, app)
    page = app.current_page()
    for item, (_group, yes, no) in page.rows.items():
        click(qtbot, yes if item == "raised_lesions" else no)
    return page


def write_justification(qtbot: Any, page: Any, text: str) -> None:
    page.justification.setFocus()
    page.justification.selectAll()
    qtbot.keyClicks(page.justification, text)


def test_a_justification_of_ok_is_refused_with_what_is_expected_and_no_pin_asked(
        qtbot: Any, clinic: Any) -> None:
    app = clinic
    page = blocked_screening(qtbot, app)
    override = button(page, "Override with this justification")
    for typed in ("ok", "x", "..."):
        write_justification(qtbot, page, typed)
        no_pin_prompt(qtbot, lambda: click(qtbot, override))
        message = page.error_label.text()
        assert page.error_label.isVisible() and "at least 3 words" in message and "for example" in message, message
        assert "Answered Yes" in page.blocked_text.text(), "still blocked"
    assert "screening_override" not in saved_types(app)
    assert not app.next.isEnabled()


def test_an_override_with_a_wrong_pin_records_nothing_and_with_the_right_pin_is_recorded(
        qtbot: Any, clinic: Any) -> None:
    app = clinic
    page = blocked_screening(qtbot, app)
    write_justification(qtbot, page, OVERRIDE)
    override = button(page, "Override with this justification")
    asked = answer_next_dialog(qtbot, enter_pin("135799"))
    click(qtbot, override)
    assert len(asked) == 1, "the PIN was asked for the override"
    assert "PIN is not right" in page.error_label.text(), page.error_label.text()
    assert "Answered Yes" in page.blocked_text.text() and "screening_override" not in saved_types(app)
    cancelled = answer_next_dialog(qtbot, lambda dialog: dialog.reject())
    click(qtbot, override)
    assert len(cancelled) == 1 and isinstance(cancelled[0], QDialog)
    assert "confirmed with your PIN" in page.error_label.text(), page.error_label.text()
    assert "screening_override" not in saved_types(app)
    asked = answer_next_dialog(qtbot, enter_pin(driver.PIN))
    click(qtbot, override)
    assert len(asked) == 1
    assert page.error_label.isHidden(), page.error_label.text()
    assert f"Overridden: Raised scars, moles or birthmarks in the area to be treated. Justification: {OVERRIDE}" \
        == page.blocked_text.text()
    assert saved_types(app).count("screening_override") == 1


def test_finishing_needling_early_needs_a_clinical_reason_and_the_right_pin(
        qtbot: Any, clinic: Any, fake_clock: Any) -> None:
    app = clinic
    driver.register_patient(qtbot, app)
    driver.start_session(qtbot, app)
    page = app.current_page()
    for _group, _yes, no in page.rows.values():
        click(qtbot, no)
    type_into(qtbot, page.consent_by, "Alex Demo")
    click(qtbot, page.consent_button)
    click(qtbot, app.next)
    page = app.current_page()
    type_into(qtbot, page.product, "Lidocaine 5% cream")
    type_into(qtbot, page.planned, "30")
    click(qtbot, page.apply_button)
    click(qtbot, app.next)
    page = app.current_page()
    type_into(qtbot, page.needle, "1.2")
    type_into(qtbot, page.lot, "LOT-77")
    type_into(qtbot, page.expiry, (fake_clock.now().date() + timedelta(days=400)).isoformat())
    click(qtbot, page.sealed)
    type_into(qtbot, page.serial, "HP-1")
    click(qtbot, app.next)
    click(qtbot, app.current_page().buttons["alcohol"])
    click(qtbot, app.next)
    pass_time(qtbot, fake_clock, 30 * 60)
    page = app.current_page()
    click(qtbot, page.toggle)
    pass_time(qtbot, fake_clock, 25)

    no_pin_prompt(qtbot, lambda: click(qtbot, page.finish))
    assert "Needling 0:2" in page.error_label.text() and "below the 15-min minimum" in page.error_label.text()
    type_into(qtbot, page.finish_reason, "ok", enter=False)
    no_pin_prompt(qtbot, lambda: click(qtbot, page.finish))
    assert "at least 3 words" in page.error_label.text(), page.error_label.text()
    type_into(qtbot, page.finish_reason, SHORT, enter=False)
    answer_next_dialog(qtbot, enter_pin("135799"))
    click(qtbot, page.finish)
    assert "PIN is not right" in page.error_label.text()
    assert "needling_finished" not in saved_types(app) and page.finish.isEnabled(), "still needling"
    answer_next_dialog(qtbot, enter_pin(driver.PIN))
    click(qtbot, page.finish)
    assert "needling_finished" in saved_types(app)
    assert SHORT in page.timing.text() and not page.finish.isEnabled()
