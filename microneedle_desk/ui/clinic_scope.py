""""This laptop" or "Whole clinic": the choice a review window offers when a clinic server is set.

The Dashboard, the Course view and the Export dialog each put one :class:`ScopeBar` above what
they show. Choosing the whole clinic asks the server (in a worker thread, through
:class:`~microneedle_desk.server.reading.ClinicRecords`) for what the window reads; the room (the
laptop a session was made on) is then a filter here and a column where the window has a table.
A server that cannot be read is said calmly in the bar, and the window stays on this laptop.
Without a server set the bar is not shown at all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, QEventLoop, Qt, Signal
from PySide6.QtWidgets import QApplication, QComboBox, QHBoxLayout, QLabel, QMessageBox, QWidget

from microneedle_desk.core.summary import AnyRow
from microneedle_desk.core.validation import ValidationError
from microneedle_desk.i18n import tr
from microneedle_desk.review.export import ExportError
from microneedle_desk.server.clinic_export import export_clinic
from microneedle_desk.server.connection import ServerError, connect, reason
from microneedle_desk.server.reading import ClinicRecords
from microneedle_desk.ui.background import Background

if TYPE_CHECKING:
    from microneedle_desk.core.record_types import FollowupIndexRow
    from microneedle_desk.core.summary import SessionRow
    from microneedle_desk.server.reading import ClinicRecords
    from microneedle_desk.ui.context import UiContext

LAPTOP, CLINIC = "laptop", "clinic"


def clinic_server_dsn(ctx: UiContext) -> str:
    """The clinic server's address when one is set (the Clinic's setting), else ""."""
    server = getattr(ctx.controller.clinic, "server", None)
    return str(server.dsn) if server is not None else ""


def in_room(rows: list[AnyRow], room: str) -> list[AnyRow]:
    """The rows of one room (a laptop's device id); every row when ``room`` is ""."""
    return rows if not room else [r for r in rows if r.get("room_device") == room]


def clinic_course_rows(records: ClinicRecords, patient_ids: list[str]
                       ) -> tuple[list[SessionRow], list[FollowupIndexRow]]:
    """In the worker: one patient's sessions in every room (``patient_ids``: the patient and any
    registration merged with them), and their follow-ups, from the server."""
    rows = records.summaries(patient_ids)
    ids = {r["id"] for r in rows}
    return rows, [f for f in records.followups() if f.get("session_id") in ids]


class ScopeBar(QWidget):
    """Records: this laptop | whole clinic, and for the whole clinic, Room: every room | each laptop.

    ``load(records)`` runs in the worker with the server's records open and returns what the
    window needs (``answer``, kept until the scope changes). ``changed`` is emitted when the
    records to show change: the scope (once the server answered), or the room."""

    changed = Signal()

    def __init__(self, ctx: UiContext, load: Callable[[ClinicRecords], Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.load = ctx, load
        self.answer: Any = None
        self.scope = QComboBox()
        self.scope.setAccessibleName(tr("Records shown"))
        self.scope.addItem(tr("This laptop"), LAPTOP)
        self.scope.addItem(tr("Whole clinic (from the clinic server)"), CLINIC)
        self.scope.setToolTip(tr("This laptop's records, or every room's, read from the clinic server"))
        self.room = QComboBox()
        self.room.setAccessibleName(tr("Room"))
        self.room.addItem(tr("every room"), "")
        self.room_label = QLabel(tr("Room:"))
        self.note = QLabel()
        self.note.setWordWrap(True)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel(tr("Records:")))
        row.addWidget(self.scope)
        row.addWidget(self.room_label)
        row.addWidget(self.room)
        row.addWidget(self.note, 1)
        self._show_room(False)
        self.background = Background(self)
        self.scope.currentIndexChanged.connect(lambda _i: self._scope_chosen())
        self.room.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.setVisible(bool(clinic_server_dsn(ctx)))

    @property
    def busy(self) -> bool:
        return self.background.busy

    def whole_clinic(self) -> bool:
        """Whether the window shows the whole clinic now (the server answered)."""
        return self.scope.currentData() == CLINIC and self.answer is not None

    def chosen_room(self) -> str:
        return str(self.room.currentData() or "") if self.whole_clinic() else ""

    def _show_room(self, shown: bool) -> None:
        self.room_label.setVisible(shown)
        self.room.setVisible(shown)

    def _scope_chosen(self) -> None:
        if self.scope.currentData() != CLINIC:
            self.answer = None
            self._show_room(False)
            self.note.setText("")
            self.changed.emit()
            return
        self.ask()

    def ask(self) -> None:
        """Read the whole clinic from the server in the worker; the scope stays as it was meanwhile."""
        if self.busy:
            return
        dsn, protocol, load = clinic_server_dsn(self.ctx), self.ctx.protocol, self.load
        self.scope.setEnabled(False)
        self.note.setText(tr("Asking the clinic server…"))

        def work() -> tuple[Any, list[tuple[str, str]]]:  # in the worker thread: no Qt object here
            with connect(dsn) as conn:
                records = ClinicRecords(conn, protocol)
                return load(records), records.rooms()

        self.background.run(work, self._answered, "clinic-scope")

    def _answered(self, answer: Any, error: BaseException | None) -> None:
        self.scope.setEnabled(True)
        if error is not None:
            why = str(error) if isinstance(error, ServerError) else reason(error)
            self.answer = None
            self.scope.blockSignals(True)
            self.scope.setCurrentIndex(self.scope.findData(LAPTOP))
            self.scope.blockSignals(False)
            self._show_room(False)
            self.note.setText(tr("The clinic server cannot be read now: {why} Showing this laptop's records.").format(
                why=why))
            return
        self.answer, rooms = answer
        self.room.blockSignals(True)
        while self.room.count() > 1:
            self.room.removeItem(1)
        for device, name in rooms:
            self.room.addItem(name or device[:8], device)
        self.room.blockSignals(False)
        self._show_room(True)
        self.note.setText(tr("Read from the clinic server at {time}.").format(
            time=self.ctx.clock.now().strftime("%H:%M")))
        self.changed.emit()


def set_days(edits: list[Any], rows: Sequence[Mapping[str, Any]], ctx: UiContext) -> None:
    """Set a dialog's From and To dates to the first and last day of ``rows`` (today without any)."""
    days = sorted(str(r.get("started_at", ""))[:10] for r in rows) or [ctx.clock.now().date().isoformat()]
    for edit, day in zip(edits, (days[0], days[-1]), strict=True):
        edit.setDate(QDate.fromString(day, "yyyy-MM-dd"))


def wait_for(parent: QWidget, work: Callable[[], Any], name: str) -> Any:
    """Run ``work`` in a worker thread and return its result (raising its error) once done; the
    window goes on answering meanwhile (a local event loop), so a slow server never freezes it."""
    loop = QEventLoop(parent)
    answers: list[tuple[Any, BaseException | None]] = []
    background = Background(parent)

    def done(result: Any, error: BaseException | None) -> None:
        answers.append((result, error))
        loop.quit()

    QApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)
    try:
        background.run(work, done, name)
        loop.exec()
    finally:
        QApplication.restoreOverrideCursor()
        background.deleteLater()
    result, error = answers[0]
    if error is not None:
        raise error
    return result


def export_whole_clinic(parent: QWidget, ctx: UiContext, rows: Sequence[Mapping[str, Any]], kind: str,
                        days: tuple[Any, Any], deidentify: bool, path: str) -> str | None:
    """The export dialog's "Whole clinic": ``rows`` (every room's, or one room's) written from the
    server in a worker, the access-log line written here, the result said. Returns the path."""

    dsn, protocol = clinic_server_dsn(ctx), ctx.protocol
    now = ctx.clock.now().isoformat(timespec="seconds")
    name = str(ctx.settings.get("clinic/name") or "").strip()
    low, high = days
    try:
        if ctx.signer is not None:
            ctx.signer.require("export")  # checked again where the file is written
        count = wait_for(parent, lambda: export_clinic(dsn, protocol, rows, kind, days, deidentify, path, now, name),
                         "clinic-export")
    except (ServerError, ExportError, OSError, ValidationError) as exc:
        why = getattr(exc, "message", None) or (exc.strerror if isinstance(exc, OSError) and exc.strerror else exc)
        QMessageBox.warning(parent, tr("Export"), tr("The export was not written: {why}").format(why=why))
        return None
    except Exception as exc:  # the connection lost while reading: said in an admin's words
        QMessageBox.warning(parent, tr("Export"), tr("The export was not written: {why}").format(why=reason(exc)))
        return None
    if ctx.signer is not None:
        ctx.signer.record("exported", detail=f"whole clinic from its server: sessions as {kind.upper()}, "
                                             f"{count} session(s) from {low} to {high}, "
                                             + ("de-identified" if deidentify else "identified"))
    QMessageBox.information(parent, tr("Export"), tr("Wrote {n} session(s) of the whole clinic to {path}.").format(
        n=f"{count:,}", path=path))
    return path
