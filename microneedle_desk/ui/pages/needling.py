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
from microneedle_desk.ui.keys import needling_keys_text
from microneedle_desk.ui.pages.base import StepPage, set_text_quietly
from microneedle_desk.ui.scalp_map import ScalpMap

if TYPE_CHECKING:
    from microneedle_desk.core.session import SessionState
    from microneedle_desk.ui.context import UiContext


class NeedlingPage(StepPage):
    step_id = "needling"

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        b = ctx.protocol.bounds["needling_minutes"]
        self.planned = self.line("Planned needling time in minutes", f"{b.min}–{b.max}")
        self.planned.setText(str(ctx.settings.get("protocol/needling_minutes")))
        self.early_reason = self.line("Reason to start before the minimum dwell",
                                      "only if starting early: the clinical reason")
        self.toggle = QPushButton("Start needling  [Space]")
        self.toggle.setAccessibleName("Start, pause or resume needling")
        self.toggle.setToolTip(needling_keys_text(QKeySequence(str(ctx.settings.get("room/pedal_key"))).toString()))
        self.toggle.clicked.connect(self.toggle_needling)
        self.finish = QPushButton("F&inish needling")
        self.finish.clicked.connect(lambda: self.do("finish_needling"))
        self.timing = QLabel()
        self.timing.setWordWrap(True)
        form = QFormLayout()
        form.addRow(f"Planned (min, {b.min}–{b.max})", self.planned)
        form.addRow("Early start reason", self.early_reason)
        buttons = QHBoxLayout()
        buttons.addWidget(self.toggle)
        buttons.addWidget(self.finish)
        form.addRow(buttons)
        form.addRow(self.timing)
        # -- zones ------------------------------------------------------------------
        self.map = ScalpMap(ctx.protocol.zones)
        self.map.zone_clicked.connect(self._toggle_zone)
        self.zone_boxes: dict[str, QCheckBox] = {}
        zone_grid = QGridLayout()
        for i, zone in enumerate(ctx.protocol.zones):
            box = QCheckBox(zone.label)
            box.setAccessibleName(f"Zone treated: {zone.label}")
            box.clicked.connect(lambda checked, z=zone.id: self.do("set_zone", z, bool(checked)))
            zone_grid.addWidget(box, i // 2, i % 2)
            self.zone_boxes[zone.id] = box
        # -- passes -----------------------------------------------------------------
        self.passes = QSpinBox()
        self.passes.setRange(1, 20)
        self.passes.setValue(4)
        self.passes.setAccessibleName("Number of passes")
        self.direction_boxes: dict[str, QCheckBox] = {}
        dirs = QHBoxLayout()
        for d in ctx.protocol.pass_directions:
            box = QCheckBox(d.label)
            box.setAccessibleName(f"Pass direction: {d.label}")
            dirs.addWidget(box)
            self.direction_boxes[d.id] = box
        record = QPushButton("Record &passes")
        record.clicked.connect(self._record_passes)
        self.passes_state = QLabel()
        passes_box = QGroupBox("Passes")
        pl = QFormLayout(passes_box)
        pl.addRow("Passes", self.passes)
        pl.addRow("Directions", dirs)
        pl.addRow(record, self.passes_state)
        left = QVBoxLayout()
        left.addLayout(form)
        zones_box = QGroupBox("Zones treated (click the map or tick)")
        zones_box.setLayout(zone_grid)
        left.addWidget(zones_box)
        left.addWidget(passes_box)
        row = QHBoxLayout()
        row.addLayout(left, 3)
        row.addWidget(self.map, 2)
        self.body.addLayout(row)

    def _state(self) -> SessionState | None:
        return self.ctx.controller.session.state if self.ctx.controller.session else None

    def toggle_needling(self) -> None:
        state = self._state()
        if state is None:
            return
        if not state.needling_marks:
            planned = self.planned.text().strip()
            if str(state.needling_planned_min or "") != planned and not self.do("plan_needling", planned):
                return
            self.do("start_needling", self.early_reason.text())
        else:
            self.do("toggle_needling")

    def _toggle_zone(self, zone: str) -> None:
        state = self._state()
        if state is not None:
            self.do("set_zone", zone, zone not in state.zones)

    def _record_passes(self) -> None:
        dirs = [d for d, box in self.direction_boxes.items() if box.isChecked()]
        self.do("set_passes", self.passes.value(), dirs)

    def refresh(self, state: SessionState | None) -> None:
        if state is None:
            return
        cd = state.needling_countdown(self.ctx.clock)
        if not state.needling_marks:
            self.toggle.setText("Start needling  [Space]")
        elif cd.running:
            self.toggle.setText("Pause  [Space]")
        elif cd.paused:
            self.toggle.setText("Resume  [Space]")
        self.toggle.setEnabled(not cd.finished)
        self.finish.setEnabled(bool(state.needling_marks) and not cd.finished)
        if state.needling_planned_min:
            set_text_quietly(self.planned, str(state.needling_planned_min))
        self.planned.setReadOnly(bool(state.needling_marks))
        now = self.ctx.clock.monotonic()
        pauses = len(cd.pauses())
        if state.needling_marks:
            self.timing.setText(f"Needling time so far (pauses excluded): {format_duration(cd.elapsed(now))}; "
                                f"{pauses} pause(s)." + (f" Early start: {state.early_start_reason}"
                                                         if state.early_start_reason else ""))
        else:
            self.timing.setText("Not started.")
        self.map.set_treated(state.zones)
        for zone, box in self.zone_boxes.items():
            box.setChecked(zone in state.zones)
            box.setEnabled(bool(state.needling_marks))
        if state.passes:
            names = ", ".join(self.ctx.protocol.label("pass_directions", d) for d in state.directions)
            self.passes_state.setText(f"Recorded: {state.passes} passes — {names}")
