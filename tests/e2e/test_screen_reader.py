"""What Orca would read: every window, dialog and step of a first day walked through Qt's
accessibility interface, with every accessibility event recorded while it runs."""

from __future__ import annotations

from typing import Any

import pytest
from a11y import EventRecorder, problems, secrets_in_tree

from e2e import driver
from e2e.driver import PIN, answer_next_dialog


@pytest.fixture
def recorder() -> Any:
    with EventRecorder() as events:
        yield events


def checked(found: list[str], where: str) -> Any:
    """A dialog handler: note what a screen reader would miss in the dialog, then answer it."""

    def handle(dialog: Any, then: Any = None) -> None:
        found.extend(f"{where}: {p}" for p in problems(dialog))
        found.extend(f"{where}: PIN read in {p}" for p in secrets_in_tree(dialog, PIN))

    return handle


def check_then(found: list[str], where: str, answer: Any) -> Any:
    def handle(dialog: Any) -> None:
        found.extend(f"{where}: {p}" for p in problems(dialog))
        answer(dialog)
        found.extend(f"{where}: PIN read in {p}" for p in secrets_in_tree(dialog, PIN))

    return handle


@pytest.mark.qt_log_ignore("This plugin does not support raise")  # offscreen has no window stack
def test_every_window_dialog_and_step_reads_fully_and_no_pin_reaches_a_screen_reader(
        qtbot: Any, app: Any, fake_clock: Any, recorder: EventRecorder) -> None:
    from microneedle_desk.app import greet

    found: list[str] = []
    answer_next_dialog(qtbot, check_then(found, "first start", driver.first_start()))
    assert greet(app)
    found += [f"patient page: {p}" for p in problems(app)]
    driver.register_patient(qtbot, app)
    answer_next_dialog(qtbot, check_then(found, "PIN prompt", driver.enter_pin(PIN)))
    driver.click(qtbot, app.patient_page.start_button)
    assert app.stack.currentIndex() == 1

    steps = app.ctx.protocol.steps
    for index in range(len(steps)):  # each step as it first opens, nothing entered yet
        app.go_to(index)
        found += [f"step {steps[index].title} (new): {p}" for p in problems(app)]
    app.go_to(1)
    driver.walk_session(qtbot, app, fake_clock)
    for index in range(len(steps)):  # and with everything entered, countdowns shown
        app.go_to(index)
        found += [f"step {steps[index].title} (filled): {p}" for p in problems(app)]

    for name, opener in (("History", app.review_menu.open_history), ("Dashboard", app.review_menu.open_dashboard),
                         ("Accounts", app.security.manage_accounts)):
        window = opener()
        assert window is not None
        qtbot.waitExposed(window)
        found += [f"{name}: {p}" for p in problems(window)]
        window.close()
    app.settings_actions.dialog().show()
    found += [f"Settings: {p}" for p in problems(app.settings_actions.dialog())]
    app.settings_actions.dialog().close()

    driver.sign(qtbot, app)
    app.security.locking.lock()
    found += [f"lock screen: {p}" for p in problems(app)]
    app.security.locking.lock_screen.pin.setFocus()
    driver.QTest_keyClicks(app.security.locking.lock_screen.pin, PIN)
    found += [f"lock screen: PIN read in {p}" for p in secrets_in_tree(app, PIN)]

    assert found == [], "\n".join(found)
    assert recorder.events, "the recorder heard Qt's accessibility events"
    assert recorder.leaks(PIN) == [], "a PIN reached the accessibility bus"
