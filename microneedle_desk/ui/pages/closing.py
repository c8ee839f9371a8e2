"""Steps 7–12: endpoint, clean-up, adjunct, side effects, aftercare, sign-off."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QWidget,
)

from microneedle_desk.core.countdown import format_duration
from microneedle_desk.core.deviations import deviations, no_justification
from microneedle_desk.i18n import tr, trn
from microneedle_desk.ui.keys import enter_submits
from microneedle_desk.ui.pages.base import StepPage, heading, set_checked_quietly

if TYPE_CHECKING:
    from microneedle_desk.core.session import SessionState
    from microneedle_desk.ui.context import UiContext


class EndpointPage(StepPage):
    step_id = "endpoint"

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.note = self.line("Endpoint note", "note (required for Neither)")
        row, self.group, self.buttons = self.radio_row(
            "Endpoint", ctx.protocol.endpoints, lambda kind: self.do("set_endpoint", kind, self.note.text()))
        self.body.addLayout(row)
        self.body.addWidget(self.note)
        self.keep_text(self.note, lambda s: s.endpoint_note,
                       lambda text: self.do("set_endpoint_note", text), draft="endpoint_note")

    def refresh(self, state: SessionState | None) -> None:
        if state is None:
            return
        self.render_fields(state)
        for kind, button in self.buttons.items():
            set_checked_quietly(button, self.group, state.endpoint == kind)


class CleanupPage(StepPage):
    step_id = "cleanup"

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.washed = QCheckBox("Blood washed away")
        self.washed.clicked.connect(lambda checked: self.do("confirm_blood_washed", bool(checked)))
        self.product = self.line("Antibiotic cream product")
        self.keep_text(self.product, lambda s: s.antibiotic_product,
                       lambda text: self.do("apply_antibiotic", text), draft="antibiotic_product")
        form = QFormLayout()
        form.addRow(self.washed)
        form.addRow("Antibiotic cream", self.product)
        self.body.addLayout(form)

    def refresh(self, state: SessionState | None) -> None:
        if state is None:
            return
        self.render_fields(state)
        self.washed.setChecked(state.blood_washed)


class AdjunctPage(StepPage):
    step_id = "adjunct"

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        b = ctx.protocol.bounds["prp_ml"]
        self.prp = self.line("PRP volume in millilitres", f"mL, {b.min}–{b.max}")
        row, self.group, self.buttons = self.radio_row("Adjunct", ctx.protocol.adjuncts, self._pick)
        self.body.addLayout(row)
        form = QFormLayout()
        form.addRow("PRP volume (mL)", self.prp)
        # the volume is recorded with the choice of PRP; until then it is kept as typed
        self.keep_text(self.prp, lambda s: str(s.prp_ml) if s.adjunct == "prp" and s.prp_ml is not None else "",
                       self._save_volume, draft="prp_ml")
        self.info = QLabel()
        self.info.setWordWrap(True)
        form.addRow(self.info)
        self.body.addLayout(form)

    def _pick(self, kind: str) -> bool:
        if kind == "prp" and not self.prp.text().strip():
            self.show_error("Enter the PRP volume in mL, then choose PRP.")
            return False
        return self.do("set_adjunct", kind, self.prp.text() if kind == "prp" else None)

    def _save_volume(self, text: str) -> bool:
        return self.buttons["prp"].isChecked() and self._pick("prp")

    def refresh(self, state: SessionState | None) -> None:
        if state is None:
            return
        self.render_fields(state)
        for kind, button in self.buttons.items():
            set_checked_quietly(button, self.group, state.adjunct == kind)
        resume = state.minoxidil_resume_at()
        if resume is not None:
            self.info.setText(f"The patient may resume minoxidil from {resume.strftime('%A %d %B %Y, %H:%M')} "
                              f"({state.config.minoxidil_hours} h after needling).")
        elif state.adjunct == "prp" and state.prp_ml is not None:
            self.info.setText(f"PRP recorded: {state.prp_ml} mL.")
        else:
            self.info.setText("")


class SideEffectsPage(StepPage):
    step_id = "side_effects"

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        p = ctx.protocol
        self.none = QCheckBox("None observed during the session")
        self.none.clicked.connect(lambda checked: self.do("declare_none_observed", bool(checked)))
        self.kind = QComboBox()
        self.kind.setAccessibleName("Side effect")
        for c in p.side_effects:
            self.kind.addItem(c.label, c.id)
        self.severity = QComboBox()
        self.severity.setAccessibleName("Severity")
        for c in p.severities:
            self.severity.addItem(c.label, c.id)
        self.note = self.line("Side effect note", "note (optional)")
        self.keep_text(self.note, lambda s: "", draft="side_effect_note")  # recorded with "Add"
        add = QPushButton("A&dd side effect")
        add.clicked.connect(self._add)
        enter_submits((self.kind, self.severity, self.note), self._add, self)
        self.list = QListWidget()
        self.list.setAccessibleName("Recorded side effects")
        remove = QPushButton("Re&move selected")
        remove.clicked.connect(self._remove)
        row = QHBoxLayout()
        row.addWidget(self.kind, 3)
        row.addWidget(self.severity, 1)
        row.addWidget(self.note, 3)
        row.addWidget(add)
        self.body.addWidget(self.none)
        self.body.addWidget(heading("Or record what was seen"))
        self.body.addLayout(row)
        self.body.addWidget(self.list)
        self.body.addWidget(remove)

    def _add(self) -> None:
        if self.do("add_side_effect", self.kind.currentData(), self.severity.currentData(), self.note.text()):
            self.note.clear()

    def _remove(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self.do("remove_side_effect", item.data(256))

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


class AftercarePage(StepPage):
    step_id = "aftercare"

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        for point in ctx.protocol.aftercare:
            label = QLabel(f"•  {point.text}")
            label.setWordWrap(True)
            self.body.addWidget(label)
        self.given = QCheckBox("Aftercare explained to the patient and handout given")
        self.given.clicked.connect(lambda checked: self.do("confirm_aftercare", bool(checked)))
        self.next_date = self.line("Next session date", "YYYY-MM-DD")
        self.keep_text(self.next_date, lambda s: s.next_session.isoformat() if s.next_session else "",
                       lambda text: self.do("set_next_session", text), draft="next_session",
                       default=lambda s: day.isoformat() if (day := s.suggested_next_session()) else "")
        self.suggested = QLabel()
        form = QFormLayout()
        form.addRow(self.given)
        form.addRow("Next session", self.next_date)
        form.addRow(self.suggested)
        self.body.addLayout(form)

    def refresh(self, state: SessionState | None) -> None:
        if state is None:
            return
        self.render_fields(state)
        self.given.setChecked(state.aftercare_given)
        suggested = state.suggested_next_session()
        if suggested:
            self.suggested.setText(f"Suggested from the protocol interval of {state.config.interval_days} days: "
                                   f"{suggested.isoformat()} (press Enter in the field to keep it).")


class SignoffPage(StepPage):
    step_id = "signoff"

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Session summary")
        self.missing = QLabel()
        self.missing.setWordWrap(True)
        self.missing.setAccessibleName("Still missing")
        self.missing.setStyleSheet("color: #b00020;")
        self.deviations = QLabel()
        self.deviations.setWordWrap(True)
        self.deviations.setAccessibleName(tr("Deviations from the protocol"))
        # ticked by the signer only; a refresh unticks it only when the list it was ticked for changed
        self.acknowledge = QCheckBox()
        self.acknowledge.setAccessibleName(tr("I have reviewed the deviations"))
        self.acknowledge.toggled.connect(lambda _checked: self._enable_sign())
        self._listed: tuple[str, tuple[str, ...]] | None = None
        self._signable = False
        self.sign = QPushButton("S&ign the session")
        self.sign.setAccessibleName("Sign the session")
        self.sign.clicked.connect(lambda: self.do("sign", acknowledge=self.acknowledge.isChecked()))
        self.body.addWidget(self.summary)
        self.body.addWidget(self.missing)
        self.body.addWidget(self.deviations)
        self.body.addWidget(self.acknowledge)
        self.body.addWidget(self.sign)

    def _enable_sign(self) -> None:
        self.sign.setEnabled(self._signable and (self.acknowledge.isHidden() or self.acknowledge.isChecked()))

    def refresh(self, state: SessionState | None) -> None:
        if state is None:
            return
        p = self.ctx.protocol
        missing = state.missing(p)
        found = deviations(state, p)
        self.missing.setText("Still missing before signing:\n• " + "\n• ".join(missing) if missing
                             else tr("Nothing missing: review the deviations below, then sign.") if found
                             else "Nothing missing: the session can be signed.")
        listed = (state.id, tuple(d.kind for d in found))
        if listed != self._listed:  # another session, or the list changed: review it again
            self._listed = listed
            self.acknowledge.setChecked(False)
            self.acknowledge.setText(trn("I have reviewed this {n} deviation from the protocol",
                                         "I have reviewed these {n} deviations from the protocol",
                                         len(found)).format(n=len(found)))
            self.acknowledge.setVisible(bool(found))
        if found:
            head = tr("Deviations from the protocol ({n}) — review each before signing:").format(n=len(found))
            self.deviations.setText(head + "\n" + "\n".join(
                "• " + tr("{figures}.\n   Justification: {why}").format(
                    figures=d.figures, why=d.justification if d.justified else no_justification())
                for d in found))
        else:
            self.deviations.setText(tr("Deviations from the protocol: none."))
        self._signable = not missing and state.status == "in_progress"
        self._enable_sign()
        dwell = state.actual_dwell_seconds()
        needling = state.actual_needling_seconds()
        lines = [
            f"Needle {state.needle_mm} mm · cartridge lot {state.cartridge_lot or '—'}",
            f"Dwell {format_duration(dwell) if dwell is not None else '—'} (planned {state.dwell_planned_min} min)",
            f"Needling {format_duration(needling) if needling is not None else '—'} "
            f"(planned {state.needling_planned_min} min)",
            f"Zones: {', '.join(p.label('zones', z) for z in sorted(state.zones)) or '—'}",
            f"Adjunct: {p.label('adjuncts', state.adjunct) if state.adjunct else '—'}",
            f"Side effects: {len(state.side_effects)} recorded" if state.side_effects
            else ("Side effects: none observed" if state.none_observed else "Side effects: —"),
        ]
        self.summary.setText("\n".join(lines))
