"""Wires the app together: protocol, data folder, lock, store, settings, main window.

Its parts: opening the records (app.opening), resuming an interrupted session (app.resume,
loaded once the window is up) and closing on the system's request (app.terminate).
"""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication, QMessageBox

from microneedle_desk import APP_NAME, ORG_NAME, __version__, paths
from microneedle_desk.app.opening import after_open, check_at_start, read_only_question
from microneedle_desk.app.terminate import stop_on_terminate
from microneedle_desk.clinic import Clinic
from microneedle_desk.core.clock import Clock, SystemClock
from microneedle_desk.core.protocol import ProtocolError, load_protocol
from microneedle_desk.i18n import tr
from microneedle_desk.store.first_check import should_defer
from microneedle_desk.store.folder import is_read_only, read_problem
from microneedle_desk.store.lock import StoreLock
from microneedle_desk.store.storage import BadFileError, ensure_private_dir
from microneedle_desk.store.store import StoreError
from microneedle_desk.store.upgrade import needs_upgrade
from microneedle_desk.ui import desktop, parts
from microneedle_desk.ui.backup_status import BackupStatus
from microneedle_desk.ui.context import UiContext
from microneedle_desk.ui.controller import SessionController
from microneedle_desk.ui.first_check import FirstCheck
from microneedle_desk.ui.language import apply_language
from microneedle_desk.ui.main_window import MainWindow

# QMessageBox and QInputDialog are imported where a dialog is shown (app.resume only once the
# window is up): PySide sets up a Qt class's enums when its name is first imported, and the
# first frame shows neither.


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


def greet(window: MainWindow) -> bool:
    """What a person meets once the window is up: the first start on a new data folder, then
    sign-in (nothing of a patient shows before it), then any interrupted session to resume.
    False when they closed the first-start screen or the sign-in instead."""
    if not desktop.after_show(window):
        return False
    security = parts.security(window)
    if security.current is None and not security.sign_in_at_start():
        return False
    from microneedle_desk.app.resume import offer_resume  # noqa: PLC0415 (kept off the start-up path until first used)

    offer_resume(window)
    return True


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
