"""The first-start screen: the clinic's name and the first account, demo data to look
around with (in a separate data folder, never mixed with real records), and where the
data lives and how it is backed up."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QProcess, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from microneedle_desk import paths
from microneedle_desk.core.accounts import Account
from microneedle_desk.core.validation import ValidationError
from microneedle_desk.i18n import tr
from microneedle_desk.settings import Settings
from microneedle_desk.store.accounts import AccountBook
from microneedle_desk.store.store import Store, StoreError
from microneedle_desk.ui.colours import error_style
from microneedle_desk.ui.pin_field import PinField

if TYPE_CHECKING:
    from microneedle_desk.ui.main_window import MainWindow

DEMO_SESSIONS = 60


def needs_first_start(settings: Settings, store: Store) -> bool:
    """A writable real data folder with nobody in it yet: the first person must make their account."""
    return not store.read_only and not store.has_accounts() and not store.is_demo()


def demo_dir(root: Path) -> Path:
    """Demo data lives beside the real folder, never inside it: ``<data>-demo``."""
    return root.with_name(root.name + "-demo")


def app_command() -> list[str]:
    """How to start this app again: the bundle's binary, or Python with the package."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    return [sys.executable, "-m", "microneedle_desk"]


class FirstStartDialog(QDialog):
    """The clinic's name and the first person's own account (admin and practitioner, with a PIN).

    One person is one account: the name picked when a session starts is an account whose PIN
    signs it, so this screen makes that account and signs its owner in."""

    def __init__(self, window: MainWindow | None, settings: Settings | None = None,
                 store: Store | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent or window)
        self.window_ = window
        self.settings = settings or (window.ctx.settings if window else None)
        self.store = store or (window.ctx.store if window else None)
        assert self.settings is not None and self.store is not None
        security = getattr(window, "security", None) if window is not None else None
        self.book = security.book if security is not None else AccountBook(self.store)
        self.account: Account | None = None
        self.setWindowTitle(tr("Welcome to microneedle-desk"))
        root = self.store.root
        self.demo_started: list[str] | None = None
        intro = QLabel(tr(
            "<h2>Welcome</h2><p>Before the first session: your clinic's name (it heads every sheet and "
            "handout) and your own account. You will be the first admin and a practitioner; your PIN "
            "starts and signs your sessions. Colleagues get their own accounts later, under "
            "Account › Manage accounts. Everything else can be set under Tools › Settings (Ctrl+,).</p>"))
        intro.setWordWrap(True)
        self.clinic = QLineEdit()
        self.clinic.setAccessibleName(tr("Clinic name"))
        self.clinic.setPlaceholderText(tr("e.g. Example Dermatology Clinic"))
        self.practitioner = QLineEdit()
        self.practitioner.setAccessibleName(tr("Your name"))
        self.practitioner.setPlaceholderText(tr("e.g. Dr A. Example"))
        self.pin = PinField()
        self.pin.setAccessibleName(tr("Your PIN"))
        self.pin.setPlaceholderText(tr("6 or more digits, or a passphrase of 12 or more characters"))
        self.pin_again = PinField()
        self.pin_again.setAccessibleName(tr("Your PIN again"))
        form = QFormLayout()
        for text, field in ((tr("&Clinic name:"), self.clinic), (tr("&Your name:"), self.practitioner),
                            (tr("&PIN:"), self.pin), (tr("PIN a&gain:"), self.pin_again)):
            label = QLabel(text)
            label.setBuddy(field)
            form.addRow(label, field)
        keep = int(self.settings.get("store/backups_kept"))
        where = QLabel(tr(
            "<p><b>Where the records live:</b> {root}<br>Only this computer's user account can read them. "
            "<p><b>Backups:</b> each day the app opens it copies the records into {backups} "
            "and keeps the last {keep}. Copy that folder to an external drive regularly; "
            "<code>microneedle-desk restore</code> puts a backup back, moving the current files aside.").format(
            root=root, backups=paths.backups_dir(root), keep=keep))
        where.setWordWrap(True)
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label = QLabel()
        self.error_label.setObjectName("first_start_error")
        self.error_label.setStyleSheet(f"QLabel#first_start_error {{ {error_style()} }}")
        self.error_label.hide()
        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton(tr("&Save and start"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setDefault(True)  # Enter in any field saves
        self.demo_button = QPushButton(tr("Look around with &demo data"))
        self.demo_button.setAutoDefault(False)
        self.demo_button.setToolTip(tr("Opens a second window on made-up patients kept in {folder}, "
                                       "apart from the real records").format(folder=demo_dir(root)))
        buttons.addButton(self.demo_button, QDialogButtonBox.ButtonRole.ActionRole)
        later = buttons.addButton(tr("&Quit"), QDialogButtonBox.ButtonRole.RejectRole)
        later.setAutoDefault(False)
        later.setToolTip(tr("Close the app; this screen shows again at the next start"))
        self.save_button.clicked.connect(self.save)
        self.demo_button.clicked.connect(self.open_demo)
        later.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(where)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.setMinimumWidth(560)

    def show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.setAccessibleName(message)
        self.error_label.show()

    def save(self) -> None:
        assert self.settings is not None and self.store is not None
        clinic, name = self.clinic.text().strip(), self.practitioner.text().strip()
        missing = [(field, text) for field, text in (
            (self.clinic, tr("the clinic's name")), (self.practitioner, tr("your name")),
            (self.pin, tr("a PIN"))) if not field.text().strip()]
        if missing:
            self.show_error(tr("Enter {what}.").format(what=tr(" and ").join(text for _, text in missing)))
            missing[0][0].setFocus()
            return
        if self.pin.pin() != self.pin_again.pin():
            self.show_error(tr("The two PINs differ: type the same PIN in both fields."))
            self.pin_again.clear()
            self.pin_again.setFocus()
            return
        try:
            account = self.book.create_first_admin(name, self.pin.pin())
            self.settings.set("clinic/name", clinic)
        except (ValidationError, StoreError) as exc:
            self.show_error(str(exc))
            return
        self.account = account
        self.settings.set("ui/last_practitioner", account.name)
        if self.window_ is not None:
            security = getattr(self.window_, "security", None)
            if security is not None:
                security.set_current(account)
            self.window_.patient_page.reload()
        self.accept()

    def open_demo(self) -> None:
        """Fill ``<data>-demo`` with demo sessions (once) and open a second app window on it."""
        assert self.store is not None
        target = demo_dir(self.store.root)
        command = app_command()
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            if not (target / "meta.json").exists():
                result = subprocess.run([*command, "demo-data", "--sessions", str(DEMO_SESSIONS),
                                         "--data-dir", str(target)], capture_output=True, text=True, check=False)
                if result.returncode != 0:
                    self.show_error(tr("The demo data could not be made: {why}").format(
                        why=result.stderr.strip() or tr("unknown error")))
                    return
        finally:
            QGuiApplication.restoreOverrideCursor()
        self.demo_started = [*command, "--data-dir", str(target)]
        QProcess.startDetached(self.demo_started[0], self.demo_started[1:])
