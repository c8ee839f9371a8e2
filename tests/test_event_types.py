"""The typed record schema (core/event_types.py, core/record_types.py) describes what the app
really writes: a whole session walked through the Clinic, every kind of event the core can
emit included, is read back from the store and each event held to its TypedDict."""

from __future__ import annotations

import typing
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from microneedle_desk.clinic import Clinic
from microneedle_desk.core.accounts import Account
from microneedle_desk.core.clock import FakeClock
from microneedle_desk.core.event_types import PAYLOADS, SessionEvent
from microneedle_desk.core.fold import EVENT_TYPES
from microneedle_desk.core.record_types import (
    AccountDoc,
    AmendmentDoc,
    FollowupDoc,
    PatientDoc,
    PhotoRecord,
    SignatureBlock,
)
from microneedle_desk.core.session_state import SessionConfig
from microneedle_desk.core.summary import SessionRow
from microneedle_desk.review.followup import add_followup
from microneedle_desk.store.store import Store
from tests.helpers import TEST_PIN, _quick_hash, make_demo_patient, shipped_protocol
from tests.photo_helpers import camera_jpeg

REASON = "Patient asked to stop because of discomfort"


def keys_problem(doc: object, shape: Any, where: str) -> list[str]:
    """What in ``doc`` the TypedDict ``shape`` does not describe (recursing into nested TypedDicts)."""
    if not isinstance(doc, dict):
        return [f"{where}: not an object"]
    required, optional = shape.__required_keys__, shape.__optional_keys__
    out = [f"{where}: lacks {key!r}" for key in sorted(required - doc.keys())]
    extra = sorted(doc.keys() - required - optional)
    out += [f"{where}: has {key!r}, which {shape.__name__} does not name" for key in extra]
    hints = typing.get_type_hints(shape)
    for key, value in doc.items():
        nested = hints.get(key)
        for inner in typing.get_args(nested) or (nested,):  # NotRequired[X] -> X
            if typing.is_typeddict(inner):
                out += keys_problem(value, inner, f"{where}.{key}")
    return out


def add_practitioner(clinic: Clinic, name: str) -> Account:
    account = clinic.accounts._new(name, "practitioner", None, must_change=False)
    return clinic.accounts._save(replace(account, pin_hash=_quick_hash(TEST_PIN)))


def walk_every_kind(tmp_path: Path) -> tuple[Clinic, list[str]]:
    """A signed session with every kind of event, and an abandoned one; returns their ids."""
    protocol, clock = shipped_protocol(), FakeClock()
    clinic = Clinic(Store(tmp_path, protocol, clock), protocol, clock)
    patient = clinic.store.add_patient(make_demo_patient(protocol, clock, device=clinic.store.device))
    doctor, nurse = add_practitioner(clinic, "Dr Test"), add_practitioner(clinic, "Nurse Test")
    clinic.sign_in_as(doctor)
    session = clinic.start_session(patient, doctor.id, SessionConfig(), pin=TEST_PIN)
    today = clock.now().date()
    clinic.lock()
    clinic.take_over(nurse.id, TEST_PIN)
    clinic.record_grade("norwood_hamilton", "IV")
    asked = [c.id for c in protocol.contraindications if c.id not in session.state.not_applicable]
    for item in asked:
        clinic.answer(item, False)
    clinic.answer(asked[0], True)
    if session.state.blocking_items():
        clinic.override_screening(REASON, pin=TEST_PIN)
    clinic.answer(asked[0], False)
    clinic.set_isotretinoin_last_dose((today - timedelta(days=800)).isoformat())
    clinic.save_draft("consent_by", "Alex")
    clinic.confirm_consent("Alex Demo")
    clinic.photos.record_consent("clinical")
    clinic.photos.add("frontal", camera_jpeg(tmp_path / "IMG_0001.jpg"))
    clinic.photos.skip("vertex", "Patient declined this view")
    clinic.set_anesthetic_product("EMLA 5%")
    clinic.apply_anesthetic(30)
    clinic.change_dwell_plan(35)
    clinic.set_needle_length("1.5")
    clinic.set_cartridge("LOT-1", (today + timedelta(days=365)).isoformat())
    clinic.set_cartridge_lot("LOT-2")
    clinic.set_cartridge_expiry((today + timedelta(days=300)).isoformat())
    clinic.use_unconfirmed_cartridge("The seal was torn by the courier box", pin=TEST_PIN)
    clinic.confirm_cartridge_new(True)
    clinic.set_handpiece_serial("HP-1")
    clinic.set_antiseptic("alcohol")
    clinic.plan_needling(15)
    clock.advance(35 * 60)
    session.poll()  # the numbing alerts
    clinic.start_needling()
    clock.advance(5 * 60)
    clinic.pause_needling()
    clinic.resume_needling()
    clock.advance(10 * 60)
    session.poll()
    clinic.finish_needling()
    clinic.set_zone("frontal")
    clinic.set_passes(3, ["longitudinal", "transverse"])
    clinic.set_endpoint(["pinpoint_bleeding"], "even")
    clinic.set_endpoint_note("even pinpoint bleeding")
    clinic.confirm_blood_washed(True)
    clinic.apply_antibiotic("Fucidin")
    clinic.set_adjunct("minoxidil", product="Regaine", strength="5pct", form="foam")
    entry = clinic.add_side_effect("redness", "mild", "faded")
    clinic.remove_side_effect(entry)
    clinic.declare_none_observed(True)
    clinic.confirm_aftercare(True)
    clinic.set_home_roller(True, "0.25")
    clinic.set_next_session((today + timedelta(days=30)).isoformat())
    clinic.record_interruption(clock.now() - timedelta(minutes=2), 12.5)
    clinic.sign(acknowledge=True, pin=TEST_PIN)
    clinic.close_session()
    second = clinic.start_session(patient, nurse.id, SessionConfig(), pin=TEST_PIN)
    clinic.abandon(REASON)
    clinic.close_session()
    return clinic, [session.id, second.id]


