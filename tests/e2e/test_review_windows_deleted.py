"""A review window closed is deleted with what it read and drew, and opened again shows the same."""

from __future__ import annotations

from typing import Any

import pytest
from shiboken6 import isValid

from e2e import driver


@pytest.mark.qt_log_ignore("This plugin does not support raise")
@pytest.mark.parametrize("shortcut", ["Ctrl+Shift+B", "Ctrl+Shift+H"])
def test_closing_a_review_window_deletes_it_and_opening_it_again_shows_the_same(
        qtbot: Any, clinic: Any, fake_clock: Any, shortcut: str) -> None:
    driver.register_patient(qtbot, clinic)
    driver.focus_window(qtbot, clinic)
    driver.QTest_keyClick_combo(clinic, shortcut)
    first = clinic.review_menu.windows[-1]
    qtbot.waitUntil(lambda: not getattr(first, "loading", False), timeout=20000)
    title, shown = first.windowTitle(), _shown(first)
    first.close()
    qtbot.waitUntil(lambda: not isValid(first), timeout=5000)
    assert clinic.review_menu.windows == []

    driver.focus_window(qtbot, clinic)
    driver.QTest_keyClick_combo(clinic, shortcut)
    again = clinic.review_menu.windows[-1]
    qtbot.waitUntil(lambda: not getattr(again, "loading", False), timeout=20000)
    assert isValid(again) and again.isVisible()
    assert (again.windowTitle(), _shown(again)) == (title, shown)
    again.close()


def _shown(window: Any) -> Any:
    summary = getattr(window, "summary", None)
    if summary is not None:  # the dashboard's line of totals
        return summary.text()
    return window.model.rowCount()


@pytest.mark.qt_log_ignore("This plugin does not support raise")
def test_a_review_window_deleted_hands_its_memory_back_to_the_system(
        qtbot: Any, clinic: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from microneedle_desk.ui import review_menu

    asked: list[bool] = []
    monkeypatch.setattr(review_menu, "give_back", lambda: asked.append(True))
    driver.focus_window(qtbot, clinic)
    driver.QTest_keyClick_combo(clinic, "Ctrl+Shift+B")
    window = clinic.review_menu.windows[-1]
    assert asked == []
    window.close()
    qtbot.waitUntil(lambda: asked == [True], timeout=5000)


def test_giving_memory_back_asks_glibc_on_linux() -> None:
    import sys

    from microneedle_desk.ui.give_back import give_back

    assert give_back() is sys.platform.startswith("linux")
