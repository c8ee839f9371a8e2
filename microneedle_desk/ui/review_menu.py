"""The Review menu, attached to the main window as one small part.

History, patient course, the Due list, dashboard, export and lot recall. With accounts, each entry
shows only for the roles that may use it (export: admins), the export refuses anyone
else even if asked, and every file written goes into the access log. Each window is imported and
built only when its menu entry is chosen (the dashboard and charts pull in pyqtgraph,
which must not slow the app's start).
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence

# The dialogs' Qt classes (QMessageBox, QDialogButtonBox, QFileDialog...) are imported where
# they are used: PySide sets up a class's enums when its name is first imported, and this
# part is attached at start-up.
from PySide6.QtWidgets import (
    QDialog,
    QInputDialog,
    QWidget,
)
from shiboken6 import isValid

from microneedle_desk.i18n import tr
from microneedle_desk.ui.export_dialog import export_dialog, recall_dialog
from microneedle_desk.ui.give_back import give_back

if TYPE_CHECKING:
    from microneedle_desk.ui.main_window import MainWindow


class ReviewMenu(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window, self.ctx = window, window.ctx
        self.menu = window.menuBar().addMenu(tr("&Review"))
        self._windows: list[weakref.ref[QWidget]] = []
        self.actions: dict[str, QAction] = {}
        for key, text, shortcut, slot, tip in (
                ("history", tr("Session &history…"), "Ctrl+Shift+H", self.open_history,
                 tr("Every session in a table you can sort, filter and search")),
                ("clinic_history", tr("Session history: &whole clinic…"), "Ctrl+Shift+W", self.open_clinic_history,
                 tr("Every room's sessions, read from the clinic server (when one is set)")),
                ("course", tr("Patient &course…"), "Ctrl+Shift+C", self.open_course,
                 tr("One patient's sessions, grades and next due date")),
                ("due", tr("D&ue list…"), "Ctrl+Shift+N", self.open_due,
                 tr("Who is due this week, overdue or not booked in their course; follow-up calls")),
                ("dashboard", tr("&Dashboard…"), "Ctrl+Shift+B", self.open_dashboard,
                 tr("Sessions, needle lengths, times, side effects and overrides as charts")),
                ("export", tr("&Export sessions…"), "Ctrl+Shift+E", self.export,
                 tr("Sessions as CSV, JSON or FHIR, optionally de-identified")),
                ("recall", tr("Cartridge &lot recall…"), "Ctrl+Shift+L", self.recall,
                 tr("Which patients and sessions got a cartridge lot"))):
            action = QAction(text, window)
            action.setShortcut(QKeySequence(shortcut))
            action.setToolTip(f"{tip} ({action.shortcut().toString()})")
            action.triggered.connect(lambda _=False, s=slot: s())
            self.menu.addAction(action)
            window.addAction(action)
            self.actions[key] = action
        signer = self.ctx.signer  # accounts: each entry shown only to the roles that may use it
        if signer is not None:
            for key, action in self.actions.items():
                signer.guard(action, "export" if key == "export" else "review_history")

    @property
    def windows(self) -> list[QWidget]:
        """The review windows open now (a closed one is deleted)."""
        return [w for ref in self._windows if (w := ref()) is not None and isValid(w)]

    def _keep(self, widget: QWidget) -> QWidget:
        # a closed window is deleted: as a child of the main window it would otherwise be kept,
        # with its charts and what it read, as long as the main window lives
        widget.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        # once it is gone, what it read goes back to the system (after the deletion has run)
        widget.destroyed.connect(lambda: QTimer.singleShot(0, give_back))
        self._windows = [ref for ref in self._windows if ref() is not None] + [weakref.ref(widget)]
        widget.show()
        widget.raise_()
        return widget

    def open_history(self) -> QWidget:
        from microneedle_desk.ui.history_view import HistoryWindow  # noqa: PLC0415 (kept off the start-up path until first used)

        return self._keep(HistoryWindow(self.ctx, self.window))

    def open_clinic_history(self) -> QWidget:
        from microneedle_desk.ui.clinic_history import ClinicHistoryWindow  # noqa: PLC0415 (kept off the start-up path until first used)

        return self._keep(ClinicHistoryWindow(self.ctx, self.window))

    def open_course(self, patient_id: str | None = None) -> QWidget | None:
        from microneedle_desk.ui.course_view import CourseWindow, PatientPicker  # noqa: PLC0415 (kept off the start-up path until first used)

        if not patient_id:
            picker = PatientPicker(self.ctx, self.window)
            if picker.exec() != QDialog.DialogCode.Accepted or picker.patient_id() is None:
                return None
            patient_id = picker.patient_id()
        assert patient_id is not None
        return self._keep(CourseWindow(self.ctx, patient_id, self.window))

    def open_due(self) -> QWidget:
        from microneedle_desk.ui.due_view import DueWindow  # noqa: PLC0415 (kept off the start-up path until first used)

        return self._keep(DueWindow(self.ctx, self.window))

    def open_dashboard(self) -> QWidget:
        from microneedle_desk.ui.dashboard_view import DashboardWindow  # noqa: PLC0415 (kept off the start-up path until first used)

        return self._keep(DashboardWindow(self.ctx, self.window))

    def export(self) -> None:
        export_dialog(self.window, self.ctx, self.ctx.store.summaries())

    def recall(self) -> None:
        lot, ok = QInputDialog.getText(self.window, tr("Cartridge lot recall"), tr("Cartridge lot number:"))
        if ok and lot.strip():
            recall_dialog(self.window, self.ctx, lot.strip())
