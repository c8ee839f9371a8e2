"""Steps 7–12: endpoint, clean-up, adjunct, side effects, aftercare, sign-off."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from microneedle_desk.core.countdown import format_duration
from microneedle_desk.core.deviations import deviations, no_justification
from microneedle_desk.core.photos import photo_lines, photos_missing
from microneedle_desk.i18n import N_, tr, trn
from microneedle_desk.ui.a11y import labelled
from microneedle_desk.ui.colours import error_style
from microneedle_desk.ui.course_panel import SessionPlace, suggestion_text
from microneedle_desk.ui.keys import enter_submits
from microneedle_desk.ui.language import shown_date, shown_number, typed_date
from microneedle_desk.ui.pages.base import StepPage, heading, set_checked_quietly, set_text_quietly
from microneedle_desk.ui.photo_window import photo_window

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


AFTERCARE_HEADINGS = {
    "first_days": N_("The first days"),  # through tr() where shown, in the language then in use
    "two_weeks": N_("For about two weeks"),
    "minoxidil": N_("Minoxidil"),
    "call": N_("Call the clinic for"),
}


class AftercarePage(StepPage):
    step_id = "aftercare"

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        p = ctx.protocol
        points = QGridLayout()
        self.minoxidil_points: list[QLabel] = []  # shown only when minoxidil is the adjunct
        for column, group in enumerate(("first_days", "two_weeks", "call")):
            extra = ("minoxidil",) if group == "two_weeks" else ()
            rows = QVBoxLayout()
            for g in (group, *extra):
                title = heading(tr(AFTERCARE_HEADINGS[g]))
                rows.addWidget(title)
                if g == "minoxidil":
                    self.minoxidil_points.append(title)
                for point in p.aftercare:
                    if point.group == g:
                        label = QLabel(f"•  {tr(point.text)}")
                        label.setWordWrap(True)
                        rows.addWidget(label)
                        if g == "minoxidil":
                            self.minoxidil_points.append(label)
            rows.addStretch(1)
            points.addLayout(rows, 0, column)
        self.body.addLayout(points)
        self.given = QCheckBox(tr("Aftercare explained to the patient and handout given"))
        self.given.clicked.connect(lambda checked: self.act(lambda c: c.confirm_aftercare(bool(checked))))
        # -- home derma roller --------------------------------------------------------------
        roller = p.bounds["home_roller_mm"]
        self.roller_mm = self.line(tr("Home roller needle length in mm"),
                                   tr("mm, {low}–{high}").format(low=roller.min, high=roller.max))
        self.roller_group = QButtonGroup(self)
        self.roller_yes, self.roller_no = QRadioButton(tr("Yes")), QRadioButton(tr("No"))
        roller_row = QHBoxLayout()
        for button, uses in ((self.roller_yes, True), (self.roller_no, False)):
            button.setAccessibleName(tr("Uses a derma roller at home: {answer}").format(answer=button.text()))
            self.roller_group.addButton(button)
            button.clicked.connect(lambda _=False, u=uses: self._roller(u))
            roller_row.addWidget(button)
        roller_row.addWidget(QLabel(tr("needle length")))
        roller_row.addWidget(self.roller_mm)
        roller_row.addStretch(1)
        self.roller_mm.editingFinished.connect(self._roller_mm_done)
        self.roller_info = QLabel()
        self.roller_info.setWordWrap(True)
        self.next_date = self.line(tr("Next session date"), tr("YYYY-MM-DD"))
        self.keep_text(self.next_date, lambda s: shown_date(s.next_session) if s.next_session else "",
                       lambda text: self.act(lambda c: c.set_next_session(typed_date(text))), draft="next_session",
                       default=lambda s: shown_date(day) if (day := s.suggested_next_session()) else "")
        self.suggested = QLabel()
        form = QFormLayout()
        form.addRow(self.given)
        form.addRow(tr("Derma roller at home"), roller_row)
        form.addRow(self.roller_info)
        form.addRow(tr("Next session"), self.next_date)
        form.addRow(self.suggested)
        self.body.addLayout(form)
        self._shown: tuple[str, bool | None] | None = None  # (session, home roller) last put on screen

    def _roller(self, uses: bool) -> None:
        # a refused Yes (no or a wrong length) stays picked, with the message giving the range
        self.act(lambda c: c.set_home_roller(uses, self.roller_mm.text() if uses else None))

    def _roller_mm_done(self) -> None:
        session = self.ctx.controller.session
        text = self.roller_mm.text().strip()
        if session is None or not self.roller_yes.isChecked() or not text:
            return
        if session.state.home_roller and session.state.home_roller_mm is not None \
                and text == str(session.state.home_roller_mm):
            return
        self._roller(True)

    def refresh(self, state: SessionState | None) -> None:
        if state is None:
            return
        self.render_fields(state)
        self.given.setChecked(state.aftercare_given)
        for label in self.minoxidil_points:
            label.setVisible(state.adjunct == "minoxidil")
        shown = (state.id, state.home_roller)
        if self._shown is not None and self._shown[0] != state.id:
            self.roller_mm.clear()  # another session: nothing of the last one stays
        if shown != self._shown:
            set_checked_quietly(self.roller_yes, self.roller_group, state.home_roller is True)
            set_checked_quietly(self.roller_no, self.roller_group, state.home_roller is False)
            self._shown = shown
        if state.home_roller_mm is not None:
            set_text_quietly(self.roller_mm, str(state.home_roller_mm))
        self.roller_info.setText(
            tr("Recorded: uses a home roller with {mm} mm needles; the handout adds the home-roller points.")
            .format(mm=state.home_roller_mm) if state.home_roller else "")
        suggested = state.suggested_next_session()
        if suggested:
            if not hasattr(self, "course_place"):
                self.course_place = SessionPlace()
            self.suggested.setText(suggestion_text(self.ctx, self.course_place, state, suggested))


class SignoffPage(StepPage):
    step_id = "signoff"

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.missing = QLabel()
        self.missing.setWordWrap(True)
        self.missing.setStyleSheet(error_style(bold=False))
        self.deviations = QLabel()
        self.deviations.setWordWrap(True)
        # ticked by the signer only; a refresh unticks it only when the list it was ticked for changed
        self.acknowledge = QCheckBox()
        self.acknowledge.setAccessibleName(tr("I have reviewed the deviations"))
        self.acknowledge.toggled.connect(lambda _checked: self._enable_sign())
        self._listed: tuple[str, tuple[str, ...]] | None = None
        self._signable = False
        self.sign = QPushButton(tr("S&ign the session"))
        self.sign.setAccessibleName(tr("Sign the session"))
        self.sign.clicked.connect(lambda: self.act(lambda c: c.sign(acknowledge=self.acknowledge.isChecked())))
        self.body.addWidget(self.summary)
        self.body.addWidget(self.missing)
        self.body.addWidget(self.deviations)
        self.body.addWidget(self.acknowledge)
        # whether it can be signed, said in words beside the button (not by its grey alone)
        self.readiness = QLabel()
        self.readiness.setObjectName("readiness")
        self.readiness.setWordWrap(True)
        self.action_row.addWidget(self.sign)
        self.action_row.addWidget(self.readiness, 1)
        self.photos_button = QPushButton(tr("&Photos…"))
        self.photos_button.setAccessibleName(tr("Photos of this session"))
        self.photos_button.clicked.connect(self.open_photos)
        self.photos_window: QWidget | None = None  # the photo window, once opened from here
        self.body.addWidget(self.photos_button)

    def open_photos(self) -> QWidget:
        self.photos_window = photo_window(self.ctx, self.window())
        return self.photos_window

    def _enable_sign(self) -> None:
        ready = self._signable and (self.acknowledge.isHidden() or self.acknowledge.isChecked())
        self.sign.setEnabled(ready)
        if ready:
            text = tr("Ready to sign.")
        elif not self._signable:
            text = tr("Not ready to sign: see what is still missing above.")
        else:
            text = tr("Not ready to sign: tick that you reviewed the deviations.")
        if self.readiness.text() != text:
            self.readiness.setText(text)

    def refresh(self, state: SessionState | None) -> None:
        if state is None:
            return
        p = self.ctx.protocol
        missing = state.missing(p) + photos_missing(state, p, bool(self.ctx.settings.get("photos/required")))
        found = deviations(state, p)
        text = (tr("Still missing before signing:") + "\n• " + "\n• ".join(missing) if missing
                else tr("Nothing missing: review the deviations below, then sign.") if found
                else tr("Nothing missing: the session can be signed."))
        if text != self.missing.text():
            self.missing.setText(text)
            self.missing.setAccessibleName(text)  # a screen reader reads what is missing, not a title
            # red only while something is missing
            self.missing.setStyleSheet(error_style(bold=False) if missing else "")
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
        mm = shown_number
        lines = [
            tr("Needle {mm} mm · cartridge lot {lot}").format(mm=mm(state.needle_mm), lot=state.cartridge_lot or "—"),
            tr("Dwell {time} (planned {minutes} min)").format(
                time=format_duration(dwell) if dwell is not None else "—", minutes=state.dwell_planned_min),
            tr("Needling {time} (planned {minutes} min)").format(
                time=format_duration(needling) if needling is not None else "—",
                minutes=state.needling_planned_min if state.needling_planned_min is not None else "—"),
            tr("Zones: {value}").format(value=", ".join(p.label("zones", z) for z in sorted(state.zones)) or "—"),
            tr("Adjunct: {value}").format(value=p.label("adjuncts", state.adjunct) if state.adjunct else "—"),
            tr("Side effects: {len} recorded").format(len=len(state.side_effects)) if state.side_effects
            else (tr("Side effects: none observed") if state.none_observed else tr("Side effects: —")),
            *photo_lines(state, p),
        ]
        self.summary.setText("\n".join(lines))
