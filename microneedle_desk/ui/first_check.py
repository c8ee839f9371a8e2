"""The start-up check of a store with records, after the first frame (store/first_check.py).

While it runs the status bar says so, with a busy bar; its result is told like the start-up
check's: all well in the status bar, a problem in a window that names the files (never a
patient) and says what to do. It opens beside the work, not over it: nothing typed is lost.
The same worker looks for record files other users of the computer can read.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QLabel, QMessageBox, QProgressBar

from microneedle_desk.i18n import tr
from microneedle_desk.store.check_problems import Problem
from microneedle_desk.store.exposed import exposed_files, exposed_note
from microneedle_desk.store.first_check import check_in_background

if TYPE_CHECKING:
    from microneedle_desk.core.protocol import Protocol
    from microneedle_desk.ui.main_window import MainWindow

POLL_MS = 500
# Background work starts this long after the window's parts are in: the sign-in dialog is drawn
# first, before a thread competes with it for the interpreter.
SETTLE_MS = 1000


class FirstCheck(QObject):
    def __init__(self, window: MainWindow, root: Path, protocol: Protocol, start_now: bool = False,
                 first: bool = True) -> None:
        """``first``: no check cache, every file is read (the store is opened here for the first time)."""
        super().__init__(window)
        self.window, self.root, self.protocol, self.first = window, root, protocol, first
        self.problems: list[Problem] | None = None  # None until the check has finished
        self.exposed: list[str] = []
        self.error = ""
        self.worker: threading.Thread | None = None
        self.label = QLabel(tr("Checking the records (first opening on this computer)…") if first
                            else tr("Checking the records…"))
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)  # busy: the check has no count to show
        self.bar.setMaximumWidth(120)
        self.bar.setAccessibleName(tr("Checking the records"))
        self.poll = QTimer(self)
        self.poll.setInterval(POLL_MS)
        self.poll.timeout.connect(self.finish)
        if start_now:
            self.start()
        else:
            window.parts_attached.connect(lambda: QTimer.singleShot(SETTLE_MS, self.start))

    def start(self) -> None:
        if self.worker is not None:
            return
        bar = self.window.statusBar()
        bar.addPermanentWidget(self.label)
        bar.addPermanentWidget(self.bar)
        self.worker = threading.Thread(target=self._work, name="first-check", daemon=True)
        self.worker.start()
        self.poll.start()

    def _work(self) -> None:
        try:
            # before the check's snapshot is made: the walk would see it come and go
            self.exposed = exposed_files(self.root)
            self.problems = check_in_background(self.root, self.protocol)
        except OSError as exc:
            self.error = str(exc.strerror or exc)
            self.problems = []

    def finish(self) -> None:
        if self.worker is None or self.worker.is_alive():
            return
        self.poll.stop()
        bar = self.window.statusBar()
        for widget in (self.label, self.bar):
            bar.removeWidget(widget)
            widget.deleteLater()
        problems = self.problems or []
        if self.error:
            bar.showMessage(tr("The records could not be checked: {why}. They are checked again at the next "
                               "start.").format(why=self.error), 30000)
        elif not problems:
            bar.showMessage(tr("Records checked: every file reads and the record chain is whole."), 15000)
        else:
            self._tell(problems)
        if self.exposed:
            self._warn(exposed_note(self.root, self.exposed))

    def _warn(self, text: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, tr("About the records"), text, QMessageBox.StandardButton.Ok,
                          self.window)
        box.setModal(False)
        box.show()
        self.exposed_box = box

    def _tell(self, problems: list[Problem]) -> None:
        lines = [str(p) for p in problems[:12]] + ([tr("… and {n} more (run: microneedle-desk check).").format(
            n=len(problems) - 12)] if len(problems) > 12 else [])
        text = (tr("The check of the records in {root}, opened here for the first time, found a problem. Nothing "
                   "was changed or repaired.") if self.first else tr(
            "The check of the records in {root} found a problem. Nothing was changed or repaired.")).format(
            root=self.root) + "\n\n" + "\n".join(lines)
        if all(p.derived for p in problems):
            text += "\n\n" + tr("Only the history index differs; it is derived again from the records at the "
                                "next start.")
        else:
            text += "\n\n" + tr("Finish the session in hand, then close the app: at the next start it offers "
                                "the newest good backup (or run: microneedle-desk check).")
        box = QMessageBox(QMessageBox.Icon.Warning, tr("The records need attention"), text,
                          QMessageBox.StandardButton.Ok, self.window)
        box.setModal(False)
        box.show()
        self.box = box
        self.window.statusBar().showMessage(tr("The records have a problem: see the window about it."), 60000)
