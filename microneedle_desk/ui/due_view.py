"""The Due page: who is due this week, overdue, not booked, paused or done, and the follow-up calls.

The rows are :func:`microneedle_desk.review.due.due_list`'s, the same the ``recall`` command
prints. A model serves them to the table (thousands of rows cost no widget each); filtering and
sorting happen in a proxy, never in the rules. Print writes the list as shown to PDF, export as CSV.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from microneedle_desk.core.due import STATES, DueRow, state_label
from microneedle_desk.i18n import tr
from microneedle_desk.printing import jobs
from microneedle_desk.printing.lists import due_list_doc
from microneedle_desk.printing.render import RenderError, write_pdf
from microneedle_desk.review.due import StoreSource, cells, clinic_today, due_list, fallback_interval, headers, to_csv
from microneedle_desk.review.export import write_private
from microneedle_desk.ui.context import who_is_working
from microneedle_desk.ui.course_view import CourseWindow

if TYPE_CHECKING:
    from microneedle_desk.ui.context import UiContext

Index = QModelIndex | QPersistentModelIndex
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
DAYS_COLUMN = 6


class DueModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[DueRow] = []
        self._texts: dict[int, tuple[str, ...]] = {}
        self.heads = headers()

    def set_rows(self, rows: list[DueRow]) -> None:
        self.beginResetModel()
        self.rows, self._texts = rows, {}
        self.endResetModel()

    def texts(self, row: int) -> tuple[str, ...]:
        """A row's cells, made when first shown (a table of thousands shows a few dozen)."""
        found = self._texts.get(row)
        if found is None:
            found = self._texts[row] = cells(self.rows[row])
        return found

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.heads)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, col = index.row(), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.texts(row)[col]
        if role == SORT_ROLE:
            r = self.rows[row]
            if col == 0:
                return STATES.index(r.state) if r.state in STATES else len(STATES)
            if col == DAYS_COLUMN:
                return r.days_overdue if r.days_overdue is not None else -1
            return self.texts(row)[col]
        if role == Qt.ItemDataRole.UserRole:
            return self.rows[row].patient_id
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.heads[section]
        return None


class DueFilter(QSortFilterProxyModel):
    """A state and a text (name or clinic ID) to show."""

    def __init__(self, model: DueModel) -> None:
        super().__init__()
        self.source = model
        self.state = ""
        self.text = ""
        self.setSourceModel(model)
        self.setSortRole(SORT_ROLE)

    def set_filter(self, state: str, text: str) -> None:
        self.beginFilterChange()
        self.state, self.text = state, text.strip().casefold()
        self.endFilterChange()

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        row = self.source.rows[source_row]
        if self.state and row.state != self.state:
            return False
        return not self.text or self.text in row.name.casefold() or self.text in row.clinic_id.casefold()


