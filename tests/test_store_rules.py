"""The store re-checks every event, so a caller that bypasses the Session class cannot file a bad record."""

from __future__ import annotations

import copy
import math
import tempfile
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from helpers import (
    apply_anesthetic,
    clear_screening,
    complete_session_events,
    make_demo_patient,
    make_event,
    pin_sink,
    prepare_device,
    run_complete_session,
    shipped_protocol,
    start_session,
)
from hypothesis import HealthCheck, example, given, settings
from hypothesis import event as event_note
from hypothesis import strategies as st

from microneedle_desk import paths
from microneedle_desk.core.clock import FakeClock
from microneedle_desk.core.fold import replay
from microneedle_desk.core.records import content_hash
from microneedle_desk.core.session import Session
from microneedle_desk.core.validation import ValidationError
from microneedle_desk.store import storage
from microneedle_desk.store.store import GENESIS, Store

P = shipped_protocol()
MIN = 60


def open_store(root: Path, clock: FakeClock | None = None) -> Store:
    return Store(root, P, clock or FakeClock())


def stored_session(tmp_path: Path) -> tuple[Store, Session, FakeClock]:
    """A store with one in-progress session saved through it, ready for needling."""
    clock = FakeClock()
    store = open_store(tmp_path / "data", clock)
    s = start_session(P, clock, sink=store.append_event, device=store.device)
    clear_screening(s)
    apply_anesthetic(s)
    prepare_device(s, clock)
    return store, s, clock


def active_bytes(store: Store, session_id: str) -> bytes | None:
    path = paths.active_file(store.root, session_id)
    return path.read_bytes() if path.exists() else None


def assert_refused_and_untouched(store: Store, event: dict[str, Any], match: str | None = None) -> None:
    session_id = str(event.get("session", ""))
    before = active_bytes(store, session_id) if session_id else None
    with pytest.raises(ValidationError, match=match):
        store.append_event(event)
    if session_id:
        assert active_bytes(store, session_id) == before


# -- hand-built events ----------------------------------------------------------------
def test_store_refuses_a_needle_length_of_2_mm_written_around_the_session_class(tmp_path: Path) -> None:
    store, s, _ = stored_session(tmp_path)
    event = make_event(s, "needle_length_set", {"mm": 2.0})
    assert_refused_and_untouched(store, event, "0.5–1.5 mm")
    assert store.session_state(s.id) == s.state
    s.set_needle_length("1.0")  # the live session carries on with the next number
    assert store.session_state(s.id) == s.state
    assert s.state.needle_mm == Decimal("1.0")


@pytest.mark.parametrize(("name", "change", "match"), [
    ("n ahead", lambda e: e.update(n=e["n"] + 1), "out of order"),
    ("n reused", lambda e: e.update(n=e["n"] - 1), "out of order"),
    ("session not a uuid", lambda e: e.update(session="s-1"), "session by UUID"),
    ("id not a uuid", lambda e: e.update(id="e-1"), "id must be a UUID"),
    ("id missing", lambda e: e.pop("id"), "UUID"),
    ("another session", lambda e: e.update(session=str(uuid.uuid4()), n=0), "begin with its start event"),
    ("no practitioner", lambda e: e.update(by=""), "practitioner"),
    ("no offset", lambda e: e.update(at="2026-11-25T09:20:00"), "UTC offset"),
    ("mono not a number", lambda e: e.update(mono=float("nan")), "finite number"),
    ("early start without reason", lambda e: e.update(type="needling_started", data={}), "less than 15 min"),
    ("sign around the PIN", lambda e: e.update(type="signed", data={}), "PIN"),
    ("unknown type", lambda e: e.update(type="needle_set_deeper"), "Unknown event type"),
])
def test_store_refuses_invalid_hand_built_events_and_keeps_the_file_bytes(
        tmp_path: Path, name: str, change: Any, match: str) -> None:
    store, s, _ = stored_session(tmp_path)
    event = make_event(s, "handpiece_set", {"serial": "HP-10"})
    change(event)
    before = active_bytes(store, s.id)
    assert before is not None
    with pytest.raises(ValidationError, match=match):
        store.append_event(event)
    assert active_bytes(store, s.id) == before


def test_store_refuses_a_first_event_that_is_not_a_start(tmp_path: Path) -> None:
    store = open_store(tmp_path / "data")
    s = start_session(P, FakeClock())  # not saved: the store has never seen this session
    event = make_event(s, "consent_confirmed", {"given_by": "x"}, n=0)
    assert_refused_and_untouched(store, event, "begin with its start event")
    assert not paths.active_file(store.root, s.id).exists()


