"""Deviations from the protocol: listed with figures from the protocol's limits, justified in
clinical words, confirmed with a PIN, acknowledged at sign-off, never written around the PIN."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from helpers import (
    PROTOCOL_FILE,
    TEST_PIN,
    apply_anesthetic,
    clear_screening,
    close_out,
    make_event,
    pin_sink,
    prepare_device,
    run_complete_session,
    shipped_protocol,
    start_session,
)

from microneedle_desk import paths
from microneedle_desk.core.accounts import PermissionDenied
from microneedle_desk.core.clock import FakeClock
from microneedle_desk.core.deviations import deviations
from microneedle_desk.core.fold import replay
from microneedle_desk.core.protocol import Protocol, load_protocol
from microneedle_desk.core.session import Session
from microneedle_desk.core.validation import ValidationError, require_justification
from microneedle_desk.printing import content, session_sheet
from microneedle_desk.store.accounts import AccountBook
from microneedle_desk.store.store import Store

P = shipped_protocol()
MIN = 60.0
REASON = "Patient found the scalp too tender to go on; stopped after the vertex."


def ready(clock: FakeClock, protocol: Protocol = P, needling_minutes: int = 15, **kwargs: Any) -> Session:
    s = start_session(protocol, clock, **kwargs)
    clear_screening(s)
    apply_anesthetic(s, 30)
    prepare_device(s, clock, needling_minutes=needling_minutes)
    return s


def lines(s: Session) -> list[str]:
    return [d.figures for d in deviations(s.state, s.protocol)]


def finish_and_close(s: Session, clock: FakeClock, minutes: float, reason: str = "") -> None:
    clock.advance(minutes * MIN)
    s.finish_needling(reason)
    s.set_zone("vertex")
    s.set_passes(3, ["diagonal"])
    close_out(s)


# -- what a justification is ----------------------------------------------------------------------
@pytest.mark.parametrize("typed", ["ok", "x", "...", "OK!", "fine fine", "as planned", "a b c", "12 34 56 78"])
def test_a_justification_that_says_nothing_is_refused_with_what_is_expected(typed: str) -> None:
    with pytest.raises(ValidationError) as info:
        require_justification(typed, "reason", "The reason")
    assert "at least 3 words" in info.value.message and "for example" in info.value.message


def test_a_few_clinical_words_are_a_justification() -> None:
    assert require_justification("  Numbness tested and adequate ", "r", "R") == "Numbness tested and adequate"


def test_an_override_justification_of_ok_is_refused_and_nothing_recorded() -> None:
    s = start_session(P, FakeClock())
    for item in (c for c in P.contraindications if c.id not in s.state.not_applicable):
        s.answer(item.id, item.id == "raised_lesions")
    before = copy.deepcopy(s.state)
    with pytest.raises(ValidationError, match="at least 3 words"):
        s.override_screening("ok")
    assert s.state == before


# -- each deviation, with its figures from the protocol ------------------------------------------
def test_a_session_inside_the_protocol_has_no_deviation() -> None:
    clock = FakeClock()
    s = start_session(P, clock)
    run_complete_session(s, clock)
    assert deviations(s.state, P) == []


def test_finishing_before_the_minimum_needs_a_clinical_reason_and_shows_its_figures() -> None:
    clock = FakeClock()
    s = ready(clock)
    clock.advance(30 * MIN)
    s.start_needling()
    clock.advance(24)
    assert s.finish_deviation() == "Needling 0:24, below the 15-min minimum"
    with pytest.raises(ValidationError, match="Needling 0:24, below the 15-min minimum"):
        s.finish_needling()
    with pytest.raises(ValidationError, match="at least 3 words"):
        s.finish_needling("ok")
    assert s.state.needling_finished_at() is None
    s.finish_needling(REASON)
    [found] = deviations(s.state, P)
    assert (found.kind, found.figures, found.justification) == (
        "needling_below_min", "Needling 0:24, below the 15-min minimum", REASON)
    assert s.state.events[-1]["data"]["reason"] == REASON


def test_needling_past_the_maximum_and_numbing_past_the_maximum_need_reasons() -> None:
    clock = FakeClock()
    s = ready(clock)
    clock.advance(57 * MIN)
    assert s.start_deviation() == "Dwell 57 min, above the 45-min maximum"
    with pytest.raises(ValidationError, match="Dwell 57 min, above the 45-min maximum"):
        s.start_needling()
    s.start_needling("Patient was called away; numbness rechecked and adequate.")
    clock.advance(22 * MIN + 10)
    with pytest.raises(ValidationError, match="Needling 22:10, above the 20-min maximum"):
        s.finish_needling()
    s.finish_needling("Scalp zones needed a second pass after bleeding slowed the work.")
    assert lines(s) == ["Dwell 57 min, above the 45-min maximum", "Needling 22:10, above the 20-min maximum"]


def test_an_early_start_is_listed_with_its_dwell_and_reason() -> None:
    clock = FakeClock()
    s = ready(clock)
    clock.advance(12 * MIN + 30)
    s.start_needling("Patient has to leave; numbness tested and adequate.")
    assert lines(s) == ["Dwell 12 min 30 s, below the 15-min minimum"]


def test_screening_override_and_cartridge_overrides_are_deviations() -> None:
    clock = FakeClock()
    s = start_session(P, clock)
    for item in (c for c in P.contraindications if c.id not in s.state.not_applicable):
        s.answer(item.id, item.id == "raised_lesions")
    s.override_screening("Flat naevus outside the treated zones; mapped and avoided.")
    s.confirm_consent("Alex Demo")
    with pytest.raises(ValidationError, match=r"expired on 2026-01-31.*clinical reason"):
        s.set_cartridge("LOT-9", "2026-01-31")
    s.set_cartridge("LOT-9", "2026-01-31", "Only cartridge of this length in stock; sealed pack intact.")
    s.use_unconfirmed_cartridge("Seal label torn on opening; pack otherwise intact and dry.")
    found = deviations(s.state, P)
    assert [d.kind for d in found] == ["screening_override", "cartridge_expired", "cartridge_unconfirmed"]
    assert found[0].figures == ("Screening answered Yes and overridden: Raised scars, moles or birthmarks in "
                                "the area to be treated")
    assert found[1].figures == "Cartridge lot LOT-9 expired on 2026-01-31"
    assert all(d.justified for d in found)


def test_the_limits_come_from_the_protocol_file(tmp_path: Path) -> None:
    data = json.loads(PROTOCOL_FILE.read_text(encoding="utf-8"))
    data["bounds"]["dwell_minutes"]["max"] = 40
    data["bounds"]["needling_minutes"]["min"] = 16
    data["bounds"]["needling_minutes"]["default"] = 16
    narrowed_file = tmp_path / "protocol.json"
    narrowed_file.write_text(json.dumps(data), encoding="utf-8")
    narrowed = load_protocol(narrowed_file)
    clock = FakeClock()
    s = ready(clock, narrowed, needling_minutes=16)
    clock.advance(42 * MIN)
    s.start_needling("Patient was called away; numbness rechecked and adequate.")
    clock.advance(15 * MIN + 30)
    s.finish_needling(REASON)
    assert lines(s) == ["Dwell 42 min, above the 40-min maximum", "Needling 15:30, below the 16-min minimum"]


# -- sign-off --------------------------------------------------------------------------------------
def test_signing_with_deviations_needs_their_acknowledgement_in_the_signed_event() -> None:
    clock = FakeClock()
    s = ready(clock)
    clock.advance(30 * MIN)
    s.start_needling()
    finish_and_close(s, clock, 2, REASON)
    with pytest.raises(ValidationError, match="1 deviation"):
        s.sign()
    assert s.state.status == "in_progress"
    s.sign(acknowledge=True)
    assert s.state.events[-1]["data"] == {"acknowledged": ["needling_below_min"]}
    assert s.state.deviations_acknowledged == ("needling_below_min",)


def test_a_session_recorded_under_the_first_rules_still_replays_and_lists_its_unjustified_deviations() -> None:
    clock = FakeClock()
    s = ready(clock)
    events = copy.deepcopy(s.state.events)
    del events[0]["data"]["rules"]  # as the first rules recorded it
    old = Session.resume(P, clock, s.device, events)
    clock.advance(50 * MIN)
    old.start_needling()  # not yet a deviation that needed a reason
    clock.advance(1 * MIN)
    old.finish_needling()
    old.set_zone("vertex")
    old.set_passes(3, ["diagonal"])
    close_out(old)
    old.sign()
    again = replay(copy.deepcopy(old.state.events), P)
    assert again.status == "signed"
    assert [(d.kind, d.justified) for d in deviations(again, P)] == [
        ("dwell_above_max", False), ("needling_below_min", False)]


# -- no sign-off or override around the PIN ---------------------------------------------------------
def _store_session(tmp_path: Path) -> tuple[Store, Session, FakeClock]:
    clock = FakeClock()
    store = Store(tmp_path / "data", P, clock)
    s = start_session(P, clock, sink=pin_sink(store), device=store.device)
    return store, s, clock


def _active_bytes(store: Store, session_id: str) -> bytes:
    return paths.active_file(store.root, session_id).read_bytes()


def test_the_plain_store_append_refuses_a_sign_off_of_a_complete_session(tmp_path: Path) -> None:
    store, s, clock = _store_session(tmp_path)
    run_complete_session(s, clock, sign=False)
    signed = make_event(s, "signed", {})
    before = _active_bytes(store, s.id)
    with pytest.raises(ValidationError, match="PIN"):
        store.append_event(signed)
    assert _active_bytes(store, s.id) == before
    with pytest.raises(PermissionDenied, match="PIN"):  # the guarded sink without a fresh proof
        AccountBook(store).guarded_sink()(signed, s.state)
    assert _active_bytes(store, s.id) == before and store.summaries() == []


def test_an_override_is_saved_only_with_a_fresh_override_proof(tmp_path: Path) -> None:
    store, s, _clock = _store_session(tmp_path)
    for item in (c for c in P.contraindications if c.id not in s.state.not_applicable):
        s.answer(item.id, item.id == "raised_lesions")
    override = make_event(s, "screening_override",
                          {"justification": "Flat naevus outside the treated zones; mapped and avoided."})
    before = _active_bytes(store, s.id)
    with pytest.raises(ValidationError, match="PIN"):
        store.append_event(override)
    book = AccountBook(store)
    guarded = book.guarded_sink()
    with pytest.raises(PermissionDenied, match="PIN"):
        guarded(override, s.state)
    book.prove(s.state.practitioner_id, TEST_PIN, "sign")  # a proof for another purpose does not do
    with pytest.raises(PermissionDenied, match="PIN"):
        guarded(override, s.state)
    assert _active_bytes(store, s.id) == before
    book.prove(s.state.practitioner_id, TEST_PIN, "override")
    guarded(override, s.state)
    assert store.session_state(s.id).override_items == ("raised_lesions",)  # type: ignore[union-attr]


def test_the_store_refuses_a_new_session_under_the_first_rules(tmp_path: Path) -> None:
    clock = FakeClock()
    store = Store(tmp_path / "data", P, clock)
    s = start_session(P, clock)  # not saved
    start = copy.deepcopy(s.state.events[0])
    del start["data"]["rules"]
    with pytest.raises(ValidationError, match="current session rules"):
        store.append_event(start)
    assert store.active_sessions() == []


# -- the printed sheet -------------------------------------------------------------------------------
def _deviation_section(doc: content.PrintDoc) -> content.Section:
    return next(sec for sec in doc.sections if sec.title == "Deviations from the protocol")


def test_the_sheet_has_a_deviations_box_with_figures_and_justifications() -> None:
    clock = FakeClock()
    s = ready(clock)
    clock.advance(30 * MIN)
    s.start_needling()
    finish_and_close(s, clock, 2, REASON)
    s.sign(acknowledge=True)
    doc = session_sheet.session_sheet(s.state, P, content.ClinicInfo("Clinic"), content.SheetInfo(1, "f" * 64))
    section = _deviation_section(doc)
    assert section.table is not None
    assert section.table.rows == [("Needling finished before the minimum time",
                                   "Needling 2:00, below the 15-min minimum", REASON)]
    assert any("reviewed these 1 deviation" in p for p in section.paragraphs)


def test_the_sheet_says_none_when_there_was_no_deviation() -> None:
    clock = FakeClock()
    s = start_session(P, clock)
    run_complete_session(s, clock)
    section = _deviation_section(session_sheet.session_sheet(s.state, P, content.ClinicInfo("Clinic"),
                                                       content.SheetInfo(1, "f" * 64)))
    assert section.paragraphs == ["None."] and section.table is None


def test_using_a_cartridge_anyway_records_one_override_at_a_time_and_refuses_when_nothing_is_wrong() -> None:
    clock = FakeClock()
    s = start_session(P, clock)
    clear_screening(s)
    reason = "Only cartridge of this length in stock; sealed pack intact."
    assert s.override_cartridge("LOT-9", "2026-01-31", reason) == "cartridge_expired"
    assert s.override_cartridge("LOT-9", "2026-01-31", reason) == "cartridge_unconfirmed"
    with pytest.raises(ValidationError, match="nothing to override"):
        s.override_cartridge("LOT-9", "2026-01-31", reason)
    fresh = start_session(P, clock)
    fresh.set_cartridge("LOT-1", "2030-01-01")
    fresh.confirm_cartridge_new()
    with pytest.raises(ValidationError, match="nothing to override"):
        fresh.override_cartridge("LOT-1", "2030-01-01", reason)
    assert deviations(fresh.state, P) == []
