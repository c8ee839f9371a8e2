"""The Review menu, attached to the main window as one small part.

History, patient course, dashboard, export and lot recall. With accounts, each entry
shows only for the roles that may use it (export: admins), the export refuses anyone
else even if asked, and every file written goes into the access log. Each window is imported and
built only when its menu entry is chosen (the dashboard and charts pull in pyqtgraph,
which must not slow the app's start).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, QObject
from PySide6.QtGui import QAction, QKeySequence

# The dialogs' Qt classes (QMessageBox, QDialogButtonBox, QFileDialog...) are imported where
# they are used: PySide sets up a class's enums when its name is first imported, and this
# part is attached at start-up.
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QVBoxLayout,
    QWidget,
)

from microneedle_desk.core.validation import ValidationError

if TYPE_CHECKING:
    from microneedle_desk.ui.context import UiContext
    from microneedle_desk.ui.main_window import MainWindow


class ReviewMenu(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window, self.ctx = window, window.ctx
        self.menu = window.menuBar().addMenu("&Review")
        self.windows: list[QWidget] = []
        self.actions: dict[str, QAction] = {}
        for key, text, shortcut, slot, tip in (
                ("history", "Session &history…", "Ctrl+Shift+H", self.open_history,
                 "Every session in a table you can sort, filter and search"),
                ("course", "Patient &course…", "Ctrl+Shift+C", self.open_course,
                 "One patient's sessions, grades and next due date"),
                ("dashboard", "&Dashboard…", "Ctrl+Shift+B", self.open_dashboard,
                 "Sessions, needle lengths, times, side effects and overrides as charts"),
                ("export", "&Export sessions…", "Ctrl+Shift+E", self.export,
                 "Sessions as CSV or JSON, optionally de-identified"),
                ("recall", "Cartridge &lot recall…", "Ctrl+Shift+L", self.recall,
                 "Which patients and sessions got a cartridge lot")):
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

    def _keep(self, widget: QWidget) -> QWidget:
        self.windows = [w for w in self.windows if w.isVisible()] + [widget]
        widget.show()
        widget.raise_()
        return widget

    def open_history(self) -> QWidget:
        from microneedle_desk.ui.history_view import HistoryWindow

        return self._keep(HistoryWindow(self.ctx, self.window))

    def open_course(self, patient_id: str | None = None) -> QWidget | None:
        from microneedle_desk.ui.course_view import CourseWindow, PatientPicker

        if not patient_id:
            picker = PatientPicker(self.ctx, self.window)
            if picker.exec() != QDialog.DialogCode.Accepted or picker.patient_id() is None:
                return None
            patient_id = picker.patient_id()
        assert patient_id is not None
        return self._keep(CourseWindow(self.ctx, patient_id, self.window))

    def open_dashboard(self) -> QWidget:
        from microneedle_desk.ui.dashboard_view import DashboardWindow

        return self._keep(DashboardWindow(self.ctx, self.window))

    def export(self) -> None:
        export_dialog(self.window, self.ctx, self.ctx.store.summaries())

    def recall(self) -> None:
        from PySide6.QtWidgets import QInputDialog

        lot, ok = QInputDialog.getText(self.window, "Cartridge lot recall", "Cartridge lot number:")
        if ok and lot.strip():
            recall_dialog(self.window, self.ctx, lot.strip())


def allowed(parent: QWidget | None, ctx: UiContext, permission: str, title: str) -> bool:
    """Whether the signed-in person may do this; if not, say so with the core's message."""
    from PySide6.QtWidgets import QMessageBox

    if ctx.signer is None:
        return True
    try:
        ctx.signer.require(permission)
    except ValidationError as exc:
        QMessageBox.warning(parent, title, exc.message)
        return False
    return True


def record(ctx: UiContext, action: str, detail: str) -> None:
    """Into the access log, by the signed-in person (no patient name: the detail says what, not whom)."""
    if ctx.signer is not None:
        ctx.signer.record(action, detail=detail)


def attach(window: MainWindow) -> ReviewMenu:
    """Add the Review menu to ``window``; the one hook the main window calls."""
    return ReviewMenu(window)