def test_a_reopened_store_checks_against_the_events_on_disk(tmp_path: Path) -> None:
    store, s, clock = stored_session(tmp_path)
    store.close()
    again = open_store(store.root, clock)
    clock.advance(5 * MIN)
    early = make_event(s, "needling_started", {})
    assert_refused_and_untouched(again, early, "less than 15 min")
    clock.advance(15 * MIN)
    again.append_event(make_event(s, "needling_started", {}))
    state = again.session_state(s.id)
    assert state is not None and state.needling_started_at() is not None


# -- patients -------------------------------------------------------------------------
@pytest.mark.parametrize("other_id", ["D-1", "d-1", " d-1 ", "D-1\t"])
def test_a_duplicate_clinic_patient_id_is_refused_whatever_its_case(tmp_path: Path, other_id: str) -> None:
    clock = FakeClock()
    store = open_store(tmp_path / "data", clock)
    store.add_patient(make_demo_patient(P, clock, clinic_id="D-1", device=store.device))
    twin = make_demo_patient(P, clock, name="Sam Other", clinic_id=other_id, device=store.device)
    with pytest.raises(ValidationError) as info:
        store.add_patient(twin)
    assert info.value.field == "clinic_id"
    assert f"“{other_id.strip()}” is already used by another patient" in info.value.message
    assert [p.name for p in store.patients()] == ["Alex Demo"]


def test_different_clinic_ids_are_both_kept(tmp_path: Path) -> None:
    clock = FakeClock()
    store = open_store(tmp_path / "data", clock)
    store.add_patient(make_demo_patient(P, clock, clinic_id="D-1", device=store.device))
    store.add_patient(make_demo_patient(P, clock, clinic_id="D-10", name="Sam", device=store.device))
    assert sorted(p.clinic_id for p in store.patients()) == ["D-1", "D-10"]


# -- filing a signed session ----------------------------------------------------------
def test_a_signed_session_is_filed_with_a_hash_and_its_active_file_is_gone(tmp_path: Path) -> None:
    clock = FakeClock()
    store = open_store(tmp_path / "data", clock)
    patient = store.add_patient(make_demo_patient(P, clock, device=store.device))
    s = start_session(P, clock, patient, sink=pin_sink(store), device=store.device)
    assert paths.active_file(store.root, s.id).exists()
    run_complete_session(s, clock)
    assert not paths.active_file(store.root, s.id).exists()
    rows = store.summaries()
    assert [r["id"] for r in rows] == [s.id]
    row = rows[0]
    assert row["status"] == "signed" and row["patient_id"] == patient.id
    assert len(row["hash"]) == 64 and int(row["hash"], 16) >= 0
    doc = store.session_doc(s.id)
    assert doc is not None
    # sealed after the access records of the signing key made at the account's first PIN
    # entry and of the PIN proofs for its start and sign-off
    assert doc["hash"] == row["hash"] == content_hash(doc, doc["chain"]["prev"])
    assert doc["chain"]["prev"] != GENESIS and doc["chain"]["seq"] == 4
    assert doc["events"] == s.state.events
    assert replay(copy.deepcopy(doc["events"]), P) == s.state
    assert store.active_sessions() == []
    assert store.patient_session_count(patient.id) == 1


def test_a_filed_session_takes_no_more_events_not_even_a_new_start(tmp_path: Path) -> None:
    clock = FakeClock()
    store = open_store(tmp_path / "data", clock)
    s = start_session(P, clock, sink=pin_sink(store), device=store.device)
    run_complete_session(s, clock)
    rows_before = store.summaries()
    restart = copy.deepcopy(s.state.events[0])
    restart["id"] = str(uuid.uuid4())
    late = make_event(s, "aftercare_given", {"value": False})
    sink = pin_sink(store)  # the PIN-proved path: a start is refused there for being filed, not for a PIN
    for event in (restart, late):
        with pytest.raises(ValidationError, match="signed"):
            sink(event, s.state)
        assert not paths.active_file(store.root, s.id).exists()
    assert store.summaries() == rows_before
    assert open_store(store.root, clock).summaries() == rows_before


def test_an_abandoned_session_is_filed_too_and_closed(tmp_path: Path) -> None:
    store, s, _ = stored_session(tmp_path)
    s.abandon("Patient felt unwell.")
    assert not paths.active_file(store.root, s.id).exists()
    assert [r["status"] for r in store.summaries()] == ["abandoned"]
    with pytest.raises(ValidationError, match="abandoned"):
        store.append_event(make_event(s, "aftercare_given", {"value": True}))


