"""Each field is kept on its own, and text being typed is kept as a draft event (core, no Qt)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from helpers import (
    apply_anesthetic,
    clear_screening,
    do_needling,
    pin_sink,
    prepare_device,
    run_complete_session,
    shipped_protocol,
    start_session,
    wait_dwell,
)

from microneedle_desk import paths
from microneedle_desk.core.clock import FakeClock
from microneedle_desk.core.fold import replay
from microneedle_desk.core.session import Session
from microneedle_desk.core.session_state import DRAFT_FIELDS
from microneedle_desk.core.summary import summarize
from microneedle_desk.core.validation import ValidationError
from microneedle_desk.store.check import check_store
from microneedle_desk.store.store import Store

P = shipped_protocol()


def new_session() -> tuple[Session, FakeClock]:
    clock = FakeClock()  # today is 2026-11-25
    return start_session(P, clock), clock


def refused_unchanged(s: Session, action: Callable[[], object], match: str) -> None:
    before = copy.deepcopy(s.state)
    with pytest.raises(ValidationError, match=match):
        action()
    assert s.state == before


# -- the cartridge's fields, each on its own ---------------------------------------------
def test_a_cartridge_lot_alone_is_kept_and_the_step_still_needs_the_expiry() -> None:
    s, _ = new_session()
    s.set_cartridge_lot("LOT-7")
    assert s.state.cartridge_lot == "LOT-7" and s.state.cartridge_expiry is None
    assert "Device: cartridge lot and expiry" in s.state.missing(P)
    assert "device" not in s.state.completed_steps(P)


def test_a_cartridge_expiry_alone_is_kept_and_the_lot_is_still_needed() -> None:
    s, _ = new_session()
    s.set_cartridge_expiry("2027-06-30")
    assert s.state.cartridge_expiry == date(2027, 6, 30) and s.state.cartridge_lot == ""
    assert "Device: cartridge lot and expiry" in s.state.missing(P)
    s.set_cartridge_lot("LOT-7")
    assert "Device: cartridge lot and expiry" not in s.state.missing(P)


def test_an_expired_cartridge_is_refused_when_its_expiry_is_entered_alone() -> None:
    s, _ = new_session()
    s.set_cartridge_lot("LOT-7")
    refused_unchanged(s, lambda: s.set_cartridge_expiry("2026-11-24"), "expired on 2026-11-24")
    refused_unchanged(s, lambda: s.set_cartridge_expiry("24/11/2026"), "YYYY-MM-DD")


def test_needling_cannot_start_with_a_lot_but_no_expiry() -> None:
    s, clock = new_session()
    clear_screening(s)
    apply_anesthetic(s, 30)
    s.set_needle_length("1.0")
    s.set_cartridge_lot("LOT-7")
    s.confirm_cartridge_new()
    s.set_handpiece_serial("HP-1")
    s.set_antiseptic(P.antiseptics[0].id)
    s.plan_needling(15)
    clock.advance(30 * 60)
    refused_unchanged(s, s.start_needling, "cartridge lot and expiry")


def test_an_empty_lot_is_refused_with_what_is_needed() -> None:
    s, _ = new_session()
    s.set_cartridge_lot("LOT-7")
    refused_unchanged(s, lambda: s.set_cartridge_lot("  "), "lot number must not be empty")


def test_the_endpoint_note_is_kept_before_the_endpoint_is_chosen() -> None:
    s, clock = new_session()
    clear_screening(s)
    apply_anesthetic(s, 30)
    prepare_device(s, clock)
    wait_dwell(s, clock)
    do_needling(s, clock)
    s.set_endpoint_note("Even redness over the vertex.")
    assert s.state.endpoint_note == "Even redness over the vertex." and not s.state.endpoints
    s.set_endpoint(["neither"], s.state.endpoint_note)
    refused_unchanged(s, lambda: s.set_endpoint_note(""), "add a note")


# -- drafts ---------------------------------------------------------------------------------
def test_a_draft_is_recorded_as_an_event_and_known_to_the_state() -> None:
    s, _ = new_session()
    s.save_draft("anesthetic_product", "Lidoca")
    event = s.state.events[-1]
    assert event["type"] == "draft" and event["data"] == {"field": "anesthetic_product", "text": "Lidoca"}
    assert event["at"] and event["by"] and event["device"]
    assert s.state.drafts == {"anesthetic_product": "Lidoca"}
    assert replay(s.state.events, P).drafts == {"anesthetic_product": "Lidoca"}


def test_a_draft_completes_nothing_and_is_not_the_saved_value() -> None:
    s, _ = new_session()
    for name in DRAFT_FIELDS:
        s.save_draft(name, "2027-06-30" if "date" in name or "expiry" in name or name == "next_session" else "1")
    assert s.state.anesthetic_product == "" and s.state.cartridge_lot == "" and s.state.consent_by == ""
    assert s.state.completed_steps(P) == {"patient"}
    assert summarize(s.state, P) == summarize(replay(s.state.events[:1], P), P)


def test_a_later_save_of_the_field_supersedes_its_draft() -> None:
    s, _ = new_session()
    s.save_draft("cartridge_lot", "LOT-")
    s.save_draft("handpiece_serial", "HP")
    s.set_cartridge_lot("LOT-77")
    assert s.state.drafts == {"handpiece_serial": "HP"}
    s.set_cartridge("LOT-78", "2027-01-01")
    s.set_handpiece_serial("HP-1")
    assert s.state.drafts == {}
    assert replay(s.state.events, P).drafts == {}


def test_a_draft_after_the_save_comes_back_over_it() -> None:
    s, _ = new_session()
    s.set_anesthetic_product("Lidocaine 5% cream")
    s.save_draft("anesthetic_product", "Lidocaine 4")
    state = replay(s.state.events, P)
    assert state.anesthetic_product == "Lidocaine 5% cream"
    assert state.drafts["anesthetic_product"] == "Lidocaine 4"


@pytest.mark.parametrize(("data", "words"), [
    ({"field": "favourite_colour", "text": "x"}, "field of a draft must be one of"),
    ({"field": "cartridge_lot", "text": 7}, "must be text"),
    ({"field": "cartridge_lot"}, "must be text"),
    ({"field": "cartridge_lot", "text": "x" * 4001}, "at most 4000"),
])
def test_a_malformed_draft_is_refused(data: dict[str, Any], words: str) -> None:
    s, _ = new_session()
    refused_unchanged(s, lambda: s._emit("draft", data), words)


def test_no_draft_is_accepted_once_the_session_is_signed() -> None:
    s, clock = new_session()
    run_complete_session(s, clock)
    refused_unchanged(s, lambda: s.save_draft("cartridge_lot", "LOT"), "signed")


def test_a_stored_draft_passes_the_store_check_and_is_kept_in_the_active_session(tmp_path: Path) -> None:
    clock = FakeClock()
    store = Store(tmp_path / "data", P, clock)
    s = start_session(P, clock, sink=pin_sink(store), device=store.device)
    s.save_draft("cartridge_lot", "LOT-")
    assert check_store(store.root, P) == []
    [active] = store.active_sessions()
    assert replay(active.events, P).drafts == {"cartridge_lot": "LOT-"}
    store.close()


def test_a_draft_left_in_a_signed_session_shows_on_no_sheet_export_or_timeline(
        tmp_path: Path, qapp: Any) -> None:
    from microneedle_desk.printing import jobs
    from microneedle_desk.printing.content import ClinicInfo
    from microneedle_desk.review import export
    from microneedle_desk.settings import Settings
    from microneedle_desk.ui.context import UiContext
    from microneedle_desk.ui.controller import SessionController
    from microneedle_desk.ui.history_view import session_html

    clock = FakeClock()
    store = Store(tmp_path / "data", P, clock)
    s = start_session(P, clock, sink=pin_sink(store), device=store.device)
    run_complete_session(s, clock, sign=False)
    s.save_draft("side_effect_note", "Unsent-draft-words")
    s.sign()
    assert any(e["type"] == "draft" for e in s.state.events), "the draft is part of the record's events"
    doc = jobs.sheet_for(store, s.id, ClinicInfo("Clinic", "", ""), "Dr Demo", clock.now())
    assert "Unsent-draft-words" not in repr(doc)
    rows = export.records(store, store.summaries())
    assert "Unsent-draft-words" not in export.to_csv(rows) + export.to_json(rows, False, "now")
    settings = Settings(P, paths.settings_file(store.root))
    ctx = UiContext(P, clock, store, settings, SessionController(P, clock, store))
    timeline = session_html(ctx, s.id)
    assert "Unsent-draft-words" not in timeline and "draft" not in timeline
    store.close()