def export_dialog(parent: QWidget, ctx: UiContext, rows: list[dict[str, Any]]) -> str | None:
    """Ask format, date range and de-identification; write the chosen rows. Returns the path."""
    from datetime import date

    from PySide6.QtWidgets import QDateEdit, QDialogButtonBox, QFileDialog, QMessageBox

    from microneedle_desk.review import export

    if not allowed(parent, ctx, "export", "Export"):
        return None
    dialog = QDialog(parent)
    dialog.setWindowTitle("Export sessions")
    fmt = QComboBox()
    fmt.addItem("CSV (spreadsheet)", "csv")
    fmt.addItem("JSON", "json")
    days = sorted(str(r.get("started_at", ""))[:10] for r in rows) or [ctx.clock.now().date().isoformat()]
    edits = []
    for day in (days[0], days[-1]):
        edit = QDateEdit()
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setDate(QDate.fromString(day, "yyyy-MM-dd"))
        edits.append(edit)
    deid = QCheckBox("De-identify (no names, dates of birth or clinic IDs; pseudonyms)")
    form = QFormLayout()
    form.addRow("Format", fmt)
    form.addRow("From", edits[0])
    form.addRow("To", edits[1])
    form.addRow("", deid)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addLayout(form)
    layout.addWidget(buttons)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    kind = str(fmt.currentData())
    path, _ = QFileDialog.getSaveFileName(parent, "Export sessions", f"sessions.{kind}",
                                          f"{kind.upper()} files (*.{kind})")
    if not path:
        return None
    low, high = (date.fromisoformat(e.date().toString("yyyy-MM-dd")) for e in edits)
    try:
        if ctx.signer is not None:
            ctx.signer.require("export")  # checked again where the file is written
        recs = export.records(ctx.store, export.in_range(rows, low, high), deid.isChecked())
        text = (export.to_csv(recs, deid.isChecked()) if kind == "csv" else
                export.to_json(recs, deid.isChecked(), ctx.clock.now().isoformat(timespec="seconds")))
        export.write_private(path, text)
    except (export.ExportError, OSError, ValidationError) as exc:
        QMessageBox.warning(parent, "Export", f"The export was not written: {getattr(exc, 'message', exc)}")
        return None
    record(ctx, "exported", f"sessions as {kind.upper()}, {len(recs)} session(s) from {low} to {high}, "
                            + ("de-identified" if deid.isChecked() else "identified"))
    QMessageBox.information(parent, "Export", f"Wrote {len(recs):,} session(s) to {path}.")
    return path


def recall_dialog(parent: QWidget, ctx: UiContext, lot: str) -> QDialog:
    """Who got cartridge lot ``lot``: patients and sessions, with a button to save the list."""
    from PySide6.QtWidgets import QDialogButtonBox, QFileDialog, QMessageBox, QPlainTextEdit

    from microneedle_desk.review import export

    hits = export.lot_recall(ctx.store.summaries(), lot)
    dialog = QDialog(parent)
    dialog.setWindowTitle(f"Lot recall — {lot}")
    text = QPlainTextEdit(export.recall_text(hits, lot))
    text.setReadOnly(True)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close)

    def save() -> None:
        if not allowed(dialog, ctx, "export", "Lot recall"):
            return
        path, _ = QFileDialog.getSaveFileName(dialog, "Save the recall list", f"recall-{lot}.csv",
                                              "CSV files (*.csv)")
        if path:
            try:
                export.write_private(path, export.recall_csv(hits))
            except OSError as exc:
                QMessageBox.warning(dialog, "Lot recall", f"The recall list was not written: {exc}")
                return
            record(ctx, "exported", f"lot recall list for lot {lot}, {len(hits)} session(s)")

    buttons.accepted.connect(save)
    save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
    save_button.setVisible(ctx.may("export"))  # saving a list is an export
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addWidget(text)
    layout.addWidget(buttons)
    dialog.resize(700, 500)
    dialog.setProperty("hits", len(hits))
    dialog.show()
    return dialog