class DueWindow(QWidget):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None, as_of: date | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.ctx = ctx
        self.setWindowTitle(tr("Due list"))
        self.resize(1100, 700)
        self.day = as_of or clinic_today(ctx.settings, ctx.clock.now())
        self.as_of = QLineEdit(self.day.isoformat())
        self.as_of.setAccessibleName(tr("As of (YYYY-MM-DD)"))
        self.as_of.setMaximumWidth(120)
        self.as_of.returnPressed.connect(self.reload)
        self.state = QComboBox()
        self.state.addItem(tr("Every state"), "")
        for s in STATES:
            self.state.addItem(state_label(s), s)
        self.state.setAccessibleName(tr("State"))
        self.search = QLineEdit()
        self.search.setPlaceholderText(tr("name or clinic ID"))
        self.search.setAccessibleName(tr("Filter by name or clinic ID"))
        self.model = DueModel()
        self.proxy = DueFilter(self.model)
        self.table = QTableView()
        self.table.setTabKeyNavigation(False)  # Tab leaves the table; the arrow keys move in it
        self.table.setModel(self.proxy)
        # the rows come in the list's own order (state, days overdue, due date): no sort until a
        # header is clicked, which then sorts by that column
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # no row measured
        self.table.setWordWrap(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.doubleClicked.connect(lambda _i: self.open_course())
        self.counts = QLabel()
        self.problem = QLabel()
        self.problem.setStyleSheet("color: #a00;")
        top = QHBoxLayout()
        for label, w in ((tr("&As of"), self.as_of), (tr("&State"), self.state), (tr("&Find"), self.search)):
            text = QLabel(label)
            text.setBuddy(w)
            top.addWidget(text)
            top.addWidget(w)
        self.reload_button = QPushButton(tr("&Reload"))
        self.course_button = QPushButton(tr("Open &course"))
        self.print_button = QPushButton(tr("Save list as &PDF…"))
        self.csv_button = QPushButton(tr("Export C&SV…"))
        self.reload_button.clicked.connect(self.reload)
        self.course_button.clicked.connect(self.open_course)
        self.print_button.clicked.connect(lambda _=False: self.save_pdf())
        self.csv_button.clicked.connect(lambda _=False: self.export_csv())
        bottom = QHBoxLayout()
        bottom.addWidget(self.counts, 1)
        for b in (self.reload_button, self.course_button, self.print_button, self.csv_button):
            bottom.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.problem)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)
        self.state.currentIndexChanged.connect(self.apply_filter)
        self.search.textChanged.connect(self.apply_filter)
        self.reload()

    def reload(self) -> None:
        try:
            day = date.fromisoformat(self.as_of.text().strip())
        except ValueError:
            self.problem.setText(tr("“{text}” is not a date: write it as YYYY-MM-DD, e.g. 2026-11-25.").format(
                text=self.as_of.text()))
            return
        self.problem.setText("")
        self.day = day
        clinic = self.ctx.controller.clinic
        rows = due_list(StoreSource(self.ctx.store, clinic.courses.file), day, fallback_interval(self.ctx.settings))
        self.model.set_rows(rows)
        self.apply_filter()

    def apply_filter(self) -> None:
        self.proxy.set_filter(str(self.state.currentData() or ""), self.search.text())
        self.counts.setText(tr("{shown} of {total} shown").format(shown=self.proxy.rowCount(),
                                                                  total=self.model.rowCount()))

    def shown(self) -> list[DueRow]:
        """The rows as the table shows them now (filtered, sorted)."""
        return [self.model.rows[self.proxy.mapToSource(self.proxy.index(i, 0)).row()]
                for i in range(self.proxy.rowCount())]

    def selected(self) -> DueRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.rows[self.proxy.mapToSource(rows[0]).row()] if rows else None

    def open_course(self) -> None:
        row = self.selected()
        if row is None:
            QMessageBox.information(self, tr("Due list"), tr("Select a patient first."))
            return
        course = CourseWindow(self.ctx, row.patient_id, self)
        course.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # not kept, closed, until this window goes
        course.show()

    def record(self, action: str, detail: str) -> None:
        """Into the access log, by the signed-in person (what was written, never whom it lists)."""
        if self.ctx.signer is not None:
            self.ctx.signer.record(action, detail=detail)

    def _path(self, suggested: str, kind: str, path: str | None) -> str:
        if path is not None:
            return path
        chosen, _ = QFileDialog.getSaveFileName(self, tr("Save the due list"), suggested,
                                                tr("{kind} files (*.{ext})").format(kind=kind.upper(), ext=kind))
        return chosen

    def save_pdf(self, path: str | None = None) -> str:
        target = self._path(f"due-{self.day.isoformat()}.pdf", "pdf", path)
        if not target:
            return ""
        rows = self.shown()
        doc = due_list_doc(rows, self.model.heads, [cells(r) for r in rows], self.day,
                           jobs.clinic_info(self.ctx.settings), who_is_working(self.ctx), self.ctx.clock.now(),
                           " ".join(t for t in (self.state.currentText() if self.state.currentIndex() else "",
                                               self.search.text().strip()) if t))
        try:
            write_pdf([doc], target, jobs.default_paper(self.ctx.settings))
        except (RenderError, OSError) as exc:
            QMessageBox.warning(self, tr("Due list"), tr("The PDF was not saved: {why}").format(why=exc))
            return ""
        self.record("printed", f"due list as of {self.day.isoformat()}, {len(rows)} entries")
        return target

    def export_csv(self, path: str | None = None) -> str:
        target = self._path(f"due-{self.day.isoformat()}.csv", "csv", path)
        if not target:
            return ""
        rows = self.shown()
        try:
            write_private(target, to_csv(rows))
        except OSError as exc:
            QMessageBox.warning(self, tr("Due list"), tr("The file was not written: {why}").format(why=exc))
            return ""
        self.record("exported", f"due list as of {self.day.isoformat()}, {len(rows)} entries")
        return target
