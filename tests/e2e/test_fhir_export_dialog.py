"""The export dialog offers FHIR: a signed session, exported from the app by keys and clicks,
arrives as a bundle that fhir.resources validates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fhir_check import checked_bundle, resources

from e2e import driver


def test_the_export_dialog_writes_a_signed_session_as_a_valid_fhir_bundle(
        qtbot: Any, clinic: Any, fake_clock: Any, tmp_path: Path) -> None:
    driver.register_patient(qtbot, clinic, name="Alex Demo", clinic_id="DEMO-7")
    driver.start_session(qtbot, clinic)
    driver.walk_session(qtbot, clinic, fake_clock, lot="LOT-FHIR-1", serial="HP-FHIR")
    driver.sign(qtbot, clinic)

    out = tmp_path / "sessions-fhir.json"
    said = driver.export_sessions(qtbot, clinic, "FHIR R4B (for a health record system; signed sessions)", str(out))
    qtbot.waitUntil(lambda: bool(said), timeout=10_000)
    assert "1 session" in said[0] and str(out) in said[0]
    doc = checked_bundle(out)
    (patient,) = resources(doc, "Patient")
    assert patient["name"] == [{"text": "Alex Demo"}] and patient["identifier"][0]["value"] == "DEMO-7"
    (procedure,) = resources(doc, "Procedure")
    assert {z["coding"][0]["code"] for z in procedure["bodySite"]} == {"zone-frontal", "zone-mid_scalp", "zone-vertex"}
    assert {d.get("lotNumber") or d.get("serialNumber") for d in resources(doc, "Device")} == {"LOT-FHIR-1", "HP-FHIR"}
    assert patient["identifier"][0]["assigner"] == {"display": driver.CLINIC}

    hidden = tmp_path / "deidentified.json"
    said = driver.export_sessions(qtbot, clinic, "FHIR R4B (for a health record system; signed sessions)",
                                  str(hidden), deidentify=True)
    qtbot.waitUntil(lambda: bool(said), timeout=10_000)
    data = hidden.read_bytes()
    assert b"Alex Demo" not in data and b"DEMO-7" not in data and b"1980-02-29" not in data
    (patient,) = resources(checked_bundle(hidden), "Patient")
    assert patient["birthDate"] == "1980"
