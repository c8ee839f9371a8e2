"""Step 6: the needling countdown, zones on a scalp map, passes and directions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from microneedle_desk.core.countdown import format_duration
from microneedle_desk.i18n import tr
from microneedle_desk.ui.keys import needling_keys_text
from microneedle_desk.ui.pages.base import StepPage
from microneedle_desk.ui.scalp_map import ScalpMap
from microneedle_desk.ui.tick_label import TickLabel

if TYPE_CHECKING:
    from microneedle_desk.core.session_state import SessionState
    from microneedle_desk.ui.context import UiContext


class NeedlingPage(StepPage):
    step_id = "needling"

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        b = ctx.protocol.bounds["needling_minutes"]
        self.planned = self.line(tr("Planned needling time in minutes"), f"{b.min}–{b.max}")
        self.planned.setText(str(ctx.settings.get("protocol/needling_minutes")))
        self.keep_text(self.planned, lambda s: str(s.needling_planned_min or ""), self._plan,
                       draft="needling_planned",
                       default=lambda s: str(ctx.settings.get("protocol/needling_minutes")))
        dwell = ctx.protocol.bounds["dwell_minutes"]
        self.early_reason = self.line(tr("Reason to start outside the protocol's numbing time"),
                                      tr("only if starting before {low} or after {high} min of numbing: the clinical "
                                         "reason").format(low=dwell.min, high=dwell.max))
        self.keep_text(self.early_reason, lambda s: s.early_start_reason, draft="early_start_reason")
        self.toggle = QPushButton(tr("Start needling  [Space]"))
        self.toggle.setAccessibleName(tr("Start, pause or resume needling"))
        self.toggle.setToolTip(needling_keys_text(QKeySequence(str(ctx.settings.get("room/pedal_key"))).toString()))
        self.toggle.clicked.connect(self.toggle_needling)
        self.finish_reason = self.line(tr("Reason to finish outside the protocol's needling time"),
                                       tr("only if finishing before {low} or after {high} min: the clinical reason")
                                       .format(low=b.min, high=b.max))
        # kept as typed (a draft) until Finish records it with the finish
        self.keep_text(self.finish_reason, lambda s: "", draft="finish_reason")
        self.finish = QPushButton(tr("F&inish needling"))
        self.finish.clicked.connect(self.finish_needling)
        self.so_far = TickLabel()  # the time needled so far: changes every second while needling
        self.timing = QLabel()  # what changes only with an entry: the reasons given for the times
        self.timing.setWordWrap(True)
        form = QFormLayout()
        form.addRow(tr("Planned (min, {min}–{max})").format(min=b.min, max=b.max), self.planned)
        form.addRow(tr("Start reason"), self.early_reason)
        self.action_row.addWidget(self.toggle)  # the countdown's start and pause: always in view
        form.addRow(self.finish)
        form.addRow(tr("Finish reason"), self.finish_reason)
        form.addRow(self.so_far)
        form.addRow(self.timing)
        # -- zones ------------------------------------------------------------------
        self.map = ScalpMap(ctx.protocol.zones)
        self.map.zone_clicked.connect(self._toggle_zone)
        self.zone_boxes: dict[str, QCheckBox] = {}
        zone_grid = QGridLayout()
        for i, zone in enumerate(ctx.protocol.zones):
            box = QCheckBox(tr(zone.label))
            box.setAccessibleName(tr("Zone treated: {label}").format(label=zone.label))
            box.clicked.connect(lambda checked, z=zone.id: self.act(lambda c: c.set_zone(z, bool(checked))))
            zone_grid.addWidget(box, i // 2, i % 2)
            self.zone_boxes[zone.id] = box
        # -- passes -----------------------------------------------------------------
        self.passes = QSpinBox()
        self.passes.setRange(1, 20)
        self.passes.setValue(4)
        self.passes.setAccessibleName(tr("Number of passes"))
        self.passes.editingFinished.connect(self._passes_changed)
        self.direction_boxes: dict[str, QCheckBox] = {}
        dirs = QHBoxLayout()
        for d in ctx.protocol.pass_directions:
            box = QCheckBox(tr(d.label))
            box.setAccessibleName(tr("Pass direction: {label}").format(label=tr(d.label)))
            box.clicked.connect(self._passes_changed)
            dirs.addWidget(box)
            self.direction_boxes[d.id] = box
        self.keep_value([self.passes], lambda: str(self.passes.value()),
                        lambda text: self.passes.setValue(int(text)),
                        lambda s: str(s.passes) if s.passes else "", default=lambda s: "4")
        self.keep_value(list(self.direction_boxes.values()), self._ticked_directions, self._tick_directions,
                        lambda s: ",".join(d for d in self.direction_boxes if d in s.directions))
        self.record = QPushButton(tr("Record &passes"))
        self.record.clicked.connect(self._record_passes)
        self.passes_state = QLabel()
        passes_box = QGroupBox(tr("Passes"))
        pl = QFormLayout(passes_box)
        pl.addRow(tr("Passes"), self.passes)
        pl.addRow(tr("Directions"), dirs)
        pl.addRow(self.passes_state)
        self.action_row.addWidget(self.record)
        self.action_row.addStretch(1)
        left = QVBoxLayout()
        left.addLayout(form)
        zones_box = QGroupBox(tr("Zones treated (click the map or tick)"))
        zones_box.setLayout(zone_grid)
        left.addWidget(zones_box)
        left.addWidget(passes_box)
        row = QHBoxLayout()
        row.addLayout(left, 3)
        row.addWidget(self.map, 2)
        self.body.addLayout(row)

    def _plan(self, text: str) -> bool:
        state = self._state()
        return state is not None and not state.needling_marks and self.act(lambda c: c.plan_needling(text))

    def _ticked_directions(self) -> str:
        return ",".join(d for d, box in self.direction_boxes.items() if box.isChecked())

    def _tick_directions(self, text: str) -> None:
        wanted = set(text.split(","))
        for d, box in self.direction_boxes.items():
            box.setChecked(d in wanted)

    def _passes_changed(self) -> None:
        """Passes and directions are one record: saved together once a direction is ticked."""
        state = self._state()
        if state is None or not self._ticked_directions():
            return
        saved = (state.passes, ",".join(d for d in self.direction_boxes if d in state.directions))
        if (self.passes.value(), self._ticked_directions()) != saved:
            self._record_passes()

    def toggle_needling(self) -> None:
        state = self._state()
        if state is None:
            return
        if not state.needling_marks:
            planned = self.planned.text().strip()
            if str(state.needling_planned_min or "") != planned and not self.act(lambda c: c.plan_needling(planned)):
                return
            self.act(lambda c: c.start_needling(self.early_reason.text()))
        else:
            self.act(lambda c: c.toggle_needling())

    def finish_needling(self) -> None:
        """Finish; outside the protocol's needling minutes the core asks for the reason typed here
        (and the practitioner's PIN), and says so when it is missing."""
        if self.act(lambda c: c.finish_needling(self.finish_reason.text())):
            self.finish_reason.clear()

    def _toggle_zone(self, zone: str) -> None:
        state = self._state()
        if state is not None:
            self.act(lambda c: c.set_zone(zone, zone not in state.zones))

    def _record_passes(self) -> None:
        dirs = [d for d, box in self.direction_boxes.items() if box.isChecked()]
        self.act(lambda c: c.set_passes(self.passes.value(), dirs))

    def show_time(self, state: SessionState) -> None:
        if not state.needling_marks:
            self.so_far.setText("")
            return
        cd = state.needling_countdown(self.ctx.clock)
        self.so_far.setText(tr("Needling time so far (pauses excluded): {time}; {n} pause(s).").format(
            time=format_duration(cd.elapsed(self.ctx.clock.monotonic())), n=len(cd.pauses())))

    def refresh(self, state: SessionState | None) -> None:
        if state is None:
            return
        self.render_fields(state)
        cd = state.needling_countdown(self.ctx.clock)
        if not state.needling_marks:
            self.toggle.setText(tr("Start needling  [Space]"))
        elif cd.running:
            self.toggle.setText(tr("Pause  [Space]"))
        elif cd.paused:
            self.toggle.setText(tr("Resume  [Space]"))
        self.toggle.setEnabled(not cd.finished)
        self.finish.setEnabled(bool(state.needling_marks) and not cd.finished)
        self.planned.setReadOnly(bool(state.needling_marks))
        self.show_time(state)
        if state.needling_marks:
            text = " ".join(
                ([tr("Early start: {reason}").format(reason=state.early_start_reason)]
                 if state.early_start_reason else [])
                + ([tr("Late start: {reason}").format(reason=state.late_start_reason)]
                   if state.late_start_reason else [])
                + ([tr("Finished outside the protocol's time: {reason}").format(reason=state.finish_reason)]
                   if state.finish_reason else []))
        else:
            text = tr("Not started.")
        if self.timing.text() != text:
            self.timing.setText(text)
        self.timing.setVisible(bool(text))
        self.map.set_treated(state.zones)
        for zone, box in self.zone_boxes.items():
            box.setChecked(zone in state.zones)
            box.setEnabled(bool(state.needling_marks))
        if state.passes:
            names = ", ".join(self.ctx.protocol.label("pass_directions", d) for d in state.directions)
            self.passes_state.setText(tr("Recorded: {passes} passes — {names}").format(
                                         passes=state.passes, names=names))
