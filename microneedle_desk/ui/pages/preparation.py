"""Steps 3–5: anesthetic (starts the dwell countdown), device, antiseptic."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QCheckBox, QFormLayout, QHBoxLayout, QLabel, QPushButton, QWidget

from microneedle_desk.core.validation import ValidationError, parse_decimal
from microneedle_desk.ui.pages.base import StepPage, set_checked_quietly, set_text_quietly

if TYPE_CHECKING:
    from microneedle_desk.core.session import SessionState
    from microneedle_desk.ui.context import UiContext


def _state(ctx: UiContext) -> SessionState | None:
    return ctx.controller.session.state if ctx.controller.session else None


class AnestheticPage(StepPage):
    step_id = "anesthetic"

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        b = ctx.protocol.bounds["dwell_minutes"]
        self.product = self.line("Anesthetic product", "product name, e.g. lidocaine 5% cream")
        self.bind_text(self.product, "set_anesthetic_product",
                       lambda: s.anesthetic_product if (s := _state(ctx)) else "")
        self.planned = self.line("Planned dwell in minutes", f"{b.min}–{b.max}")
        self.planned.setText(str(ctx.settings.get("protocol/dwell_minutes")))
        self.planned.setToolTip(f"Planned numbing time: whole minutes {b.min}–{b.max}")
        self.apply_button = QPushButton("Applied now — start &dwell countdown")
        self.apply_button.setAccessibleName("Anesthetic applied now")
        self.apply_button.clicked.connect(self._apply)
        self.change_button = QPushButton("C&hange planned dwell")
        self.change_button.clicked.connect(lambda: self.do("change_dwell_plan", self.planned.text()))
        self.applied = QLabel()
        form = QFormLayout()
        form.addRow("Product", self.product)
        form.addRow(f"Planned dwell (min, {b.min}–{b.max})", self.planned)
        buttons = QHBoxLayout()
        buttons.addWidget(self.apply_button)
        buttons.addWidget(self.change_button)
        form.addRow(buttons)
        form.addRow(self.applied)
        self.body.addLayout(form)

    def _apply(self) -> None:
        state = _state(self.ctx)
        product = self.product.text().strip()
        if state is not None and product and product != state.anesthetic_product \
                and not self.do("set_anesthetic_product", product):
            return
        self.do("apply_anesthetic", self.planned.text())

    def refresh(self, state: SessionState | None) -> None:
        if state is None:
            return
        set_text_quietly(self.product, state.anesthetic_product)
        applied = state.applied is not None
        self.apply_button.setEnabled(not applied)
        self.change_button.setEnabled(applied and not state.needling_marks)
        if applied and state.applied is not None:
            set_text_quietly(self.planned, str(state.dwell_planned_min))
            self.applied.setText(f"Applied at {state.applied.wall.strftime('%H:%M:%S')}; planned "
                                 f"{state.dwell_planned_min} min. Prepare the device while it works.")
        else:
            self.applied.setText("Not applied yet.")


class DevicePage(StepPage):
    step_id = "device"

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        b = ctx.protocol.bounds["needle_length_mm"]
        self.bound = b
        self.needle = self.line("Needle length in millimetres", f"{b.min}–{b.max}")
        self.needle.setToolTip(f"{b.min}–{b.max} mm in {b.step} mm steps; − and + step it")
        self.bind_text(self.needle, "set_needle_length", self._current_needle)
        minus, plus = QPushButton("−"), QPushButton("+")
        minus.setAccessibleName("Shorter needle")
        plus.setAccessibleName("Longer needle")
        minus.clicked.connect(lambda: self._step(-1))
        plus.clicked.connect(lambda: self._step(+1))
        needle_row = QHBoxLayout()
        needle_row.addWidget(minus)
        needle_row.addWidget(self.needle)
        needle_row.addWidget(plus)
        needle_row.addWidget(QLabel(f"mm (allowed {b.min}–{b.max})"))
        self.lot = self.line("Cartridge lot number")
        self.expiry = self.line("Cartridge expiry date", "YYYY-MM-DD")
        for edit in (self.lot, self.expiry):
            edit.editingFinished.connect(self._save_cartridge)
        self.sealed = QCheckBox("Cartridge is new and was sealed")
        self.sealed.setAccessibleName("Cartridge is new and sealed")
        self.sealed.clicked.connect(lambda checked: self.do("confirm_cartridge_new", bool(checked)))
        self.serial = self.line("Handpiece serial")
        self.bind_text(self.serial, "set_handpiece_serial",
                       lambda: s.handpiece_serial if (s := _state(ctx)) else "")
        form = QFormLayout()
        form.addRow("Needle length", needle_row)
        form.addRow("Cartridge lot", self.lot)
        form.addRow("Cartridge expiry", self.expiry)
        form.addRow(self.sealed)
        form.addRow("Handpiece serial", self.serial)
        self.body.addLayout(form)

    def _current_needle(self) -> str:
        state = _state(self.ctx)
        return f"{state.needle_mm:.1f}" if state and state.needle_mm is not None else ""

    def _step(self, direction: int) -> None:
        step = self.bound.step or Decimal("0.1")
        try:
            value = parse_decimal(self.needle.text() or self.bound.min, "needle", "Needle length", "mm")
        except ValidationError as exc:
            self.show_error(exc.message)
            return
        value = min(self.bound.max, max(self.bound.min, value + direction * step))
        self.needle.setText(f"{value:.1f}")
        self.do("set_needle_length", self.needle.text())

    def _save_cartridge(self) -> None:
        state = _state(self.ctx)
        lot, expiry = self.lot.text().strip(), self.expiry.text().strip()
        if not lot or not expiry or state is None:
            return
        stored = state.cartridge_expiry.isoformat() if state.cartridge_expiry else ""
        if (lot, expiry) != (state.cartridge_lot, stored):
            self.do("set_cartridge", lot, expiry)

    def preset_needle(self, mm: float) -> None:
        """The starting value: the patient's last length, else the indication's default."""
        self.needle.setText(f"{mm:.1f}")

    def refresh(self, state: SessionState | None) -> None:
        if state is None:
            return
        if state.needle_mm is not None:
            set_text_quietly(self.needle, f"{state.needle_mm:.1f}")
        set_text_quietly(self.lot, state.cartridge_lot)
        set_text_quietly(self.expiry, state.cartridge_expiry.isoformat() if state.cartridge_expiry else "")
        self.sealed.setChecked(state.cartridge_new_sealed)
        set_text_quietly(self.serial, state.handpiece_serial)
        fixed = bool(state.needling_marks)
        self.needle.setReadOnly(fixed)


class AntisepticPage(StepPage):
    step_id = "antiseptic"

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        row, self.group, self.buttons = self.radio_row(
            "Antiseptic", ctx.protocol.antiseptics, lambda kind: self.do("set_antiseptic", kind))
        self.body.addLayout(row)

    def refresh(self, state: SessionState | None) -> None:
        if state is None:
            return
        for kind, button in self.buttons.items():
            set_checked_quietly(button, self.group, state.antiseptic == kind)
