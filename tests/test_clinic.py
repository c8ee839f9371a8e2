"""The application layer (microneedle_desk.clinic): who may start, sign and depart from the
protocol is decided there, with no screen involved."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from microneedle_desk.clinic import (
    Cancelled,
    Clinic,
    ClinicEvent,
    EntrySaved,
    LockChanged,
    SessionClosed,
    SessionOpened,
    SignedIn,
)
from microneedle_desk.core.accounts import Account, PermissionDenied
from microneedle_desk.core.clock import FakeClock
from microneedle_desk.core.session import Session
from microneedle_desk.core.session_state import SessionConfig
from microneedle_desk.core.validation import ValidationError
from microneedle_desk.store.store import Store
from tests.helpers import (
    TEST_PIN,
    _quick_hash,
    apply_anesthetic,
    clear_screening,
    close_out,
    do_needling,
    make_demo_patient,
    make_event,
    prepare_device,
    shipped_protocol,
    wait_dwell,
)

WRONG_PIN = "000000"


def open_clinic(root: Path, clock: FakeClock) -> Clinic:
    store = Store(root, shipped_protocol(), clock)
    return Clinic(store, shipped_protocol(), clock)


def add_practitioner(clinic: Clinic, name: str = "Dr Test") -> Account:
    book = clinic.accounts
    account = book._new(name, "practitioner", None, must_change=False)
    return book._save(replace(account, pin_hash=_quick_hash(TEST_PIN)))


def patient(clinic: Clinic, clock: FakeClock):  # type: ignore[no-untyped-def]
    return clinic.store.add_patient(make_demo_patient(clinic.protocol, clock, device=clinic.store.device))


def active_sessions(clinic: Clinic) -> list[str]:
    return [s.session_id for s in clinic.store.active_sessions()]


def test_with_accounts_a_session_starts_only_with_the_practitioners_right_pin(tmp_path: Path) -> None:
    clock = FakeClock()
    clinic = open_clinic(tmp_path, clock)
    doctor = add_practitioner(clinic)
    who = patient(clinic, clock)
    with pytest.raises(PermissionDenied, match="PIN"):
        clinic.start_session(who, doctor.id, SessionConfig())  # no PIN and no one to ask
    with pytest.raises(ValidationError, match="not right"):
        clinic.start_session(who, doctor.id, SessionConfig(), pin=WRONG_PIN)
    assert clinic.session is None and active_sessions(clinic) == []
    session = clinic.start_session(who, doctor.id, SessionConfig(), pin=TEST_PIN)
    assert clinic.session is session and active_sessions(clinic) == [session.id]


def test_a_practitioner_without_an_account_cannot_start_once_anyone_has_one(tmp_path: Path) -> None:
    clock = FakeClock()
    clinic = open_clinic(tmp_path, clock)
    add_practitioner(clinic)
    with pytest.raises(PermissionDenied, match="account"):
        clinic.start_session(patient(clinic, clock), "00000000-0000-4000-8000-0000000000ff", SessionConfig(),
                             pin=TEST_PIN)
    assert active_sessions(clinic) == []


def test_the_pin_prompt_is_asked_for_the_practitioner_and_a_cancel_starts_nothing(tmp_path: Path) -> None:
    clock = FakeClock()
    clinic = open_clinic(tmp_path, clock)
    doctor = add_practitioner(clinic)
    asked: list[tuple[str, str]] = []
    clinic.ask_pin = lambda account, purpose: asked.append((account.name, purpose)) or None
    with pytest.raises(Cancelled):
        clinic.start_session(patient(clinic, clock), doctor.id, SessionConfig())
    assert asked == [("Dr Test", "start")] and active_sessions(clinic) == []


def test_an_early_start_of_needling_needs_the_pin_and_signing_needs_it_too(tmp_path: Path) -> None:
    clock = FakeClock()
    clinic = open_clinic(tmp_path, clock)
    doctor = add_practitioner(clinic)
    session = clinic.start_session(patient(clinic, clock), doctor.id, SessionConfig(), pin=TEST_PIN)
    clear_screening(session)
    apply_anesthetic(session)
    prepare_device(session, clock)
    clock.advance(60)  # far inside the numbing time: starting now departs from the protocol
    with pytest.raises(PermissionDenied, match="PIN"):
        clinic.start_needling("The patient must leave early")
    assert session.state.needling_started_at() is None
    clinic.start_needling("The patient must leave early", pin=TEST_PIN)
    assert session.state.needling_started_at() is not None
    clock.advance(20 * 60)
    clinic.finish_needling("Stopped early: patient must leave", pin=TEST_PIN)
    clinic.set_zone("vertex")
    clinic.set_passes(4, ["longitudinal", "diagonal"])
    close_out(session)
    with pytest.raises(ValidationError, match="not right"):
        clinic.sign(acknowledge=True, pin=WRONG_PIN)
    assert session.state.status == "in_progress"
    clinic.sign(acknowledge=True, pin=TEST_PIN)
    assert session.state.status == "signed"
    assert [row["id"] for row in clinic.store.summaries()] == [session.id]


def test_without_accounts_a_session_runs_with_no_pin_and_no_prompt(tmp_path: Path) -> None:
    clock = FakeClock()
    clinic = open_clinic(tmp_path, clock)
    clinic.ask_pin = lambda account, purpose: pytest.fail("no PIN is asked while nobody has an account")
    session = clinic.start_session(patient(clinic, clock), "00000000-0000-4000-8000-000000000001", SessionConfig())
    clear_screening(session)
    apply_anesthetic(session)
    prepare_device(session, clock)
    wait_dwell(session, clock)
    do_needling(session, clock)
    assert active_sessions(clinic) == [session.id]


def test_a_command_with_no_open_session_is_refused_with_a_message(tmp_path: Path) -> None:
    clinic = open_clinic(tmp_path, FakeClock())
    with pytest.raises(PermissionDenied, match="No session is open"):
        clinic.answer("pregnancy", False)


def test_a_correction_is_signed_by_the_signed_in_person_with_their_pin(tmp_path: Path) -> None:
    clock = FakeClock()
    clinic = open_clinic(tmp_path, clock)
    doctor = add_practitioner(clinic)
    session = clinic.start_session(patient(clinic, clock), doctor.id, SessionConfig(), pin=TEST_PIN)
    clear_screening(session)
    apply_anesthetic(session)
    prepare_device(session, clock)
    wait_dwell(session, clock)
    do_needling(session, clock)
    close_out(session)
    clinic.sign(acknowledge=True, pin=TEST_PIN)
    with pytest.raises(PermissionDenied, match="Sign in first"):
        clinic.amend(session.id, "cartridge_lot", "LOT-2", "typo on the box", pin=TEST_PIN)
    clinic.sign_in_as(doctor)
    with pytest.raises(ValidationError, match="not right"):
        clinic.amend(session.id, "cartridge_lot", "LOT-2", "typo on the box", pin=WRONG_PIN)
    assert clinic.store.amendments(session.id) == []
    sealed = clinic.amend(session.id, "cartridge_lot", "LOT-2", "typo on the box", pin=TEST_PIN)
    assert sealed["by"] == doctor.id and len(clinic.store.amendments(session.id)) == 1


def test_once_anyone_has_an_account_the_plain_store_path_takes_no_start(tmp_path: Path) -> None:
    clock = FakeClock()
    clinic = open_clinic(tmp_path, clock)
    doctor = add_practitioner(clinic)
    who = patient(clinic, clock)
    with pytest.raises(ValidationError, match="PIN"):
        Session.start(clinic.protocol, clock, clinic.store.device, who, doctor.id, SessionConfig(),
                      sink=clinic.store.append_event)
    assert active_sessions(clinic) == []
    session = clinic.start_session(who, doctor.id, SessionConfig(), pin=TEST_PIN)
    handover = make_event(session, "practitioner_changed", {"practitioner_id": doctor.id, "reason": ""})
    with pytest.raises(ValidationError, match="PIN"):
        clinic.store.append_event(handover)
    assert len(clinic.store.active_sessions()[0].events) == 1


def test_while_locked_no_entry_is_taken_and_a_take_over_hands_the_session_on(tmp_path: Path) -> None:
    clock = FakeClock()
    clinic = open_clinic(tmp_path, clock)
    doctor = add_practitioner(clinic)
    nurse = add_practitioner(clinic, "Nurse Test")
    clinic.sign_in_as(doctor)
    session = clinic.start_session(patient(clinic, clock), doctor.id, SessionConfig(), pin=TEST_PIN)
    assert clinic.lock() and not clinic.lock()
    with pytest.raises(PermissionDenied, match="locked"):
        clinic.confirm_consent("Alex Demo")
    assert session.state.consent_by == ""
    with pytest.raises(ValidationError, match="not right"):
        clinic.unlock(WRONG_PIN)
    assert clinic.locked
    taker = clinic.take_over(nurse.id, TEST_PIN)
    assert taker.id == nurse.id and clinic.current == taker and not clinic.locked
    assert session.state.practitioner_id == nurse.id
    clinic.confirm_consent("Alex Demo")
    assert session.state.consent_by == "Alex Demo"


def test_signing_in_sets_who_is_at_the_keyboard_only_with_the_right_pin(tmp_path: Path) -> None:
    clock = FakeClock()
    clinic = open_clinic(tmp_path, clock)
    doctor = add_practitioner(clinic)
    with pytest.raises(ValidationError, match="not right"):
        clinic.sign_in(doctor.id, WRONG_PIN)
    assert clinic.current is None
    assert clinic.sign_in(doctor.id, TEST_PIN).id == doctor.id and clinic.current is not None
    newcomer = clinic.accounts._save(clinic.accounts._new("Dr New", "practitioner", None, must_change=True))
    with pytest.raises(ValidationError, match="no PIN yet"):
        clinic.sign_in(newcomer.id, "")
    assert clinic.current is not None and clinic.current.id == doctor.id
    assert clinic.sign_in(newcomer.id, "", new_pin="735148").id == newcomer.id
    assert clinic.current is not None and clinic.current.id == newcomer.id


def test_once_anyone_has_an_account_only_a_signed_in_person_registers_a_patient(tmp_path: Path) -> None:
    clock = FakeClock()
    clinic = open_clinic(tmp_path, clock)
    fields = {"name": "Alex Demo", "dob": "1980-01-02", "clinic_id": "D-9", "sex": "male",
              "indication": "aga_male", "scale": "norwood_hamilton", "grade": "III"}
    assert clinic.register_patient(**fields).clinic_id == "D-9"  # nobody has an account yet
    doctor = add_practitioner(clinic)
    with pytest.raises(PermissionDenied):
        clinic.register_patient(**{**fields, "clinic_id": "D-10"})
    clinic.sign_in_as(doctor)
    with pytest.raises(ValidationError, match="D-9"):
        clinic.register_patient(**fields)  # the clinic ID is taken: refused with the reason
    assert clinic.register_patient(**{**fields, "clinic_id": "D-10"}).clinic_id == "D-10"
    assert sorted(p.clinic_id for p in clinic.store.patients()) == ["D-10", "D-9"]


def test_the_signed_in_person_changes_their_pin_only_with_the_current_one(tmp_path: Path) -> None:
    clock = FakeClock()
    clinic = open_clinic(tmp_path, clock)
    doctor = add_practitioner(clinic)
    with pytest.raises(PermissionDenied, match="Nobody is signed in"):
        clinic.change_pin(TEST_PIN, "735148")
    clinic.sign_in_as(doctor)
    with pytest.raises(ValidationError, match="not right"):
        clinic.change_pin(WRONG_PIN, "735148")
    clinic.change_pin(TEST_PIN, "735148")
    with pytest.raises(ValidationError, match="not right"):
        clinic.sign_in(doctor.id, TEST_PIN)
    assert clinic.sign_in(doctor.id, "735148").id == doctor.id


def test_views_hear_each_saved_change_as_a_typed_event_and_nothing_of_a_refused_one(tmp_path: Path) -> None:
    clock = FakeClock()
    clinic = open_clinic(tmp_path, clock)
    doctor = add_practitioner(clinic)
    heard: list[ClinicEvent] = []
    stop = clinic.subscribe(heard.append)
    clinic.sign_in_as(doctor)
    session = clinic.start_session(patient(clinic, clock), doctor.id, SessionConfig(), pin=TEST_PIN)
    clinic.confirm_consent("Alex Demo")
    with pytest.raises(ValidationError):
        clinic.apply_anesthetic("not a number")
    clinic.lock()
    clinic.unlock(TEST_PIN)
    clinic.abandon("Patient felt unwell")
    clinic.close_session()
    assert heard == [SignedIn(doctor.id), SessionOpened(session.id, resumed=False),
                     EntrySaved(session.id, "consent_confirmed"), LockChanged(True), LockChanged(False),
                     EntrySaved(session.id, "abandoned"), SessionClosed(session.id, "abandoned")]
    stop()
    clinic.sign_in_as(None)
    assert len(heard) == 7


def test_settings_change_only_through_an_admin_checked_in_bounds_and_logged_by_name(tmp_path: Path) -> None:
    from microneedle_desk.settings import Settings
    from microneedle_desk.store.access_log import read_access_log

    clock = FakeClock()
    store = Store(tmp_path / "data", shipped_protocol(), clock)
    settings = Settings(shipped_protocol(), tmp_path / "settings.ini")
    clinic = Clinic(store, shipped_protocol(), clock, settings)
    doctor = add_practitioner(clinic)
    clinic.sign_in(doctor.id, TEST_PIN)
    with pytest.raises(PermissionDenied):
        clinic.change_settings({"protocol/dwell_minutes": 20})
    assert settings.get("protocol/dwell_minutes") != 20, "a practitioner changes no setting"

    book = clinic.accounts
    admin = book._save(replace(book._new("Ada Admin", "admin", None, must_change=False),
                               pin_hash=_quick_hash(TEST_PIN)))
    clinic.sign_in(admin.id, TEST_PIN)
    with pytest.raises(ValidationError):
        clinic.change_settings({"clinic/name": "Demo Clinic", "protocol/dwell_minutes": 50})
    assert settings.get("clinic/name") == "", "one value out of bounds saves none"
    assert clinic.change_settings({"clinic/name": "Demo Clinic", "protocol/dwell_minutes": 20,
                                   "security/idle_minutes": settings.get("security/idle_minutes")}) == [
        "clinic/name", "protocol/dwell_minutes"]
    assert settings.get("clinic/name") == "Demo Clinic" and settings.get("protocol/dwell_minutes") == 20
    logged = [e for e in read_access_log(store) if e.get("action") == "settings changed"]
    assert len(logged) == 1 and logged[0].get("detail") == "clinic/name, protocol/dwell_minutes"
    assert "Demo Clinic" not in str(logged), "names of settings, never their values"
