"""Step 9: the adjunct (none, minoxidil with product, strength and form, or PRP with volume and kit lot)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QWidget,
)

from microneedle_desk.i18n import tr
from microneedle_desk.ui.pages.base import StepPage, set_checked_quietly

if TYPE_CHECKING:
    from microneedle_desk.core.session_state import SessionState
    from microneedle_desk.ui.context import UiContext


class AdjunctPage(StepPage):
    """None, minoxidil (product, strength, form) or PRP (volume, kit lot)."""

    step_id = "adjunct"

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        p = ctx.protocol
        b = p.bounds["prp_ml"]
        row, self.group, self.buttons = self.radio_row("Adjunct", p.adjuncts, self._pick)
        self.body.addLayout(row)
        # -- minoxidil ---------------------------------------------------------------------
        self.mx_product = self.line(tr("Minoxidil product"), tr("product name, e.g. Regaine Extra Strength"))
        self.mx_form = QComboBox()
        self.mx_form.setAccessibleName(tr("Minoxidil form"))
        self.mx_form.addItem(tr("— choose —"), "")
        for c in p.minoxidil_forms:
            self.mx_form.addItem(tr(c.label), c.id)
        self.mx_strength = QComboBox()
        self.mx_strength.setAccessibleName(tr("Minoxidil strength"))
        self._fill_strengths("")
        minoxidil = QGroupBox(tr("Minoxidil"))
        mx = QFormLayout(minoxidil)
        mx.addRow(tr("Product"), self.mx_product)
        mx.addRow(tr("Form"), self.mx_form)
        mx.addRow(tr("Strength"), self.mx_strength)
        # -- PRP -----------------------------------------------------------------------------
        self.prp = self.line(tr("PRP volume in millilitres"), tr("mL, {min}–{max}").format(min=b.min, max=b.max))
        self.kit_lot = self.line(tr("PRP kit lot"), tr("lot number of the PRP kit"))
        prp = QGroupBox(tr("PRP"))
        pf = QFormLayout(prp)
        pf.addRow(tr("Volume (mL)"), self.prp)
        pf.addRow(tr("Kit lot"), self.kit_lot)
        details = QHBoxLayout()
        details.addWidget(minoxidil, 1)
        details.addWidget(prp, 1)
        self.body.addLayout(details)
        self.info = QLabel()
        self.info.setWordWrap(True)
        self.body.addWidget(self.info)
        # recorded with the choice of the adjunct; until then each is kept as typed
        self.keep_text(self.mx_product, lambda s: s.minoxidil_product if s.adjunct == "minoxidil" else "",
                       draft="minoxidil_product")
        self.keep_text(self.prp, lambda s: str(s.prp_ml) if s.adjunct == "prp" and s.prp_ml is not None else "",
                       draft="prp_ml")
        self.keep_text(self.kit_lot, lambda s: s.prp_kit_lot if s.adjunct == "prp" else "", draft="prp_kit_lot")
        self.mx_form.currentIndexChanged.connect(self._form_changed)
        self.mx_strength.currentIndexChanged.connect(lambda _=0: self._again("minoxidil"))
        self.mx_product.editingFinished.connect(lambda: self._again("minoxidil"))
        for edit in (self.prp, self.kit_lot):
            edit.editingFinished.connect(lambda: self._again("prp"))
        self._shown: tuple[str, str] | None = None  # (session, adjunct) last put on screen

    def _fill_strengths(self, form: str) -> None:
        """The strengths the chosen form comes in (2 % and 5 % for topicals, mg for tablets)."""
        current = self.mx_strength.currentData()
        self.mx_strength.blockSignals(True)
        self.mx_strength.clear()
        self.mx_strength.addItem(tr("— choose —"), "")
        for s in self.ctx.protocol.minoxidil_strengths:
            if not form or form in s.forms:
                self.mx_strength.addItem(tr(s.label), s.id)
        index = self.mx_strength.findData(current)
        self.mx_strength.setCurrentIndex(max(0, index))
        self.mx_strength.blockSignals(False)

    def _form_changed(self, _index: int) -> None:
        self._fill_strengths(str(self.mx_form.currentData() or ""))
        self._again("minoxidil")

    def _again(self, kind: str) -> None:
        """A detail changed while its adjunct is chosen: record the adjunct with it, once all is there."""
        button = self.buttons.get(kind)
        if button is None or not button.isChecked():
            return
        session = self.ctx.controller.session
        if kind == "minoxidil" and not (self.mx_product.text().strip() and self.mx_form.currentData()
                                        and self.mx_strength.currentData()):
            return  # still being filled in; choosing Minoxidil again names what is missing
        if kind == "prp" and not (self.prp.text().strip() and self.kit_lot.text().strip()):
            return
        if session is not None and self._details_differ(session.state, kind):
            self._pick(kind)

    def _details_differ(self, state: SessionState, kind: str) -> bool:
        if state.adjunct != kind:
            return True
        if kind == "minoxidil":
            return (self.mx_product.text().strip(), self.mx_strength.currentData(), self.mx_form.currentData()) != (
                state.minoxidil_product, state.minoxidil_strength, state.minoxidil_form)
        return (self.prp.text().strip(), self.kit_lot.text().strip()) != (
            str(state.prp_ml) if state.prp_ml is not None else "", state.prp_kit_lot)

    def _pick(self, kind: str) -> None:
        # a refused choice stays picked as the person left it, with the message saying what is missing
        if kind == "minoxidil":
            self.act(lambda c: c.set_adjunct(kind, product=self.mx_product.text(),
                    strength=str(self.mx_strength.currentData() or ""), form=str(self.mx_form.currentData() or "")))
        elif kind == "prp":
            self.act(lambda c: c.set_adjunct(kind, self.prp.text(), kit_lot=self.kit_lot.text()))
        else:
            self.act(lambda c: c.set_adjunct(kind))

    def refresh(self, state: SessionState | None) -> None:
        if state is None:
            return
        self.render_fields(state)
        shown = (state.id, state.adjunct)
        if self._shown is not None and self._shown[0] != state.id:  # another session: start blank
            self.mx_form.setCurrentIndex(0)
            self.mx_strength.setCurrentIndex(0)
        if shown != self._shown:  # only what was recorded since the last look changes the choice
            for kind, button in self.buttons.items():
                set_checked_quietly(button, self.group, state.adjunct == kind)
            self._shown = shown
        if state.adjunct == "minoxidil" and state.minoxidil_product:
            if not self.mx_form.hasFocus():
                self.mx_form.setCurrentIndex(max(0, self.mx_form.findData(state.minoxidil_form)))
            if not self.mx_strength.hasFocus():
                self.mx_strength.setCurrentIndex(max(0, self.mx_strength.findData(state.minoxidil_strength)))
        resume = state.minoxidil_resume_at()
        if resume is not None:
            self.info.setText(tr("The patient may resume minoxidil from {strftime} ({minoxidil_hours} h after "
                                 "needling).").format(
                strftime=resume.strftime('%A %d %B %Y, %H:%M'), minoxidil_hours=state.config.minoxidil_hours))
        elif state.adjunct == "prp" and state.prp_ml is not None:
            self.info.setText(tr("PRP recorded: {ml} mL, kit lot {lot}.").format(ml=state.prp_ml,
                                                                                 lot=state.prp_kit_lot or "—"))
        else:
            self.info.setText("")
