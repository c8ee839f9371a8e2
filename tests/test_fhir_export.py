"""The FHIR R4B export: what the bundle holds, that fhir.resources validates it and its references
resolve, de-identification, the options and exit codes, streaming, and the golden example."""

from __future__ import annotations

import io
import json
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fhir_check import checked_bundle, resources
from helpers import demo_amender
from pydantic import ValidationError

from microneedle_desk.cli import main
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.review import fhir, fhir_codes, fhir_source
from microneedle_desk.store.store import Store

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def template(demo_template: Callable[[int, int], Path]) -> Path:
    return demo_template(60, 11)


@pytest.fixture
def store(template: Path, store_copy: Callable[[Path], Store]) -> Store:
    return store_copy(template)


def _export(data_dir: Path, out: Path, *options: str) -> dict[str, Any]:
    assert main(["export", "--format", "fhir", "-o", str(out), "--data-dir", str(data_dir), *options]) == 0
    return checked_bundle(out)


def _signed(store: Store) -> list[dict[str, Any]]:
    return sorted((r for r in store.summaries() if r["status"] == "signed"), key=lambda r: r["started_at"])


def _about(doc: dict[str, Any], kind: str, session_id: str) -> list[dict[str, Any]]:
    """The resources of ``kind`` that belong to one session (point at its Procedure)."""
    target = f"urn:uuid:{session_id}"
    return [r for r in resources(doc, kind) if target in json.dumps(r)]


# -- what the bundle holds ----------------------------------------------------------------------
def test_a_demo_store_exports_a_valid_bundle_of_every_signed_session_with_each_resource_kind(
        store: Store, data_dir: Path, tmp_path: Path) -> None:
    signed = _signed(store)
    store.close()
    out = tmp_path / "bundle.json"
    doc = _export(data_dir, out)
    assert [p["id"] for p in resources(doc, "Procedure")] == [r["id"] for r in signed]
    for kind in ("Patient", "Practitioner", "Observation", "Device", "DeviceUseStatement", "AdverseEvent",
                 "CodeSystem", "Consent", "MedicationAdministration", "MedicationStatement"):
        assert resources(doc, kind), kind
    assert doc["entry"][0]["resource"]["resourceType"] == "CodeSystem"
    assert (out.stat().st_mode & 0o777) == 0o600


def test_every_local_code_in_the_bundle_is_defined_in_the_bundled_code_system(
        store: Store, data_dir: Path, tmp_path: Path) -> None:
    store.close()
    doc = _export(data_dir, tmp_path / "b.json")
    (system,) = resources(doc, "CodeSystem")

    def defined(concepts: list[dict[str, Any]]) -> set[str]:
        return {c["code"] for c in concepts} | {x for c in concepts for x in defined(c.get("concept", []))}

    known = defined(system["concept"])
    used = set(re.findall(r'"system": "' + re.escape(fhir_codes.SYSTEM) + r'", "code": "([^"]+)"',
                          json.dumps(doc["entry"][1:], ensure_ascii=False)))
    assert used and used <= known, sorted(used - known)
    assert {"zone-vertex", "contraindication-isotretinoin", "endpoint-redness", "step-needling"} <= known


