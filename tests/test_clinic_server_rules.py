"""The clinic server's rules that keep the record true: conflicts and merges, tampered and resealed
records, append-only tables, who sets the server, what other rooms' records bring, clinic-wide export.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import psycopg
import pytest
from helpers import pin_sink
from server_laptops import (
    P,
    cli,
    new_laptop,
    server_rows,
    sign_session_for,
    sync,
)

from microneedle_desk import paths
from microneedle_desk.clinic.clinic import Clinic
from microneedle_desk.core.clock import FakeClock
from microneedle_desk.core.validation import ValidationError
from microneedle_desk.server.connection import connect
from microneedle_desk.store.check import check_store
from microneedle_desk.store.store import Store


def test_the_same_clinic_patient_id_for_two_people_is_a_conflict_and_both_are_kept(
        dsn: str, tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    ann = new_laptop(one, "Ann Able", "P-100")
    bob = new_laptop(two, "Bob Baker", "p-100")
    assert sync(one, dsn).to_review == 0
    result = sync(two, dsn)
    assert result.conflicts >= 1
    assert sorted(r[0] for r in server_rows(dsn, "SELECT id::text FROM clinic.patients")) == sorted([ann, bob])
    assert server_rows(dsn, "SELECT kind FROM clinic.conflicts") == [("clinic_id",)]
    store = Store(two, P, FakeClock(), read_only=True)
    assert [p.name for p in store.patients()] == ["Bob Baker"]  # Ann is not merged in under Bob's ID
    store.close()
    checked = cli("check", "--server", dsn)
    assert checked.returncode == 0 and "To review" in checked.stdout


def test_the_same_person_registered_twice_is_offered_as_a_merge_that_is_itself_a_record(
        dsn: str, tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    first = new_laptop(one, "Dan Dual", "X-1")
    second = new_laptop(two, "dan dual", "Y-7")
    sign_session_for(one, first, str(uuid.UUID(int=8, version=4)))
    sync(one, dsn)
    assert sync(two, dsn).conflicts >= 1
    assert server_rows(dsn, "SELECT kind FROM clinic.conflicts") == [("same_person",)]
    admin = Clinic.open(two, P, FakeClock())
    try:
        admin.server.set_server(dsn)
        findings = admin.server.findings()
        assert [(f["kind"], {f["a"]["id"], f["b"]["id"]}) for f in findings] == [("same_person", {first, second})]
        merge_id = admin.server.merge_patients(second, first)
        with pytest.raises(ValidationError, match="merged already"):
            admin.server.merge_patients(second, first)
        with pytest.raises(ValidationError, match="can be merged"):
            admin.server.merge_patients(second, str(uuid.uuid4()))
    finally:
        admin.store.close()
    assert server_rows(dsn, "SELECT id::text, kept::text, merged::text FROM clinic.merges") == [
        (merge_id, second, first)]
    assert "To review" not in cli("check", "--server", dsn).stdout
    sync(two, dsn)
    store = Store(two, P, FakeClock(), read_only=True)
    assert len(store.patient_summaries(second)) == 1  # Dan's session in room one, under the kept registration
    assert store.last_needle_mm(second) == 1.5
    store.close()


def test_a_tampered_record_is_quarantined_reported_and_never_merged(dsn: str, tmp_path: Path) -> None:
    root = tmp_path / "l1"
    patient = new_laptop(root, "Eve Edit", "T-1")
    first = sign_session_for(root, patient, str(uuid.UUID(int=5, version=4)))
    second = sign_session_for(root, patient, str(uuid.UUID(int=5, version=4)))
    day = next(paths.sessions_dir(root).glob("*.json"))
    data = json.loads(day.read_text())
    for doc in data["sessions"].values():
        if doc["id"] == first:
            doc["patient_id"] = str(uuid.uuid4())  # changed after it was sealed
    day.write_text(json.dumps(data))
    result = sync(root, dsn)
    assert result.quarantined == 1
    kept = {r[0] for r in server_rows(dsn, "SELECT id::text FROM clinic.records WHERE kind = 'session'")}
    assert first not in kept and second in kept
    assert server_rows(dsn, "SELECT record_id FROM clinic.quarantine") == [(first,)]
    checked = cli("check", "--server", dsn)
    assert checked.returncode == 1 and "quarantine" in checked.stdout


def test_signed_records_on_the_server_cannot_be_updated_or_deleted(dsn: str, tmp_path: Path) -> None:
    root = tmp_path / "l1"
    sign_session_for(root, new_laptop(root, "Fay", "U-1"), str(uuid.UUID(int=6, version=4)))
    sync(root, dsn)
    with connect(dsn) as conn:
        for sql in ("UPDATE clinic.records SET status = 'abandoned'", "DELETE FROM clinic.records",
                    "DELETE FROM clinic.patients", "TRUNCATE clinic.records"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
                conn.execute(sql)


def test_a_session_from_another_room_sets_the_needle_length_of_last_time(dsn: str, tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    from microneedle_desk.review.course import patient_course
    from microneedle_desk.review.followup import add_followup

    patient = new_laptop(one, "Gus Go", "N-1")
    session = sign_session_for(one, patient, str(uuid.UUID(int=7, version=4)))
    store = Store(one, P, FakeClock())
    add_followup(store, session, on=store.clock.now().date().isoformat(), none=True, by="Dr Test")
    store.close()
    sync(one, dsn)
    new_laptop(two, "Other", "N-2")
    assert sync(two, dsn).pulled >= 3
    store = Store(two, P, FakeClock(), read_only=True)
    assert store.last_needle_mm(patient) == 1.5
    assert store.patient_session_count(patient) == 1
    course = patient_course(store, patient)
    assert [(e.session_id, len(e.followups)) for e in course.entries] == [(session, 1)]
    assert store.summaries() == []  # this laptop's own history holds only its own sessions
    store.close()
    assert check_store(two, P) == []


def test_only_an_admin_sets_the_server_and_never_with_a_password(tmp_path: Path) -> None:
    from microneedle_desk.core.accounts import PermissionDenied

    root = tmp_path / "l1"
    new_laptop(root, "Ann", "A-1")
    clinic = Clinic.open(root, P, FakeClock())
    try:
        with pytest.raises(ValidationError, match="pgpass"):
            clinic.server.set_server("postgresql://desk1:s3cret@clinic/db")
        assert clinic.server.dsn == ""
        pin_sink(clinic.store)  # someone has an account now: settings are an admin's
        with pytest.raises(PermissionDenied):
            clinic.server.set_server("service=clinic")
        assert clinic.server.dsn == ""
    finally:
        clinic.store.close()
    assert "s3cret" not in paths.settings_file(root).read_text()


def test_export_server_takes_the_same_options_deidentified_and_lot_recall(dsn: str, tmp_path: Path) -> None:
    root = tmp_path / "l1"
    sign_session_for(root, new_laptop(root, "Hal Hidden", "H-1"), str(uuid.UUID(int=9, version=4)))
    sync(root, dsn)
    out = tmp_path / "anon.csv"
    done = cli("export", "--server", dsn, "--format", "csv", "--deidentify", "-o", str(out))
    assert done.returncode == 0, done.stderr
    text = out.read_text()
    assert "Hal Hidden" not in text and "H-1" not in text and "P-" in text
    again = tmp_path / "anon2.csv"
    assert cli("export", "--server", dsn, "--format", "csv", "--deidentify", "-o", str(again)).returncode == 0
    assert again.read_text() == text  # the same pseudonym each time: the secret is kept on the server
    recall = cli("export", "--server", dsn, "--lot", "LOT-1")
    assert recall.returncode == 0 and "Hal Hidden" in recall.stdout
    assert cli("export", "--server", dsn, "--format", "csv").returncode == 2  # -o missing: a usage mistake
    gone = f"host={tmp_path} port=1 user=nobody dbname=none"
    assert cli("export", "--server", gone, "--format", "csv", "-o", str(out)).returncode == 1
    assert cli("check", "--server", gone).returncode == 2
    assert cli("check", "--quick", "--server", dsn).returncode == 0
    bundle = tmp_path / "clinic.fhir.json"
    fhir = cli("export", "--server", dsn, "--format", "fhir", "--patient", "H-1", "-o", str(bundle))
    assert fhir.returncode == 0, fhir.stderr
    assert "Wrote 1 " in fhir.stdout
    assert json.loads(bundle.read_text())["resourceType"] == "Bundle"
    assert cli("export", "--server", dsn, "--format", "csv", "--patient", "NOBODY", "-o", str(out)).returncode == 2


def test_a_record_resealed_after_a_change_fails_its_signature_and_is_quarantined(dsn: str, tmp_path: Path) -> None:
    from microneedle_desk.core.records import content_hash

    root = tmp_path / "l1"
    patient = new_laptop(root, "Ron Reseal", "RS-1")
    session = sign_session_for(root, patient, str(uuid.UUID(int=11, version=4)))
    day = next(paths.sessions_dir(root).glob("*.json"))
    data = json.loads(day.read_text())
    for doc in data["sessions"].values():
        if doc["id"] == session:
            needle = next(e for e in doc["events"] if e["type"] == "needle_length_set")
            needle["data"]["mm"] = 0.5  # within the rules: only the signature can tell
            doc["hash"] = content_hash(doc, doc["chain"]["prev"])  # the seal made anew: the chain still holds
    day.write_text(json.dumps(data))
    result = sync(root, dsn)
    assert result.quarantined == 1
    reason = server_rows(dsn, "SELECT reason FROM clinic.quarantine")[0][0]
    assert "signature" in reason
    assert server_rows(dsn, "SELECT count(*) FROM clinic.records WHERE kind = 'session'") == [(0,)]
