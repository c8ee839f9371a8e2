"""Steps 7, 8 and 10: endpoint, clean-up, side effects (adjunct, aftercare and sign-off have
modules of their own: ui/pages/adjunct.py, aftercare.py, signoff.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QWidget,
)

from microneedle_desk.i18n import tr
from microneedle_desk.ui.a11y import labelled
from microneedle_desk.ui.keys import enter_submits
from microneedle_desk.ui.pages.base import StepPage, heading

if TYPE_CHECKING:
    from microneedle_desk.core.session_state import SessionState
    from microneedle_desk.ui.context import UiContext


class EndpointPage(StepPage):
    """Tick every endpoint seen (pinpoint bleeding and redness often come together)."""

    step_id = "endpoint"

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.note = self.line(tr("Endpoint note"), tr("note (required for Neither)"))
        row = QHBoxLayout()
        self.boxes: dict[str, QCheckBox] = {}
        for choice in ctx.protocol.endpoints:
            box = QCheckBox(tr(choice.label))
            box.setAccessibleName(tr("Endpoint: {label}").format(label=choice.label))
            box.clicked.connect(lambda _=False: self._save())
            self.boxes[choice.id] = box
            row.addWidget(box)
        row.addStretch(1)
        self.body.addLayout(row)
        self.body.addWidget(self.note)
        # the note is kept on its own, even before an endpoint is ticked
        self.keep_text(self.note, lambda s: s.endpoint_note,
                       lambda text: self.act(lambda c: c.set_endpoint_note(text)), draft="endpoint_note")
        self._shown: tuple[str, tuple[str, ...]] | None = None  # (session, endpoints) last put on screen

    def ticked(self) -> list[str]:
        return [kind for kind, box in self.boxes.items() if box.isChecked()]

    def _save(self) -> None:
        if self.act(lambda c: c.set_endpoint(self.ticked(), self.note.text())):
            return
        # refused: the ticks show the record again, and the message says why the tick was not taken
        session = self.ctx.controller.session
        recorded = session.state.endpoints if session is not None else ()
        for kind, box in self.boxes.items():
            box.setChecked(kind in recorded)


    def refresh(self, state: SessionState | None) -> None:
        if state is None:
            return
        self.render_fields(state)
        shown = (state.id, state.endpoints)
        if shown != self._shown:  # only what was recorded since the last look changes the ticks
            for kind, box in self.boxes.items():
                box.setChecked(kind in state.endpoints)
            self._shown = shown



class CleanupPage(StepPage):
    step_id = "cleanup"

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.washed = QCheckBox(tr("Blood washed away"))
        self.washed.clicked.connect(lambda checked: self.act(lambda c: c.confirm_blood_washed(bool(checked))))
        self.product = self.line(tr("Antibiotic cream product"))
        self.keep_text(self.product, lambda s: s.antibiotic_product,
                       lambda text: self.act(lambda c: c.apply_antibiotic(text)), draft="antibiotic_product")
        self.none = QCheckBox(tr("No antibiotic cream used"))
        self.none.setAccessibleName(tr("No antibiotic cream used"))
        self.none.clicked.connect(self._none_clicked)
        form = QFormLayout()
        form.addRow(self.washed)
        form.addRow(tr("Antibiotic cream"), self.product)
        form.addRow(self.none)
        self.body.addLayout(form)
        self._used_shown: tuple[str, bool | None] | None = None  # (session, antibiotic used) last shown

    def _none_clicked(self, checked: bool) -> None:
        if checked:
            self.act(lambda c: c.no_antibiotic())
        else:  # a product is recorded once it is typed in
            self.product.setFocus()
        self.product.setEnabled(not checked)

    def refresh(self, state: SessionState | None) -> None:
        if state is None:
            return
        self.render_fields(state)
        self.washed.setChecked(state.blood_washed)
        # Only a change in the record (or another session) moves the box: unticking it to type
        # the cream that was used stays unticked while the record still says none.
        shown = (state.id, state.antibiotic_used)
        if shown != self._used_shown:
            none = state.antibiotic_used is False
            self.none.setChecked(none)
            self.product.setEnabled(not none)
            self._used_shown = shown



class SideEffectsPage(StepPage):
    step_id = "side_effects"

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        p = ctx.protocol
        self.none = QCheckBox(tr("None observed during the session"))
        self.none.clicked.connect(lambda checked: self.act(lambda c: c.declare_none_observed(bool(checked))))
        self.kind = QComboBox()
        self.kind.setAccessibleName(tr("Side effect"))
        for c in p.side_effects:
            self.kind.addItem(tr(c.label), c.id)
        self.severity = QComboBox()
        self.severity.setAccessibleName(tr("Severity"))
        for c in p.severities:
            self.severity.addItem(tr(c.label), c.id)
        self.note = self.line(tr("Side effect note"), tr("note (optional)"))
        self.keep_text(self.note, lambda s: "", draft="side_effect_note")  # recorded with "Add"
        add = QPushButton(tr("A&dd side effect"))
        add.clicked.connect(self._add)
        enter_submits((self.kind, self.severity, self.note), self._add, self)
        self.list = QListWidget()
        self.list.setAccessibleName(tr("Recorded side effects"))
        remove = QPushButton(tr("Re&move selected"))
        remove.clicked.connect(self._remove)
        row = QGridLayout()  # two rows: one is too wide for a scaled laptop screen
        row.addWidget(labelled(self.kind, tr("Side effect")), 0, 0)
        row.addWidget(self.kind, 0, 1)
        row.addWidget(labelled(self.severity, tr("Severity")), 0, 2)
        row.addWidget(self.severity, 0, 3)
        row.addWidget(labelled(self.note, tr("Note")), 1, 0)
        row.addWidget(self.note, 1, 1, 1, 2)
        row.addWidget(add, 1, 3)
        for combo in (self.kind, self.severity):  # as wide as there is room for, not as its longest entry
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(8)
        row.setColumnStretch(1, 3)
        row.setColumnStretch(3, 1)
        self.body.addWidget(self.none)
        self.body.addWidget(heading(tr("Or record what was seen")))
        self.body.addLayout(row)
        self.body.addWidget(self.list)
        self.body.addWidget(remove)

    def _add(self) -> None:
        if self.act(lambda c: c.add_side_effect(self.kind.currentData(), self.severity.currentData(),
                                                self.note.text())):
            self.note.clear()

    def _remove(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self.act(lambda c: c.remove_side_effect(item.data(256)))

    def refresh(self, state: SessionState | None) -> None:
        if state is None:
            return
        self.render_fields(state)
        self.none.setChecked(state.none_observed)
        p = self.ctx.protocol
        wanted = [(e.entry_id, f"{p.label('side_effects', e.kind)} — {p.label('severities', e.severity)}"
                   + (f": {e.note}" if e.note else "")) for e in state.side_effects.values()]
        shown = [(self.list.item(i).data(256), self.list.item(i).text()) for i in range(self.list.count())]
        if wanted != shown:
            self.list.clear()
            for entry_id, text in wanted:
                item = QListWidgetItem(text)
                item.setData(256, entry_id)
                self.list.addItem(item)
