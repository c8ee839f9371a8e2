"""Closing the app the ordinary way when the system asks it to stop (SIGTERM)."""

from __future__ import annotations

import contextlib
import signal
import socket
import sys

from PySide6.QtCore import QSocketNotifier, QTimer
from PySide6.QtWidgets import QApplication

from microneedle_desk.ui.main_window import MainWindow

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