def test_the_procedure_and_observations_carry_the_session_s_values(
        store: Store, data_dir: Path, tmp_path: Path) -> None:
    row = _signed(store)[5]
    state = store.session_state(row["id"])
    assert state is not None
    store.close()
    doc = _export(data_dir, tmp_path / "b.json")
    (proc,) = [p for p in resources(doc, "Procedure") if p["id"] == row["id"]]
    assert proc["status"] == "completed"
    assert proc["code"]["coding"][0] == {"system": fhir_codes.SYSTEM, "code": "scalp-microneedling",
                                         "display": "Scalp microneedling for hair loss"}
    start, end = state.needling_started_at(), state.needling_finished_at()
    assert start is not None and end is not None
    assert proc["performedPeriod"] == {"start": start.wall.isoformat(timespec="seconds"),
                                       "end": end.wall.isoformat(timespec="seconds")}
    assert {c["coding"][0]["code"] for c in proc["bodySite"]} == {f"zone-{z}" for z in state.zones}
    assert proc["performer"][0]["actor"]["reference"] == f"urn:uuid:{state.practitioner_id}"
    observations = {o["code"]["coding"][0]["code"]: o for o in _about(doc, "Observation", row["id"])}
    ucum = "http://unitsofmeasure.org"
    assert observations["needle-length"]["valueQuantity"] == {"value": float(row["needle_mm"]), "unit": "mm",
                                                              "system": ucum, "code": "mm"}
    dwell = observations["anesthetic-dwell"]["valueQuantity"]
    assert dwell["code"] == "min" and dwell["value"] == round(row["dwell_actual_s"] / 60, 1)
    assert observations["needling-time"]["valueQuantity"]["value"] == round(row["needling_actual_s"] / 60, 1)
    grade = observations["hair-loss-grade"]
    assert grade["method"]["coding"][0]["code"] == f"scale-{row['scale']}"
    assert (grade.get("valueCodeableConcept", {}).get("coding", [{}])[0].get("code") == f"grade-{row['scale']}-"
            f"{row['grade']}" or grade["valueQuantity"]["value"] == float(row["grade"]))
    devices = {d.get("serialNumber") or d.get("lotNumber") for d in resources(doc, "Device")}
    assert {state.handpiece_serial, state.cartridge_lot} <= devices


def test_side_effects_become_adverse_events_with_severity_and_none_observed_is_said_on_the_procedure(
        store: Store, data_dir: Path, tmp_path: Path) -> None:
    signed = _signed(store)
    with_effects = next(r for r in signed if r["side_effects"])
    none_seen = next(r for r in signed if r["none_observed"])
    state = store.session_state(with_effects["id"])
    assert state is not None
    store.close()
    doc = _export(data_dir, tmp_path / "b.json")
    events = _about(doc, "AdverseEvent", with_effects["id"])
    assert sorted(e["event"]["coding"][0]["code"] for e in events) == sorted(
        f"side-effect-{se.kind}" for se in state.side_effects.values())
    assert {e["severity"]["coding"][0]["code"] for e in events} <= {"mild", "moderate", "severe"}
    assert _about(doc, "AdverseEvent", none_seen["id"]) == []
    (proc,) = [p for p in resources(doc, "Procedure") if p["id"] == none_seen["id"]]
    assert proc["complication"][0]["coding"][0]["code"] == "no-side-effects"
    note = next(n for n in proc["note"] if "No side effects observed" in n["text"])
    assert note["authorReference"]["reference"].startswith("urn:uuid:") and note["time"]


def test_a_deviation_is_a_procedure_note_with_its_author_and_time(
        store: Store, data_dir: Path, tmp_path: Path) -> None:
    row = next(r for r in _signed(store) if r["overrides"])
    store.close()
    doc = _export(data_dir, tmp_path / "b.json")
    (proc,) = [p for p in resources(doc, "Procedure") if p["id"] == row["id"]]
    notes = [n for n in proc["note"] if n["text"].startswith("Deviation from the protocol")]
    assert notes
    for note in notes:
        assert re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", note["authorReference"]["reference"])
        assert note["time"].startswith(row["started_at"][:10])


def test_an_amendment_changes_the_exported_value_and_is_a_provenance_of_it(
        store: Store, data_dir: Path, tmp_path: Path) -> None:
    row = _signed(store)[7]
    new_mm = 0.5 if row["needle_mm"] != 0.5 else 0.6
    sealed = demo_amender(store)(row["id"], "needle_mm", str(new_mm), "Dial read wrong at the session")
    store.close()
    doc = _export(data_dir, tmp_path / "b.json")
    (needle,) = [o for o in _about(doc, "Observation", row["id"]) if o["code"]["coding"][0]["code"] == "needle-length"]
    assert needle["valueQuantity"]["value"] == new_mm and needle["status"] == "amended"
    (prov,) = _about(doc, "Provenance", row["id"])
    assert prov["id"] == sealed["id"] and prov["recorded"] == sealed["at"]
    assert {t["reference"] for t in prov["target"]} == {f"urn:uuid:{needle['id']}", f"urn:uuid:{row['id']}"}
    assert prov["agent"][0]["who"]["reference"] == f"urn:uuid:{sealed['by']}"
    assert "Dial read wrong" in prov["reason"][0]["text"]


