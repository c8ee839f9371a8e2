"""The export and lot-recall dialogs of the Review menu and the History window: what is
written, in which format, for which dates, and the access-log line for every file written.
Only people whose role may export see them work; anyone else is told why.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from microneedle_desk.core.validation import ValidationError
from microneedle_desk.i18n import tr
from microneedle_desk.store.store import StoreError
from microneedle_desk.ui.dialog_buttons import Button, take_or_cancel

if TYPE_CHECKING:
    from microneedle_desk.ui.context import UiContext


def allowed(parent: QWidget | None, ctx: UiContext, permission: str, title: str) -> bool:
    """Whether the signed-in person may do this; if not, say so with the core's message."""
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


def export_dialog(parent: QWidget, ctx: UiContext, rows: Sequence[Mapping[str, Any]], *,
                  of_clinic: bool = False) -> str | None:
    """Ask format, date range and de-identification; write the chosen rows. Returns the path.
    With a clinic server set, the records can be this laptop's (``rows``) or the whole clinic's;
    ``of_clinic``: ``rows`` are the whole clinic's already (written from the server)."""


    from microneedle_desk.review import export  # noqa: PLC0415 (kept off the start-up path until first used)

    if not allowed(parent, ctx, "export", tr("Export")):
        return None
    dialog = QDialog(parent)
    dialog.setWindowTitle(tr("Export sessions"))
    fmt = QComboBox()
    fmt.setAccessibleName(tr("Format"))
    fmt.addItem(tr("CSV (spreadsheet)"), "csv")
    fmt.addItem(tr("JSON"), "json")
    fmt.addItem(tr("FHIR R4B (for a health record system; signed sessions)"), "fhir")
    days = sorted(str(r.get("started_at", ""))[:10] for r in rows) or [ctx.clock.now().date().isoformat()]
    edits = []
    for day in (days[0], days[-1]):
        edit = QDateEdit()
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setDate(QDate.fromString(day, "yyyy-MM-dd"))
        edits.append(edit)
    deid = QCheckBox(tr("De-identify (no names, dates of birth or clinic IDs; pseudonyms)"))
    from microneedle_desk.ui.clinic_scope import ScopeBar, in_room, set_days  # noqa: PLC0415 (kept off the start-up path until first used)

    scope = ScopeBar(ctx, lambda records: records.summaries(), dialog)  # shown when a server is set
    scope.changed.connect(lambda: set_days(edits, scope.answer if scope.whole_clinic() else rows, ctx))
    if of_clinic:
        scope.hide()
    form = QFormLayout()
    form.addRow(scope)
    form.addRow(tr("Format"), fmt)
    form.addRow(tr("From"), edits[0])
    form.addRow(tr("To"), edits[1])
    form.addRow("", deid)
    buttons = take_or_cancel(dialog, Button.Save)
    layout = QVBoxLayout(dialog)
    layout.addLayout(form)
    layout.addWidget(buttons)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    kind = str(fmt.currentData())
    suffix = "json" if kind == "fhir" else kind
    name = "sessions-fhir.json" if kind == "fhir" else f"sessions.{kind}"
    path, _ = QFileDialog.getSaveFileName(parent, tr("Export sessions"), name, tr("{kind} files (*.{suffix})").format(
        kind=suffix.upper(), suffix=suffix))
    if not path:
        return None
    low, high = (date.fromisoformat(e.date().toString("yyyy-MM-dd")) for e in edits)
    if scope.whole_clinic() or of_clinic:
        from microneedle_desk.ui.clinic_scope import export_whole_clinic  # noqa: PLC0415 (kept off the start-up path until first used)

        chosen = in_room(scope.answer, scope.chosen_room()) if scope.whole_clinic() else rows
        return export_whole_clinic(parent, ctx, chosen, kind, (low, high), deid.isChecked(), path)
    try:
        if ctx.signer is not None:
            ctx.signer.require("export")  # checked again where the file is written
        if kind == "fhir":
            from microneedle_desk.ui.fhir_export import write_fhir  # noqa: PLC0415 (kept off the start-up path until first used)

            count = write_fhir(parent, ctx, rows, low, high, deid.isChecked(), path)
        else:
            recs = export.records(ctx.store, export.in_range(rows, low, high), deid.isChecked())
            text = (export.to_csv(recs, deid.isChecked()) if kind == "csv" else
                    export.to_json(recs, deid.isChecked(), ctx.clock.now().isoformat(timespec="seconds")))
            export.write_private(path, text)
            count = len(recs)
    except (export.ExportError, StoreError, OSError, ValidationError) as exc:
        QMessageBox.warning(parent, tr("Export"), tr("The export was not written: {why}").format(
            why=getattr(exc, "message", exc)))
        return None
    record(ctx, "exported", f"sessions as {kind.upper()}, {count} session(s) from {low} to {high}, "
                            + ("de-identified" if deid.isChecked() else "identified"))
    QMessageBox.information(parent, tr("Export"), tr("Wrote {n} session(s) to {path}.").format(
        n=f"{count:,}", path=path))
    return path


def recall_dialog(parent: QWidget, ctx: UiContext, lot: str) -> QDialog:
    """Who got cartridge lot ``lot``: patients and sessions, with a button to save the list."""

    from microneedle_desk.review import export  # noqa: PLC0415 (kept off the start-up path until first used)

    hits = export.lot_recall(ctx.store.summaries(), lot)
    dialog = QDialog(parent)
    dialog.setWindowTitle(tr("Lot recall — {lot}").format(lot=lot))
    text = QPlainTextEdit(export.recall_text(hits, lot))
    text.setReadOnly(True)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close)

    def save() -> None:
        if not allowed(dialog, ctx, "export", tr("Lot recall")):
            return
        path, _ = QFileDialog.getSaveFileName(dialog, "Save the recall list", f"recall-{lot}.csv",
                                              "CSV files (*.csv)")
        if path:
            try:
                export.write_private(path, export.recall_csv(hits))
            except OSError as exc:
                QMessageBox.warning(dialog, tr("Lot recall"), tr("The recall list was not written: {exc}").format(
                                                             exc=exc))
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
