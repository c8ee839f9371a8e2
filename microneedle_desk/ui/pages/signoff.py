"""Step 12: sign-off: what is still missing, the deviations to review, the summary, the signature."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QCheckBox,
    QLabel,
    QPushButton,
    QWidget,
)

from microneedle_desk.core.countdown import format_duration
from microneedle_desk.core.deviations import deviations, no_justification
from microneedle_desk.core.photos import photo_lines, photos_missing
from microneedle_desk.i18n import tr, trn
from microneedle_desk.ui.colours import error_style
from microneedle_desk.ui.language import shown_number
from microneedle_desk.ui.pages.base import StepPage
from microneedle_desk.ui.photo_window import photo_window

if TYPE_CHECKING:
    from microneedle_desk.core.session_state import SessionState
    from microneedle_desk.ui.context import UiContext


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
