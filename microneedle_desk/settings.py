"""One typed settings registry over QSettings. No other module reads QSettings.

Each option has a type, a default that matches the clinical source, and bounds; a stored
value that is missing, of the wrong type or out of bounds falls back to the default (and
is reported in :attr:`Settings.warnings`), never a crash. A settings file that cannot be
read at all is moved aside (renamed, never deleted) and the defaults are used. A file
written by an older version is upgraded step by step (:data:`UPGRADES`). The file holds
the clinic's letterhead, so it is kept private (mode 0600 on POSIX) after every write.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings

from microneedle_desk.core.protocol import Bound, Protocol
from microneedle_desk.core.session_state import SessionConfig
from microneedle_desk.core.validation import ValidationError, parse_bounded, require_choice
from microneedle_desk.i18n import N_, available_languages

SETTINGS_VERSION = 2
FILE_MODE = 0o600


def _upgrade_1_to_2(qs: QSettings) -> None:
    """Version 2 stores choices as their lower-case ids ("a4", not "A4" as Qt names
    page sizes) and the pedal key under ``room/pedal_key`` (version 1: ``room/pedal``)."""
    paper = qs.value("clinic/paper", None)
    if isinstance(paper, str):
        qs.setValue("clinic/paper", paper.strip().lower())
    old_pedal = qs.value("room/pedal", None)
    if old_pedal is not None:
        if qs.value("room/pedal_key", None) is None:
            qs.setValue("room/pedal_key", old_pedal)
        qs.remove("room/pedal")


# from-version -> step that brings a file of that version to the next one. A file without a
# version (version 0) was written before versions were recorded; it has the version 1 layout.
UPGRADES: dict[int, Callable[[QSettings], None]] = {
    0: lambda qs: None,
    1: _upgrade_1_to_2,
}


@dataclass(frozen=True)
class Option:
    """One setting: key, type, default, label and bounds."""

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
        Option("clinic/name", str, "", N_("Clinic name")),
        Option("clinic/address", str, "", N_("Clinic address")),
        Option("clinic/phone", str, "", N_("Clinic phone")),
        Option("clinic/logo", str, "", N_("Logo image file")),
        Option("clinic/paper", str, "a4", N_("Paper size"), choices=("a4", "letter")),
        Option("clinic/time_zone", str, "", N_("Clinic time zone (e.g. Europe/Berlin; empty: this computer's)")),
        # "" follows the system's locale; the clinic's language prints the session sheet and is
        # the language a new patient's handout is printed in
        Option("clinic/language", str, "", N_("Language"), choices=("", *available_languages())),
        Option("protocol/dwell_minutes", int, int(b["dwell_minutes"].default or 30), N_("Planned dwell (min)"),
               int(b["dwell_minutes"].min), int(b["dwell_minutes"].max)),
        Option("protocol/needling_minutes", int, int(b["needling_minutes"].default or 15),
               N_("Planned needling time (min)"), int(b["needling_minutes"].min), int(b["needling_minutes"].max)),
        Option("protocol/washout_months", int, int(b["isotretinoin_washout_months"].default or 6),
               N_("Isotretinoin washout (months)"), int(b["isotretinoin_washout_months"].min),
               int(b["isotretinoin_washout_months"].max)),
        Option("protocol/minoxidil_hours", int, int(b["minoxidil_resume_hours"].default or 24),
               N_("Minoxidil resume delay (h)"), int(b["minoxidil_resume_hours"].min),
               int(b["minoxidil_resume_hours"].max)),
        Option("store/backups_kept", int, 14, N_("Backups kept"), 1, 365),
        Option("backup/second_location", str, "", N_("Second location for the encrypted backups")),
        Option("alerts/sound", bool, True, N_("Alert sound")),
        Option("alerts/volume", int, 70, N_("Alert volume (%)"), 0, 100),
        Option("alerts/flash", bool, True, N_("Flash the countdown on alerts")),
        Option("room/pedal_key", str, "F9", N_("Foot-pedal key (starts/pauses needling)")),
        Option("room/view_key", str, "F11", N_("Treatment-room view key")),
        Option("ui/last_practitioner", str, "", N_("Last practitioner")),
        Option("ui/geometry", str, "", N_("Main window size and place")),
        Option("security/idle_minutes", int, 10, N_("Lock the window after idle (min)"), 1, 240),
        Option("security/own_sessions_only", bool, False, N_("Practitioners see only their own sessions' detail")),
        Option("photos/required", bool, False, N_("Every standard photo view is taken or skipped before sign-off")),
        Option("photos/watch_folder", str, "", N_("Folder the camera or phone drops photos into")),
        # a libpq connection string or URI, never with a password (server/connection.py refuses one)
        Option("server/dsn", str, "", N_("Clinic server (PostgreSQL connection)")),
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
        self.path = path
        self.warnings: list[str] = []
        self.moved_aside: Path | None = None
        if path is not None and _unreadable(path):
            self._move_aside(path)
        self._qs = self._open()
        if self._qs.status() != QSettings.Status.NoError and path is not None:
            self._move_aside(path)
            self._qs = self._open()
        if self._qs.status() != QSettings.Status.NoError:
            self.warnings.append("The settings file could not be read; the defaults are used.")
        self._upgrade()

    def _open(self) -> QSettings:
        return QSettings(str(self.path), QSettings.Format.IniFormat) if self.path else QSettings()

    def _move_aside(self, path: Path) -> None:
        """Rename a broken settings file (kept for inspection) so the defaults can be saved."""
        stamp = datetime.now().astimezone().strftime("%Y%m%d-%H%M%S")
        target = path.with_name(f"{path.name}.broken-{stamp}")
        try:
            path.replace(target)
        except OSError:
            self.warnings.append(f"The settings file {path} is broken and could not be moved aside; "
                                 "the defaults are used.")
            return
        self.moved_aside = target
        self.warnings.append(f"The settings file was broken; the defaults are used. The broken file was "
                             f"kept as {target.name}.")

    def _upgrade(self) -> None:
        version = self._qs.value("meta/version", 0)
        try:
            version = int(version)  # type: ignore[call-overload]
        except (TypeError, ValueError):
            version = 0
        if version > SETTINGS_VERSION:
            self.warnings.append("The settings were written by a newer version of the app; settings it does "
                                 "not know are kept but ignored.")
            return
        if version == SETTINGS_VERSION:
            self._private()
            return
        while version < SETTINGS_VERSION:
            UPGRADES[version](self._qs)
            version += 1
        self._qs.setValue("meta/version", SETTINGS_VERSION)
        self._sync()

    def _sync(self) -> None:
        self._qs.sync()
        self._private()

    def _private(self) -> None:
        """Only the user may read the file: it names the clinic and its practitioners."""
        if self.path is None or sys.platform == "win32":
            return
        try:
            if self.path.exists() and (self.path.stat().st_mode & 0o777) != FILE_MODE:
                os.chmod(self.path, FILE_MODE)
        except OSError:
            self.warnings.append(f"The settings file {self.path} could not be made private.")

    def version(self) -> int:
        try:
            stored = str(self._qs.value("meta/version", 0))
            return int(stored)
        except (TypeError, ValueError):
            return 0

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
        self._sync()

    def reset(self, key: str) -> None:
        """Back to the default (the key is removed from the file)."""
        self._qs.remove(key)
        self._sync()

    def session_config(self, indication: str) -> SessionConfig:
        return SessionConfig(
            washout_months=self.get("protocol/washout_months"),
            minoxidil_hours=self.get("protocol/minoxidil_hours"),
            interval_days=self.get(f"protocol/interval_days/{indication}"),
        )

    def default_needle(self, indication: str) -> float:
        return float(self.get(f"protocol/needle_mm/{indication}"))


def _unreadable(path: Path) -> bool:
    """True when the file exists but is not a text INI file (binary garbage, bad encoding,
    no permission). QSettings reads such files as empty without reporting an error."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return False
    except OSError:
        return True
    if b"\x00" in data:
        return True
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False
