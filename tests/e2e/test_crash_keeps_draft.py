"""A crash with a half-typed field: the app is killed (SIGKILL) in a child process while the
person is still typing; restarted on the same data folder it offers the session, and once
resumed the half-typed text is back in its field."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from e2e import driver
from e2e.crash_child import ANESTHETIC_STEP, DATA_ENV, HALF_TYPED, MARKER_ENV
from microneedle_desk.core.clock import FakeClock

TESTS = Path(__file__).resolve().parent.parent


def _run_child_until_the_draft_is_saved(data_dir: Path, marker: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, DATA_ENV: str(data_dir), MARKER_ENV: str(marker), "QT_QPA_PLATFORM": "offscreen"}
    child = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
         str(TESTS / "e2e" / "crash_child.py")],
        cwd=TESTS.parent, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    while not marker.exists():
        if child.poll() is not None:
            output = child.stdout.read().decode(errors="replace") if child.stdout else ""
            raise AssertionError(f"the child app stopped before its draft was saved:\n{output}")
        assert time.monotonic() < deadline, "the child app did not save its draft in time"
        time.sleep(0.1)
    return child


def test_a_half_typed_field_is_back_after_a_crash_and_a_resume(
        qtbot: Any, data_dir: Path, fake_clock: FakeClock, tmp_path: Path) -> None:
    from microneedle_desk.app import greet

    child = _run_child_until_the_draft_is_saved(data_dir, tmp_path / "draft-saved")
    child.send_signal(signal.SIGKILL)  # the crash: no close event, no clean shutdown
    child.wait(30)
    if child.stdout:
        child.stdout.close()
    assert child.returncode == -signal.SIGKILL

    fake_clock.advance(5 * 60)  # the app is started again five minutes later
    window, lock = driver.open_app(qtbot, fake_clock)
    try:
        offered: list[str] = []

        def resume(dialog: Any) -> None:
            assert isinstance(dialog, QMessageBox)
            offered.append(dialog.text())
            driver.button(dialog, "Resume").click()

        def sign_in_then_resume(dialog: Any) -> None:
            driver.answer_next_dialog(qtbot, resume)
            driver.enter_pin(driver.PIN)(dialog)

        driver.answer_next_dialog(qtbot, sign_in_then_resume)
        assert greet(window), "the person signs in"
        assert offered and "interrupted" in offered[0], "the interrupted session is offered for resuming"
        session = window.ctx.controller.session
        assert session is not None, "the session was resumed"

        driver.focus_window(qtbot, window)
        item = window.steps.item(ANESTHETIC_STEP)
        qtbot.mouseClick(window.steps.viewport(), Qt.MouseButton.LeftButton,
                         pos=window.steps.visualItemRect(item).center())
        product = window.current_page().product
        assert product.text() == HALF_TYPED, "the half-typed product is back in its field"
        qtbot.wait(600)  # the refresh runs: the restored text stays
        assert product.text() == HALF_TYPED
        assert session.state.anesthetic_product == "", "a draft is not a saved value"
        assert "anesthetic" not in session.state.completed_steps(window.ctx.protocol)

        qtbot.mouseClick(product, Qt.MouseButton.LeftButton)
        qtbot.keyClick(product, Qt.Key.Key_End)
        qtbot.keyClicks(product, "eam")
        qtbot.keyClick(product, Qt.Key.Key_Tab)
        assert session.state.anesthetic_product == HALF_TYPED + "eam", "finished and left, it is saved"
        assert "anesthetic_product" not in session.state.drafts
    finally:
        window.ctx.controller.close()
        lock.release()