# -- de-identification ------------------------------------------------------------------------
def test_a_deidentified_bundle_holds_no_name_birth_date_or_clinic_id_and_stable_pseudonyms(
        store: Store, data_dir: Path, tmp_path: Path) -> None:
    patients = store.patients()
    consent_names = {store.session_state(r["id"]).consent_by for r in _signed(store)}  # type: ignore[union-attr]
    store.close()
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    doc = _export(data_dir, first, "--deidentify")
    _export(data_dir, second, "--deidentify")
    data = first.read_bytes()
    for p in patients:
        for secret in (p.name, p.clinic_id, p.dob.isoformat(), p.id, p.dob.strftime("%d.%m.%Y")):
            assert secret.encode() not in data, "identifying value left in the bundle"
    for name in consent_names - {""}:
        assert name.encode() not in data
    assert b"Demo Patient" not in data and b"DEMO-0" not in data
    exported = resources(doc, "Patient")
    assert len(exported) == len(patients)
    assert all("name" not in p and re.fullmatch(r"\d{4}", p["birthDate"]) for p in exported)
    assert all(re.fullmatch(r"P-[0-9a-f]{12}", p["identifier"][0]["value"]) for p in exported)
    again = resources(checked_bundle(second), "Patient")
    assert [p["identifier"] for p in again] == [p["identifier"] for p in exported]  # stable
    assert [p["id"] for p in again] == [p["id"] for p in exported]


def test_the_identified_bundle_names_the_clinic_patient_id_in_the_clinic_s_system(
        store: Store, data_dir: Path, tmp_path: Path) -> None:
    patients = {p.id: p for p in store.patients()}
    system, _ = fhir_source.clinic_systems(store.device)
    store.close()
    doc = _export(data_dir, tmp_path / "b.json")
    for res in resources(doc, "Patient"):
        (ident,) = res["identifier"]
        assert ident["system"] == system and ident["value"] == patients[res["id"]].clinic_id
        assert res["name"][0]["text"] == patients[res["id"]].name
        assert res["birthDate"] == patients[res["id"]].dob.isoformat()


# -- options and exit codes ---------------------------------------------------------------------
def test_patient_and_dates_limit_the_bundle(store: Store, data_dir: Path, tmp_path: Path) -> None:
    signed = _signed(store)
    patient = next(p for p in store.patients() if p.id == signed[0]["patient_id"])
    days = sorted(r["started_at"][:10] for r in signed)
    low, high = days[10], days[30]
    store.close()
    doc = _export(data_dir, tmp_path / "p.json", "--patient", patient.clinic_id.lower())
    assert [p["id"] for p in resources(doc, "Procedure")] == [r["id"] for r in signed
                                                              if r["patient_id"] == patient.id]
    assert len(resources(doc, "Patient")) == 1
    doc = _export(data_dir, tmp_path / "d.json", "--from", low, "--to", high, "--patient", patient.id)
    assert [p["id"] for p in resources(doc, "Procedure")] == [
        r["id"] for r in signed if r["patient_id"] == patient.id and low <= r["started_at"][:10] <= high]
    doc = _export(data_dir, tmp_path / "all.json", "--from", low, "--to", high)
    assert len(resources(doc, "Procedure")) == sum(1 for d in days if low <= d <= high)


