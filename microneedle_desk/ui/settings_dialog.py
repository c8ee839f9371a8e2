"""The settings dialog: one form over the typed registry (:mod:`microneedle_desk.settings`).

Every field is built from the registry's options, so labels, bounds and defaults live in
one place. Numbers are typed, not spun: a value outside its bounds is refused on Save with
the registry's own message, and nothing is saved until every field is valid.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence

# The dialogs' Qt classes (QMessageBox, QDialogButtonBox, QFileDialog...) are imported where
# they are used: PySide sets up a class's enums when its name is first imported, and this
# part is attached at start-up.
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from microneedle_desk.clinic.server_sync import DSN_KEY
from microneedle_desk.core.validation import ValidationError
from microneedle_desk.i18n import LANGUAGE_NAMES, N_, tr
from microneedle_desk.server.connection import dsn_problem
from microneedle_desk.settings import Settings
from microneedle_desk.ui.colours import error_style
from microneedle_desk.ui.dialog_buttons import Button, take_or_cancel

if TYPE_CHECKING:
    from microneedle_desk.clinic import Clinic
    from microneedle_desk.store.store import Store
    from microneedle_desk.ui.main_window import MainWindow

MODIFIER_KEYS = {Qt.Key.Key_Shift, Qt.Key.Key_Control, Qt.Key.Key_Alt, Qt.Key.Key_Meta, Qt.Key.Key_AltGr}


class KeyCapture(QPushButton):
    """Click, then press the pedal (or any key): the key it sends is recorded. Esc cancels."""

    def __init__(self, sequence: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.sequence = sequence
        self.capturing = False
        self.clicked.connect(self.start)
        self._show()

    def _show(self) -> None:
        shown = QKeySequence(self.sequence).toString() or "none"
        self.setText(tr("Press the pedal now…") if self.capturing
                     else tr("{shown}   (click, then press the pedal)").format(shown=shown))

    def start(self) -> None:
        self.capturing = True
        self.setFocus()
        self.grabKeyboard()
        self._show()

    def _stop(self) -> None:
        self.capturing = False
        self.releaseKeyboard()
        self._show()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not self.capturing:
            super().keyPressEvent(event)
            return
        key = Qt.Key(event.key())
        if key in MODIFIER_KEYS or key == Qt.Key.Key_unknown:
            return
        if key != Qt.Key.Key_Escape:
            self.sequence = QKeySequence(event.keyCombination()).toString(QKeySequence.SequenceFormat.PortableText)
        self._stop()


CHOICE_NAMES = (N_("Letter"),)  # the choices shown by name (through tr() where shown)


def option_label(key: str, label: str, settings: Settings) -> str:
    """The option's label in the person's language (the per-indication ones name the indication)."""
    for prefix, text in (("protocol/needle_mm/", N_("Default needle length, {indication} (mm)")),
                         ("protocol/interval_days/", N_("Session interval, {indication} (days)"))):
        if key.startswith(prefix):
            indication = settings.protocol.indication(key[len(prefix):])
            return tr(text).format(indication=tr(indication.label))
    return tr(label)


class SettingsDialog(QDialog):
    TABS: tuple[tuple[str, tuple[str, ...]], ...] = (
        (N_("&Clinic"), ("clinic/", "security/")),
        (N_("P&rotocol"), ("protocol/", "store/")),
        (N_("&Alerts and keys"), ("alerts/", "room/")),
        (N_("Ph&otos"), ("photos/",)),
    )

    def __init__(self, settings: Settings, store: Store | None = None, parent: QWidget | None = None,
                 clinic: Clinic | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.store = store
        self.clinic = clinic  # saves the settings (admins only: the clinic checks)
        self.server = clinic.server if clinic is not None else None  # the server is set through the Clinic (admins)
        self.changed_keys: list[str] = []  # what the last Save changed (for the access log)
        self.setWindowTitle(tr("Settings"))
        self.fields: dict[str, QWidget] = {}
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName(tr("Settings sections"))
        for title, prefixes in self.TABS:
            page = QWidget()
            form = QFormLayout(page)
            for key, opt in settings.options.items():
                if key.startswith(prefixes):
                    shown = option_label(key, opt.label, settings)
                    widget = self._field(key, shown)
                    label = QLabel(tr("{label}:").format(label=shown))
                    label.setBuddy(widget)
                    form.addRow(label, widget)
            self.tabs.addTab(page, tr(title))
        if clinic is not None and not clinic.store.read_only:
            from microneedle_desk.ui.backups_page import BackupsPage  # noqa: PLC0415 (kept off the start-up path until first used)

            self.backups_page = BackupsPage(clinic)
            self.tabs.addTab(self.backups_page, tr("&Backups"))
        if self.server is not None:
            self.tabs.addTab(self._server_page(), tr("Clinic &server"))
        self.tabs.setCurrentIndex(0)
        self.error_label = QLabel()
        self.error_label.setObjectName("settings_error")
        self.error_label.setStyleSheet(f"QLabel#settings_error {{ {error_style()} }}")
        self.error_label.setWordWrap(True)
        self.error_label.setAccessibleName(tr("Error"))
        self.error_label.hide()
        buttons = take_or_cancel(self, Button.Save, self.save)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.resize(640, 520)

    # -- building ------------------------------------------------------------------------
    def _field(self, key: str, label: str) -> QWidget:
        opt = self.settings.options[key]
        value = self.settings.get(key)
        widget: QWidget
        if key.startswith("room/") and key.endswith("_key"):
            widget = KeyCapture(str(value))
        elif key == "clinic/language":
            combo = QComboBox()
            combo.addItem(tr("As the system (takes effect at the next start)"), "")
            for code in opt.choices[1:]:
                combo.addItem(LANGUAGE_NAMES.get(code, code), code)
            combo.setCurrentIndex(max(0, combo.findData(value)))
            widget = combo
        elif opt.choices:
            combo = QComboBox()
            for choice in opt.choices:
                combo.addItem(choice.upper() if len(choice) <= 2 or choice == "a4" else tr(choice.capitalize()), choice)
            combo.setCurrentIndex(max(0, combo.findData(value)))
            widget = combo
        elif opt.kind is bool:
            box = QCheckBox()
            box.setChecked(bool(value))
            widget = box
        elif key == "clinic/logo":
            widget = self._logo_field(str(value))
        else:
            edit = QLineEdit(str(value))
            if opt.minimum is not None:
                edit.setPlaceholderText(f"{opt.minimum}–{opt.maximum}")
                edit.setToolTip(tr("{label}: {minimum}–{maximum} (default {default})").format(
                                   label=label, minimum=opt.minimum, maximum=opt.maximum, default=opt.default))
            widget = edit
        widget.setAccessibleName(label)
        self.fields[key] = widget
        return widget

    def _server_page(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.dsn = QLineEdit(str(self.settings.get(DSN_KEY)))
        self.dsn.setAccessibleName(tr("Clinic server address"))
        self.dsn.setPlaceholderText("postgresql://desk1@clinic-server/clinic")
        self.dsn.setToolTip(tr("A libpq connection string or URI. The password goes in ~/.pgpass or a service "
                               "file, never here."))
        label = QLabel(tr("Server (libpq address):"))
        label.setBuddy(self.dsn)
        form.addRow(label, self.dsn)
        test = QPushButton(tr("&Test connection"))
        test.setAccessibleName(tr("Test the connection to the clinic server"))
        test.clicked.connect(self.test_server)
        self.server_answer = QLabel()
        self.server_answer.setWordWrap(True)
        self.server_answer.setAccessibleName(tr("Clinic server test result"))
        form.addRow(test, self.server_answer)
        note = QLabel(tr("When a server is set, this laptop syncs after every sign-off and every few minutes; "
                         "it keeps working when the server is away. Leave empty for a laptop on its own."))
        note.setWordWrap(True)
        form.addRow(note)
        return page

    def test_server(self) -> None:
        dsn = self.dsn.text().strip()
        problem = dsn_problem(dsn)
        if problem is not None or self.server is None:
            self.server_answer.setText(problem or "")
            return
        try:
            self.server_answer.setText(self.server.test_connection(dsn))
        except ValidationError as exc:
            self.server_answer.setText(exc.message)

    def _logo_field(self, value: str) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        self.logo = QLineEdit(value)
        self.logo.setAccessibleName(tr("Logo image file"))
        choose = QPushButton(tr("C&hoose…"))
        choose.setAccessibleName(tr("Choose a logo image"))
        choose.clicked.connect(self._choose_logo)
        row.addWidget(self.logo, 1)
        row.addWidget(choose)
        return box

    def _choose_logo(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Clinic logo", self.logo.text(),
                                              "Images (*.png *.jpg *.jpeg *.svg)")
        if name:
            self.logo.setText(name)

    # -- saving ----------------------------------------------------------------------------
    def value_of(self, key: str) -> Any:
        widget = self.fields[key]
        if isinstance(widget, KeyCapture):
            return widget.sequence
        if isinstance(widget, QComboBox):
            return widget.currentData()
        if isinstance(widget, QCheckBox):
            return widget.isChecked()
        if key == "clinic/logo":
            return self.logo.text()
        assert isinstance(widget, QLineEdit)
        return widget.text()

    def show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.show()

    def save(self) -> None:
        """Check every field first; save only when all are within their bounds."""
        checked: dict[str, object] = {}
        for key in self.fields:
            try:
                checked[key] = self.settings.check(key, self.value_of(key))
            except ValidationError as exc:
                self.show_error(exc.message)
                widget = self.fields[key]
                page = widget.parentWidget()
                while page is not None and self.tabs.indexOf(page) < 0:
                    page = page.parentWidget()
                if page is not None:
                    self.tabs.setCurrentWidget(page)
                widget.setFocus()
                return
        self.changed_keys = []
        if self.server is not None and self.dsn.text().strip() != str(self.settings.get(DSN_KEY)):
            try:
                self.server.set_server(self.dsn.text())  # checked (and logged) by the clinic
            except ValidationError as exc:
                self.show_error(exc.message)
                self.tabs.setCurrentIndex(self.tabs.count() - 1)
                self.dsn.setFocus()
                return
        if self.clinic is None:  # a dialog only shown (tests of its texts): nothing can be saved
            self.show_error(tr("The settings cannot be changed here: no settings file is open."))
            return
        try:
            self.changed_keys = self.clinic.change_settings(checked)
        except ValidationError as exc:
            self.show_error(exc.message)
            return
        self.accept()


class SettingsActions(QObject):
    """The "Settings…" action on the main window (Ctrl+,), a part attached to the frame."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.action = QAction(tr("&Settings…"), window)
        self.action.setShortcut(QKeySequence("Ctrl+,"))
        self.action.setToolTip(tr("Clinic, practitioners, protocol defaults, alerts and keys ({toString})").format(
                                  toString=self.action.shortcut().toString()))
        self.action.triggered.connect(self.open)
        menu = window.menuBar().addMenu(tr("&Tools"))
        menu.addAction(self.action)
        window.addAction(self.action)
        self.plans_action = QAction(tr("Course &plans…"), window)
        self.plans_action.setShortcut(QKeySequence("Ctrl+Shift+J"))
        self.plans_action.setToolTip(tr("The course plans a patient's course starts from; add the clinic's own "
                                        "({key})").format(key=self.plans_action.shortcut().toString()))
        window.addAction(self.plans_action)
        self.plans_action.triggered.connect(self.open_plans)
        menu.addAction(self.plans_action)
        self.signer = window.ctx.signer  # accounts: only admins change settings
        if self.signer is not None:
            self.signer.guard(self.action, "change_settings")
            self.signer.guard(self.plans_action, "change_settings")

    def dialog(self) -> SettingsDialog:
        return SettingsDialog(self.window.ctx.settings, self.window.ctx.store, self.window,
                              clinic=self.window.ctx.controller.clinic)

    def open(self) -> None:
        if self.signer is not None:
            try:
                self.signer.require("change_settings")
            except ValidationError as exc:
                QMessageBox.warning(self.window, tr("Settings"), exc.message)
                return
        dialog = self.dialog()
        if dialog.exec() == QDialog.DialogCode.Accepted:  # (the clinic logged what changed)
            self.applied()

    def open_plans(self) -> QDialog:
        from microneedle_desk.ui.course_presets import CoursePresetDialog  # noqa: PLC0415 (kept off the start-up path until first used)

        dialog = CoursePresetDialog(self.window.ctx, self.window)
        dialog.open()
        return dialog

    def applied(self) -> None:
        """Make the window follow the saved settings (keys, practitioner list, idle lock time)."""
        security = getattr(self.window, "security", None)
        if security is not None:
            security.locking.follow_settings()
        room = getattr(self.window, "room_view", None)
        if room is not None:
            room.apply_keys()
        self.window.patient_page.reload()
        status = getattr(self.window, "server_status", None)
        if status is not None:
            status.follow_settings()
        self.window.refresh()
