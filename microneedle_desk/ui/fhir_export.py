"""The export dialog's FHIR choice: the chosen rows' signed sessions as a FHIR R4B bundle, with a
progress bar (a whole history takes a while)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QProgressDialog, QWidget

from microneedle_desk.i18n import tr
from microneedle_desk.review import export, fhir, fhir_source

if TYPE_CHECKING:
    from microneedle_desk.ui.context import UiContext


def write_fhir(parent: QWidget, ctx: UiContext, rows: Sequence[Mapping[str, Any]], low: date, high: date,
               deidentify: bool, path: str) -> int:
    """Write the signed sessions among ``rows`` from ``low`` to ``high`` to ``path``; returns how many.

    Raises what the export raises (ExportError, StoreError, OSError)."""
    chosen = fhir_source.select_rows(export.in_range(rows, low, high), None, None)
    setup = fhir_source.store_setup(ctx.store, ctx.protocol, ctx.clock.now().isoformat(timespec="seconds"),
                                    deidentify, str(ctx.settings.get("clinic/name") or "").strip())
    bar = QProgressDialog(tr("Writing the FHIR bundle…"), "", 0, max(len(chosen), 1), parent)
    bar.setWindowTitle(tr("Export"))
    bar.setCancelButton(None)  # a half-written bundle is never left: the file appears when complete
    bar.setWindowModality(Qt.WindowModality.WindowModal)
    bar.setMinimumDuration(400)

    def progress(done: int) -> None:
        if done % 50 == 0 or done == len(chosen):
            bar.setValue(done)

    try:
        written = fhir.write_bundle(path, fhir_source.store_records(ctx.store, chosen), setup, progress)
    finally:
        bar.reset()
        bar.deleteLater()
    return written.sessions