# -- property: nothing invalid is ever stored -----------------------------------------
VALID = complete_session_events()
SESSION_ID = VALID[0]["session"]
JUNK: list[Any] = [None, "", "  ", 2.0, -1, 0, 21, "x", "1,2", [], {}, True, float("nan"), "2026-11-24",
                   "2099-01-01", ["diagonal"], "prp"]
ENVELOPE = ["n+1", "n-1", "n=0", "id", "session", "mono", "mono-back", "at", "by", "type", "data"]


def plain_write(path: Path, data: bytes, sync: bool = True) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def corrupt(event: dict[str, Any], how: tuple[Any, ...]) -> None:
    kind = how[0]
    if kind == "envelope":
        name = how[1]
        match name:
            case "n+1":
                event["n"] += 1
            case "n-1":
                event["n"] -= 1
            case "n=0":
                event["n"] = 0
            case "id":
                event["id"] = "not-a-uuid"
            case "session":
                event["session"] = str(uuid.uuid4())
            case "mono":
                event["mono"] = "soon"
            case "mono-back":
                event["mono"] = event["mono"] - 3600
            case "at":
                event["at"] = event["at"][:19]
            case "by":
                event["by"] = None
            case "type":
                event["type"] = "no_such_event"
            case "data":
                event["data"] = "data"
    elif kind == "data" and event["data"]:
        keys = sorted(event["data"])
        event["data"][keys[how[1] % len(keys)]] = copy.deepcopy(JUNK[how[2] % len(JUNK)])


ATTEMPT = st.tuples(
    st.one_of(st.just("next"), st.just("next"), st.integers(0, len(VALID) - 1)),
    st.one_of(st.none(), st.none(),
              st.tuples(st.just("envelope"), st.sampled_from(ENVELOPE)),
              st.tuples(st.just("data"), st.integers(0, 20), st.integers(0, len(JUNK) - 1))),
)


@settings(max_examples=75, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example(prefix=len(VALID), attempts=[(0, ("envelope", "n=0"))])  # restarting a filed session
@given(prefix=st.one_of(st.integers(0, len(VALID)), st.sampled_from([len(VALID) - 3, len(VALID) - 1, len(VALID)])),
       attempts=st.lists(ATTEMPT, max_size=30))
def test_random_valid_and_corrupted_events_never_leave_an_invalid_record_stored(
        prefix: int, attempts: list[tuple[Any, Any]]) -> None:
    """The first ``prefix`` events of a complete session go in as they are, then random attempts.

    Files are written plainly here, without QSaveFile's fsync (6 ms a write): this test is about
    which events get in, and tests/test_durability.py covers how they are written.
    """
    with tempfile.TemporaryDirectory() as tmp, mock.patch.object(storage, "write_atomic", plain_write):
        root = Path(tmp) / "data"
        store = Store(root, P, FakeClock())
        counts: dict[str, int] = {}   # events stored, per session (a corrupted id may start another)
        closed: set[str] = set()
        for which, how in [("next", None)] * prefix + attempts:
            index = counts.get(SESSION_ID, 0) if which == "next" else which
            if index >= len(VALID):
                continue
            event = copy.deepcopy(VALID[index])
            event["id"] = str(uuid.uuid4())
            event["n"] = counts.get(SESSION_ID, 0)
            if how is not None:
                corrupt(event, how)
            sid = event["session"]
            before = active_bytes(store, sid)
            try:
                store.append_event(event)
            except ValidationError:
                assert active_bytes(store, sid) == before
                continue
            assert sid not in closed, "a filed session took another event"
            counts[sid] = counts.get(sid, 0) + 1
            doc = store.session_doc(sid)
            assert doc is not None and len(doc["events"]) == counts[sid]
            if doc["status"] != "in_progress":
                closed.add(sid)
        event_note(f"{len(closed)} filed, {sum(counts.values()) // 10 * 10}+ events stored")
        store.close()

        reopened = Store(root, P, FakeClock())
        folder = paths.active_dir(root)
        active = {p.stem for p in folder.glob("*.json")} if folder.exists() else set()
        assert active == set(counts) - closed
        assert {r["id"] for r in reopened.summaries()} == closed
        needle = P.bounds["needle_length_mm"]
        for sid, count in counts.items():
            doc = reopened.session_doc(sid)
            assert doc is not None
            events = doc["events"]
            assert [e["n"] for e in events] == list(range(count))
            state = replay(copy.deepcopy(events), P)  # never raises: everything stored is valid
            assert state.status == doc["status"]
            if state.needle_mm is not None:
                assert needle.min <= state.needle_mm <= needle.max
            assert all(isinstance(e["mono"], (int, float)) and math.isfinite(e["mono"]) for e in events)
            if state.status == "signed":
                assert state.missing(P) == []
        reopened.close()
