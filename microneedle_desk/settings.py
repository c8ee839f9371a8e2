"""One typed settings registry over QSettings. No other module reads QSettings.

Each option has a type, a default that matches the clinical source, and bounds; a stored
value that is missing, of the wrong type or out of bounds falls back to the default (and
is reported in :attr:`Settings.warnings`), never a crash.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings

from microneedle_desk.core.protocol import Protocol
from microneedle_desk.core.session import SessionConfig
from microneedle_desk.core.validation import ValidationError, parse_bounded, require_choice

SETTINGS_VERSION = 1


@dataclass(frozen=True)
class Option:
    key: str
    kind: type
    default: Any
    label: str
    minimum: Any = None
    maximum: Any = None
    step: Any = None
    choices: tuple[str, ...] = ()


def _options(protocol: Protocol) -> dict[str, Option]:
    b = protocol.bounds
    opts = [
        Option("clinic/name", str, "", "Clinic name"),
        Option("clinic/address", str, "", "Clinic address"),
        Option("clinic/phone", str, "", "Clinic phone"),
        Option("clinic/logo", str, "", "Logo image file"),
        Option("clinic/paper", str, "a4", "Paper size", choices=("a4", "letter")),
        Option("protocol/dwell_minutes", int, int(b["dwell_minutes"].default or 30), "Planned dwell (min)",
               int(b["dwell_minutes"].min), int(b["dwell_minutes"].max)),
        Option("protocol/needling_minutes", int, int(b["needling_minutes"].default or 15),
               "Planned needling time (min)", int(b["needling_minutes"].min), int(b["needling_minutes"].max)),
        Option("protocol/washout_months", int, int(b["isotretinoin_washout_months"].default or 6),
               "Isotretinoin washout (months)", int(b["isotretinoin_washout_months"].min),
               int(b["isotretinoin_washout_months"].max)),
        Option("protocol/minoxidil_hours", int, int(b["minoxidil_resume_hours"].default or 24),
               "Minoxidil resume delay (h)", int(b["minoxidil_resume_hours"].min),
               int(b["minoxidil_resume_hours"].max)),
        Option("store/backups_kept", int, 14, "Backups kept", 1, 365),
        Option("alerts/sound", bool, True, "Alert sound"),
        Option("alerts/volume", int, 70, "Alert volume (%)", 0, 100),
        Option("alerts/flash", bool, True, "Flash the countdown on alerts"),
        Option("room/pedal_key", str, "F9", "Foot-pedal key"),
        Option("ui/last_practitioner", str, "", "Last practitioner"),
    ]
    for ind in protocol.indications:
        opts.append(Option(f"protocol/needle_mm/{ind.id}", float, float(ind.default_needle_mm),
                           f"Default needle length, {ind.label} (mm)", float(b["needle_length_mm"].min),
                           float(b["needle_length_mm"].max), float(b["needle_length_mm"].step or 0.1)))
        opts.append(Option(f"protocol/interval_days/{ind.id}", int, ind.interval_days,
                           f"Session interval, {ind.label} (days)", 1, 365))
    return {o.key: o for o in opts}


class Settings:
    def __init__(self, protocol: Protocol, path: Path | None = None) -> None:
        self.protocol = protocol
        self.options = _options(protocol)
        self._qs = (QSettings(str(path), QSettings.Format.IniFormat) if path
                    else QSettings())
        self.warnings: list[str] = []
        if self._qs.status() != QSettings.Status.NoError:
            self.warnings.append("The settings file could not be read; the defaults are used.")
        self._upgrade()

    def _upgrade(self) -> None:
        version = self._qs.value("meta/version", 0)
        try:
            version = int(version)  # type: ignore[call-overload]
        except (TypeError, ValueError):
            version = 0
        if version < SETTINGS_VERSION:
            self._qs.setValue("meta/version", SETTINGS_VERSION)

    def check(self, key: str, value: object) -> Any:
        """The value converted to the option's type, or ValidationError naming the bounds."""
        opt = self.options[key]
        if opt.choices:
            return require_choice(str(value).lower(), opt.choices, key, opt.label)
        if opt.kind is bool:
            if isinstance(value, str):
                return value.strip().lower() in ("1", "true", "yes", "on")
            return bool(value)
        if opt.kind in (int, float):
            from microneedle_desk.core.protocol import Bound

            bound = Bound(Decimal(str(opt.minimum)), Decimal(str(opt.maximum)),
                          Decimal(str(opt.step)) if opt.step else (Decimal(1) if opt.kind is int else None))
            number = parse_bounded(value, bound, key, opt.label)
            return int(number) if opt.kind is int else float(number)
        return str(value).strip()

    def get(self, key: str) -> Any:
        opt = self.options[key]
        raw = self._qs.value(key, None)
        if raw is None:
            return opt.default
        try:
            return self.check(key, raw)
        except ValidationError:
            self.warnings.append(f"The setting “{opt.label}” held an invalid value; the default is used.")
            return opt.default

    def set(self, key: str, value: object) -> None:
        checked = self.check(key, value)
        self._qs.setValue(key, checked)
        self._qs.sync()

    def session_config(self, indication: str) -> SessionConfig:
        return SessionConfig(
            washout_months=self.get("protocol/washout_months"),
            minoxidil_hours=self.get("protocol/minoxidil_hours"),
            interval_days=self.get(f"protocol/interval_days/{indication}"),
        )

    def default_needle(self, indication: str) -> float:
        return float(self.get(f"protocol/needle_mm/{indication}"))
