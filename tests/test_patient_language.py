"""The patient's language: chosen at registration or later through the Clinic, kept on the record,
and the aftercare handout printed in it while the session sheet stays in the clinic's language."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import make_demo_patient, pin_sink, run_complete_session, shipped_protocol, start_session

from microneedle_desk import i18n
from microneedle_desk.clinic import Clinic
from microneedle_desk.core.clock import FakeClock
from microneedle_desk.core.validation import ValidationError
from microneedle_desk.printing import jobs
from microneedle_desk.printing.content import ClinicInfo
from microneedle_desk.store.store import Store

CLINIC = ClinicInfo("Demo Hair Clinic", "12 Example Street", "+44 20 7946 0000")


def open_clinic(root: Path, clock: FakeClock) -> Clinic:
    return Clinic(Store(root, shipped_protocol(), clock), shipped_protocol(), clock)


def signed_session_of(clinic: Clinic, clock: FakeClock, patient_id: str) -> str:
    patient = clinic.store.patient(patient_id)
    session = start_session(clinic.protocol, clock, patient, sink=pin_sink(clinic.store), device=clinic.store.device)
    run_complete_session(session, clock)
    return session.id


def test_a_patient_registered_as_german_reading_gets_a_german_handout_and_the_clinic_an_english_sheet(
        tmp_path: Path) -> None:
    clock = FakeClock()
    clinic = open_clinic(tmp_path, clock)
    patient = clinic.register_patient(name="Alex Demo", dob="1980-01-02", clinic_id="D-1", sex="male",
                                      indication="aga_male", scale="norwood_hamilton", grade="III", language="de")
    assert clinic.store.patient(patient.id).language == "de", "kept on the record"
    session_id = signed_session_of(clinic, clock, patient.id)
    handout = jobs.handout_for(clinic.store, session_id, CLINIC, clock.now()).text()
    assert "So pflegen Sie Ihre Kopfhaut nach dem Microneedling" in handout
    assert "Waschen Sie in den ersten 24 Stunden nicht die Haare" in handout, "the protocol's points in German"
    assert "Do not wash your hair" not in handout
    sheet = jobs.sheet_for(clinic.store, session_id, CLINIC, "Dr Demo", clock.now()).text()
    assert "Scalp microneedling — session record" in sheet, "the sheet stays in the clinic's language"
    assert i18n.current_language() == "en", "printing a handout leaves the app's language alone"


def test_a_patient_without_a_language_gets_the_clinics_and_a_later_choice_changes_only_the_language(
        tmp_path: Path) -> None:
    clock = FakeClock()
    clinic = open_clinic(tmp_path, clock)
    english = clinic.store.add_patient(make_demo_patient(clinic.protocol, clock, device=clinic.store.device))
    patient = clinic.store.add_patient(make_demo_patient(clinic.protocol, clock, name="Kim Demo", clinic_id="D-2",
                                                         device=clinic.store.device))
    changed = clinic.set_patient_language(patient.id, "de")
    assert changed.language == "de"
    kept = clinic.store.patient(patient.id)
    assert (kept.name, kept.dob, kept.clinic_id, kept.grade, kept.created_at) == (
        patient.name, patient.dob, patient.clinic_id, patient.grade, patient.created_at), "nothing else changed"
    first = signed_session_of(clinic, clock, english.id)
    assert "Looking after your scalp" in jobs.handout_for(clinic.store, first, CLINIC, clock.now()).text()
    second = signed_session_of(clinic, clock, patient.id)
    assert "So pflegen Sie" in jobs.handout_for(clinic.store, second, CLINIC, clock.now()).text()


def test_a_language_the_app_does_not_have_is_refused_and_the_record_kept(tmp_path: Path) -> None:
    clock = FakeClock()
    clinic = open_clinic(tmp_path, clock)
    patient = clinic.store.add_patient(make_demo_patient(clinic.protocol, clock, device=clinic.store.device))
    with pytest.raises(ValidationError, match="de"):
        clinic.set_patient_language(patient.id, "xx")
    assert clinic.store.patient(patient.id).language == ""


def test_the_german_handout_names_dates_in_german(tmp_path: Path) -> None:
    clock = FakeClock()
    clinic = open_clinic(tmp_path, clock)
    patient = clinic.register_patient(name="Alex Demo", dob="1980-01-02", clinic_id="D-1", sex="male",
                                      indication="aga_male", scale="norwood_hamilton", grade="III", language="de")
    session_id = signed_session_of(clinic, clock, patient.id)
    text = jobs.handout_for(clinic.store, session_id, CLINIC, clock.now()).text()
    assert "Mittwoch, 9. Dezember 2026" in text, "two weeks after the session, in German words"
    assert "Wednesday" not in text


def test_numbers_on_a_german_handout_use_a_decimal_comma(tmp_path: Path) -> None:
    from dataclasses import replace

    from microneedle_desk.printing.handout import handout

    clock = FakeClock()
    clinic = open_clinic(tmp_path, clock)
    patient = clinic.store.add_patient(make_demo_patient(clinic.protocol, clock, device=clinic.store.device))
    session = start_session(clinic.protocol, clock, patient, sink=pin_sink(clinic.store), device=clinic.store.device)
    run_complete_session(session, clock)
    state = replace(session.state, home_roller=True, home_roller_mm=0.25)
    assert "0,25 mm" in handout(state, CLINIC, clock.now(), protocol=clinic.protocol, language="de").text()
    assert "0.25 mm" in handout(state, CLINIC, clock.now(), protocol=clinic.protocol).text()
