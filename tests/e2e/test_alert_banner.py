"""The alert banner lies over the top of the step's page: an alert moves nothing on screen, so
the field being typed in and the button about to be pressed stay where they are."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QPoint, QRect, Qt

from e2e import driver
from e2e.test_quiet_countdowns import Counter, device_step_during_dwell


def test_an_alert_covers_the_pages_top_without_moving_the_field_being_typed_in(
        qtbot: Any, clinic: Any, fake_clock: Any) -> None:
    page = device_step_during_dwell(qtbot, clinic)
    driver.type_into(qtbot, page.lot, "LOT-4", enter=False)
    scroll = clinic.stack.parentWidget().parentWidget()  # the page's scrolling frame
    moved = Counter(QEvent.Type.Move, QEvent.Type.Resize)
    scroll.installEventFilter(moved)
    where = page.lot.mapTo(clinic, QPoint(0, 0))
    driver.pass_time(qtbot, fake_clock, 15 * 60)  # the dwell's minimum: its alert
    bar = clinic.alert_bar
    assert bar.isVisible() and "Esc" in bar.text()
    assert moved.seen == 0, "showing the banner does not lay the window out again"
    assert page.lot.mapTo(clinic, QPoint(0, 0)) == where, "the field stays where it was"
    viewport = scroll.viewport()
    shown = QRect(bar.mapTo(clinic, QPoint(0, 0)), bar.size())
    area = QRect(viewport.mapTo(clinic, QPoint(0, 0)), viewport.size())
    assert shown.top() == area.top() and shown.width() == area.width(), "across the top of the page"
    assert not shown.intersects(QRect(page.lot.mapTo(clinic, QPoint(0, 0)), page.lot.size())), \
        "the banner covers the page's title, not the field below it"
    assert page.lot.hasFocus(), "the alert does not take the focus from the field"
    qtbot.keyClicks(page.lot, "2")
    assert page.lot.text() == "LOT-42"
    driver.key(qtbot, Qt.Key.Key_Escape)
    assert bar.isHidden(), "Esc acknowledges it"


def test_the_banner_follows_the_pages_width_and_wraps_a_long_warning(qtbot: Any, clinic: Any, fake_clock: Any) -> None:
    device_step_during_dwell(qtbot, clinic)
    driver.pass_time(qtbot, fake_clock, 15 * 60)
    bar = clinic.alert_bar
    one_line = bar.height()
    clinic.resize(700, clinic.height())
    qtbot.waitUntil(lambda: bar.width() == clinic.stack.parentWidget().width(), timeout=2000)
    assert bar.height() > one_line, "a narrower page wraps the warning to more lines"
    assert bar.heightForWidth(bar.width()) == bar.height(), "and the banner is as tall as its lines"
