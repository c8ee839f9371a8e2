"""How the app starts: the window's first frame comes before the menus' parts, which are then
attached exactly as in a window built in one go (timings are in bench/, not here)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject

from microneedle_desk.app import build_window
from microneedle_desk.core.clock import FakeClock


def _menus(window: Any) -> list[str]:
    return [action.text() for action in window.menuBar().actions()]


def _shortcuts(window: Any) -> list[str]:
    return sorted(a.shortcut().toString() for a in window.actions() if not a.shortcut().isEmpty())


def test_parts_are_attached_after_the_first_frame_and_match_a_window_built_at_once(
        qtbot: Any, data_dir: Path, fake_clock: FakeClock) -> None:
    at_once, lock = build_window(fake_clock, interactive=False)
    qtbot.addWidget(at_once)
    expected_menus, expected_keys = _menus(at_once), _shortcuts(at_once)
    at_once.close()
    lock.release()

    window, lock = build_window(fake_clock, interactive=False, parts_after_first_frame=True)
    qtbot.addWidget(window)
    assert not hasattr(window, "security"), "nothing of the parts before the first frame"
    painted: list[bool] = []

    class SeesPaint(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                painted.append(hasattr(window, "security"))
            return False

    probe = SeesPaint()
    window.installEventFilter(probe)
    window.show()
    window.wait_for_parts()
    assert painted and painted[0] is False, "the first frame is painted before the parts are attached"
    assert window.security is window.ctx.signer and window.print_actions and window.room_view
    assert _menus(window) == expected_menus
    assert _shortcuts(window) == expected_keys
    window.wait_for_parts()  # a second wait neither waits nor attaches twice
    assert _menus(window) == expected_menus
    window.close()
    lock.release()


def test_the_needling_keys_are_off_before_a_session_opens(window: Any) -> None:
    """Space and the needling keys only act on an open session (test_session_gui runs Space
    through a whole session); before one, neither is a live shortcut."""
    assert window.ctx.controller.session is None
    assert not window.space_key.isEnabled()
    assert not window.needling_hint_keys.isEnabled()


def test_launch_with_exit_after_start_opens_a_new_store_and_exits_0_without_waiting_on_a_dialog(
        tmp_path: Path) -> None:
    """packaging/build.py times the bundle's start-up this way; the first-admin dialog must not hold it."""
    import os
    import subprocess
    import sys

    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", MICRONEEDLE_DESK_EXIT_AFTER_START="1",
               MICRONEEDLE_DESK_DATA_DIR=str(tmp_path / "data"))
    result = subprocess.run([sys.executable, "-m", "microneedle_desk"], env=env, capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "data" / "meta.json").exists()