def test_fhir_export_exit_codes_match_the_other_exports(store: Store, data_dir: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    store.close()
    base = ["export", "--format", "fhir", "--data-dir", str(data_dir)]
    assert main([*base, "--from", "31/12/2026", "-o", str(tmp_path / "x.json")]) == 2
    assert main([*base, "--from", "2026-05-01", "--to", "2026-04-01", "-o", str(tmp_path / "x.json")]) == 2
    assert main(base) == 2  # no -o
    assert main([*base, "--patient", "NO-SUCH-ID", "-o", str(tmp_path / "x.json")]) == 2
    assert main([*base, "-o", str(tmp_path / "missing" / "x.json")]) == 1
    assert main(["export", "--format", "fhir", "--data-dir", str(tmp_path / "empty"),
                 "-o", str(tmp_path / "x.json")]) == 1
    assert not (tmp_path / "x.json").exists()
    assert "NO-SUCH-ID" not in capsys.readouterr().err


# -- streaming and the record source ----------------------------------------------------------
def test_each_session_s_entries_are_written_before_the_next_session_is_read(
        store: Store, protocol: Protocol) -> None:
    rows = fhir_source.select_rows(store.summaries(), None, None)[:5]
    out = io.StringIO()
    setup = fhir_source.store_setup(store, protocol, "2026-11-25T18:00:00+01:00", False)

    def records() -> Iterator[fhir_source.SessionRecord]:
        previous = None
        for record in fhir_source.store_records(store, rows):
            if previous is not None:
                assert f'"id": "{previous}"' in out.getvalue(), "the bundle waited for later sessions"
            previous = record.signed.id
            yield record

    written = fhir.write_stream(out, records(), setup)
    assert written.sessions == 5
    path = Path(store.root).parent / "streamed.json"
    path.write_text(out.getvalue(), encoding="utf-8")
    assert len(resources(checked_bundle(path), "Procedure")) == 5


def test_reading_a_whole_history_holds_one_month_of_rows_and_one_day_file_at_a_time(
        store: Store) -> None:
    months = store.index_months()
    assert len(months) > 3
    seen = []
    for record in fhir_source.month_records(store, None, None):
        held_months, open_days = set(store._months), [p for p in store._dbs if p.parent.name == "sessions"]
        assert len(held_months) <= 1 and len(open_days) <= 2, (held_months, open_days)
        seen.append(record.signed.id)
    assert not store._months, "no month of rows is kept after the export"
    assert seen == [r["id"] for r in _signed(store)]


def test_the_bundle_check_fails_on_an_invalid_resource_and_on_a_dangling_reference(
        store: Store, protocol: Protocol, tmp_path: Path) -> None:
    setup = fhir_source.store_setup(store, protocol, "2026-11-25T18:00:00+01:00", False)
    rows = fhir_source.select_rows(store.summaries(), None, None)[:1]
    out = tmp_path / "one.json"
    fhir.write_bundle(out, fhir_source.store_records(store, rows), setup)
    doc = checked_bundle(out)
    broken = json.loads(json.dumps(doc))
    broken["entry"][2]["resource"]["performedPeriod"] = {"start": "yesterday"}
    out.write_text(json.dumps(broken), encoding="utf-8")
    with pytest.raises(ValidationError):
        checked_bundle(out)
    dangling = json.loads(json.dumps(doc))
    dangling["entry"] = [e for e in dangling["entry"] if e["resource"]["resourceType"] != "Practitioner"]
    out.write_text(json.dumps(dangling), encoding="utf-8")
    with pytest.raises(AssertionError):
        checked_bundle(out)


# -- the golden example -------------------------------------------------------------------------
def test_the_example_bundle_in_the_repository_is_what_the_exporter_writes_and_it_validates() -> None:
    sys.path.insert(0, str(ROOT))
    from tools.fhir_example import EXAMPLE, example_text

    assert EXAMPLE.read_text(encoding="utf-8") == example_text(), (
        "resources/examples/fhir-example.json is out of date: run .venv/bin/python tools/fhir_example.py")
    doc = checked_bundle(EXAMPLE)
    kinds = {e["resource"]["resourceType"] for e in doc["entry"]}
    assert {"Patient", "Practitioner", "Procedure", "Observation", "Device", "DeviceUseStatement",
            "AdverseEvent", "CodeSystem", "Consent", "Provenance"} <= kinds
    readme = (ROOT / "README.md").read_text(encoding="utf-8").split("<!-- fhir-example:")[1].split("\n## ")[0]
    shown = [json.loads(block) for block in re.findall(r"```json\n(.*?)\n```", readme, re.S)]
    assert shown and all(res in [e["resource"] for e in doc["entry"]] for res in shown), (
        "the README's example resources differ from resources/examples/fhir-example.json")
