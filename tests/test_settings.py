"""The settings registry: bounds refused with a message, upgrades, broken files, privacy."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from microneedle_desk.core.protocol import Protocol
from microneedle_desk.core.validation import ValidationError
from microneedle_desk.settings import SETTINGS_VERSION, Settings


@pytest.fixture
def ini(tmp_path: Path) -> Path:
    return tmp_path / "settings.ini"


def test_defaults_follow_the_clinical_protocol(protocol: Protocol, ini: Path) -> None:
    s = Settings(protocol, ini)
    assert s.get("protocol/dwell_minutes") == 30
    assert s.get("protocol/minoxidil_hours") == 24
    assert s.get("clinic/paper") == "a4"
    assert s.get("room/pedal_key") == "F9" and s.get("room/view_key") == "F11"
    assert s.warnings == []


@pytest.mark.parametrize(("key", "value", "expected"), [
    ("protocol/dwell_minutes", 60, "15"),
    ("protocol/needling_minutes", 25, "20"),
    ("protocol/needle_mm/aga_male", 2.0, "1.5"),
    ("protocol/needle_mm/aga_male", 0.2, "0.5"),
    ("alerts/volume", 101, "100"),
    ("store/backups_kept", 0, "1"),
    ("clinic/paper", "a3", "a4"),
])
def test_values_outside_their_bounds_are_refused_with_a_message_naming_the_bounds(
        protocol: Protocol, ini: Path, key: str, value: object, expected: str) -> None:
    s = Settings(protocol, ini)
    before = s.get(key)
    with pytest.raises(ValidationError) as exc:
        s.set(key, value)
    assert expected in str(exc.value)
    assert s.get(key) == before, "a refused value is not stored"


def test_values_within_bounds_are_stored_and_read_back_typed(protocol: Protocol, ini: Path) -> None:
    s = Settings(protocol, ini)
    s.set("protocol/needle_mm/aga_male", "1.2")
    s.set("alerts/flash", False)
    again = Settings(protocol, ini)
    assert again.get("protocol/needle_mm/aga_male") == 1.2
    assert again.get("alerts/flash") is False


def test_a_file_from_an_older_version_is_upgraded(protocol: Protocol, ini: Path) -> None:
    ini.write_text("[meta]\nversion=1\n[clinic]\nname=Demo Clinic\npaper=Letter\n[room]\npedal=F5\n")
    s = Settings(protocol, ini)
    assert s.version() == SETTINGS_VERSION
    assert s.get("clinic/paper") == "letter"
    assert s.get("room/pedal_key") == "F5", "the version 1 pedal key is carried over"
    assert s.get("clinic/name") == "Demo Clinic"
    assert "pedal=" not in ini.read_text().replace("pedal_key=", ""), "the old key is removed"
    assert s.warnings == []


def test_a_file_without_a_version_is_upgraded_too(protocol: Protocol, ini: Path) -> None:
    ini.write_text("[clinic]\npaper=A4\n")
    s = Settings(protocol, ini)
    assert s.version() == SETTINGS_VERSION and s.get("clinic/paper") == "a4"


@pytest.mark.parametrize("content", [
    bytes(range(256)) * 4,
    b"[clinic\nname=\"unterminated\n",
    "[clinic]\nname=Caf\u00e9\n".encode("latin-1"),
])
def test_a_broken_settings_file_gives_the_defaults_and_a_warning_never_a_crash(
        protocol: Protocol, ini: Path, content: bytes) -> None:
    ini.write_bytes(content)
    s = Settings(protocol, ini)
    assert s.warnings and "defaults" in s.warnings[0]
    assert s.get("protocol/dwell_minutes") == 30
    assert s.moved_aside is not None and s.moved_aside.read_bytes() == content, "the broken file is kept"
    s.set("clinic/name", "Demo Clinic")
    assert Settings(protocol, ini).get("clinic/name") == "Demo Clinic", "new settings can be saved"


def test_a_stored_value_out_of_bounds_reads_as_the_default_with_a_warning(protocol: Protocol, ini: Path) -> None:
    ini.write_text(f"[meta]\nversion={SETTINGS_VERSION}\n[protocol]\ndwell_minutes=999\n")
    s = Settings(protocol, ini)
    assert s.get("protocol/dwell_minutes") == 30
    assert any("Planned dwell" in w for w in s.warnings)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_the_settings_file_is_private_after_each_write(protocol: Protocol, ini: Path) -> None:
    s = Settings(protocol, ini)
    assert ini.stat().st_mode & 0o777 == 0o600
    os.chmod(ini, 0o644)
    s.set("clinic/name", "Demo Clinic")
    assert ini.stat().st_mode & 0o777 == 0o600
    os.chmod(ini, 0o644)
    Settings(protocol, ini)
    assert ini.stat().st_mode & 0o777 == 0o600, "an existing file is made private at start"


def test_the_dialog_refuses_an_out_of_bounds_value_with_the_registrys_message_and_saves_nothing(
        qtbot, protocol: Protocol, ini: Path) -> None:
    from PySide6.QtCore import Qt

    from microneedle_desk.clinic import Clinic
    from microneedle_desk.core.clock import FakeClock
    from microneedle_desk.store.store import Store
    from microneedle_desk.ui.settings_dialog import KeyCapture, SettingsDialog

    s = Settings(protocol, ini)
    clock = FakeClock()
    clinic = Clinic(Store(ini.parent / "data", protocol, clock), protocol, clock, s)
    dialog = SettingsDialog(s, None, clinic=clinic)
    qtbot.addWidget(dialog)
    dialog.fields["clinic/name"].setText("Demo Clinic")  # type: ignore[attr-defined]
    dialog.fields["protocol/dwell_minutes"].setText("50")  # type: ignore[attr-defined]
    dialog.save()
    with pytest.raises(ValidationError) as exc:
        s.check("protocol/dwell_minutes", "50")
    assert dialog.error_label.text() == exc.value.message
    assert s.get("clinic/name") == "", "nothing is saved while a field is out of bounds"
    dialog.fields["protocol/dwell_minutes"].setText("20")  # type: ignore[attr-defined]
    pedal = dialog.fields["room/pedal_key"]
    assert isinstance(pedal, KeyCapture)
    pedal.start()
    qtbot.keyClick(pedal, Qt.Key.Key_PageDown)  # what many USB pedals send
    dialog.save()
    assert s.get("protocol/dwell_minutes") == 20 and s.get("clinic/name") == "Demo Clinic"
    assert s.get("room/pedal_key") == "PgDown"
