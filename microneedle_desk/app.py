"""Wires the app together: protocol, data folder, lock, store, settings, main window."""

from __future__ import annotations

import contextlib
import signal
import sys
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSocketNotifier, QTimer
from PySide6.QtWidgets import QApplication, QInputDialog, QMessageBox

from microneedle_desk import APP_NAME, ORG_NAME, __version__, paths
from microneedle_desk.clinic import Clinic
from microneedle_desk.core.clock import Clock, SystemClock
from microneedle_desk.core.countdown import format_duration
from microneedle_desk.core.protocol import Protocol, ProtocolError, load_protocol
from microneedle_desk.i18n import tr
from microneedle_desk.settings import Settings
from microneedle_desk.store import backup as backups
from microneedle_desk.store.check import check_store
from microneedle_desk.store.check_problems import Problem, StoreUnreadable
from microneedle_desk.store.exposed import exposed_files, exposed_note
from microneedle_desk.store.first_check import should_defer
from microneedle_desk.store.folder import is_read_only, read_problem
from microneedle_desk.store.lock import LockHolder, StoreLock
from microneedle_desk.store.storage import BadFileError, ensure_private_dir
from microneedle_desk.store.store import Store, StoreError
from microneedle_desk.store.upgrade import needs_upgrade, upgrade_store
from microneedle_desk.ui import desktop, parts
from microneedle_desk.ui.backup_status import BackupStatus
from microneedle_desk.ui.context import UiContext
from microneedle_desk.ui.controller import SessionController
from microneedle_desk.ui.first_check import FirstCheck
from microneedle_desk.ui.language import apply_language
from microneedle_desk.ui.main_window import MainWindow

# QMessageBox and QInputDialog are imported where a dialog is shown: PySide sets up a Qt
# class's enums when its name is first imported (QMessageBox's ~4 ms), and the first frame
# shows neither.


def make_app() -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv[:1])
    app.setOrganizationName(ORG_NAME)
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    return app


def _attach_parts(window: MainWindow) -> None:
    # The parts' modules load when they are attached, after the first frame: the window is
    # usable before printing, review and settings are imported.
    parts.attach(window)


def build_window(clock: Clock | None = None, interactive: bool = True,
                 background_backup: bool | None = None,
                 parts_after_first_frame: bool = False) -> tuple[MainWindow, StoreLock]:
    """Everything the window needs. Raises ProtocolError, StoreError or BadFileError.

    ``parts_after_first_frame``: see MainWindow (the app starts this way, then waits for them).
    """
    clock = clock or SystemClock()
    protocol = load_protocol(paths.protocol_file())
    root = paths.data_dir()
    problem = read_problem(root)
    if problem is not None:
        raise StoreError(str(problem))
    if not is_read_only(root):  # a read-only folder keeps its mode: it is opened read-only
        ensure_private_dir(root)
    lock = StoreLock(root)
    holder = lock.acquire()
    read_only = holder is not None
    if holder is not None and interactive:
        title, text = read_only_question(root, holder)
        answer = QMessageBox.question(None, title, text)
        if answer != QMessageBox.StandardButton.Yes:
            raise SystemExit(1)
    # A store with records is checked after the first frame (store/first_check.py).
    deferred = parts_after_first_frame and not read_only and not needs_upgrade(root) and should_defer(root)
    start_notes = check_at_start(root, protocol, clock, read_only, interactive, deferred=deferred)
    clinic = Clinic.open(root, protocol, clock, read_only=read_only)
    store, settings = clinic.store, clinic.settings
    assert settings is not None
    apply_language(settings.get("clinic/language"))
    controller = SessionController(protocol, clock, store, clinic=clinic)
    window = MainWindow(UiContext(protocol, clock, store, settings, controller),
                        parts_after_first_frame=parts_after_first_frame, attach=_attach_parts)
    central = window.centralWidget()
    if clinic.enforcing and not read_only and central is not None:
        central.hide()  # nothing of a patient shows before sign-in (ui/sign_in.py), the first frame included
    if deferred:
        FirstCheck(window, root, protocol, first=not paths.check_cache_file(root).exists())  # the window keeps it
    if read_only:
        window.setWindowTitle(window.windowTitle() + " — READ-ONLY")
    else:
        background = interactive if background_backup is None else background_backup
        keep = int(settings.get("store/backups_kept"))
        notes = start_notes + after_open(root, clock, keep, background=background, clinic=clinic, walk=not deferred)
        if background:  # after the first frame: the window never waits for a backup
            BackupStatus(window, clinic, keep, start_now=not parts_after_first_frame)  # the window keeps it
        if notes:
            window.statusBar().showMessage(" ".join(notes), 30000)
            if interactive:
                QMessageBox.warning(window, tr("About the records"), "\n\n".join(notes))
    return window, lock


