"""One session as recorded, read-only: its events, amendments and follow-ups, with buttons to
record a follow-up, amend a field, attach a photo and print the sheet or the handout; and who
may see it."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypedDict

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from microneedle_desk.core.accounts import may_see_session
from microneedle_desk.core.amendments import (
    display_value,
    field_label,
)
from microneedle_desk.core.followup import followup_text
from microneedle_desk.core.record_types import FollowupDoc
from microneedle_desk.core.records import is_uuid
from microneedle_desk.core.validation import ValidationError
from microneedle_desk.i18n import tr
from microneedle_desk.review.followup import add_followup, followups
from microneedle_desk.store.store import StoreError
from microneedle_desk.ui.context import who_is_working

if TYPE_CHECKING:
    from microneedle_desk.ui.context import UiContext


from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog

from microneedle_desk.core.amendments import make_amendment
from microneedle_desk.printing import jobs
from microneedle_desk.printing.render import page_layout, render
from microneedle_desk.ui.amend_dialog import AmendDialog
from microneedle_desk.ui.amend_form import amend_signed
from microneedle_desk.ui.amend_photo import AmendPhotoDialog
from microneedle_desk.ui.dialog_buttons import Button, take_or_cancel


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
def _event_text(event: Mapping[str, Any], ctx: UiContext) -> str:
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

    def save_followup(self, values: FollowupEntry) -> FollowupDoc | None:
        try:
            record = add_followup(self.ctx.store, self.session_id, by=who_is_working(self.ctx), **values)
        except (ValidationError, StoreError) as exc:
            QMessageBox.warning(self, tr("Follow-up not saved"), str(exc))
            return None
        self.refresh()
        return record

    def amend_dialog(self) -> AmendDialog:
        return AmendDialog(self.ctx, self.session_id, self, self)

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
            if not amend_signed(self.ctx, self.session_id, field, value, reason):
                return ""
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


class FollowupEntry(TypedDict):
    """What :class:`FollowupDialog` asks for, as :func:`add_followup` takes it (and checks it)."""

    on: str
    none: bool
    what: str
    severity: str
    note: str


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
        buttons = take_or_cancel(self, Button.Save)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def _none_toggled(self, on: bool) -> None:
        self.what.setEnabled(not on)
        self.severity.setEnabled(not on)

    def values(self) -> FollowupEntry:
        none = self.none.isChecked()
        return {"on": self.on.date().toString("yyyy-MM-dd"), "none": none,
                "what": "" if none else str(self.what.currentData() or ""),
                "severity": "" if none else str(self.severity.currentData() or ""),
                "note": self.note.toPlainText()}
