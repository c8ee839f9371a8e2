"""The one PIN prompt of the screens: the clinic asks for a PIN through it (see
:class:`~microneedle_desk.ui.sign_in.Security`), and so do the accounts dialog and the PIN
change. Tests and the screenshot tools replace :func:`ask_pin` here.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from microneedle_desk.i18n import N_, tr
from microneedle_desk.ui.pin_field import ask_secret  # the app's own field: no PIN to the accessibility bus

PURPOSE_TEXT = {"start": N_("start this session"), "sign": N_("sign this session"), "amend": N_("make this correction"),
                "override": N_("confirm this departure from the protocol")}


def ask_pin(parent: QWidget | None, name: str, purpose: str) -> str | None:
    """Ask ``name`` for their PIN; None when cancelled. Tests replace this function."""
    return ask_secret(parent, tr("PIN"), tr("{name}: your PIN to {get}").format(
        name=name, get=tr(PURPOSE_TEXT.get(purpose, purpose))))
