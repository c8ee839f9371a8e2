"""Resume after a kill through the real window: countdowns and the recorded gap are right.

A kill is simulated by dropping the first window without closing it (no clean shutdown
runs) and releasing its lock as the operating system would for a dead process.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from helpers import apply_anesthetic, clear_screening, prepare_device, start_session
from pytestqt.qtbot import QtBot

from microneedle_desk import app
from microneedle_desk.app import resume
from microneedle_desk.core.clock import FakeClock
from microneedle_desk.core.session import Session
from microneedle_desk.store.check import check_store
from microneedle_desk.ui.main_window import MainWindow

MIN = 60.0


def _killed_mid_dwell(qtbot: QtBot, clock: FakeClock) -> str:
    """A window whose session has the numbing cream on for 5 min, then a kill. Returns the session id."""
    window, lock = app.build_window(clock, interactive=False)
    qtbot.addWidget(window)
    store = window.ctx.store
    session = start_session(window.ctx.protocol, clock, sink=store.append_event, device=store.device)
    clear_screening(session)
    apply_anesthetic(session, 30)
    clock.advance(5 * MIN)
    prepare_device(session, clock)  # the last step saved before the kill
    store.close()
    lock.release()
    return session.id


def _reopen(qtbot: QtBot, clock: FakeClock) -> MainWindow:
    window, lock = app.build_window(clock, interactive=False)
    qtbot.addWidget(window)
    window.destroyed.connect(lock.release)
    return window


def _live(window: MainWindow) -> Session:
    session = window.ctx.controller.session
    assert session is not None
    return session


def test_resume_after_kill_keeps_the_countdown_and_records_the_gap(
        qtbot: QtBot, data_dir: Path, fake_clock: FakeClock) -> None:
    session_id = _killed_mid_dwell(qtbot, fake_clock)
    fake_clock.advance(7 * MIN)  # the app is down for 7 minutes
    window = _reopen(qtbot, fake_clock)
    [active] = window.ctx.store.active_sessions()
    assert active.session_id == session_id
    resume.resume_session(window, active.events)
    session = _live(window)
    dwell = next(v for v in session.countdowns() if v.key == "dwell")
    assert dwell.elapsed == pytest.approx(12 * MIN)
    assert dwell.remaining == pytest.approx(18 * MIN)
    [gap] = session.state.interruptions
    assert gap["gap_seconds"] == pytest.approx(7 * MIN)
    saved = window.ctx.store.session_doc(session_id)
    assert saved is not None and saved["events"][-1]["type"] == "interruption"
    assert "stopped for" in window.statusBar().currentMessage()
    window.ctx.controller.close()


def test_resume_after_a_reboot_counts_the_time_from_the_wall_clock(
        qtbot: QtBot, data_dir: Path, fake_clock: FakeClock) -> None:
    _killed_mid_dwell(qtbot, fake_clock)
    fake_clock.reboot("boot-2")  # the monotonic clock starts again; only wall anchors remain
    fake_clock.advance(10 * MIN)
    window = _reopen(qtbot, fake_clock)
    [active] = window.ctx.store.active_sessions()
    resume.resume_session(window, active.events)
    session = _live(window)
    dwell = next(v for v in session.countdowns() if v.key == "dwell")
    assert dwell.elapsed == pytest.approx(15 * MIN)
    assert session.state.interruptions[0]["gap_seconds"] == pytest.approx(10 * MIN)
    window.ctx.controller.close()


def test_abandon_with_a_reason_keeps_the_session_marked_abandoned(
        qtbot: QtBot, data_dir: Path, fake_clock: FakeClock) -> None:
    session_id = _killed_mid_dwell(qtbot, fake_clock)
    window = _reopen(qtbot, fake_clock)
    [active] = window.ctx.store.active_sessions()
    window.ctx.controller.resume(active.events)
    assert window.ctx.controller.act(lambda c: c.abandon("Patient felt faint; stopped before needling"))
    store = window.ctx.store
    assert store.active_sessions() == []
    doc = store.session_doc(session_id)
    assert doc is not None and doc["status"] == "abandoned"
    state = store.session_state(session_id)
    assert state is not None and state.abandon_reason == "Patient felt faint; stopped before needling"
    assert [r["status"] for r in store.summaries()] == ["abandoned"]
    assert check_store(data_dir, window.ctx.protocol) == []


def test_the_interruption_runs_from_the_last_heartbeat_not_from_the_last_entry(data_dir, fake_clock) -> None:
    from helpers import pin_sink, shipped_protocol, start_session

    from microneedle_desk.app.resume import stopped_since
    from microneedle_desk.store.store import Store

    protocol = shipped_protocol()
    store = Store(data_dir, protocol, fake_clock)
    session = start_session(protocol, fake_clock, sink=pin_sink(store), device=store.device)
    fake_clock.advance(600)  # ten minutes with no entry, the app running
    store.note_alive(session.id)
    fake_clock.advance(180)  # then killed, and started again three minutes later
    events = store.active_sessions()[0].events
    down_since, gap = stopped_since(store, fake_clock, events)
    assert gap == 180, "counted from the last sign of life, not from the last entry (780 s)"
    assert down_since > datetime.fromisoformat(events[-1]["at"])


def test_a_resumed_session_opens_where_it_stopped_the_needling_step_while_needling_runs(fake_clock) -> None:
    from helpers import apply_anesthetic, clear_screening, prepare_device, shipped_protocol, start_session, wait_dwell

    from microneedle_desk.app.resume import resume_step

    protocol = shipped_protocol()
    ids = [step.id for step in protocol.steps]
    session = start_session(protocol, fake_clock)
    assert ids[resume_step(session.state, protocol)] == "screening"
    clear_screening(session)
    assert ids[resume_step(session.state, protocol)] == "anesthetic"
    apply_anesthetic(session)
    prepare_device(session, fake_clock)
    wait_dwell(session, fake_clock)
    session.start_needling()
    fake_clock.advance(120)
    assert ids[resume_step(session.state, protocol)] == "needling", "not Screening: needling was running"
