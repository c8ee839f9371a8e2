"""Every departure from the protocol is asked for a reason and the PIN as it happens, listed on the
sign-off with its figures, acknowledged before signing, and printed on the sheet in a box of its own."""

from __future__ import annotations

import re
import subprocess
import unicodedata
from datetime import timedelta
from pathlib import Path
from typing import Any

from e2e import driver
from e2e.driver import answer_next_dialog, button, click, enter_pin, pass_time, type_into

OVERRIDE = "Flat naevus outside the treated zones; mapped and avoided during needling."
EXPIRED = "Only cartridge of this length in stock; pack sealed and dry."
UNSEALED = "Seal label torn on opening; pack otherwise intact and dry."
LATE = "Patient was called away from the chair; numbness rechecked and adequate."
SHORT = "Patient found the scalp too tender to go on; stopped after the vertex."
EARLY = "Patient must leave for a fixed appointment; numbness tested by pinprick."
LONG = "Bleeding slowed the work; zones needed a second careful pass."


def with_pin(qtbot: Any, widget: Any) -> None:
    """Click what records an override and answer the PIN prompt it opens."""
    answer_next_dialog(qtbot, enter_pin(driver.PIN))
    click(qtbot, widget)


def refused(window: Any, *words: str) -> str:
    text = window.current_page().error_label.text()
    assert window.current_page().error_label.isVisible(), "a refusal is shown"
    for w in words:
        assert w in text, text
    return text


def screening(qtbot: Any, app: Any, *, override: bool) -> None:
    page = app.current_page()
    for item, (_group, yes, no) in page.rows.items():
        click(qtbot, yes if override and item == "raised_lesions" else no)
    if override:
        page.justification.setFocus()
        qtbot.keyClicks(page.justification, OVERRIDE)
        with_pin(qtbot, button(page, "Override with this justification"))
        assert "Overridden" in page.blocked_text.text(), page.blocked_text.text()
    type_into(qtbot, page.consent_by, "Alex Demo")
    click(qtbot, page.consent_button)
    click(qtbot, app.next)


def anesthetic(qtbot: Any, app: Any) -> None:
    page = app.current_page()
    type_into(qtbot, page.product, "Lidocaine 5% cream")
    type_into(qtbot, page.planned, "30")
    click(qtbot, page.apply_button)
    click(qtbot, app.next)


def device(qtbot: Any, app: Any, clock: Any, *, cartridge_overrides: bool) -> None:
    page = app.current_page()
    type_into(qtbot, page.needle, "1.2")
    type_into(qtbot, page.lot, "LOT-77")
    if cartridge_overrides:
        type_into(qtbot, page.expiry, "2026-01-31")
        refused(app, "expired on 2026-01-31", "clinical reason")
        type_into(qtbot, page.cartridge_reason, EXPIRED, enter=False)
        with_pin(qtbot, page.cartridge_override)
        type_into(qtbot, page.cartridge_reason, UNSEALED, enter=False)
        with_pin(qtbot, page.cartridge_override)
        assert not page.sealed.isChecked()
    else:
        type_into(qtbot, page.expiry, (clock.now().date() + timedelta(days=400)).isoformat())
        click(qtbot, page.sealed)
    type_into(qtbot, page.serial, "HP-1")
    click(qtbot, app.next)
    click(qtbot, app.current_page().buttons["alcohol"])
    click(qtbot, app.next)


def needling(qtbot: Any, app: Any, clock: Any, dwell_s: float, start_figures: str, start_reason: str,
             needling_s: float, finish_figures: str, finish_reason: str) -> None:
    page = app.current_page()
    pass_time(qtbot, clock, dwell_s)
    click(qtbot, page.toggle)
    refused(app, start_figures)
    type_into(qtbot, page.early_reason, start_reason, enter=False)
    with_pin(qtbot, page.toggle)
    pass_time(qtbot, clock, needling_s)
    for zone in ("frontal", "vertex"):
        click(qtbot, page.zone_boxes[zone])
    click(qtbot, page.direction_boxes["longitudinal"])
    click(qtbot, button(page, "passes"))
    click(qtbot, page.finish)
    refused(app, finish_figures, "clinical reason")
    type_into(qtbot, page.finish_reason, finish_reason, enter=False)
    with_pin(qtbot, page.finish)
    assert "Needling finished" in page.timing.text() or finish_reason in page.timing.text()
    click(qtbot, app.next)


def close_out(qtbot: Any, app: Any, clock: Any) -> None:
    click(qtbot, app.current_page().buttons["pinpoint_bleeding"])
    click(qtbot, app.next)
    page = app.current_page()
    click(qtbot, page.washed)
    type_into(qtbot, page.product, "Fusidic acid cream")
    click(qtbot, app.next)
    click(qtbot, app.current_page().buttons["minoxidil"])
    click(qtbot, app.next)
    click(qtbot, app.current_page().none)
    click(qtbot, app.next)
    page = app.current_page()
    click(qtbot, page.given)
    type_into(qtbot, page.next_date, (clock.now().date() + timedelta(days=28)).isoformat())
    click(qtbot, app.next)


