"""Steps 3–5: anesthetic (starts the dwell countdown), device, antiseptic."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from PySide6.QtCore import QLocale
from PySide6.QtWidgets import QCheckBox, QFormLayout, QHBoxLayout, QLabel, QPushButton, QWidget

from microneedle_desk.core.validation import ValidationError, parse_decimal
from microneedle_desk.i18n import tr
from microneedle_desk.ui.language import shown_date, typed_date
from microneedle_desk.ui.pages.base import StepPage, set_checked_quietly

if TYPE_CHECKING:
    from microneedle_desk.core.session_state import SessionState
    from microneedle_desk.ui.context import UiContext


def _state(ctx: UiContext) -> SessionState | None:
    return ctx.controller.session.state if ctx.controller.session else None


class AnestheticPage(StepPage):
    step_id = "anesthetic"

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        b = ctx.protocol.bounds["dwell_minutes"]
        self.product = self.line(tr("Anesthetic product"), tr("product name, e.g. lidocaine 5% cream"))
        self.keep_text(self.product, lambda s: s.anesthetic_product,
                       lambda text: self.act(lambda c: c.set_anesthetic_product(text)), draft="anesthetic_product")
        self.planned = self.line(tr("Planned dwell in minutes"), f"{b.min}–{b.max}")
        self.planned.setText(str(ctx.settings.get("protocol/dwell_minutes")))
        # Before the cream is on, the plan is recorded with "Applied now"; a change after it is its own event.
        self.keep_text(self.planned, lambda s: str(s.dwell_planned_min) if s.applied is not None else "",
                       self._change_plan, draft="dwell_planned",
                       default=lambda s: str(ctx.settings.get("protocol/dwell_minutes")))
        self.planned.setToolTip(tr("Planned numbing time: whole minutes {min}–{max}").format(
                                   min=b.min, max=b.max))
        self.apply_button = QPushButton(tr("Applied now — start &dwell countdown"))
        self.apply_button.setAccessibleName(tr("Anesthetic applied now"))
        self.apply_button.clicked.connect(self._apply)
        self.change_button = QPushButton(tr("C&hange planned dwell"))
        self.change_button.clicked.connect(lambda: self.act(lambda c: c.change_dwell_plan(self.planned.text())))
        self.applied = QLabel()
        form = QFormLayout()
        form.addRow(tr("Product"), self.product)
        form.addRow(tr("Planned dwell (min, {min}–{max})").format(min=b.min, max=b.max), self.planned)
        form.addRow(self.change_button)
        self.action_row.addWidget(self.apply_button)  # the countdown's start: always in view
        self.action_row.addStretch(1)
        form.addRow(self.applied)
        self.body.addLayout(form)

    def _change_plan(self, text: str) -> bool:
        state = _state(self.ctx)
        return state is not None and state.applied is not None and self.act(lambda c: c.change_dwell_plan(text))

    def _apply(self) -> None:
        state = _state(self.ctx)
        product = self.product.text().strip()
        if state is not None and product and product != state.anesthetic_product \
                and not self.act(lambda c: c.set_anesthetic_product(product)):
            return
        self.act(lambda c: c.apply_anesthetic(self.planned.text()))

    def refresh(self, state: SessionState | None) -> None:
        if state is None:
            return
        self.render_fields(state)
        applied = state.applied is not None
        self.apply_button.setEnabled(not applied)
        self.change_button.setEnabled(applied and not state.needling_marks)
        if applied and state.applied is not None:
            self.applied.setText(tr("Applied at {strftime}; planned {dwell_planned_min} min. Prepare the "
                                    "device while it works.").format(
                strftime=state.applied.wall.strftime('%H:%M:%S'), dwell_planned_min=state.dwell_planned_min))
        else:
            self.applied.setText(tr("Not applied yet."))


class DevicePage(StepPage):
    step_id = "device"

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        b = ctx.protocol.bounds["needle_length_mm"]
        self.bound = b
        self.needle = self.line(tr("Needle length in millimetres"), f"{b.min}–{b.max}")
        self.needle.setToolTip(tr("{min}–{max} mm in {step} mm steps; − and + step it").format(
                                  min=b.min, max=b.max, step=b.step))
        self._preset: tuple[str, str] = ("", "")  # (session id, starting length)
        self.keep_text(self.needle, lambda s: self._shown_mm(s.needle_mm) if s.needle_mm is not None else "",
                       lambda text: self.act(lambda c: c.set_needle_length(self._typed_mm(text))), draft="needle_mm",
                       default=lambda s: self._preset[1] if self._preset[0] == s.id else "")
        self.needle.editingFinished.connect(self._needle_left)
        minus, plus = QPushButton("−"), QPushButton("+")
        minus.setAccessibleName(tr("Shorter needle"))
        plus.setAccessibleName(tr("Longer needle"))
        minus.clicked.connect(lambda: self._step(-1))
        plus.clicked.connect(lambda: self._step(+1))
        needle_row = QHBoxLayout()
        needle_row.addWidget(minus)
        needle_row.addWidget(self.needle)
        needle_row.addWidget(plus)
        needle_row.addWidget(QLabel(tr("mm (allowed {min}–{max})").format(min=b.min, max=b.max)))
        self.lot = self.line(tr("Cartridge lot number"))
        self.expiry = self.line(tr("Cartridge expiry date"), tr("YYYY-MM-DD"))
        # each saved on its own: a lot typed before its expiry is kept
        self.keep_text(self.lot, lambda s: s.cartridge_lot,
                       lambda text: self.act(lambda c: c.set_cartridge_lot(text)), draft="cartridge_lot")
        self.keep_text(self.expiry, lambda s: shown_date(s.cartridge_expiry) if s.cartridge_expiry else "",
                       lambda text: self.act(lambda c: c.set_cartridge_expiry(typed_date(text))),
                       draft="cartridge_expiry")
        self.sealed = QCheckBox(tr("Cartridge is new and was sealed"))
        self.sealed.setAccessibleName(tr("Cartridge is new and sealed"))
        self.sealed.clicked.connect(lambda checked: self.act(lambda c: c.confirm_cartridge_new(bool(checked))))
        self.serial = self.line(tr("Handpiece serial"))
        self.keep_text(self.serial, lambda s: s.handpiece_serial,
                       lambda text: self.act(lambda c: c.set_handpiece_serial(text)), draft="handpiece_serial")
        form = QFormLayout()
        form.addRow(tr("Needle length"), needle_row)
        form.addRow(tr("Cartridge lot"), self.lot)
        form.addRow(tr("Cartridge expiry"), self.expiry)
        form.addRow(self.sealed)
        form.addRow(tr("Handpiece serial"), self.serial)
        self.body.addLayout(form)
        self._add_cartridge_override()

    def _add_cartridge_override(self) -> None:
        """An expired cartridge, or one not confirmed new and sealed, is used only with a written
        clinical reason (and the practitioner's PIN): a deviation the sign-off lists."""
        self.cartridge_reason = self.line(tr("Reason to use this cartridge anyway"),
                                          tr("only for an expired or unconfirmed cartridge: the clinical reason"))
        self.keep_text(self.cartridge_reason, lambda s: "", draft="cartridge_reason")  # until the override
        self.cartridge_override = QPushButton(tr("Use this cartridge anyway"))
        self.cartridge_override.setAccessibleName(tr("Use this cartridge anyway, with the reason given"))
        self.cartridge_override.clicked.connect(self._override_cartridge)
        row = QHBoxLayout()
        row.addWidget(self.cartridge_reason, 1)
        row.addWidget(self.cartridge_override)
        form = QFormLayout()
        form.addRow(tr("Cartridge override"), row)
        self.body.addLayout(form)

    def _override_cartridge(self) -> None:
        if self.act(lambda c: c.override_cartridge(self.lot.text(), typed_date(self.expiry.text()),
                                                  self.cartridge_reason.text())):
            self.cartridge_reason.clear()

    # -- the needle length, in the person's own decimal separator ----------------------------
    @staticmethod
    def _separator() -> str:
        return QLocale().decimalPoint() or "."

    def _shown_mm(self, value: object) -> str:
        return f"{Decimal(str(value)):.1f}".replace(".", self._separator())

    def _typed_mm(self, text: str) -> str:
        """The typed length for the core, which reads a decimal point: the locale's separator
        becomes one (a comma is refused there only where a point is the locale's own)."""
        separator = self._separator()
        return text.strip().replace(separator, ".") if separator != "." else text.strip()

    def _needle_left(self) -> None:
        if not self.needle.text().strip() and _state(self.ctx) is not None:
            self.show_error(tr("The needle length is empty: enter it in mm, {low}–{high} in steps of {step}.").format(
                low=self._shown_mm(self.bound.min), high=self._shown_mm(self.bound.max),
                step=self._shown_mm(self.bound.step or Decimal("0.1"))))

    def _step(self, direction: int) -> None:
        step = self.bound.step or Decimal("0.1")
        typed = self.needle.text().strip()
        try:
            value = parse_decimal(typed or self.bound.min, "needle", tr("Needle length"), "mm",
                                  decimal_separator=self._separator())
        except ValidationError as exc:
            self.show_error(exc.message)
            return
        if not self.bound.min <= value <= self.bound.max:
            # never moved silently to the nearest bound: the person decides what to type instead
            self.show_error(tr("{typed} mm is outside the allowed {low}–{high} mm: type a length in that range, "
                               "then − and + step it.").format(typed=typed, low=self._shown_mm(self.bound.min),
                                                               high=self._shown_mm(self.bound.max)))
            return
        value = min(self.bound.max, max(self.bound.min, value + direction * step))
        self.needle.setText(self._shown_mm(value))
        self.act(lambda c: c.set_needle_length(self._typed_mm(self.needle.text())))

    def preset_needle(self, mm: float) -> None:
        """The starting value of this session: the patient's last length, else the indication's default."""
        state = _state(self.ctx)
        self._preset = (state.id if state else "", self._shown_mm(mm))
        if state is not None:
            self.render_fields(state)

    def refresh(self, state: SessionState | None) -> None:
        if state is None:
            return
        self.render_fields(state)
        self.sealed.setChecked(state.cartridge_new_sealed)
        fixed = bool(state.needling_marks)
        self.needle.setReadOnly(fixed)


class AntisepticPage(StepPage):
    step_id = "antiseptic"

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        row, self.group, self.buttons = self.radio_row(
            "Antiseptic", ctx.protocol.antiseptics, lambda kind: self.act(lambda c: c.set_antiseptic(kind)))
        self.body.addLayout(row)

    def refresh(self, state: SessionState | None) -> None:
        if state is None:
            return
        for kind, button in self.buttons.items():
            set_checked_quietly(button, self.group, state.antiseptic == kind)
