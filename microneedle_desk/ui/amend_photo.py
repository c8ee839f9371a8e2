"""Attaching a photo to a signed session: an amendment, with its reason and the PIN of the person
making it, like any correction of a signed record.

The file is read and checked first (not a photo, damaged, too large, attached already...), so a
refused file costs no PIN; what was typed stays in the dialog with the message.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLineEdit, QPushButton, QWidget

from microneedle_desk.clinic import Cancelled
from microneedle_desk.core.accounts import PermissionDenied
from microneedle_desk.core.validation import ValidationError
from microneedle_desk.i18n import tr
from microneedle_desk.store.store import StoreError
from microneedle_desk.ui.amend_form import AmendmentForm
from microneedle_desk.ui.context import who_is_working
from microneedle_desk.ui.photo_files import choose_photo_file

if TYPE_CHECKING:
    from microneedle_desk.ui.context import UiContext


class AmendPhotoDialog(AmendmentForm):
    def __init__(self, ctx: UiContext, session_id: str, parent: QWidget | None = None,
                 done: Any = None) -> None:
        super().__init__(tr("Attach a photo to a signed session"), tr("why the photo is added now"), parent)
        self.ctx, self.session_id, self.after_save = ctx, session_id, done
        self.view = QComboBox()
        self.view.setAccessibleName(tr("View"))
        for view in ctx.protocol.photo_views:
            self.view.addItem(view.label, view.id)
        self.path = QLineEdit()
        self.path.setAccessibleName(tr("Photo file"))
        self.path.setPlaceholderText(tr("photo file (JPEG, PNG, TIFF, WebP)"))
        choose = QPushButton(tr("Choose…"))
        choose.clicked.connect(self.choose_file)
        file_row = QHBoxLayout()
        file_row.addWidget(self.path, 1)
        file_row.addWidget(choose)
        self.form.addRow(tr("&View"), self.view)
        self.form.addRow(tr("&File"), file_row)
        self.add_reason()

    def choose_file(self) -> None:
        path = choose_photo_file(self, self.ctx)
        if path:
            self.path.setText(path)

    def save(self) -> bool:
        text = self.path.text().strip()
        if not text:
            self.refuse(tr("Choose the photo's file first (or type its path)."))
            return False
        try:
            self.ctx.controller.clinic.photos.amend_add(
                self.session_id, str(self.view.currentData()), Path(text).expanduser(), self.reason.text(),
                by=who_is_working(self.ctx))
        except Cancelled:
            return False
        except (ValidationError, PermissionDenied, StoreError, OSError) as exc:
            self.refuse(getattr(exc, "message", None) or str(exc))
            return False
        if self.after_save is not None:
            self.after_save()
        self.accept()
        return True
