"""The standard views of a session's photos, one row each: the photo's file (typed, or chosen
in the system's dialog) and Attach, or a reason and Skip, and whether it is taken yet.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QGridLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from microneedle_desk.core.photos import photos_in_force
from microneedle_desk.i18n import tr

if TYPE_CHECKING:
    from microneedle_desk.core.protocol import Protocol
    from microneedle_desk.core.session_state import SessionState


def _entry(name: str, hint: str, action: str, action_name: str, act: Any,
           *extra: QWidget) -> tuple[QHBoxLayout, QLineEdit, QPushButton]:
    """A field and the button that acts on it (Enter in the field presses it)."""
    edit = QLineEdit()
    edit.setAccessibleName(name)
    edit.setPlaceholderText(hint)
    button = QPushButton(action)
    button.setAccessibleName(action_name)
    button.clicked.connect(act)
    edit.returnPressed.connect(button.click)
    row = QHBoxLayout()
    row.addWidget(edit, 1)
    for widget in (*extra, button):
        row.addWidget(widget)
    return row, edit, button


class StandardViewsBox(QGroupBox):
    """A row per standard view; ``choose``, ``attach`` and ``skip`` act on the view named."""

    def __init__(self, protocol: Protocol, choose: Callable[[str], Any], attach: Callable[[str], Any],
                 skip: Callable[[str], Any]) -> None:
        super().__init__(tr("Standard views (before needling; again after if you wish)"))
        self.protocol = protocol
        self.path_fields: dict[str, QLineEdit] = {}
        self.attach_buttons: dict[str, QPushButton] = {}
        self.reason_fields: dict[str, QLineEdit] = {}
        self.skip_buttons: dict[str, QPushButton] = {}
        self.choose_buttons: dict[str, QPushButton] = {}
        self.status: dict[str, QLabel] = {}
        grid = QGridLayout(self)
        for row, view in enumerate(protocol.photo_views):
            title = QLabel(tr("<b>{label}</b><br><small>{instruction}</small>").format(
                              label=view.label, instruction=view.instruction))
            title.setWordWrap(True)
            title.setMinimumWidth(260)
            grid.addWidget(title, row, 0)
            choose_button = self.choose_buttons[view.id] = QPushButton(tr("Choose…"))
            choose_button.setAccessibleName(tr("Choose the {view} photo's file").format(view=view.label))
            choose_button.clicked.connect(lambda _=False, v=view.id: choose(v))
            files, self.path_fields[view.id], self.attach_buttons[view.id] = _entry(
                tr("{view}: photo file").format(view=view.label), tr("photo file (JPEG, PNG, TIFF, WebP)"),
                tr("Attach"), tr("Attach the {view} photo").format(view=view.label),
                lambda _=False, v=view.id: attach(v), choose_button)
            grid.addLayout(files, row, 1)
            skips, self.reason_fields[view.id], self.skip_buttons[view.id] = _entry(
                tr("{view}: reason for not taking it").format(view=view.label),
                tr("or why not taken (declined, not applicable…)"), tr("Skip"),
                tr("Skip the {view} photo").format(view=view.label), lambda _=False, v=view.id: skip(v))
            grid.addLayout(skips, row, 2)
            status = QLabel()
            status.setMinimumWidth(150)
            self.status[view.id] = status
            grid.addWidget(status, row, 3)

    def show_state(self, state: SessionState | None) -> None:
        """Each view's status; Attach only once the patient consented to photos."""
        if state is None:
            for label in self.status.values():
                label.setText("")
            return
        taken = photos_in_force(state)
        after = photos_in_force(state, "after")
        consent = state.photo_consent in ("clinical", "teaching")
        for view in self.protocol.ids("photo_views"):
            if view in taken:
                text = tr("Taken ({file})").format(file=taken[view]["original_name"])
            elif view in state.photo_skips:
                text = tr("Skipped: {why}").format(why=state.photo_skips[view])
            else:
                text = tr("Not taken")
            if view in after:
                text += " · " + tr("after needling too")
            if self.status[view].text() != text:
                self.status[view].setText(text)
            self.attach_buttons[view].setEnabled(consent)
