"""The export and lot-recall dialogs of the Review menu and the History window: what is
written, in which format, for which dates, and the access-log line for every file written.
Only people whose role may export see them work; anyone else is told why.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate
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
