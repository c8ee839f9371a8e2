"""The whole clinic's history, read from the clinic server: every room's sessions, newest first.

The room (the laptop a session was made on) is a column and a filter. Rows come a page at a
time from the server in a worker thread, so a slow or absent server never freezes the
window; "This laptop" stays the ordinary history (Review → Session history).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from microneedle_desk.core.record_types import FollowupIndexRow
from microneedle_desk.core.summary import SessionRow
from microneedle_desk.i18n import tr, trn
from microneedle_desk.server.connection import ServerError, connect, reason
from microneedle_desk.server.reading import ClinicPageRow, ClinicRecords
from microneedle_desk.ui.background import Background
from microneedle_desk.ui.clinic_findings import FindingsDialog
from microneedle_desk.ui.dashboard_view import DashboardWindow
from microneedle_desk.ui.export_dialog import export_dialog

PAGE = 200
TYPING_PAUSE_MS = 300  # the server is asked once typing pauses, not at every key

AnyIndex = QModelIndex | QPersistentModelIndex


def columns() -> tuple[tuple[str, str], ...]:
    return (("started_at", tr("Started")), ("room", tr("Room")), ("patient_name", tr("Patient")),
            ("clinic_id", tr("Clinic ID")), ("indication", tr("Indication")), ("needle_mm", tr("Needle (mm)")),
            ("status", tr("Status")))


class ClinicModel(QAbstractTableModel):
    def __init__(self, labels: dict[str, str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.labels = labels  # indication id -> its words
        self.rows: list[ClinicPageRow] = []
        self.cols = columns()

    def set_rows(self, rows: list[ClinicPageRow], append: bool = False) -> None:
        self.beginResetModel()
        self.rows = [*self.rows, *rows] if append else list(rows)
        self.endResetModel()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.cols)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        key = self.cols[index.column()][0]
        value = self.rows[index.row()].get(key)
        if key == "started_at":
            return str(value or "").replace("T", " ")[:16]
        if key == "indication":
            return self.labels.get(str(value), str(value or ""))
        return "" if value is None else str(value)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.cols[section][1]
        return None


class ClinicHistoryWindow(QWidget):
    """Every room's sessions, from the clinic server."""

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.ctx = ctx
        self.server = ctx.controller.clinic.server
        self.setWindowTitle(tr("Session history: whole clinic"))
        self.resize(1100, 650)
        self.model = ClinicModel({ind.id: ind.label for ind in ctx.protocol.indications}, self)
        self.search = QLineEdit()
        self.search.setPlaceholderText(tr("Search: name, clinic ID or session ID…"))
        self.search.setAccessibleName(tr("Search the whole clinic's sessions"))
        self.room = QComboBox()
        self.room.setAccessibleName(tr("Room"))
        self.room.addItem(tr("every room"), "")
        self.count = QLabel()
        self.table = QTableView()
        self.table.setTabKeyNavigation(False)  # Tab leaves the table; the arrow keys move in it
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setWordWrap(False)
        for col, width in enumerate((140, 140, 200, 110, 260, 90)):  # Status: the rest
            self.table.horizontalHeader().resizeSection(col, width)
        self.more = QPushButton(tr("&Older sessions"))
        self.more.clicked.connect(lambda: self.ask(append=True))
        self.export_button = QPushButton(tr("&Export shown…"))
        self.export_button.clicked.connect(self.export_shown)
        self.export_button.setVisible(ctx.may("export"))
        self.dashboard_button = QPushButton(tr("Clinic &dashboard…"))
        self.dashboard_button.setToolTip(tr("The dashboard over every room's sessions (or the room chosen)"))
        self.dashboard_button.clicked.connect(self.open_dashboard)
        self.findings_button = QPushButton(tr("&Findings to review…"))
        self.findings_button.setToolTip(tr("One patient ID for two people, one person registered twice"))
        self.findings_button.clicked.connect(self.open_findings)
        self.findings_button.setVisible(ctx.may("admin"))
        top = QHBoxLayout()
        top.addWidget(self.search, 3)
        top.addWidget(QLabel(tr("Room:")))
        top.addWidget(self.room, 1)
        top.addWidget(self.count, 1)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.findings_button)
        bottom.addWidget(self.dashboard_button)
        bottom.addWidget(self.more)
        bottom.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)
        self.pause = QTimer(self)
        self.pause.setSingleShot(True)
        self.pause.setInterval(TYPING_PAUSE_MS)
        self.pause.timeout.connect(self.ask)
        self.search.textChanged.connect(lambda _text: self.pause.start())
        self.room.currentIndexChanged.connect(lambda _i: self.ask())
        self.background = Background(self)
        self._asked: tuple[str, str] = ("", "")
        self.ask(with_rooms=True)

    @property
    def busy(self) -> bool:
        return self.background.busy

    def ask(self, append: bool = False, with_rooms: bool = False) -> None:
        """Ask the server for the first page (or, ``append``, the next one) in a worker thread."""
        if self.busy:
            return
        room, text = str(self.room.currentData() or ""), self.search.text()
        self._asked = (room, text)
        before = str(self.model.rows[-1]["_at"]) if append and self.model.rows else None
        self.count.setText(tr("Asking the clinic server…"))
        dsn, protocol = self.server.dsn, self.ctx.protocol

        def work() -> tuple[Any, Any]:  # in the worker thread: no Qt object here
            with connect(dsn) as conn:
                records = ClinicRecords(conn, protocol)
                return records.history_page(PAGE, room, text, before), records.rooms() if with_rooms else None

        self.background.run(work, lambda answer, error: self._answer(answer, error, append), "clinic-history")

    def _answer(self, answer: Any, error: BaseException | None, append: bool) -> None:
        if error is not None:
            why = str(error) if isinstance(error, ServerError) else reason(error)
            self.count.setText(tr("The clinic server cannot be read now: {why}").format(why=why))
            return
        rows, rooms = answer
        if rooms is not None:
            for device, name in rooms:
                self.room.addItem(name or device[:8], device)
        self.model.set_rows(rows, append=append)
        self.more.setEnabled(len(rows) == PAGE)
        self.count.setText(trn("{n} session shown", "{n} sessions shown", len(self.model.rows)).format(
            n=len(self.model.rows)))
        if self._asked != (str(self.room.currentData() or ""), self.search.text()):
            self.ask()  # the filter changed while the server answered

    def open_dashboard(self) -> None:
        """Read every kept session's row (or the chosen room's) in the worker, then show the dashboard."""
        if self.busy:
            return
        dsn, protocol, room = self.server.dsn, self.ctx.protocol, str(self.room.currentData() or "")
        self.count.setText(tr("Reading the clinic's sessions for the dashboard…"))

        def work() -> tuple[list[SessionRow], list[FollowupIndexRow]]:  # in the worker thread
            with connect(dsn) as conn:
                records = ClinicRecords(conn, protocol)
                rows = [r for r in records.summaries() if not room or r.get("room_device") == room]
                return rows, records.followups()

        self.background.run(work, self._show_dashboard, "clinic-dashboard")

    def _show_dashboard(self, answer: Any, error: BaseException | None) -> None:
        if error is not None:
            why = str(error) if isinstance(error, ServerError) else reason(error)
            self.count.setText(tr("The clinic server cannot be read now: {why}").format(why=why))
            return
        rows, followups = answer
        ids = {r["id"] for r in rows}
        self.count.setText(trn("{n} session shown", "{n} sessions shown", len(self.model.rows)).format(
            n=len(self.model.rows)))
        self.dashboard = DashboardWindow(self.ctx, self, rows=rows, window_title=tr("Dashboard: whole clinic"),
                                         followups=[f for f in followups if f.get("session_id") in ids])
        self.dashboard.show()

    def open_findings(self) -> QWidget:
        dialog = FindingsDialog(self.server, self)
        dialog.show()
        return dialog

    def export_shown(self) -> None:

        export_dialog(self, self.ctx, [{k: v for k, v in r.items() if k != "_at"} for r in self.model.rows],
                      of_clinic=True)
