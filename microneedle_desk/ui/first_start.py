"""The first-start screen: the clinic's name and first practitioner, demo data to look
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
from microneedle_desk.core.validation import ValidationError
from microneedle_desk.settings import Settings
from microneedle_desk.store.store import Store, StoreError

if TYPE_CHECKING:
    from microneedle_desk.ui.main_window import MainWindow

DEMO_SESSIONS = 60


def needs_first_start(settings: Settings, store: Store) -> bool:
    return (not store.read_only and not store.practitioners() and not str(settings.get("clinic/name")).strip()
            and not store.is_demo())


def demo_dir(root: Path) -> Path:
    """Demo data lives beside the real folder, never inside it: ``<data>-demo``."""
    return root.with_name(root.name + "-demo")


def app_command() -> list[str]:
    """How to start this app again: the bundle's binary, or Python with the package."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    return [sys.executable, "-m", "microneedle_desk"]


class FirstStartDialog(QDialog):
    def __init__(self, window: MainWindow | None, settings: Settings | None = None,
                 store: Store | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent or window)
        self.window_ = window
        self.settings = settings or (window.ctx.settings if window else None)
        self.store = store or (window.ctx.store if window else None)
        assert self.settings is not None and self.store is not None
        self.setWindowTitle("Welcome to microneedle-desk")
        root = self.store.root
        self.demo_started: list[str] | None = None
        intro = QLabel("<h2>Welcome</h2><p>Two things before the first session: your clinic's name (it heads "
                       "every sheet and handout) and the first practitioner. Everything else can be set later "
                       "under Tools → Settings (Ctrl+,).</p>")
        intro.setWordWrap(True)
        self.clinic = QLineEdit()
        self.clinic.setAccessibleName("Clinic name")
        self.clinic.setPlaceholderText("e.g. Example Dermatology Clinic")
        self.practitioner = QLineEdit()
        self.practitioner.setAccessibleName("First practitioner")
        self.practitioner.setPlaceholderText("e.g. Dr A. Example")
        form = QFormLayout()
        for text, field in (("&Clinic name:", self.clinic), ("First &practitioner:", self.practitioner)):
            label = QLabel(text)
            label.setBuddy(field)
            form.addRow(label, field)
        keep = int(self.settings.get("store/backups_kept"))
        where = QLabel(
            f"<p><b>Where the records live:</b> {root}<br>Only this computer's user account can read them. "
            f"<p><b>Backups:</b> each day the app opens it copies the records into {paths.backups_dir(root)} "
            f"and keeps the last {keep}. Copy that folder to an external drive regularly; "
            "<code>microneedle-desk restore</code> puts a backup back, moving the current files aside.")
        where.setWordWrap(True)
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        where.setAccessibleName("Where the data lives and how backups work")
        self.error_label = QLabel()
        self.error_label.setObjectName("first_start_error")
        self.error_label.setStyleSheet("QLabel#first_start_error { color: #b00020; font-weight: bold; }")
        self.error_label.setAccessibleName("Error")
        self.error_label.hide()
        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton("&Save and start", QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setDefault(True)  # Enter in any field saves
        self.demo_button = QPushButton("Look around with &demo data")
        self.demo_button.setToolTip(f"Opens a second window on made-up patients kept in {demo_dir(root)}, "
                                    "apart from the real records")
        buttons.addButton(self.demo_button, QDialogButtonBox.ButtonRole.ActionRole)
        later = buttons.addButton("&Later", QDialogButtonBox.ButtonRole.RejectRole)
        later.setToolTip("Close this screen; it shows again until a clinic name or practitioner is set")
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
        self.error_label.show()

    def save(self) -> None:
        assert self.settings is not None and self.store is not None
        clinic, name = self.clinic.text().strip(), self.practitioner.text().strip()
        if not clinic or not name:
            self.show_error("Enter the clinic's name and the first practitioner's name.")
            (self.clinic if not clinic else self.practitioner).setFocus()
            return
        try:
            self.settings.set("clinic/name", clinic)
            self.store.add_practitioner(name)
            self.settings.set("ui/last_practitioner", name)
        except (ValidationError, StoreError) as exc:
            self.show_error(str(exc))
            return
        if self.window_ is not None:
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
                    self.show_error("The demo data could not be made: " + (result.stderr.strip() or "unknown error"))
                    return
        finally:
            QGuiApplication.restoreOverrideCursor()
        self.demo_started = [*command, "--data-dir", str(target)]
        QProcess.startDetached(self.demo_started[0], self.demo_started[1:])
