"""Sign-in, PIN prompts and the security part of the main window.

:class:`Security` is attached to the main window (one line there). It signs people in
(telling the clinic, :class:`~microneedle_desk.clinic.Clinic`, who is at the keyboard), is
the clinic's way to ask a practitioner for their PIN (the clinic decides when a PIN is
needed, checks it, and refuses a start, a sign-off or an override without it), locks
the window when idle or on "Lock now" (:mod:`~microneedle_desk.ui.window_lock`), logs opened
patient records, and shows admins the access log. Menus show only what the signed-in role
may do: other parts of the window register their role-bound actions with
:meth:`Security.guard` and check :meth:`Security.require` before they act;
:meth:`Security.record` logs what they did.

While the store has no account at all (a store from before accounts, or a test), nothing
is enforced; :meth:`Security.sign_in_at_start` (called by the app at start-up) creates the
first admin on a first start and asks everyone else to sign in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QAction

# The dialogs' Qt classes (QMessageBox, QDialogButtonBox, QFileDialog...) are imported where
# they are used: PySide sets up a class's enums when its name is first imported, and this
# part is attached at start-up.
from PySide6.QtWidgets import (
    QDialog,
    QMenu,
    QMessageBox,
)

from microneedle_desk.clinic import Cancelled
from microneedle_desk.core.accounts import Account, permitted
from microneedle_desk.core.record_types import AccessSubject, AmendmentDoc
from microneedle_desk.core.validation import ValidationError
from microneedle_desk.i18n import tr
from microneedle_desk.store.accounts import AccountBook
from microneedle_desk.ui import pin_prompt
from microneedle_desk.ui.context import who_is_working
from microneedle_desk.ui.language import role_name
from microneedle_desk.ui.sign_in_dialog import SignInDialog
from microneedle_desk.ui.window_lock import WindowLock

if TYPE_CHECKING:
    from microneedle_desk.ui.main_window import MainWindow


class Security(QObject):
    """The who-is-at-the-keyboard part of the main window."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        ctx = window.ctx
        controller = ctx.controller
        self.clinic = controller.clinic
        self.book: AccountBook = self.clinic.accounts
        # A store with accounts had its old practitioners made accounts when its accounts were
        # moved to their own file (store/accounts_file.py): only one without any can hold them
        # still, and the start then reads no patient before the sign-in dialog.
        if not ctx.store.read_only and not self.book.has_accounts():
            self.book.migrate_practitioners()
        self.clinic.ask_pin = self._ask_pin
        ctx.signer = self
        self.locking = WindowLock(window, self.set_current)
        # (actions that only some roles may use, and the permission each needs: see guard())
        self._guarded: list[tuple[QAction, str]] = []
        self._menus_pending = False
        menu = window.menuBar().addMenu(tr("&Account"))
        self.sign_in_action = window._action(menu, tr("&Sign in as…"), "Ctrl+Shift+I", self.sign_in)
        # Ctrl+Shift+P is Print preview (File menu)
        self.change_pin_action = window._action(menu, tr("&Change my PIN…"), "Ctrl+Shift+K", self.change_pin)
        self.lock_action = window._action(menu, tr("&Lock now"), "Ctrl+L", self.locking.lock)
        menu.addSeparator()
        self.manage_action = window._action(menu, tr("&Manage accounts…"), "Ctrl+Shift+U", self.manage_accounts)
        # Ctrl+Shift+L is Review > Cartridge lot recall
        self.access_log_action = window._action(menu, tr("&Access log…"), "Ctrl+Shift+G", self.show_access_log)
        page = window.patient_page
        page.table.selectionModel().selectionChanged.connect(self._patient_opened)
        printing = getattr(window, "print_actions", None)  # attached before this part: guard it from here
        for action in getattr(printing, "actions", {}).values():
            self.guard(action, "print")
        self._update_menus()
        self._cover_until_signed_in()

    def amend(self, session_id: str, field: str, value: object, reason: str) -> AmendmentDoc | None:
        """A correction signed by the signed-in person's PIN (None when they cancel).

        Before anyone has an account, corrections are stamped as sessions are: with the
        practitioner last picked.
        """
        by = ""
        if not self.enforcing:
            by = who_is_working(self.window.ctx)
        try:
            return self.clinic.amend(session_id, field, value, reason, by=by)
        except Cancelled:
            return None

    # -- state ------------------------------------------------------------------------
    @property
    def current(self) -> Account | None:
        """Who is signed in: the clinic's to know, shown here."""
        return self.clinic.current

    @current.setter
    def current(self, account: Account | None) -> None:
        self.clinic.sign_in_as(account)

    @property
    def locked(self) -> bool:
        """Whether the screen is locked: the clinic's state, which refuses entries while it is."""
        return self.clinic.locked

    @property
    def enforcing(self) -> bool:
        return self.clinic.enforcing

    def may(self, permission: str) -> bool:
        """Whether the signed-in person may do this (everything, while nobody has an account)."""
        return self.clinic.may(permission)

    def require(self, permission: str) -> Account | None:
        """The signed-in account when it may do this (None while nobody has an account);
        PermissionDenied with the core's message otherwise."""
        return self.clinic.require(permission)

    def record(self, action: str, subject: AccessSubject | None = None, detail: str = "") -> None:
        """One access-log record by the signed-in person (UUIDs only in ``subject``, never a name).

        Nothing is written while nobody has an account (there is no one to name)."""
        self.clinic.record(action, subject, detail)

    def guard(self, action: QAction, permission: str) -> None:
        """Show ``action`` only to those who may use it (the hook other parts of the window call)."""
        self._guarded.append((action, permission))
        action.setVisible(self.may(permission))
        if not self._menus_pending:  # whole menus follow once the window's parts are all attached
            self._menus_pending = True
            QTimer.singleShot(0, self, self._update_menus)

    def _update_menus(self) -> None:
        self._menus_pending = False
        enforcing = self.enforcing
        for action, permission in self._guarded:
            action.setVisible(not enforcing or permitted(permission, self.current))
        self.access_log_action.setVisible(permitted("see_access_log", self.current))
        self.manage_action.setVisible(permitted("manage_accounts", self.current))
        guarded = {id(action) for action, _ in self._guarded}
        for top in self.window.menuBar().actions():
            self._hide_if_empty(top, guarded)
        self.change_pin_action.setVisible(self.current is not None)
        self.lock_action.setVisible(self.current is not None)
        marker = " — " + tr("signed in:")
        base = self.window.windowTitle().split(marker)[0]
        if self.current is not None:
            base += f"{marker} {self.current.name} ({role_name(self.current.role)})"
        self.window.setWindowTitle(base)

    def _hide_if_empty(self, menu_action: QAction, guarded: set[int]) -> bool:
        """A (sub)menu holding role-bound entries shows only when one of its entries shows.
        Returns whether the menu holds any role-bound entry."""
        menu = menu_action.menu()
        if not isinstance(menu, QMenu):
            return id(menu_action) in guarded
        entries = [a for a in menu.actions() if not a.isSeparator()]
        bound = [self._hide_if_empty(a, guarded) for a in entries]
        if any(bound):
            menu_action.setVisible(any(a.isVisible() for a in entries))
        return any(bound)

    # -- sign-in ------------------------------------------------------------------------
    def sign_in_at_start(self) -> bool:
        """First start: create the first admin; otherwise sign in. False when the person cancelled."""
        if self.window.ctx.store.read_only:
            return True
        dialog = SignInDialog(self.clinic, self.window, first_admin=self.book.needs_first_admin())
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.account is None:
            return False
        self.set_current(dialog.account)
        return True

    def sign_in(self) -> None:
        dialog = SignInDialog(self.clinic, self.window, first_admin=self.book.needs_first_admin())
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.account is not None:
            self.set_current(dialog.account)

    def set_current(self, account: Account | None) -> None:
        self.current = account
        self._update_menus()
        self._cover_until_signed_in()
        self.window.patient_page.reload_people()  # the signed-in person is the one picked to start

    def _cover_until_signed_in(self) -> None:
        """Nothing of a patient shows while nobody is signed in (e.g. behind the sign-in dialog)."""
        central = self.window.centralWidget()
        if central is None or self.locked:
            return
        central.setVisible(self.current is not None or not self.enforcing or self.window.ctx.store.read_only)

    def change_pin(self) -> None:
        if self.current is None:
            return
        old = pin_prompt.ask_pin(self.window, self.current.name, "confirm it is you (current PIN)")
        if old is None:
            return
        new = pin_prompt.ask_pin(self.window, self.current.name, "set as your new PIN")
        if new is None:
            return
        try:
            self.clinic.change_pin(old, new)
        except ValidationError as exc:
            self.window.statusBar().showMessage(exc.message, 10000)
            return
        self.window.statusBar().showMessage(tr("Your PIN was changed."), 10000)

    # -- signatures ---------------------------------------------------------------------
    def _ask_pin(self, account: Account, purpose: str) -> str | None:
        """The clinic's PIN prompt: a dialog over the window (``ask_pin``, which tests replace)."""
        return pin_prompt.ask_pin(self.window, account.name, purpose)

    # -- access log ---------------------------------------------------------------------
    def _patient_opened(self, *_: Any) -> None:
        patient = self.window.patient_page.selected
        if patient is not None:
            self.clinic.open_patient_record(patient)

    def show_access_log(self) -> QDialog | None:
        """Admins: the access log, for the chosen patient when one is chosen ("who looked at this record")."""

        from microneedle_desk.ui.access_log_dialog import AccessLogDialog  # noqa: PLC0415 (kept off the start-up path until first used)

        patient = self.window.patient_page.selected
        try:
            dialog = AccessLogDialog(self.book, self.current, self.window,
                                     patient_id=patient.id if patient else None)
        except ValidationError as exc:
            QMessageBox.warning(self.window, tr("Access log"), exc.message)
            return None
        dialog.show()
        return dialog

    def manage_accounts(self) -> QDialog | None:
        """Admins: add, retire, reset and change the role of accounts."""

        from microneedle_desk.ui.accounts_dialog import AccountsDialog  # noqa: PLC0415 (kept off the start-up path until first used)

        try:
            dialog = AccountsDialog(self.book, self.current, self.window)
        except ValidationError as exc:
            QMessageBox.warning(self.window, tr("Accounts"), exc.message)
            return None
        dialog.changed.connect(self._accounts_changed)
        dialog.show()
        return dialog

    def _accounts_changed(self) -> None:
        if self.current is not None:  # the signed-in admin's own role or state may have changed
            self.current = self.book.account(self.current.id)
            if self.current is not None and not self.current.active:
                self.current = None
        self._update_menus()
