"""Step 2: every contraindication answered Yes or No, overrides with a justification, consent."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QWidget,
)

from microneedle_desk.core.protocol import Choice
from microneedle_desk.i18n import tr
from microneedle_desk.ui.colours import error_style
from microneedle_desk.ui.keys import enter_submits
from microneedle_desk.ui.language import shown_date, typed_date
from microneedle_desk.ui.pages.base import StepPage, set_checked_quietly
from microneedle_desk.ui.pages.kept_fields import PlainTextField
from microneedle_desk.ui.photo_window import photo_window

if TYPE_CHECKING:
    from microneedle_desk.core.session_state import SessionState
    from microneedle_desk.ui.context import UiContext


def _dose(state: SessionState) -> str:
    return shown_date(state.isotretinoin_last_dose) if state.isotretinoin_last_dose else ""


def photo_consent_choices() -> list[Choice]:
    return [Choice("declined", tr("Declined")), Choice("clinical", tr("Clinical record only")),
            Choice("teaching", tr("Also for teaching"))]


class ScreeningPage(StepPage):
    step_id = "screening"

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        grid = QGridLayout()
        self.rows: dict[str, tuple[QButtonGroup, QRadioButton, QRadioButton]] = {}
        self.not_asked: dict[str, QLabel] = {}  # "Not applicable" beside a question limited by sex
        self.last_dose: QLineEdit | None = None
        self.eligible = QLabel()
        for r, item in enumerate(ctx.protocol.contraindications):
            question = QLabel(tr(item.question))
            question.setWordWrap(True)  # wraps on a narrow or scaled screen instead of scrolling sideways
            grid.addWidget(question, r, 0)
            group = QButtonGroup(self)
            yes, no = QRadioButton(tr("Yes")), QRadioButton(tr("No"))
            for button, answer in ((yes, True), (no, False)):
                button.setAccessibleName(f"{tr(item.question)} {button.text()}")
                group.addButton(button)
                button.clicked.connect(lambda _=False, i=item.id, a=answer: self.act(lambda c: c.answer(i, a)))
            grid.addWidget(yes, r, 1)
            grid.addWidget(no, r, 2)
            self.rows[item.id] = (group, yes, no)
            if item.applies_to_sex:
                self.not_asked[item.id] = QLabel()
                self.not_asked[item.id].setWordWrap(True)
                grid.addWidget(self.not_asked[item.id], r, 3)
            if item.asks_last_dose:
                self.last_dose = self.line(tr("Last isotretinoin dose"), tr("last dose YYYY-MM-DD"))
                self.keep_text(self.last_dose, _dose,
                               lambda text: self.act(lambda c: c.set_isotretinoin_last_dose(typed_date(text))),
                               draft="isotretinoin_last_dose")
                box = QHBoxLayout()
                box.addWidget(self.last_dose)
                box.addWidget(self.eligible)
                grid.addLayout(box, r, 3)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(3, 2)
        answers = QGroupBox(tr("Contraindications — answer every question"))
        answers.setLayout(grid)
        self.body.addWidget(answers)
        # -- override -------------------------------------------------------------------
        self.blocked = QGroupBox(tr("Session blocked"))
        self.blocked.setStyleSheet(f"QGroupBox {{ {error_style()} }}")
        self.blocked_text = QLabel()
        self.blocked_text.setWordWrap(True)
        self.justification = PlainTextField()
        self.justification.setAccessibleName(tr("Clinical justification for the override"))
        self.justification.setPlaceholderText(tr("Clinical justification (required to override)"))
        self.justification.setMaximumHeight(70)
        self.justification.setTabChangesFocus(True)
        self.keep_text(self.justification, lambda s: s.override_reason, draft="override_justification")
        override = QPushButton(tr("&Override with this justification"))
        override.clicked.connect(lambda: self.act(lambda c: c.override_screening(self.justification.toPlainText())))
        lay = QGridLayout(self.blocked)
        lay.addWidget(self.blocked_text, 0, 0, 1, 2)
        lay.addWidget(self.justification, 1, 0)
        lay.addWidget(override, 1, 1)
        self.body.addWidget(self.blocked)
        # -- consent --------------------------------------------------------------------
        self.consent_by = self.line(tr("Consent given by"), tr("who gave consent (patient or guardian)"))
        self.keep_text(self.consent_by, lambda s: s.consent_by, draft="consent_by")
        self.consent_button = QPushButton(tr("Confirm &consent"))
        self.consent_button.clicked.connect(lambda: self.act(lambda c: c.confirm_consent(self.consent_by.text())))
        enter_submits((self.consent_by,), self.consent_button.click, self)
        self.consent_state = QLabel()
        row = QHBoxLayout()
        row.addWidget(QLabel(tr("Informed consent")))
        row.addWidget(self.consent_by, 2)
        row.addWidget(self.consent_button)
        row.addWidget(self.consent_state, 2)
        self.body.addLayout(row)
        # -- photos: consent of its own, then the standard views -------------------------------
        photo_row, self.photo_consent_group, self.photo_consent = self.radio_row(
            tr("Consent to photos"), photo_consent_choices(),
            lambda value: self.act(lambda c: c.photos.record_consent(value)))
        photo_row.insertWidget(0, QLabel(tr("Consent to photos")))
        self.photos_button = QPushButton(tr("&Photos…"))
        self.photos_button.setAccessibleName(tr("Photos of this session"))
        self.photos_button.clicked.connect(self.open_photos)
        self.photos_window: QWidget | None = None  # the photo window, once opened from here
        photo_row.addWidget(self.photos_button)
        self.body.addLayout(photo_row)
        self.status = QLabel()
        self.body.addWidget(self.status)

    def open_photos(self) -> QWidget:
        self.photos_window = photo_window(self.ctx, self.window())
        return self.photos_window

    def refresh(self, state: SessionState | None) -> None:
        if state is None:
            return
        self.render_fields(state)
        p = self.ctx.protocol
        for item_id, (group, yes, no) in self.rows.items():
            answer = state.answers.get(item_id)
            set_checked_quietly(yes, group, answer is True)
            set_checked_quietly(no, group, answer is False)
            asked = item_id not in state.not_applicable
            yes.setEnabled(asked)
            no.setEnabled(asked)
            if item_id in self.not_asked:
                sex = p.label("sexes", str(state.patient_snapshot.get("sex", ""))).lower()
                self.not_asked[item_id].setText(
                    "" if asked else tr("Not applicable ({sex} patient): not asked").format(sex=sex))
        for value, button in self.photo_consent.items():
            set_checked_quietly(button, self.photo_consent_group, state.photo_consent == value)
        eligible = state.eligible_from()
        self.eligible.setText(tr("Eligible from {day}").format(day=shown_date(eligible)) if eligible else "")
        blocking = state.blocking_items()
        uncovered = [i for i in blocking if i not in state.override_items]
        self.blocked.setVisible(bool(blocking))
        names = "; ".join(p.label("contraindications", i).rstrip("?") for i in blocking)
        if uncovered:
            self.blocked_text.setText(tr("Answered Yes: {names}. The session cannot go on unless you override "
                                         "with a written clinical justification.").format(names=names))
        elif blocking:
            self.blocked_text.setText(tr("Overridden: {names}. Justification: {override_reason}").format(
                                         names=names, override_reason=state.override_reason))
        if state.consent_by:
            self.consent_state.setText(tr("Confirmed: {consent_by} at {value}").format(
                                          consent_by=state.consent_by, value=state.consent_at[11:16]))
        unanswered = len(state.unanswered(p))
        if unanswered:
            self.status.setText(tr("{unanswered} question(s) still to answer.").format(unanswered=unanswered))
        elif not state.screening_cleared(p):
            self.status.setText(tr("Blocked: a contraindication is answered Yes."))
        elif not state.consent_by:
            self.status.setText(tr("All answered. Confirm consent to continue."))
        else:
            self.status.setText(tr("Screening complete. Continue to the anesthetic."))
