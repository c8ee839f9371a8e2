"""Printing from the app: File-menu actions attached to the main window as one small part.

Print preview, Print and Save as PDF for the current (or last) session's sheet, its
aftercare handout, every sheet of a chosen day and the blank sheet. All three outputs go
through :func:`microneedle_desk.printing.render.render`: the preview dialog's
``paintRequested`` is connected to it, so what is previewed is what is printed.
With accounts, printing needs a signed-in person, and each preview, print and PDF goes
into the access log (session and patient by UUID).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, QObject, QStandardPaths
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDateEdit, QDialog, QFileDialog, QLabel, QMenu, QMessageBox, QVBoxLayout

from microneedle_desk.core.record_types import AccessSubject
from microneedle_desk.core.validation import ValidationError
from microneedle_desk.i18n import N_, tr
from microneedle_desk.store.store import StoreError
from microneedle_desk.ui.dialog_buttons import take_or_cancel

if TYPE_CHECKING:
    from PySide6.QtPrintSupport import QPrinter

    from microneedle_desk.printing.content import PrintDoc
    from microneedle_desk.ui.main_window import MainWindow

# The printing machinery (QtPrintSupport, the renderer) is imported on first use, not at
# start-up: building the main window must stay cheap. So are the dialogs' Qt classes
# (QDateEdit, QDialogButtonBox, QFileDialog, QMessageBox...): PySide sets up a class's enums
# when its name is first imported, which would fall on the part's attaching at start-up.
def _jobs() -> Any:
    from microneedle_desk.printing import jobs  # noqa: PLC0415 (kept off the start-up path until first used)

    return jobs


def _blank() -> Any:
    from microneedle_desk.printing import blank  # noqa: PLC0415 (kept off the start-up path until first used)

    return blank


def _render() -> Any:
    from microneedle_desk.printing import render  # noqa: PLC0415 (kept off the start-up path until first used)

    return render


TARGETS = {
    "sheet": N_("session sheet"),
    "handout": N_("aftercare handout"),
    "day": N_("day's sheets"),
    "blank": N_("blank sheet"),
}


class PrintActions(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.ctx = window.ctx
        self.menu = self._file_menu()
        self.actions: dict[tuple[str, str], QAction] = {}
        # before Quit (the menu's last entry), after what the menu already holds
        first = self.menu.actions()[-1] if self.menu.actions() else None
        ops: list[tuple[str, str, object]] = [
            ("preview", tr("Print pre&view…"), "Ctrl+Shift+P"),
            ("print", tr("&Print…"), QKeySequence.StandardKey.Print),
            ("pdf", tr("Save as P&DF…"), "Ctrl+Shift+D"),
        ]
        for op, text, shortcut in ops:  # the session sheet: top level, with shortcuts
            self._add(self.menu, "sheet", op, text, shortcut, before=first)
        for what, title in (("handout", tr("Aftercare &handout")), ("day", tr("All sheets of a da&y")),
                            ("blank", tr("&Blank sheet"))):
            sub = QMenu(title, self.menu)
            for op, text, _ in ops:
                self._add(sub, what, op, text, None)
            self.menu.insertMenu(first, sub) if first else self.menu.addMenu(sub)
        if first is not None:
            self.menu.insertSeparator(first)
        self.printed: list[str] = []  # the sessions in the documents last gathered (for the access log)
        signer = self.ctx.signer  # accounts: printing needs a signed-in person
        if signer is not None:
            for action in self.actions.values():
                signer.guard(action, "print")

    # -- menu -------------------------------------------------------------------------
    def _file_menu(self) -> QMenu:
        bar = self.window.menuBar()
        for action in bar.actions():
            menu = action.menu()
            if isinstance(menu, QMenu) and action.text().replace("&", "") in ("File", "Session"):
                return menu
        menu = QMenu(tr("&File"), bar)
        bar.insertMenu(bar.actions()[0] if bar.actions() else None, menu)  # type: ignore[arg-type]
        return menu

    def _add(self, menu: QMenu, what: str, op: str, text: str, shortcut: object,
             before: QAction | None = None) -> None:
        action = QAction(text, self.window)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))  # type: ignore[call-overload]
        keys = f" ({action.shortcut().toString()})" if shortcut is not None else ""
        action.setToolTip(f"{text.replace('&', '').rstrip('…')}: {TARGETS[what]}{keys}")
        handler: Callable[[str], None] = {"preview": self.preview, "print": self.print_, "pdf": self.save_pdf}[op]
        action.triggered.connect(lambda _=False, w=what, h=handler: h(w))
        if before is not None:
            menu.insertAction(before, action)
        else:
            menu.addAction(action)
        self.window.addAction(action)
        self.actions[(what, op)] = action

    # -- what to print ----------------------------------------------------------------------
    def session_id(self) -> str | None:
        """The open session, else the most recent finished one."""
        session = self.ctx.controller.session
        if session is not None:
            return session.id
        latest: str | None = _jobs().latest_session(self.ctx.store)
        return latest

    def printed_by(self) -> str:
        session = self.ctx.controller.session
        if session is not None:
            return self.ctx.store.practitioner_name(session.state.practitioner_id)
        return str(self.ctx.settings.get("ui/last_practitioner")) or _jobs().os_user()

    def ask_day(self) -> date | None:
        dialog = QDialog(self.window)
        dialog.setWindowTitle(tr("Print a day's sheets"))
        edit = QDateEdit(QDate.currentDate())
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        buttons = take_or_cancel(dialog)
        layout = QVBoxLayout(dialog)
        layout.addWidget(QLabel(tr("Every session started on this day goes into one printout:")))
        layout.addWidget(edit)
        layout.addWidget(buttons)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return date.fromisoformat(edit.date().toString("yyyy-MM-dd"))

    def docs(self, what: str) -> list[PrintDoc] | None:
        """The documents for ``what``; None (after telling the user) if there is nothing."""
        store, clinic, now = self.ctx.store, _jobs().clinic_info(self.ctx.settings), self.ctx.clock.now()
        self.printed = []
        if what == "blank":
            return [_blank().blank_sheet(self.ctx.protocol, clinic, self.printed_by(), now)]
        if what == "day":
            day = self.ask_day()
            if day is None:
                return None
            ids = _jobs().sessions_of_day(store, day)
            if not ids:
                self.warn(tr("No session was started on {isoformat}.").format(isoformat=day.isoformat()))
                return None
            self.printed = list(ids)
            return [_jobs().sheet_for(store, sid, clinic, self.printed_by(), now) for sid in ids]
        sid = self.session_id()
        if sid is None:
            self.warn(tr("There is no session to print yet."))
            return None
        self.printed = [sid]
        if what == "handout":
            return [_jobs().handout_for(store, sid, clinic, now)]
        return [_jobs().sheet_for(store, sid, clinic, self.printed_by(), now)]

    def _safe_docs(self, what: str) -> list[PrintDoc] | None:
        try:
            if self.ctx.signer is not None:
                self.ctx.signer.require("print")
            return self.docs(what)
        except (_jobs().NotFoundError, StoreError, ValidationError) as exc:
            self.warn(tr("The {value} cannot be printed: {value2}").format(
                         value=tr(TARGETS[what]), value2=getattr(exc, 'message', '') or exc))
            return None

    def record(self, what: str, how: str) -> None:
        """Into the access log: one record per session printed (UUIDs only), or one for a blank sheet."""
        signer = self.ctx.signer
        if signer is None:
            return
        detail = f"{TARGETS[what]}, {how}"
        if not self.printed:
            signer.record("printed", detail=detail)
        for sid in self.printed:
            signer.record("printed", subject=self._subject(sid), detail=detail)

    def _subject(self, session_id: str) -> AccessSubject:
        session = self.ctx.controller.session
        if session is not None and session.id == session_id:
            patient_id = session.state.patient_id
        else:
            row = self.ctx.store.summary(session_id)
            patient_id = str(row.get("patient_id", "")) if row else ""
        return {"session_id": session_id, "patient_id": patient_id} if patient_id else {"session_id": session_id}

    # -- the three outputs ---------------------------------------------------------------------
    def _printer(self) -> QPrinter:
        from PySide6.QtPrintSupport import QPrinter  # noqa: PLC0415 (kept off the start-up path until first used)

        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setPageLayout(_render().page_layout(_jobs().default_paper(self.ctx.settings)))
        return printer

    def paint(self, docs: list[PrintDoc], printer: QPrinter) -> bool:
        try:
            _render().render(docs, printer)
        except _render().RenderError as exc:
            self.warn(tr("Printing failed: {exc}").format(exc=exc))
            return False
        return True

    def preview(self, what: str = "sheet") -> None:
        docs = self._safe_docs(what)
        if docs is None:
            return
        printer = self._printer()  # kept alive here: the dialog does not own it
        from PySide6.QtPrintSupport import QPrintPreviewDialog  # noqa: PLC0415 (kept off the start-up path until first used)

        dialog = QPrintPreviewDialog(printer, self.window)
        dialog.setWindowTitle(tr("Print preview — {value}").format(value=tr(TARGETS[what])))
        dialog.paintRequested.connect(lambda printer: self.paint(docs, printer))
        self.record(what, "print preview (it may be printed from there)")
        dialog.exec()

    def print_(self, what: str = "sheet") -> None:
        docs = self._safe_docs(what)
        if docs is None:
            return
        printer = self._printer()
        from PySide6.QtPrintSupport import QPrintDialog  # noqa: PLC0415 (kept off the start-up path until first used)

        dialog = QPrintDialog(printer, self.window)
        dialog.setWindowTitle(tr("Print the {value}").format(value=tr(TARGETS[what])))
        if dialog.exec() == QDialog.DialogCode.Accepted and self.paint(docs, printer):
            self.record(what, "printed")

    def ask_pdf_path(self, suggested: str, title: str = "") -> str:
        # in the person's documents folder, not wherever the program was started from
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        start = str(Path(folder) / suggested) if folder and Path(folder).is_dir() else suggested
        path, _ = QFileDialog.getSaveFileName(self.window, title or tr("Save as PDF"), start,
                                              tr("PDF files (*.pdf)"))
        return path

    @staticmethod
    def pdf_name(what: str, docs: list[PrintDoc], day: str) -> tuple[str, str]:
        """A file name that says whose document it is, and the dialog's title naming it."""
        heading = dict(docs[0].patient) if len(docs) == 1 else {}
        clinic_id = "".join(c for c in heading.get("Clinic ID", "") if c.isalnum() or c in "-_")
        name = "-".join(part for part in (what, clinic_id, day) if part) + ".pdf"
        who = ", ".join(v for k, v in docs[0].patient if k in ("Patient", "Clinic ID", "Session date") and v) \
            if len(docs) == 1 else ""
        title = tr("Save the {what} of {who} as PDF").format(what=tr(TARGETS[what]), who=who) if who \
            else tr("Save the {what} as PDF").format(what=tr(TARGETS[what]))
        return name, title

    def save_pdf(self, what: str = "sheet") -> None:
        docs = self._safe_docs(what)
        if docs is None:
            return
        name, title = self.pdf_name(what, docs, self.ctx.clock.now().strftime("%Y-%m-%d"))
        path = self.ask_pdf_path(name, title)
        if not path:
            return
        if not path.lower().endswith(".pdf"):
            path += ".pdf"
        try:
            pages = _render().write_pdf(docs, path, _jobs().default_paper(self.ctx.settings))
        except (_render().RenderError, OSError) as exc:
            self.warn(tr("The PDF could not be saved: {exc}").format(exc=exc))
            return
        self.record(what, "saved as PDF")
        self.window.statusBar().showMessage(tr("Saved the {value} as PDF ({pages} page(s)).").format(
                                               value=tr(TARGETS[what]), pages=pages), 10000)

    def warn(self, message: str) -> None:
        self.window.statusBar().showMessage(message, 15000)
        QMessageBox.warning(self.window, tr("Printing"), message)
