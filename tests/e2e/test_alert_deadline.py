"""The alerts' alarm through the real window: set for the next alert's deadline itself, told
before its entry is written, set again for the deadline after the window comes back from being
minimised, and every alert that fell due while the laptop slept told on the first wake after."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from e2e import driver
from microneedle_desk.core.clock import SystemClock
from microneedle_desk.ui.alarm import DeadlineAlarm

DWELL_MIN_S = 15 * 60


def _dwell_deadline(window: Any) -> float:
    session = window.ctx.controller.session
    assert session is not None and session.state.applied is not None
    return float(session.state.applied.mono) + DWELL_MIN_S


def test_the_alarm_is_precise_and_set_for_the_next_alerts_deadline_itself(
        qtbot: Any, clinic: Any, fake_clock: Any) -> None:
    controller = clinic.ctx.controller
    driver.open_session_with_dwell(qtbot, clinic)
    deadline = _dwell_deadline(clinic)
    assert controller._alarm.deadline == deadline, "the alarm is the deadline, not the next beat"
    timer = controller._alarm._timer  # a fake clock: the Qt timer stands in for the kernel's
    assert timer is not None and timer.timerType() == Qt.TimerType.PreciseTimer
    assert timer.interval() == (deadline - fake_clock.monotonic()) * 1000, "rounded up, never early"

    driver.pass_time(qtbot, fake_clock, 100.25)
    assert controller._alarm.deadline == deadline, "a beat sets the same deadline again"
    assert timer.interval() == 799_750, "the time left, to the millisecond"

    clinic.showMinimized()
    qtbot.waitUntil(lambda: not controller.ticker.isActive(), timeout=3000)
    clinic.showNormal()
    qtbot.waitUntil(controller.ticker.isActive, timeout=3000)
    assert controller._alarm.deadline == deadline, "back from minimised, the alarm is still the deadline"


def test_an_alarm_that_rings_early_is_set_again_for_the_same_deadline_and_tells_nothing(
        qtbot: Any, clinic: Any, fake_clock: Any) -> None:
    controller = clinic.ctx.controller
    driver.open_session_with_dwell(qtbot, clinic)
    deadline = _dwell_deadline(clinic)
    told: list[str] = []
    controller.alert.connect(told.append)
    fake_clock.advance(DWELL_MIN_S - 0.0005)  # half a millisecond before the deadline
    controller._alarm.rang.emit()  # a wake that comes before it
    assert told == [], "never early"
    assert controller._alarm.deadline == deadline


def test_an_alert_is_told_before_its_entry_is_written(qtbot: Any, clinic: Any, fake_clock: Any) -> None:
    controller = clinic.ctx.controller
    driver.open_session_with_dwell(qtbot, clinic)
    session = controller.session
    order: list[str] = []
    controller.alert.connect(lambda kind: order.append(f"told {kind}"))
    saving = session.sink

    def sink(event: Any, state: Any) -> Any:
        if event["type"] == "alert":
            order.append(f"written {event['data']['kind']}")
        return saving(event, state)

    session.sink = sink
    fake_clock.advance(DWELL_MIN_S)
    controller.poll()  # what the alarm's wake at the deadline runs
    assert order == ["told dwell_min_reached", "written dwell_min_reached"], \
        "the banner and the sound do not wait for the disk"
    assert "dwell_min_reached" in session.state.alerts, "and the alert is recorded"


def test_alerts_that_fell_due_while_the_laptop_slept_are_each_told_once_on_the_first_wake_after(
        qtbot: Any, clinic: Any, fake_clock: Any) -> None:
    controller = clinic.ctx.controller
    driver.open_session_with_dwell(qtbot, clinic)
    told: list[str] = []
    controller.alert.connect(told.append)
    clinic.showMinimized()
    qtbot.waitUntil(lambda: not controller.ticker.isActive(), timeout=3000)
    fake_clock.suspend(2 * 3600)  # the lid closed past the dwell's maximum
    controller._alarm.rang.emit()  # the kernel's boot-time alarm rings on resume
    assert told == ["dwell_min_reached", "dwell_planned_end", "dwell_over_max"]
    assert controller._alarm.deadline is None, "nothing left to wait for"
    clinic.showNormal()
    qtbot.waitUntil(controller.ticker.isActive, timeout=3000)
    assert told == ["dwell_min_reached", "dwell_planned_end", "dwell_over_max"], "each once"


linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a Linux kernel timer")


def _timerfd_info(fd: int) -> dict[str, str]:
    lines = Path(f"/proc/self/fdinfo/{fd}").read_text(encoding="ascii").splitlines()
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in lines)}


@linux_only
def test_with_the_system_clock_the_alarm_is_a_kernel_timer_on_the_clock_that_counts_during_sleep(
        qtbot: Any) -> None:
    clock = SystemClock()
    alarm = DeadlineAlarm(clock)
    assert alarm.kernel_fd is not None
    alarm.set_for(clock.monotonic() + 3600)
    info = _timerfd_info(alarm.kernel_fd)
    assert info["clockid"] == "7", "CLOCK_BOOTTIME: the deadline is on the countdowns' own clock"
    assert info["settime flags"] in ("01", "1"), "set for the deadline itself (absolute), not a wait"
    seconds = int(info["it_value"].strip("()").split(",")[0])
    assert 3000 < seconds <= 3600
    alarm.stop()
    assert _timerfd_info(alarm.kernel_fd)["it_value"].replace(" ", "") == "(0,0)", "stopped: disarmed"


@linux_only
def test_a_kernel_alarm_for_a_deadline_already_passed_rings_at_once(qtbot: Any) -> None:
    clock = SystemClock()
    alarm = DeadlineAlarm(clock)
    with qtbot.waitSignal(alarm.rang, timeout=5000):
        alarm.set_for(clock.monotonic() - 60)  # as after a resume: the deadline passed in the sleep
    assert not alarm.isActive()
