"""Settings → Backups: the clinic's backup key and the second location (admins only).

Every change goes through the clinic's backup commands (clinic/backups.py), which check the
signed-in person may change settings; this page only shows and asks.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QFontDatabase, QTextDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from microneedle_desk.core.validation import ValidationError
from microneedle_desk.i18n import tr

if TYPE_CHECKING:
    from microneedle_desk.clinic import Clinic


class RecoveryKeyDialog(QDialog):
    """The private key, shown once: print it or save it off the laptop; it is kept nowhere."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text = text
        self.setWindowTitle(tr("Recovery key"))
        about = QLabel(tr(
            "This is the only copy of the recovery key: without it no encrypted backup can be opened, "
            "by anyone. Print it, or save it to a USB stick kept apart from this laptop, and keep it "
            "locked away. It is not kept on this laptop."))
        about.setWordWrap(True)
        self.view = QPlainTextEdit(text)
        self.view.setReadOnly(True)
        self.view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)  # a key broken at its hyphen misleads
        self.view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.view.setAccessibleName(tr("Recovery key"))
        print_button = QPushButton(tr("&Print…"))
        print_button.clicked.connect(self.print_key)
        save_button = QPushButton(tr("&Save to a file…"))
        save_button.clicked.connect(self.save_key)
        done = QPushButton(tr("I have &kept it"))
        done.clicked.connect(self.accept)
        self.note = QLabel()
        self.note.setWordWrap(True)
        row = QHBoxLayout()
        for button in (print_button, save_button, done):
            row.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(about)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.note)
        layout.addLayout(row)
        self.resize(620, 300)

    def print_key(self) -> None:
        printer = QPrinter()
        if QPrintDialog(printer, self).exec() == QDialog.DialogCode.Accepted:
            document = QTextDocument()
            document.setPlainText(tr("microneedle-desk backup recovery key") + "\n\n" + self.text)
            document.print_(printer)
            self.note.setText(tr("Sent to the printer."))

    def save_key(self) -> None:
        name, _filter = QFileDialog.getSaveFileName(self, tr("Save the recovery key (on a USB stick)"),
                                                    "backup-recovery-key.txt")
        if name:
            self.note.setText(write_recovery_key(Path(name), self.text))


def write_recovery_key(path: Path, text: str) -> str:
    """Write the key to a new file readable by its owner only; what happened, in a sentence."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        return tr("{path} was not written ({why}); choose a new file name.").format(path=path,
                                                                                   why=exc.strerror or exc)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(text)
    return tr("Saved to {path}. Keep that drive apart from this laptop.").format(path=path)


class BackupsPage(QWidget):
    def __init__(self, clinic: Clinic, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.clinic = clinic
        self.key_label = QLabel()
        self.key_label.setWordWrap(True)
        self.key_button = QPushButton()
        self.key_button.clicked.connect(self.make_key)
        self.location = QLineEdit(str(clinic.backups.second_location() or ""))
        self.location.setPlaceholderText(tr("e.g. /media/usb/clinic-backups (empty: none)"))
        self.location.setAccessibleName(tr("Second location"))
        choose = QPushButton(tr("C&hoose…"))
        choose.clicked.connect(self.choose)
        use = QPushButton(tr("&Use this location"))
        use.clicked.connect(self.use_location)
        self.message = QLabel()
        self.message.setObjectName("backups_message")
        self.message.setWordWrap(True)
        self.status = QLabel()
        self.status.setWordWrap(True)
        about = QLabel(tr(
            "Every day's backup is kept in the data folder. With a backup key and a second location (a USB "
            "drive or a network folder), it is also copied there, encrypted to the key, whenever that location "
            "is reachable. This laptop can write those copies but cannot read them: restoring one needs the "
            "recovery key."))
        about.setWordWrap(True)
        where = QHBoxLayout()
        where.addWidget(self.location, 1)
        where.addWidget(choose)
        where.addWidget(use)
        layout = QVBoxLayout(self)
        layout.addWidget(about)
        layout.addWidget(self.key_label)
        layout.addWidget(self.key_button)
        layout.addWidget(QLabel(tr("Second location:")))
        layout.addLayout(where)
        layout.addWidget(self.message)
        layout.addWidget(self.status)
        layout.addStretch(1)
        self.show_state()

    def show_state(self) -> None:
        key = self.clinic.backups.key()
        if key is None:
            self.key_label.setText(tr("No backup key yet: make one before choosing a second location."))
            self.key_button.setText(tr("&Make the backup key…"))
        else:
            self.key_label.setText(tr("Backup key {key}, made {made}.").format(key=key.key_id, made=key.made[:10]))
            self.key_button.setText(tr("&Replace the backup key…"))
        self.status.setText(self.clinic.backups.status())

    def make_key(self) -> None:
        replace = self.clinic.backups.key() is not None
        if replace and QMessageBox.question(self, tr("Replace the backup key"), tr(
                "Later backups will need the new recovery key; backups made before still open with the old "
                "one, so keep it too. Replace the key?")) != QMessageBox.StandardButton.Yes:
            return
        try:
            text = self.clinic.backups.make_key(replace=replace)
        except ValidationError as exc:
            self.message.setText(exc.message)
            return
        RecoveryKeyDialog(text, self).exec()
        del text
        self.message.setText(tr("The backup key was made. Only its public part is kept on this laptop."))
        self.show_state()

    def choose(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, tr("Second location for the encrypted backups"),
                                                  self.location.text())
        if folder:
            self.location.setText(folder)

    def use_location(self) -> bool:
        try:
            self.clinic.backups.set_second_location(self.location.text())
        except ValidationError as exc:
            self.message.setText(exc.message)
            return False
        self.message.setText(tr("Saved. The day's backup goes there whenever it is reachable.")
                             if self.location.text().strip() else tr("No second location: backups stay here only."))
        self.show_state()
        return True
