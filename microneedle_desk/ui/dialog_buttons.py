"""The row of buttons at the foot of a dialog that asks for something: the button that takes
it (OK, Save, Open) and Cancel, wired the one way every dialog here wires them."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QDialog, QDialogButtonBox

Button = QDialogButtonBox.StandardButton


def take_or_cancel(dialog: QDialog, take: Button = Button.Ok,
                   on_take: Callable[[], object] | None = None) -> QDialogButtonBox:
    """``take`` and Cancel for ``dialog``. ``take`` (and Enter) runs ``on_take``, or accepts the
    dialog when there is none: a dialog that checks its fields first passes its check, which
    accepts once they hold. Cancel (and Escape) rejects the dialog."""
    buttons = QDialogButtonBox(take | Button.Cancel)
    buttons.accepted.connect(on_take or dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons
