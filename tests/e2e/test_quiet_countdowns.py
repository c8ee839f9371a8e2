"""Only the countdowns tick, once a second on their own second; everything else on screen
changes when the clinic says an entry was saved, and never under a person's typing."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt

from e2e import driver


class Counter(QObject):
    """Counts the events of some types a widget gets."""

    def __init__(self, *types: QEvent.Type) -> None:
        super().__init__()
        self.types, self.seen = types, 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in self.types:
            self.seen += 1
        return False


def device_step_during_dwell(qtbot: Any, clinic: Any) -> Any:
    """The Device step, the dwell countdown running, the window active as after a person's click."""
    driver.open_session_with_dwell(qtbot, clinic)
    driver.focus_window(qtbot, clinic)
    driver.click(qtbot, clinic.next)
    return clinic.current_page()


def test_the_countdown_figure_advances_once_per_second_of_the_clock_without_restyling_or_relayout(
        qtbot: Any, clinic: Any, fake_clock: Any) -> None:
    controller = clinic.ctx.controller
    driver.open_session_with_dwell(qtbot, clinic)
    box = clinic.countdowns.boxes["dwell"]
    assert box.digits.text() == "30:00"
    styled: list[str] = []
    box.setStyleSheet = styled.append  # type: ignore[method-assign]
    layouts = Counter(QEvent.Type.LayoutRequest)
    box.installEventFilter(layouts)
    beats: list[int] = []
    controller.ticked.connect(lambda: beats.append(1))
    qtbot.wait(50)  # what building the box asked for is done
    layouts.seen = 0
    for second in range(1, 4):
        fake_clock.advance(1)
        expected = f"29:{60 - second:02d}"
        qtbot.waitUntil(lambda e=expected: box.digits.text() == e, timeout=2500)
    assert controller.ticker.interval_ms() <= 1000 + 2, "the next beat is at most a second away"
    beats.clear()
    qtbot.wait(2200)  # the clock stands still: the beat keeps to one a second and the figure stays
    assert box.digits.text() == "29:57"
    assert 1 <= len(beats) <= 3, f"{len(beats)} beats in 2.2 s"
    assert styled == [], "a tick never re-applies the countdown's style"
    assert layouts.seen == 0, "a tick never lays the countdown out again"


def test_the_beat_lands_on_the_second_the_figure_changes(qtbot: Any, clinic: Any, fake_clock: Any) -> None:
    controller = clinic.ctx.controller
    driver.open_session_with_dwell(qtbot, clinic)
    fake_clock.advance(1.25)  # 1798.75 s left: 29:59 shown, turning to 29:58 in 0.75 s
    with qtbot.waitSignal(controller.ticked, timeout=2500):
        pass
    assert 740 <= controller.ticker.interval_ms() <= 760


def test_typed_text_survives_the_countdown_ticking_and_the_alert_entry_arriving(
        qtbot: Any, clinic: Any, fake_clock: Any) -> None:
    page = device_step_during_dwell(qtbot, clinic)
    # no draft of it is saved meanwhile: the field holds text the record has nowhere, as in the
    # second after a key (a draft would put the same text back and hide a field written over)
    page._draft_timer.setInterval(60 * 60 * 1000)
    driver.type_into(qtbot, page.lot, "LOT-4", enter=False)  # being typed: the focus stays in the field
    assert page.lot.hasFocus()
    saved: list[object] = []
    clinic.ctx.controller.clinic_event.connect(saved.append)
    for _ in range(3):
        driver.pass_time(qtbot, fake_clock, 1)
        assert page.lot.text() == "LOT-4"
    driver.pass_time(qtbot, fake_clock, 15 * 60)  # the dwell minimum: its alert is an entry of the session
    assert clinic.alert_bar.isVisible()
    assert any(getattr(e, "kind", "") == "alert" for e in saved), "the alert's entry was told to the window"
    qtbot.keyClicks(page.lot, "2")
    assert page.lot.text() == "LOT-42", "what was typed stayed, and typing goes on where it was"
    qtbot.keyClick(page.lot, Qt.Key.Key_Return)
    assert clinic.ctx.controller.session.state.cartridge_lot == "LOT-42"


def test_a_half_typed_field_is_kept_when_another_entry_of_the_step_is_saved(
        qtbot: Any, clinic: Any, fake_clock: Any) -> None:
    page = device_step_during_dwell(qtbot, clinic)
    page._draft_timer.setInterval(60 * 60 * 1000)  # no draft puts the text back (see above)
    driver.type_into(qtbot, page.serial, "HP-", enter=False)
    driver.click(qtbot, page.sealed)  # another entry is saved while the serial is still half typed
    assert clinic.ctx.controller.session.state.cartridge_new_sealed
    driver.pass_time(qtbot, fake_clock, 1)
    assert page.serial.text() == "HP-"


def test_answering_the_screening_updates_the_step_list_at_once_with_no_countdown_beat(
        qtbot: Any, clinic: Any) -> None:
    controller = clinic.ctx.controller
    driver.register_patient(qtbot, clinic)
    driver.start_session(qtbot, clinic)
    assert not controller.ticker.isActive(), "no countdown runs: nothing wakes on a timer"
    beats: list[int] = []
    controller.ticked.connect(lambda: beats.append(1))
    page = clinic.current_page()
    item = clinic.steps.item(1)
    assert not item.text().startswith("✓")
    for _group, _yes, no in page.rows.values():
        if no.isEnabled():
            driver.click(qtbot, no)
    driver.type_into(qtbot, page.consent_by, "Alex Demo")
    driver.click(qtbot, page.consent_button)
    assert item.text().startswith("✓"), "the saved answers tick the step as they are saved"
    assert clinic.next.isEnabled(), "and let the person go on"
    assert beats == [], "no beat was needed for it"
