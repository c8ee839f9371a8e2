"""The history window: every session in a sortable, filterable table; a session opens read-only.

A thin view over :mod:`microneedle_desk.review.history`. Opening a row shows the session
as recorded (its events in order), its amendments and follow-ups, with buttons to record
a follow-up and to print the sheet or the aftercare handout.
"""

from __future__ import annotations

import html
from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, QModelIndex, Qt, QTimer
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from microneedle_desk.core.accounts import may_see_session
from microneedle_desk.core.amendments import (
    amendable_fields,
    display_value,
    effective_values,
    field_kind,
    field_label,
    make_amendment,
)
from microneedle_desk.core.followup import followup_text
from microneedle_desk.core.records import is_uuid
from microneedle_desk.core.validation import ValidationError
from microneedle_desk.i18n import tr
from microneedle_desk.printing import jobs
from microneedle_desk.printing.render import page_layout, render
from microneedle_desk.review import history
from microneedle_desk.review.followup import add_followup, followups
from microneedle_desk.store.store import StoreError
from microneedle_desk.ui.a11y import DateField, SecondaryWindow, labelled
from microneedle_desk.ui.amend_photo import AmendPhotoDialog
from microneedle_desk.ui.colours import error_style
from microneedle_desk.ui.context import who_is_working
from microneedle_desk.ui.course_view import CourseWindow
from microneedle_desk.ui.export_dialog import export_dialog

if TYPE_CHECKING:
    from microneedle_desk.ui.context import UiContext

