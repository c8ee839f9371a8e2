"""The one PIN prompt of the screens: the clinic asks for a PIN through it (see
:class:`~microneedle_desk.ui.sign_in.Security`), and so do the accounts dialog and the PIN
change. Tests and the screenshot tools replace :func:`ask_pin` here.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLineEdit, QWidget

PURPOSE_TEXT = {"start": "start this session", "sign": "sign this session", "amend": "make this correction",
                "override": "confirm this departure from the protocol"}



def ask_pin(parent: QWidget | None, name: str, purpose: str) -> str | None:
    """Ask ``name`` for their PIN; None when cancelled. Tests replace this function."""
    from PySide6.QtWidgets import QInputDialog

    text, ok = QInputDialog.getText(parent, "PIN", f"{name}: your PIN to {PURPOSE_TEXT.get(purpose, purpose)}",
                                    QLineEdit.EchoMode.Password)
    return text if ok else None
