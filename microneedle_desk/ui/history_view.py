"""The history window: every session in a sortable, filterable table; a session opens read-only.

A thin view over :mod:`microneedle_desk.review.history`: the table holds the rows on screen,
its source (this laptop's, :class:`history.LocalSource`) what filtering and sorting need.
Opening a row shows the session as recorded (ui/session_detail.py).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, QModelIndex, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDoubleSpinBox,
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

from microneedle_desk.i18n import tr
from microneedle_desk.review import history
from microneedle_desk.ui.a11y import DateField, SecondaryWindow, labelled
from microneedle_desk.ui.course_view import CourseWindow
from microneedle_desk.ui.export_dialog import export_dialog
from microneedle_desk.ui.history_scope import HistorySwitch
from microneedle_desk.ui.session_detail import SessionDialog, refusal, session_html

__all__ = ["HistoryWindow", "SessionDialog", "refusal", "session_html"]

if TYPE_CHECKING:
    from microneedle_desk.core.summary import SessionRow
    from microneedle_desk.ui.context import UiContext

ANY_DATE = QDate(2000, 1, 1)
FILL_AFTER_MS = 30   # older months start coming in once the first rows are painted
FILL_BUDGET_S = 0.025  # per turn of the event loop, so typing stays fluid while it fills
FILL_BATCH_ROWS = 10000  # rows read are added to the table in batches: each addition repaints it
# After an addition: the table's layout and repaint (which Qt does a little later) get a pass
# of their own instead of landing in the next read's.
SETTLE_MS = 120


def _date_edit(tip: str) -> QDateEdit:
    edit = DateField()
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setMinimumDate(ANY_DATE)
    edit.setSpecialValueText("any")
    edit.setDate(ANY_DATE)
    edit.setToolTip(tip)
    return edit


def _day(edit: QDateEdit) -> date | None:
    if edit.date() == ANY_DATE:
        return None
    return date.fromisoformat(edit.date().toString("yyyy-MM-dd"))


def _mm_box(tip: str) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(0.0, 1.5)
    box.setSingleStep(0.1)
    box.setDecimals(1)
    box.setSpecialValueText("any")
    box.setToolTip(tip)
    return box


class HistoryWindow(SecondaryWindow):
    """Sessions table with filters; Enter or double-click opens the session."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(tr("Session history"))
        self.resize(1200, 700)
        self.model = history.HistoryModel(parent=self)
        self._unshown = 0  # sessions read, not yet in the table
        self._generation = 0
        self.patient_id = ""
        # -- filters -----------------------------------------------------------------------
        self.search = QLineEdit()
        self.search.setPlaceholderText(tr("Search: name, clinic ID, lot, practitioner, side effect, session ID…"))
        self.search.setClearButtonEnabled(True)
        # its height fixed: the clear button appearing with the first character otherwise made
        # the window lay out and repaint whole on top of that keystroke's filter
        self.search.setFixedHeight(self.search.sizeHint().height())
        self.search.setAccessibleName(tr("Search sessions"))
        self.date_from = _date_edit(tr("First day shown"))
        self.date_to = _date_edit(tr("Last day shown"))
        self.practitioner = QComboBox()
        self.practitioner.addItem(tr("any practitioner"), "")
        for p in ctx.store.practitioners(include_inactive=True):
            self.practitioner.addItem(p.name, p.id)
        self.indication = QComboBox()
        self.indication.addItem(tr("any indication"), "")
        for ind in ctx.protocol.indications:
            self.indication.addItem(tr(ind.label), ind.id)
        self.needle_min = _mm_box(tr("Shortest needle length shown"))
        self.needle_max = _mm_box(tr("Longest needle length shown"))
        self.with_effects = QCheckBox(tr("has side effects"))
        self.with_overrides = QCheckBox(tr("has overrides"))
        self.only_patient = QCheckBox(tr("only this patient"))
        self.only_patient.setEnabled(False)
        self.count = QLabel()
        row1 = QHBoxLayout()
        row1.addWidget(self.search, 3)
        row1.addWidget(self.count, 1)
        row2 = QHBoxLayout()
        for label, w in ((tr("From"), self.date_from), (tr("to"), self.date_to),
                         (tr("Practitioner"), self.practitioner), (tr("Indication"), self.indication),
                         (tr("Needle from"), self.needle_min), (tr("to"), self.needle_max),
                         ("", self.with_effects), ("", self.with_overrides), ("", self.only_patient)):
            if label:
                row2.addWidget(labelled(w, label))
            row2.addWidget(w)
        row2.addStretch(1)
        # -- table -------------------------------------------------------------------------
        self.table = QTableView()
        self.table.setTabKeyNavigation(False)  # Tab leaves the table; the arrow keys move in it
        self.table.setModel(self.model)
        self.table.setAccessibleName(tr("Sessions"))
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        vh = self.table.verticalHeader()
        vh.hide()
        vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vh.setDefaultSectionSize(self.fontMetrics().height() + 8)
        hh = self.table.horizontalHeader()
        hh.setStretchLastSection(True)
        self.table.setWordWrap(False)  # elide long labels at the cell's end, not at a word break
        for col, width in enumerate((120, 215, 140, 180, 85, 55, 65, 80, 160)):  # Status: the rest
            hh.resizeSection(col, width)
        self.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.DescendingOrder)
        self.table.doubleClicked.connect(self.open_index)
        self.table.activated.connect(self.open_index)
        # -- buttons -----------------------------------------------------------------------
        self.open_button = QPushButton(tr("&Open session"))
        self.course_button = QPushButton(tr("Patient &course"))
        self.export_button = QPushButton(tr("&Export shown…"))
        self.open_button.clicked.connect(lambda: self.open_index(self.table.currentIndex()))
        self.course_button.clicked.connect(self.open_course)
        self.export_button.clicked.connect(self.export_shown)
        # accounts: exporting is for admins (the export refuses others too; this only hides the button)
        self.export_button.setVisible(ctx.may("export"))
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for b in (self.open_button, self.course_button, self.export_button):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addLayout(row1)
        layout.addLayout(row2)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.scope = HistorySwitch(ctx, self, layout)  # "Whole clinic" when a server is set
        # -- wiring --------------------------------------------------------------------------
        self.search.textChanged.connect(self.apply_filter)
        for edit in (self.date_from, self.date_to):
            edit.dateChanged.connect(self.apply_filter)
        for combo in (self.practitioner, self.indication):
            combo.currentIndexChanged.connect(self.apply_filter)
        for box in (self.needle_min, self.needle_max):
            box.valueChanged.connect(self.apply_filter)
        for check in (self.with_effects, self.with_overrides, self.only_patient):
            check.toggled.connect(self.apply_filter)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.reload()

    # -- data ------------------------------------------------------------------------------
    def reload(self) -> None:
        """Show the newest sessions now; older months follow between events (see
        :class:`history.LocalSource`). Filters and sort apply to rows as they arrive."""
        self._generation += 1
        self._unshown = 0
        self.model.current = self.current_filter()
        self.model.set_source(history.LocalSource(self.ctx.store))
        self._show_count()
        if self.loading:
            generation = self._generation
            QTimer.singleShot(FILL_AFTER_MS, self, lambda: self._fill(generation))

    def closeEvent(self, event: QCloseEvent) -> None:
        """Closed, the window lets go of the sessions it read (opened again, it reads them anew)."""
        super().closeEvent(event)
        if event.isAccepted():
            self._generation += 1  # a fill under way stops
            self._unshown = 0
            self.model.release()

    def showEvent(self, event: QShowEvent) -> None:
        if self.model.source is None:
            self.reload()
        super().showEvent(event)

    @property
    def loading(self) -> bool:
        """True while older months are still being read into the table."""
        source = self.model.source
        return source is not None and (not source.done or self._unshown > 0)

    def _fill(self, generation: int) -> None:
        source = self.model.source
        if generation != self._generation or source is None:
            return  # a reload started over
        pause = 0
        if self._unshown and (source.done or self._unshown >= FILL_BATCH_ROWS):
            # a turn of its own, and a pause after it: adding rows makes the table lay out and
            # repaint in a later pass of the event loop, not to be added to a read
            self._unshown = 0
            self._refresh()
            pause = SETTLE_MS
        else:
            self._unshown += source.more(FILL_BUDGET_S)
        if self.loading:
            QTimer.singleShot(pause, self, lambda: self._fill(generation))

    def _refresh(self) -> None:
        """The model selected again, the current session kept current when still shown."""
        current = self.table.currentIndex()
        session_id = current.data(history.ID_ROLE) if current.isValid() else None
        self.model.refresh()
        if session_id and not self.table.currentIndex().isValid() and self.model.selection is not None:
            at = self.model.selection.row_of(str(session_id))
            if at is not None:
                self.table.setCurrentIndex(self.model.index(at, max(current.column(), 0)))
        self._show_count()

    def current_filter(self) -> history.HistoryFilter:
        mm_min, mm_max = self.needle_min.value(), self.needle_max.value()
        return history.HistoryFilter(
            date_from=_day(self.date_from), date_to=_day(self.date_to),
            patient_id=self.patient_id if self.only_patient.isChecked() else "",
            practitioner_id=str(self.practitioner.currentData() or ""),
            indication=str(self.indication.currentData() or ""),
            needle_min=mm_min if mm_min > 0 else None, needle_max=mm_max if mm_max > 0 else None,
            side_effects=self.with_effects.isChecked(), overrides=self.with_overrides.isChecked(),
            text=self.search.text(),
        )

    def apply_filter(self) -> None:
        self.model.current = self.current_filter()
        self._refresh()

    def _show_count(self) -> None:
        more = " (reading older sessions…)" if self.loading else ""
        self.count.setText(tr("{rowCount:,} of {len:,} sessions{more}").format(
                              rowCount=self.model.rowCount(), len=self.model.total(), more=more))

    def show_patient(self, patient_id: str) -> None:
        self.patient_id = patient_id
        self.only_patient.setEnabled(True)
        self.only_patient.setChecked(True)
        self.apply_filter()

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        summary = current.data(history.ROW_ROLE) if current.isValid() else None
        if summary and not self.only_patient.isChecked():
            self.patient_id = str(summary.get("patient_id", ""))
            self.only_patient.setEnabled(True)

    def selected_summary(self) -> SessionRow | None:
        index = self.table.currentIndex()
        return index.data(history.ROW_ROLE) if index.isValid() else None

    # -- actions ---------------------------------------------------------------------------
    def open_index(self, index: QModelIndex) -> SessionDialog | None:
        if not index.isValid():
            return None
        return self.open_session(str(index.data(history.ID_ROLE)))

    def open_session(self, session_id: str) -> SessionDialog | None:
        refused = refusal(self.ctx, session_id)
        if refused:
            QMessageBox.warning(self, tr("Session not shown"), refused)
            return None
        dialog = SessionDialog(self.ctx, session_id, self)
        dialog.show()
        return dialog

    def open_course(self) -> None:
        summary = self.selected_summary()
        if summary is None:
            QMessageBox.information(self, tr("Patient course"), tr("Select a session of the patient first."))
            return
        course = CourseWindow(self.ctx, str(summary["patient_id"]), self)
        course.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # not kept, closed, until this window goes
        course.show()

    def export_shown(self) -> None:
        export_dialog(self, self.ctx, [dict(s) for s in self.model.matching()])