ANY_DATE = QDate(2000, 1, 1)
FILL_AFTER_MS = 30   # older months start coming in once the first rows are painted
FILL_BUDGET_S = 0.025  # per turn of the event loop, so typing stays fluid while it fills
FILL_BATCH_ROWS = 10000  # rows read are added to the table in batches: each addition repaints it
# After an addition: the table's layout and repaint (~25 ms, which Qt does up to ~100 ms later)
# get a pass of their own instead of landing in the next read's.
SETTLE_MS = 120
COMPACT_ROWS = 10000  # search texts made anew per turn once all rows are in (~8 ms)


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
        self._loader: history.Loader | None = None
        self._first: list[history.Row] = []
        self._pending: list[history.Row] = []  # read, not yet in the table
        self._compact_due = False  # all rows in, their search texts not yet made anew
        self._to_compact: list[history.Row] = []
        self._old_texts: list[str] = []
        self._generation = 0
        self.patient_id = ""
        # -- filters -----------------------------------------------------------------------
        self.search = QLineEdit()
        self.search.setPlaceholderText(tr("Search: name, clinic ID, lot, practitioner, side effect, session ID…"))
        self.search.setClearButtonEnabled(True)
        # its height fixed: the clear button appearing with the first character otherwise made
        # the window lay out and repaint whole (~25 ms on top of that keystroke's filter)
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
        :class:`history.Loader`). Filters and sort apply to rows as they arrive."""
        self._loader = history.Loader(self.ctx.store)
        self._generation += 1
        self._first = self._loader.first()
        self._pending = []
        self._compact_due = False
        self.model.set_rows(list(self._first))
        self.apply_filter()
        if self.loading:
            generation = self._generation
            QTimer.singleShot(FILL_AFTER_MS, self, lambda: self._fill(generation))

    @property
    def loading(self) -> bool:
        """True while older months are still being read into the table."""
        return self._loader is not None and (not self._loader.done or bool(self._pending) or self._compact_due)

    def _fill(self, generation: int) -> None:
        if generation != self._generation or self._loader is None:
            return  # a reload started over
        if self._first:  # the first rows' search text and sort keys (older ones come prepared)
            history.prepare(self._first)
            self._first = []
        pause = 0
        if self._pending and (self._loader.done or len(self._pending) >= FILL_BATCH_ROWS):
            # a turn of its own, and a pause after it: adding rows makes the table lay out and
            # repaint (~25 ms) in a later pass of the event loop, not to be added to a read
            self.model.add_rows(self._pending)
            self._pending = []
            self._show_count()
            pause = SETTLE_MS
        else:
            self._pending += self._loader.more(FILL_BUDGET_S)
        history.keep(len(self.model.all_rows) + len(self._pending))
        if self._loader.done and not self._pending:  # all in: search texts made anew, in turns of their own
            self._compact_due = True
            self._to_compact, self._old_texts = list(self.model.all_rows), []
            QTimer.singleShot(pause, self, lambda: self._compact(generation))
        elif self.loading:
            QTimer.singleShot(pause, self, lambda: self._fill(generation))

    def _compact(self, generation: int) -> None:
        if generation != self._generation:
            return
        chunk, self._to_compact = self._to_compact[:COMPACT_ROWS], self._to_compact[COMPACT_ROWS:]
        self._old_texts += history.compact(chunk)
        if self._to_compact:
            QTimer.singleShot(0, self, lambda: self._compact(generation))
            return
        self._old_texts = []
        self._compact_due = False
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
        self.model.set_filter(self.current_filter())
        self._show_count()

    def _show_count(self) -> None:
        more = " (reading older sessions…)" if self.loading else ""
        self.count.setText(tr("{rowCount:,} of {len:,} sessions{more}").format(
                              rowCount=self.model.rowCount(), len=len(self.model.all_rows), more=more))

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

    def selected_summary(self) -> dict[str, Any] | None:
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
        CourseWindow(self.ctx, str(summary["patient_id"]), self).show()

    def export_shown(self) -> None:
        export_dialog(self, self.ctx, [r.summary for r in self.model.matching()])


# -- who may see a session's detail ---------------------------------------------------------
def refusal(ctx: UiContext, session_id: str) -> str | None:
    """Why the signed-in person may not open this session's detail (None when they may).

    Only with the clinic setting "security/own_sessions_only" on, and only once the store has
    accounts (``ctx.signer`` is then an enforcing Security): a practitioner sees the detail of
    their own sessions only; admins see all. Before anyone has an account nothing is limited.
    """
    if not ctx.settings.get("security/own_sessions_only") or ctx.may("see_all_sessions"):
        return None
    row = ctx.store.summary(session_id)
    if row is not None:
        practitioner = str(row.get("practitioner_id") or "")
    else:
        state = ctx.store.session_state(session_id)
        practitioner = state.practitioner_id if state is not None else ""
    account = getattr(ctx.signer, "current", None)
    if may_see_session(account, practitioner, own_only=True):
        return None
    if account is None:
        return tr("Sign in first: this clinic shows a session's detail only to the practitioner who led it.")
    return (tr("This clinic shows a session's detail only to the practitioner who led it (and to admins). This "
               "session was led by someone else; ask them or an admin."))


# -- one session, read-only -----------------------------------------------------------------
def _event_text(event: dict[str, Any], ctx: UiContext) -> str:
    data = event.get("data") or {}
    kind = str(event.get("type", ""))
    if kind == "session_started":
        return "session started"
    if kind == "screening_answered":
        return f"{data.get('item')}: {'YES' if data.get('answer') else 'no'}"
    parts = [f"{k}={', '.join(map(str, v)) if isinstance(v, list) else v}" for k, v in data.items()
             if k not in ("entry_id", "not_applicable") and v not in ("", None, [])]
    return kind.replace("_", " ") + (": " + ", ".join(parts) if parts else "")


def session_html(ctx: UiContext, session_id: str) -> str:
    """The session as read-only HTML: key facts, event timeline, amendments, follow-ups."""
    store = ctx.store
    doc = store.session_doc(session_id)
    if doc is None:
        raise StoreError(tr("There is no such session."))
    state = store.session_state(session_id)
    assert state is not None
    esc = html.escape
    snap = state.patient_snapshot
    out = [f"<h2>{esc(str(snap.get('name', '')))} — {esc(str(snap.get('clinic_id', '')))}</h2>",
           f"<p>Session {esc(session_id)}<br>Status: <b>{esc(state.status.replace('_', ' '))}</b>"
           f" · Practitioner: {esc(store.practitioner_name(state.practitioner_id))}"
           f" · Needle {esc(str(state.needle_mm or ''))} mm · Lot {esc(state.cartridge_lot)}</p>",
           "<h3>Timeline</h3><table cellspacing=2>"]
    for event in doc.get("events", []):
        if event.get("type") == "draft":
            continue  # text being typed, kept only for a crash: never part of the record's story
        at = str(event.get("at", ""))[11:19]
        out.append(f"<tr><td>{esc(at)}</td><td>{esc(_event_text(event, ctx))}</td></tr>")
    out.append("</table><h3>Amendments</h3>")
    amendments = store.amendments(session_id)
    if not amendments:
        out.append("<p>None.</p>")
    for a in amendments:
        what = str(a.get("field"))
        by = str(a.get("by", ""))
        out.append(f"<p>{esc(str(a.get('at', ''))[:16].replace('T', ' '))} "
                   f"{esc(store.practitioner_name(by) if is_uuid(by) else by)}: "
                   f"{esc(field_label(what, ctx.protocol))} “{esc(display_value(what, a.get('old'), ctx.protocol))}”"
                   f" → “{esc(display_value(what, a.get('new'), ctx.protocol))}” — "
                   f"{esc(str(a.get('reason', '')))}</p>")
    out.append("<h3>Follow-ups</h3>")
    found = followups(store, session_id)
    if not found:
        out.append("<p>None recorded.</p>")
    for f in found:
        out.append(f"<p>{esc(followup_text(f, ctx.protocol))} <i>({esc(str(f.get('by', '')))})</i></p>")
    return "\n".join(out)


class SessionDialog(QDialog):
    def __init__(self, ctx: UiContext, session_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.session_id = ctx, session_id
        self.setWindowTitle(tr("Session (read-only)"))
        self.resize(760, 700)
        self.view = QTextBrowser()
        self.view.setAccessibleName(tr("Session record"))
        self.followup_button = QPushButton(tr("Record &follow-up…"))
        self.sheet_button = QPushButton(tr("Print &sheet…"))
        self.handout_button = QPushButton(tr("Print &handout…"))
        self.amend_button = QPushButton(tr("&Amend a field…"))
        self.amend_button.setToolTip(tr("Correct a field of the signed record: the original stays, the "
                                        "amendment says who, when and why"))
        self.amend_button.clicked.connect(self.amend)
        self.photo_button = QPushButton(tr("Attach a ph&oto…"))
        self.photo_button.setToolTip(tr("Add a photo to the signed record, as an amendment with its reason"))
        self.photo_button.clicked.connect(self.attach_photo)
        close = QPushButton(tr("Close"))
        self.followup_button.clicked.connect(self.record_followup)
        self.sheet_button.clicked.connect(lambda: self.print_doc("sheet"))
        self.handout_button.clicked.connect(lambda: self.print_doc("handout"))
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        for b in (self.followup_button, self.amend_button, self.photo_button, self.sheet_button,
                  self.handout_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)
        self.refresh()

    def refresh(self) -> None:
        self.view.setHtml(session_html(self.ctx, self.session_id))
        state = self.ctx.store.session_state(self.session_id)
        finished = state is not None and state.status in ("signed", "abandoned")
        self.followup_button.setEnabled(finished and not self.ctx.store.read_only)
        self.amend_button.setEnabled(state is not None and state.status == "signed"
                                     and not self.ctx.store.read_only)
        self.photo_button.setEnabled(self.amend_button.isEnabled())

    def text(self) -> str:
        return self.view.toPlainText()

    def followup_dialog(self) -> FollowupDialog:
        return FollowupDialog(self.ctx, self)

    def record_followup(self) -> None:
        dialog = self.followup_dialog()
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.save_followup(dialog.values())

    def save_followup(self, values: dict[str, Any]) -> dict[str, Any] | None:
        try:
            record = add_followup(self.ctx.store, self.session_id, by=who_is_working(self.ctx), **values)
        except (ValidationError, StoreError) as exc:
            QMessageBox.warning(self, tr("Follow-up not saved"), str(exc))
            return None
        self.refresh()
        return record

    def amend_dialog(self) -> AmendDialog:
        return AmendDialog(self.ctx, self.session_id, self)

    def attach_photo(self) -> QDialog:
        dialog = AmendPhotoDialog(self.ctx, self.session_id, self, done=self.refresh)
        dialog.open()
        return dialog

    def amend(self) -> None:
        dialog = self.amend_dialog()
        dialog.open()

    def save_amendment(self, field: str, value: object, reason: str) -> str | None:
        """Record one amendment, signed with the PIN of the person making it (when accounts
        exist). None when it was saved; else the message to show ("" when the PIN was cancelled).

        The amendment is checked before the PIN is asked: a refused value costs no PIN."""
        store = self.ctx.store
        try:
            state = store.session_state(self.session_id)
            if state is None:
                raise StoreError(tr("There is no such session."))
            make_amendment(state, store.amendments(self.session_id), field, value, reason,
                           who_is_working(self.ctx), self.ctx.clock.now(), store.device, self.ctx.protocol)
            if self.ctx.signer is not None:
                if self.ctx.signer.amend(self.session_id, field, value, reason) is None:
                    return ""
            else:
                self.ctx.controller.clinic.amend(self.session_id, field, value, reason, by=who_is_working(self.ctx))
        except (ValidationError, StoreError) as exc:
            return str(exc)
        self.refresh()
        return None

    def print_doc(self, what: str) -> None:

        store, now = self.ctx.store, self.ctx.clock.now()
        clinic = jobs.clinic_info(self.ctx.settings)
        try:
            docs = ([jobs.handout_for(store, self.session_id, clinic, now)] if what == "handout" else
                    [jobs.sheet_for(store, self.session_id, clinic, who_is_working(self.ctx), now)])
        except (jobs.NotFoundError, StoreError, ValidationError) as exc:
            QMessageBox.warning(self, tr("Printing"), tr("It cannot be printed: {exc}").format(exc=exc))
            return
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setPageLayout(page_layout(jobs.default_paper(self.ctx.settings)))
        preview = QPrintPreviewDialog(printer, self)
        preview.paintRequested.connect(lambda p: render(docs, p))
        preview.exec()


class FollowupDialog(QDialog):
    """Day checked, what was found (or none), severity, note."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Record a follow-up"))
        self.on = QDateEdit(QDate.fromString(ctx.clock.now().date().isoformat(), "yyyy-MM-dd"))
        self.on.setCalendarPopup(True)
        self.on.setDisplayFormat("yyyy-MM-dd")
        self.none = QCheckBox(tr("Nothing found (no side effect)"))
        self.what = QComboBox()
        self.what.addItem(tr("— choose —"), "")
        for item in ctx.protocol.side_effects:
            self.what.addItem(tr(item.label), item.id)
        self.severity = QComboBox()
        for item in ctx.protocol.severities:
            self.severity.addItem(tr(item.label), item.id)
        self.note = QPlainTextEdit()
        self.note.setTabChangesFocus(True)  # Tab leaves the note, as in every other field
        self.note.setPlaceholderText(tr("e.g. phone check at 48 h; settled with cold compresses"))
        self.note.setMaximumHeight(90)
        self.none.toggled.connect(self._none_toggled)
        form = QFormLayout()
        form.addRow(tr("Checked on"), self.on)
        form.addRow("", self.none)
        form.addRow(tr("Side effect"), self.what)
        form.addRow(tr("Severity"), self.severity)
        form.addRow(tr("Note"), self.note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def _none_toggled(self, on: bool) -> None:
        self.what.setEnabled(not on)
        self.severity.setEnabled(not on)

    def values(self) -> dict[str, Any]:
        none = self.none.isChecked()
        return {"on": self.on.date().toString("yyyy-MM-dd"), "none": none,
                "what": "" if none else str(self.what.currentData() or ""),
                "severity": "" if none else str(self.severity.currentData() or ""),
                "note": self.note.toPlainText()}


class AmendDialog(QDialog):
    """One field of a signed session: pick it, see the value in force, give the new one and why.

    The new value is checked by the core with the rules a live session obeys; a refused value
    stays in the editor with the message, so nothing typed is lost.
    """

    def __init__(self, ctx: UiContext, session_id: str, parent: SessionDialog) -> None:
        super().__init__(parent)
        self.ctx, self.session_id, self.owner = ctx, session_id, parent
        self.setWindowTitle(tr("Amend a signed session"))
        state = ctx.store.session_state(session_id)
        assert state is not None
        self.state = state
        self.field = QComboBox()
        self.field.setAccessibleName(tr("Field to amend"))
        for field, label in amendable_fields(ctx.protocol, state).items():
            self.field.addItem(label, field)
        self.old = QLabel()
        self.old.setAccessibleName(tr("Value in force"))
        self.old.setWordWrap(True)
        self.editor_box = QWidget()
        self.editor_layout = QVBoxLayout(self.editor_box)
        self.editor_layout.setContentsMargins(0, 0, 0, 0)
        self.reason = QLineEdit()
        self.reason.setAccessibleName(tr("Reason for the amendment"))
        self.reason.setPlaceholderText(tr("why the record is corrected"))
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet(error_style())
        self.error.hide()
        form = QFormLayout()
        form.addRow(tr("&Field"), self.field)
        form.addRow(tr("Now recorded"), self.old)
        form.addRow(tr("&New value"), self.editor_box)
        form.addRow(tr("&Reason"), self.reason)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.resize(620, 300)
        self.inputs: dict[str, Any] = {}
        self.field.currentIndexChanged.connect(self._field_changed)
        self._field_changed()

    # -- the editor for the chosen field -----------------------------------------------------
    def values(self) -> dict[str, Any]:
        return effective_values(self.state, self.ctx.store.amendments(self.session_id), self.ctx.protocol)

    def current_field(self) -> str:
        return str(self.field.currentData())

    def _clear_editor(self) -> None:
        while self.editor_layout.count():
            item = self.editor_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.inputs = {}

    def _line(self, name: str, text: str = "", placeholder: str = "") -> QLineEdit:
        edit = QLineEdit(text)
        edit.setAccessibleName(name)
        edit.setPlaceholderText(placeholder)
        return edit

    def _combo(self, name: str, items: list[tuple[str, str]], current: object) -> QComboBox:
        combo = QComboBox()
        combo.setAccessibleName(name)
        combo.addItem(tr("— choose —"), "")
        for item_id, label in items:
            combo.addItem(label, item_id)
        combo.setCurrentIndex(max(0, combo.findData(current)))
        return combo

    def _yes_no(self, name: str, current: object) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        yes, no = QRadioButton(tr("Yes")), QRadioButton(tr("No"))
        for button in (yes, no):
            button.setAccessibleName(f"{name}: {button.text()}")
            row.addWidget(button)
        row.addStretch(1)
        yes.setChecked(current is True)
        no.setChecked(current is False)
        self.inputs["yes"], self.inputs["no"] = yes, no
        return box

    def _field_changed(self, _index: int = 0) -> None:
        field = self.current_field()
        p = self.ctx.protocol
        current = self.values().get(field)
        self.old.setText(display_value(field, current, p))
        self.error.hide()
        self._clear_editor()
        kind = field_kind(field)
        def add(widget: QWidget) -> None:
            self.editor_layout.addWidget(widget)
            widget.show()  # at once, not at the layout's next pass: the person may click it straight away

        label = field_label(field, p)
        if kind == "grade":
            grades = p.scale(self.state.scale).grades
            if grades:
                self.inputs["value"] = self._combo(label, [(g, g) for g in grades], current)
            else:
                self.inputs["value"] = self._line(label, str(current or ""), tr("SALT score, whole number 0–100"))
            add(self.inputs["value"])
        elif kind.startswith("choice:"):
            group = kind.split(":", 1)[1]
            self.inputs["value"] = self._combo(label, [(c.id, c.label) for c in getattr(p, group)], current)
            add(self.inputs["value"])
        elif kind.startswith("multi:"):
            group = kind.split(":", 1)[1]
            boxes: dict[str, QCheckBox] = {}
            for c in getattr(p, group):
                box = QCheckBox(tr(c.label))
                box.setAccessibleName(f"{label}: {tr(c.label)}")
                box.setChecked(c.id in (current or []))
                boxes[c.id] = box
                add(box)
            self.inputs["boxes"] = boxes
        elif kind == "yesno":
            add(self._yes_no(label, current))
        elif kind == "antibiotic":
            self.inputs["value"] = self._line(label, str(current or ""), tr("product name"))
            self.inputs["none"] = QCheckBox(tr("No antibiotic cream used"))
            self.inputs["none"].setChecked(current == "")
            add(self.inputs["value"])
            add(self.inputs["none"])
        elif kind == "minoxidil":
            cur = current if isinstance(current, dict) else {}
            self.inputs["product"] = self._line(tr("Minoxidil product"), str(cur.get("product", "")),
                                                tr("product name"))
            self.inputs["form"] = self._combo(tr("Minoxidil form"), [(c.id, c.label) for c in p.minoxidil_forms],
                                              cur.get("form"))
            self.inputs["strength"] = self._combo(tr("Minoxidil strength"),
                                                  [(s.id, tr(s.label)) for s in p.minoxidil_strengths],
                                                  cur.get("strength"))
            for widget in (self.inputs["product"], self.inputs["form"], self.inputs["strength"]):
                add(widget)
        elif kind == "home_roller":
            cur = current if isinstance(current, dict) else {}
            add(self._yes_no(tr("Uses a derma roller at home"), cur.get("uses")))
            b = p.bounds["home_roller_mm"]
            mm = cur.get("mm")
            self.inputs["mm"] = self._line("Home roller needle length in mm", "" if mm is None else str(mm),
                                           f"needle length, {b.min}–{b.max} mm")
            add(self.inputs["mm"])
        else:  # text, note, number, date
            hint = {"date": "YYYY-MM-DD", "number": "a number"}.get(kind, "")
            if field == "needle_mm":
                b = p.bounds["needle_length_mm"]
                hint = f"{b.min}–{b.max} mm"
            elif field == "prp_ml":
                b = p.bounds["prp_ml"]
                hint = f"{b.min}–{b.max} mL"
            self.inputs["value"] = self._line(label, "" if current is None else str(current), hint)
            add(self.inputs["value"])

    def new_value(self) -> object:
        """The new value as the person gave it, for the core to check."""
        kind = field_kind(self.current_field())
        i = self.inputs
        if "boxes" in i:
            return [item_id for item_id, box in i["boxes"].items() if box.isChecked()]
        if kind == "yesno":
            return True if i["yes"].isChecked() else False if i["no"].isChecked() else None
        if kind == "antibiotic":
            return "" if i["none"].isChecked() else i["value"].text()
        if kind == "minoxidil":
            return {"product": i["product"].text(), "form": i["form"].currentData() or "",
                    "strength": i["strength"].currentData() or ""}
        if kind == "home_roller":
            uses = True if i["yes"].isChecked() else False if i["no"].isChecked() else None
            return {"uses": uses, "mm": i["mm"].text()}
        widget = i["value"]
        return widget.currentData() if isinstance(widget, QComboBox) else widget.text()

    def save(self) -> None:
        message = self.owner.save_amendment(self.current_field(), self.new_value(), self.reason.text())
        if message is None:
            self.accept()
            return
        self.error.setText(message)  # the values typed stay as they are, to be corrected
        self.error.setVisible(bool(message))
