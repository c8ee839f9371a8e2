"""Step 11: aftercare: the points explained, the home derma roller, the next session's date."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from microneedle_desk.i18n import N_, tr
from microneedle_desk.ui.course_panel import SessionPlace, suggestion_text
from microneedle_desk.ui.language import shown_date, typed_date
from microneedle_desk.ui.pages.base import StepPage, heading, set_checked_quietly, set_text_quietly

if TYPE_CHECKING:
    from microneedle_desk.core.session_state import SessionState
    from microneedle_desk.ui.context import UiContext


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