def read_only_question(root: Path, holder: LockHolder) -> tuple[str, str]:
    """The title and question when the data cannot be written: read-only, or held by another copy."""
    if holder.read_only:
        return tr("Data folder is read-only"), holder.why(root, "") + " " + tr(
            "Open it read-only to review past sessions?")
    return tr("Data in use"), tr("The data in {root} is open in {holder}. Only one copy may write. "
                                 "Open it read-only to review past sessions?").format(root=root,
                                                                                      holder=holder.describe())


# -- start-up check, backups, upgrades (durability) ------------------------------------
class BadStoreError(StoreError):
    """The store has bad files and no backup was restored. ``problems`` lists them."""

    def __init__(self, message: str, problems: list[Problem]) -> None:
        super().__init__(message)
        self.problems = problems


def problems_text(root: Path, problems: list[Problem], limit: int = 12) -> str:
    """What is wrong, in an admin's words: file, record, problem (never patient data)."""
    lines = [str(p) for p in problems[:limit]]
    if len(problems) > limit:
        lines.append(f"… and {len(problems) - limit} more (run: microneedle-desk check).")
    return (f"The records in {root} have a problem. Nothing was changed or repaired.\n\n"
            + "\n".join(lines))


def confirm_restore(text: str) -> bool:
    """Ask the admin whether to restore; tests replace this function."""
    box = QMessageBox(QMessageBox.Icon.Warning, tr("The records need attention"), text)
    restore_button = box.addButton("Restore the backup", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Quit", QMessageBox.ButtonRole.RejectRole)
    box.exec()
    return box.clickedButton() is restore_button


def check_at_start(root: Path, protocol: Protocol, clock: Clock, read_only: bool, interactive: bool,
                   deferred: bool = False) -> list[str]:
    """Check the store before opening it; offer the newest good backup when a file is bad.

    A bad file is never overwritten or repaired: restoring moves the current files aside
    into the quarantine folder. Raises BadStoreError when nothing was restored. Returns what
    the person should be told (a restore that was interrupted and has now been completed).
    """
    notes: list[str] = []
    if not read_only:
        finished = backups.finish_interrupted_restore(root)
        if finished:
            notes.append(finished)
    if not paths.meta_file(root).exists():
        return notes  # a first start: nothing to check yet
    if deferred:  # checked after the first frame (ui/first_check.py)
        backups.quarantine_strays(root, clock.now())
        return notes
    try:
        problems = check_store(root, protocol, deep=False, use_cache=True)
    except StoreUnreadable as exc:
        raise StoreError(str(exc)) from None
    if problems and not read_only and all(p.derived for p in problems):
        notes.append(rebuild_derived(root, protocol, clock, problems))
        problems = check_store(root, protocol, deep=False, use_cache=True)
    if not problems:
        if not read_only:
            backups.quarantine_strays(root, clock.now())
            paths.check_failed_file(root).unlink(missing_ok=True)
        if not read_only and needs_upgrade(root):
            keep = _backups_kept(root, protocol)
            upgrade_store(root, lambda reason: backups.take_backup(root, clock.now(), keep, reason))
        return notes
    text = problems_text(root, problems)
    good = None if read_only else backups.newest_good_backup(root, protocol)
    if good is None:
        raise BadStoreError(text + "\n\nNo good backup was found to restore. Keep the folder as it is and "
                            "ask your IT support; the bad files can be sent for inspection.", problems)
    offer = (text + f"\n\nThe newest good backup is {good.name}. Restore it? The current files will be "
             "moved aside into the quarantine folder (renamed with the time), never deleted. "
             "Sessions recorded after that backup stay in the quarantine folder.")
    if not interactive or not confirm_restore(offer):
        raise BadStoreError(offer, problems)
    backups.restore(root, good, protocol, clock.now())
    return notes


def rebuild_derived(root: Path, protocol: Protocol, clock: Clock, problems: list[Problem]) -> str:
    """Derive the history index files named in ``problems`` again from the sealed records."""
    months = sorted({Path(p.file).stem for p in problems
                     if p.file.startswith(paths.index_dir(root).name + "/") and p.file.count("/") == 1})
    store = Store(root, protocol, clock)
    try:
        store.rebuild_derived(months)
    finally:
        store.close()
    return tr("The history index did not match the sealed records ({files}); it was derived again from "
              "them, so what is shown and preset comes from the records.").format(
        files=", ".join(sorted({p.file for p in problems})))


def after_open(root: Path, clock: Clock, keep: int, background: bool = False,
               clinic: Clinic | None = None, walk: bool = True) -> list[str]:
    """Take the day's first backup (in the app, ``background`` with a ``clinic``: started by
    ui/backup_status.py after the first frame); return warnings about files others can read
    (``walk`` False: the check after the first frame looks for them, ui/first_check.py)."""
    notes: list[str] = []
    # Looked at before the backup starts: a backup in the background makes and removes its
    # snapshot folder while the walk would run (a FileNotFoundError at start-up).
    exposed = exposed_files(root) if walk else []
    try:
        if background and clinic is None:
            backups.daily_backup_in_background(root, clock.now(), keep)
        elif not background:
            backups.daily_backup(root, clock.now(), keep)
    except OSError as exc:
        notes.append(f"Today's backup could not be written: {exc.strerror or str(exc).rstrip('.')}.")
    if exposed:
        notes.append(exposed_note(root, exposed))
    return notes


def _backups_kept(root: Path, protocol: Protocol) -> int:
    settings_file = getattr(paths, "settings_file", None)
    settings = Settings(protocol, settings_file(root)) if settings_file else Settings(protocol)
    return int(settings.get("store/backups_kept"))


def offer_resume(window: MainWindow) -> None:
    """Offer each session left in progress by an earlier run: resume or abandon."""
    ctx = window.ctx
    if ctx.store.read_only:
        return
    for active in ctx.store.active_sessions():
        name = active.events[0]["data"].get("patient", {}).get("name", "a patient")
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


def stopped_since(store: Store, clock: Clock, events: list[dict[str, Any]]) -> tuple[datetime, float]:
    """When the app stopped with this session open, and for how long (seconds): from the last
    sign of life, the newer of the last entry and the last heartbeat."""
    last: dict[str, Any] = events[-1]
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


def resume_session(window: MainWindow, events: list[dict[str, Any]]) -> None:
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


def greet(window: MainWindow) -> bool:
    """What a person meets once the window is up: the first start on a new data folder, then
    sign-in (nothing of a patient shows before it), then any interrupted session to resume.
    False when they closed the first-start screen or the sign-in instead."""
    if not desktop.after_show(window):
        return False
    security = parts.security(window)
    if security.current is None and not security.sign_in_at_start():
        return False
    offer_resume(window)
    return True


_TERMINATE_WAKEUP: list[object] = []


def stop_on_terminate(app: QApplication) -> None:
    """On SIGTERM (a logout, a shutdown, ``kill``), close every window the ordinary way and
    leave the event loop, so run_app releases the lock and returns, instead of dying with
    the lock left behind and an editor's text unsaved.

    Python runs a signal handler only when the interpreter gets control, which Qt's loop
    does not give it while idle: the signal's number is also written to a socket that a
    QSocketNotifier watches, so the loop wakes up and runs Python. The handler itself only
    queues the closing, which then runs from the event loop between two events. No session
    question is asked: every entry is already saved and an unfinished session is offered
    for resuming at the next start.
    """
    import socket  # noqa: PLC0415 (kept off the start-up path until first used)

    if not hasattr(signal, "SIGTERM") or not hasattr(socket, "socketpair") or sys.platform == "win32":
        return
    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    signal.set_wakeup_fd(writer.fileno())
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read, app)

    def drain() -> None:
        with contextlib.suppress(OSError):
            reader.recv(64)

    notifier.activated.connect(drain)

    def close_all() -> None:
        for widget in app.topLevelWidgets():
            if isinstance(widget, MainWindow):
                if widget.confirm_close:
                    widget.remember_place()
                widget.confirm_close = False  # no question: everything entered is saved
        app.closeAllWindows()
        app.quit()

    def on_terminate(_signum: int, _frame: object) -> None:
        QTimer.singleShot(0, close_all)

    signal.signal(signal.SIGTERM, on_terminate)
    _TERMINATE_WAKEUP[:] = [reader, writer, notifier]  # alive as long as the app


def run_app() -> int:
    app = make_app()
    stop_on_terminate(app)
    desktop.setup_app(app)
    try:
        window, lock = build_window(parts_after_first_frame=True)
    except ProtocolError as exc:
        QMessageBox.critical(None, tr("Protocol file broken"), str(exc))
        print(str(exc), file=sys.stderr)
        return 2
    except (StoreError, BadFileError) as exc:
        QMessageBox.critical(None, tr("The records cannot be opened"), str(exc))
        print(str(exc), file=sys.stderr)
        return 2
    window.confirm_close = True
    window.show_placed()
    window.wait_for_parts()  # first frame painted, then the menus' parts: before any dialog or input
    if desktop.exit_after_start():
        window.confirm_close = False
        window.close()
        lock.release()
        return 0
    if not greet(window):
        lock.release()
        return 1
    code = app.exec()
    lock.release()
    return int(code)
