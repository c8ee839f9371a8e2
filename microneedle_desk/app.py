"""Wires the app together: protocol, data folder, lock, store, settings, main window."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Any

from PySide6.QtWidgets import QApplication, QInputDialog, QMessageBox

from microneedle_desk import APP_NAME, ORG_NAME, __version__, paths
from microneedle_desk.core.clock import Clock, SystemClock
from microneedle_desk.core.countdown import format_duration
from microneedle_desk.core.protocol import ProtocolError, load_protocol
from microneedle_desk.settings import Settings
from microneedle_desk.store.lock import StoreLock
from microneedle_desk.store.storage import BadFileError
from microneedle_desk.store.store import Store, StoreError
from microneedle_desk.ui.context import UiContext
from microneedle_desk.ui.controller import SessionController
from microneedle_desk.ui.main_window import MainWindow


def make_app() -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv[:1])
    app.setOrganizationName(ORG_NAME)
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    return app


def build_window(clock: Clock | None = None, interactive: bool = True) -> tuple[MainWindow, StoreLock]:
    """Everything the window needs. Raises ProtocolError, StoreError or BadFileError."""
    clock = clock or SystemClock()
    protocol = load_protocol(paths.protocol_file())
    root = paths.data_dir()
    root.mkdir(parents=True, exist_ok=True)
    lock = StoreLock(root)
    holder = lock.acquire()
    read_only = holder is not None
    if holder is not None and interactive:
        answer = QMessageBox.question(
            None, "Data in use",
            f"The data in {root} is open in {holder.describe()}. Only one copy may write. "
            "Open it read-only to review past sessions?")
        if answer != QMessageBox.StandardButton.Yes:
            raise SystemExit(1)
    store = Store(root, protocol, clock, read_only=read_only)
    store.recover()
    settings = Settings(protocol)
    controller = SessionController(protocol, clock, store)
    window = MainWindow(UiContext(protocol, clock, store, settings, controller))
    if read_only:
        window.setWindowTitle(window.windowTitle() + " — READ-ONLY")
    return window, lock


def offer_resume(window: MainWindow) -> None:
    """Offer each session left in progress by an earlier run: resume or abandon."""
    ctx = window.ctx
    if ctx.store.read_only:
        return
    for active in ctx.store.active_sessions():
        name = active.events[0]["data"].get("patient", {}).get("name", "a patient")
        last = datetime.fromisoformat(active.events[-1]["at"])
        box = QMessageBox(window)
        box.setWindowTitle("Unfinished session")
        box.setText(f"A session for {name} was interrupted; the last entry was saved at "
                    f"{last.strftime('%H:%M:%S on %d %b %Y')}.")
        resume = box.addButton("Resume it", QMessageBox.ButtonRole.AcceptRole)
        abandon = box.addButton("Abandon it…", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton("Decide later", QMessageBox.ButtonRole.RejectRole)
        box.exec()
        if box.clickedButton() is resume:
            resume_session(window, active.events)
            return
        if box.clickedButton() is abandon:
            reason, ok = QInputDialog.getText(window, "Abandon session", "Why is it abandoned? (kept in the record)")
            if ok and reason.strip():
                session = ctx.controller.resume(active.events)
                ctx.controller.do("abandon", reason)
                del session


def resume_session(window: MainWindow, events: list[dict[str, Any]]) -> None:
    ctx = window.ctx
    session = ctx.controller.resume(events)
    last = session.state.events[-1]
    down_since = datetime.fromisoformat(str(last["at"]))
    gap = max(0.0, ctx.clock.monotonic() - float(last["mono"])) if last["boot"] == ctx.clock.boot_id() \
        else max(0.0, (ctx.clock.now() - down_since).total_seconds())
    ctx.controller.do("record_interruption", down_since, gap)
    window.statusBar().showMessage(
        f"Session resumed. The app was stopped for {format_duration(gap)}; countdowns kept running.", 30000)
    window.go_to(1)


def run_app() -> int:
    app = make_app()
    try:
        window, lock = build_window()
    except ProtocolError as exc:
        QMessageBox.critical(None, "Protocol file broken", str(exc))
        print(str(exc), file=sys.stderr)
        return 2
    except (StoreError, BadFileError) as exc:
        QMessageBox.critical(None, "The records cannot be opened", str(exc))
        print(str(exc), file=sys.stderr)
        return 2
    window.show()
    offer_resume(window)
    code = app.exec()
    lock.release()
    return int(code)