def sign_after_review(qtbot: Any, app: Any, expected: list[tuple[str, str]]) -> None:
    """On the Sign-off step: every deviation is listed with its figures and justification, and
    signing waits for the tick that says they were reviewed."""
    page = app.current_page()
    assert page.step_id == "signoff"
    shown = page.deviations.text()
    assert f"({len(expected)})" in shown, shown
    for figures, why in expected:
        assert figures in shown and why in shown, (figures, shown)
    assert "Nothing missing" in page.missing.text(), page.missing.text()
    assert page.acknowledge.isVisible() and str(len(expected)) in page.acknowledge.text()
    assert not page.sign.isEnabled(), "signing waits for the deviations to be acknowledged"
    click(qtbot, page.acknowledge)
    assert page.sign.isEnabled()
    driver.sign(qtbot, app)
    assert app.stack.currentIndex() == 0, "signed: the patient page is back"


def sheet_text(qtbot: Any, app: Any, tmp_path: Path) -> str:
    pdf = tmp_path / "sheet.pdf"
    answer_next_dialog(qtbot, driver.save_file_as(str(pdf)))
    click(qtbot, app.patient_page)
    app.print_actions.actions[("sheet", "pdf")].trigger()
    text = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    # NFKC: the PDF's fonts set "fi" as one ligature glyph
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text))


def test_overrides_and_out_of_protocol_times_are_listed_acknowledged_and_printed(
        qtbot: Any, clinic: Any, fake_clock: Any, tmp_path: Path) -> None:
    app = clinic
    driver.register_patient(qtbot, app)
    driver.start_session(qtbot, app)
    screening(qtbot, app, override=True)
    anesthetic(qtbot, app)
    device(qtbot, app, fake_clock, cartridge_overrides=True)
    needling(qtbot, app, fake_clock, 57 * 60, "Dwell 57 min, above the 45-min maximum", LATE,
             24, "Needling 0:24, below the 15-min minimum", SHORT)
    close_out(qtbot, app, fake_clock)
    expected = [
        ("Screening answered Yes and overridden: Raised scars, moles or birthmarks", OVERRIDE),
        ("Cartridge lot LOT-77 expired on 2026-01-31", EXPIRED),
        ("Cartridge lot LOT-77 used without confirming it new and sealed", UNSEALED),
        ("Dwell 57 min, above the 45-min maximum", LATE),
        ("Needling 0:24, below the 15-min minimum", SHORT),
    ]
    sign_after_review(qtbot, app, expected)
    text = sheet_text(qtbot, app, tmp_path)
    assert "Deviations from the protocol" in text
    for words in ("Dwell 57 min, above the 45-min", "Needling 0:24, below the 15-min", "expired on 2026-01-31",
                  "without confirming it new and sealed", "Screening override", "Flat naevus outside",
                  "Only cartridge of this length", "Seal label torn", "Patient was called away",
                  "too tender to go on", "reviewed these 5 deviation"):
        assert words in text, words


def test_an_early_start_and_needling_past_the_maximum_are_listed_acknowledged_and_printed(
        qtbot: Any, clinic: Any, fake_clock: Any, tmp_path: Path) -> None:
    app = clinic
    driver.register_patient(qtbot, app)
    driver.start_session(qtbot, app)
    screening(qtbot, app, override=False)
    anesthetic(qtbot, app)
    device(qtbot, app, fake_clock, cartridge_overrides=False)
    needling(qtbot, app, fake_clock, 12 * 60 + 30, "less than 15 min", EARLY,
             22 * 60 + 10, "Needling 22:10, above the 20-min maximum", LONG)
    close_out(qtbot, app, fake_clock)
    sign_after_review(qtbot, app, [("Dwell 12 min 30 s, below the 15-min minimum", EARLY),
                                   ("Needling 22:10, above the 20-min maximum", LONG)])
    text = sheet_text(qtbot, app, tmp_path)
    for words in ("Deviations from the protocol", "Dwell 12 min 30 s, below the 15-min",
                  "Needling 22:10, above the 20-min", "fixed appointment", "second careful pass"):
        assert words in text, words


def test_a_session_inside_the_protocol_prints_none_in_the_deviations_box(
        qtbot: Any, clinic: Any, fake_clock: Any, tmp_path: Path) -> None:
    app = clinic
    driver.register_patient(qtbot, app)
    driver.start_session(qtbot, app)
    driver.walk_session(qtbot, app, fake_clock)
    page = app.current_page()
    assert "Deviations from the protocol: none." in page.deviations.text()
    assert not page.acknowledge.isVisible() and page.sign.isEnabled()
    driver.sign(qtbot, app)
    assert "Deviations from the protocol None." in sheet_text(qtbot, app, tmp_path)