def test_every_event_type_the_core_folds_has_a_typed_payload() -> None:
    assert set(PAYLOADS) == set(EVENT_TYPES)


def test_every_event_written_in_a_whole_session_matches_its_typed_dict(tmp_path: Path) -> None:
    clinic, ids = walk_every_kind(tmp_path)
    events: list[dict[str, Any]] = []
    for session_id in ids:
        doc = clinic.store.session_doc(session_id)
        assert doc is not None
        events += doc["events"]
    assert {e["type"] for e in events} == set(PAYLOADS), "the walk leaves out a kind of event"
    problems: list[str] = []
    for event in events:
        where = f"event {event['n']} ({event['type']})"
        envelope = {k: v for k, v in event.items() if k != "data"}
        problems += keys_problem(envelope, type("Envelope", (), {
            "__required_keys__": SessionEvent.__required_keys__ - {"data"},
            "__optional_keys__": SessionEvent.__optional_keys__, "__name__": "SessionEvent"}), where)
        problems += keys_problem(event["data"], PAYLOADS[event["type"]], where + ".data")
    assert problems == []


def test_photo_amendment_patient_follow_up_account_and_history_row_match_their_typed_dicts(tmp_path: Path) -> None:
    clinic, ids = walk_every_kind(tmp_path)
    state = clinic.store.session_state(ids[0])
    assert state is not None
    problems = [p for photo in state.photos for p in keys_problem(photo, PhotoRecord, "photo")]
    amendment = clinic.amend(ids[0], "handpiece_serial", "HP-2", "The serial was misread", pin=TEST_PIN)
    problems += keys_problem(dict(amendment), AmendmentDoc, "amendment")
    problems += keys_problem(clinic.store.amendments(ids[0])[0], AmendmentDoc, "stored amendment")
    patient = clinic.store.patients()[0]
    problems += keys_problem(patient.to_doc(), PatientDoc, "patient")
    followup = add_followup(clinic.store, ids[0], on=clinic.clock.now().date().isoformat(), none=True, by="Dr Test")
    problems += keys_problem(dict(followup), FollowupDoc, "follow-up")
    for session_id in ids:  # the history index's rows (the signed one amended above)
        problems += keys_problem(clinic.store.summary(session_id), SessionRow, "history row")
    for account in clinic.accounts.accounts():
        problems += keys_problem(account.to_doc(), AccountDoc, "account")
    assert problems == []
    assert SignatureBlock.__required_keys__ == {"v", "by", "key", "value"}
