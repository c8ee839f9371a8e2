"""A session left open by an earlier run (a crash, the laptop switched off): offered at start-up
to resume, where its countdowns continue from their saved anchors and the stop is recorded,
or to abandon with a reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import partial
from typing import Any

from PySide6.QtWidgets import QInputDialog, QMessageBox

from microneedle_desk.clinic import Clinic
from microneedle_desk.core.clock import Clock
from microneedle_desk.core.countdown import format_duration
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.i18n import tr
from microneedle_desk.store.store import Store
from microneedle_desk.ui.main_window import MainWindow


def offer_resume(window: MainWindow) -> None:
    """Offer each session left in progress by an earlier run: resume or abandon."""
    ctx = window.ctx
    if ctx.store.read_only:
        return
    for active in ctx.store.active_sessions():
        started: Mapping[str, Any] = active.events[0]["data"]  # session_started: its patient snapshot
        name = started.get("patient", {}).get("name", "a patient")
        last = datetime.fromisoformat(active.events[-1]["at"])
        box = QMessageBox(window)
        box.setWindowTitle(tr("Unfinished session"))
        box.setText(tr("A session for {name} was interrupted; the last entry was saved at {strftime}.").format(
                       name=name, strftime=last.strftime('%H:%M:%S on %d %b %Y')))
        resume = box.addButton("Resume it", QMessageBox.ButtonRole.AcceptRole)
        abandon = box.addButton("Abandon it…", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton("Decide later", QMessageBox.ButtonRole.RejectRole)
        box.exec()
        if box.clickedButton() is resume:
            resume_session(window, active.events)
            return
        if box.clickedButton() is abandon:
            reason, ok = QInputDialog.getText(window, tr("Abandon session"), tr("Why is it abandoned? (kept in the "
                                                                            "record)"))
            if ok and reason.strip():
                session = ctx.controller.resume(active.events)
                ctx.controller.act(partial(Clinic.abandon, reason=reason))
                del session


def stopped_since(store: Store, clock: Clock, events: Sequence[Mapping[str, Any]]) -> tuple[datetime, float]:
    """When the app stopped with this session open, and for how long (seconds): from the last
    sign of life, the newer of the last entry and the last heartbeat."""
    last: Mapping[str, Any] = events[-1]
    alive = store.last_alive(str(last.get("session", "")))
    if alive is not None and datetime.fromisoformat(alive["at"]) > datetime.fromisoformat(str(last["at"])):
        last = alive
    down_since = datetime.fromisoformat(str(last["at"]))
    gap = max(0.0, clock.monotonic() - float(last["mono"])) if last["boot"] == clock.boot_id() \
        else max(0.0, (clock.now() - down_since).total_seconds())
    return down_since, gap


def resume_step(state: Any, protocol: Protocol) -> int:
    """Where a resumed session picks up: the Needling step while its countdown runs or is paused,
    else the first step whose work is not done (the Sign-off step when all is)."""
    ids = [step.id for step in protocol.steps]
    if state.needling_marks and state.needling_finished_at() is None:
        return ids.index("needling")
    done = state.completed_steps(protocol)
    return next((i for i, step in enumerate(ids) if i > 0 and step not in done), len(ids) - 1)


def resume_session(window: MainWindow, events: Sequence[Mapping[str, Any]]) -> None:
    ctx = window.ctx
    # the last sign of life before the stop (resuming may record alerts at once)
    down_since, gap = stopped_since(ctx.store, ctx.clock, events)
    ctx.controller.resume(events)
    ctx.controller.act(lambda c: c.record_interruption(down_since, gap))
    window.statusBar().showMessage(
        tr("Session resumed. The app was stopped for {format_duration}; countdowns kept running.").format(
           format_duration=format_duration(gap)), 30000)
    session = ctx.controller.session
    window.go_to(resume_step(session.state, ctx.protocol) if session is not None else 1)
