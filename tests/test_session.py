"""The session rules, driven through the Qt-free core with a FakeClock."""

from __future__ import annotations

import copy
import math
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from helpers import (
    DEVICE,
    PRACTITIONER,
    apply_anesthetic,
    clear_screening,
    close_out,
    do_needling,
    make_demo_patient,
    make_event,
    prepare_device,
    run_complete_session,
    shipped_protocol,
    start_session,
    wait_dwell,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from microneedle_desk.core.clock import FakeClock
from microneedle_desk.core.fold import EVENT_TYPES, apply_event, replay
from microneedle_desk.core.fold_common import EventError
from microneedle_desk.core.records import is_uuid
from microneedle_desk.core.session import Session
from microneedle_desk.core.session_state import ALERT_TEXT, SessionConfig, SessionState
from microneedle_desk.core.summary import summarize
from microneedle_desk.core.validation import ValidationError

P = shipped_protocol()
ITEMS = P.ids("contraindications")
MIN = 60
FAST = settings(max_examples=100, deadline=None)


def new_session(clock: FakeClock | None = None, **kwargs: Any) -> tuple[Session, FakeClock]:
    clock = clock or FakeClock()
    # a female patient is asked every screening question (ITEMS), the pregnancy one included
    kwargs.setdefault("patient", make_demo_patient(P, clock, sex="female"))
    return start_session(P, clock, **kwargs), clock


def ready_for_needling(dwell_minutes: int = 30, needling_minutes: int = 15,
                       **kwargs: Any) -> tuple[Session, FakeClock]:
    """Screening cleared, cream applied just now, device and antiseptic recorded."""
    s, clock = new_session(**kwargs)
    clear_screening(s)
    apply_anesthetic(s, dwell_minutes)
    prepare_device(s, clock, needling_minutes=needling_minutes)
    return s, clock


def answer_all(s: Session, yes: tuple[str, ...] = ()) -> None:
    for item in ITEMS:
        s.answer(item, item in yes)


SHORT_NEEDLING_REASON = "Patient asked to stop; scalp too tender to continue."


def refused_unchanged(s: Session, action: Callable[[], object], match: str | None = None) -> ValidationError:
    """``action`` must raise a ValidationError (message matching) and change nothing."""
    before = copy.deepcopy(s.state)
    with pytest.raises(ValidationError, match=match) as info:
        action()
    assert s.state == before
    return info.value


def view(s: Session, key: str) -> Any:
    return next(v for v in s.countdowns() if v.key == key)


# -- screening ------------------------------------------------------------------------
def test_a_new_session_has_no_screening_answer_pre_filled() -> None:
    s, _ = new_session()
    assert s.state.answers == {}
    assert s.state.unanswered(P) == list(ITEMS)
    assert not s.state.screening_cleared(P)
    assert f"Screening: {len(ITEMS)} question(s) unanswered" in s.state.missing(P)


@pytest.mark.parametrize("left_out", ITEMS)
def test_anesthetic_cannot_be_applied_until_every_contraindication_is_answered(left_out: str) -> None:
    s, _ = new_session()
    for item in ITEMS:
        if item != left_out:
            s.answer(item, False)
    s.confirm_consent("Alex Demo")
    s.set_anesthetic_product("EMLA 5%")
    refused_unchanged(s, lambda: s.apply_anesthetic(30), "every screening question is answered")
    s.answer(left_out, False)
    s.apply_anesthetic(30)
    assert s.state.applied is not None


def test_an_unknown_screening_item_is_refused() -> None:
    s, _ = new_session()
    error = refused_unchanged(s, lambda: s.answer("headache", True), "Screening item must be one of")
    assert "isotretinoin" in error.message


@pytest.mark.parametrize("answer", ["yes", 1, None, "false"])
def test_a_screening_answer_must_be_true_or_false(answer: object) -> None:
    s, _ = new_session()
    event = make_event(s, "screening_answered", {"item": "blood_thinners", "answer": answer})
    refused_unchanged(s, lambda: apply_event(s.state, event, P), "true or false")


@pytest.mark.parametrize("item", ITEMS)
def test_any_yes_blocks_the_anesthetic(item: str) -> None:
    s, _ = new_session()
    answer_all(s, yes=(item,))
    s.confirm_consent("Alex Demo")
    s.set_anesthetic_product("EMLA 5%")
    assert s.state.blocking_items() == [item]
    refused_unchanged(s, lambda: s.apply_anesthetic(30), "nothing is left blocking")
    assert "Screening: a contraindication is answered Yes and not overridden" in s.state.missing(P)


@pytest.mark.parametrize("item", ITEMS)
def test_a_yes_given_after_the_anesthetic_blocks_needling(item: str) -> None:
    s, clock = ready_for_needling()
    clock.advance(20 * MIN)
    s.answer(item, True)
    refused_unchanged(s, s.start_needling, "nothing is left blocking")
    s.answer(item, False)
    s.start_needling()
    assert s.state.needling_started_at() is not None


@pytest.mark.parametrize("justification", ["", "   ", "\n\t"])
def test_an_override_needs_a_written_justification(justification: str) -> None:
    s, _ = new_session()
    answer_all(s, yes=("raised_lesions",))
    refused_unchanged(s, lambda: s.override_screening(justification), "justification")
    assert s.state.override_items == ()


def test_an_override_with_nothing_blocking_is_refused() -> None:
    s, _ = new_session()
    answer_all(s)
    refused_unchanged(s, lambda: s.override_screening("Just in case"), "nothing to override")


def test_an_override_covers_the_blocking_items_and_stays_in_the_record() -> None:
    s, clock = new_session()
    answer_all(s, yes=("raised_lesions",))
    s.override_screening("Mole is outside the treatment area; reviewed by the dermatologist.")
    assert s.state.override_items == ("raised_lesions",)
    assert s.state.screening_cleared(P)
    event = s.state.events[-1]
    assert event["type"] == "screening_override"
    assert event["data"]["justification"].startswith("Mole is outside")
    s.confirm_consent("Alex Demo")
    apply_anesthetic(s)
    prepare_device(s, clock)
    wait_dwell(s, clock)
    do_needling(s, clock)
    close_out(s)
    s.sign(acknowledge=True)
    assert summarize(s.state, P)["overrides"] == ["screening:raised_lesions"]


def test_a_new_yes_after_an_override_blocks_again() -> None:
    s, clock = new_session()
    answer_all(s, yes=("raised_lesions",))
    s.override_screening("Lesion outside the area.")
    s.confirm_consent("Alex Demo")
    apply_anesthetic(s)
    prepare_device(s, clock)
    clock.advance(20 * MIN)
    s.answer("blood_thinners", True)
    assert set(s.state.blocking_items()) == {"raised_lesions", "blood_thinners"}
    assert not s.state.screening_cleared(P)
    refused_unchanged(s, s.start_needling, "nothing is left blocking")
    s.override_screening("Aspirin stopped a week ago; haematologist agrees.")
    assert set(s.state.override_items) == {"raised_lesions", "blood_thinners"}
    s.start_needling()


# -- isotretinoin ---------------------------------------------------------------------
def test_an_isotretinoin_last_dose_in_the_future_is_refused() -> None:
    s, _ = new_session()  # today is 2026-11-25
    refused_unchanged(s, lambda: s.set_isotretinoin_last_dose("2026-11-26"), "cannot be in the future")
    s.set_isotretinoin_last_dose("2026-11-25")
    assert s.state.isotretinoin_last_dose == date(2026, 11, 25)


def test_an_isotretinoin_last_dose_must_be_a_date() -> None:
    s, _ = new_session()
    refused_unchanged(s, lambda: s.set_isotretinoin_last_dose("last spring"), "YYYY-MM-DD")


@pytest.mark.parametrize(("last_dose", "eligible", "blocks"), [
    ("2026-05-25", date(2026, 11, 25), False),   # exactly six months: eligible today
    ("2026-05-26", date(2026, 11, 26), True),
    ("2026-05-31", date(2026, 11, 30), True),    # clamped to the end of November
    ("2026-11-01", date(2027, 5, 1), True),
    ("2025-01-15", date(2025, 7, 15), False),
])
def test_eligibility_is_the_last_dose_plus_six_months_by_default(last_dose: str, eligible: date,
                                                                  blocks: bool) -> None:
    s, _ = new_session()
    answer_all(s)
    s.set_isotretinoin_last_dose(last_dose)
    assert s.state.eligible_from() == eligible
    assert ("isotretinoin" in s.state.blocking_items()) is blocks


def test_a_recent_isotretinoin_dose_blocks_even_when_answered_no() -> None:
    s, _ = new_session()
    answer_all(s)
    assert s.state.answers["isotretinoin"] is False
    s.set_isotretinoin_last_dose("2026-10-01")
    s.confirm_consent("Alex Demo")
    s.set_anesthetic_product("EMLA 5%")
    assert s.state.blocking_items() == ["isotretinoin"]
    refused_unchanged(s, lambda: s.apply_anesthetic(30), "nothing is left blocking")
    s.override_screening("Dermatologist accepts the risk after review.")
    s.apply_anesthetic(30)


def test_the_washout_period_is_the_configured_one() -> None:
    three, _ = new_session(config=SessionConfig(washout_months=3))
    six, _ = new_session()
    for s in (three, six):
        answer_all(s)
        s.set_isotretinoin_last_dose("2026-08-25")
    assert three.state.eligible_from() == date(2026, 11, 25)
    assert three.state.blocking_items() == []
    assert six.state.eligible_from() == date(2027, 2, 25)
    assert six.state.blocking_items() == ["isotretinoin"]


@pytest.mark.parametrize("months", [0, 25, -6])
def test_a_washout_outside_the_protocol_bounds_cannot_start_a_session(months: int) -> None:
    with pytest.raises(ValidationError, match="washout"):
        new_session(config=SessionConfig(washout_months=months))


# -- consent and anesthetic -----------------------------------------------------------
def test_consent_is_required_before_the_anesthetic() -> None:
    s, _ = new_session()
    answer_all(s)
    s.set_anesthetic_product("EMLA 5%")
    refused_unchanged(s, lambda: s.apply_anesthetic(30), "before consent is confirmed")
    assert "Screening: informed consent not confirmed" in s.state.missing(P)


def test_consent_must_name_who_gave_it() -> None:
    s, _ = new_session()
    refused_unchanged(s, lambda: s.confirm_consent("   "), "Who gave consent")


def test_the_anesthetic_product_is_required_and_applied_only_once() -> None:
    s, _ = new_session()
    clear_screening(s)
    refused_unchanged(s, lambda: s.apply_anesthetic(30), "anesthetic product")
    apply_anesthetic(s)
    refused_unchanged(s, lambda: s.apply_anesthetic(30), "already applied")


@pytest.mark.parametrize("minutes", [14, 46, 0, -30, "14", "30.5", "abc", "", "3,0", 30.5])
def test_a_planned_dwell_outside_15_to_45_whole_minutes_is_refused(minutes: object) -> None:
    s, _ = new_session()
    clear_screening(s)
    s.set_anesthetic_product("EMLA 5%")
    error = refused_unchanged(s, lambda: s.apply_anesthetic(minutes))
    assert error.field == "dwell"
    assert "15–45 min" in error.message or "whole number of min" in error.message


@pytest.mark.parametrize("minutes", [15, 30, 45, "45", " 20 "])
def test_a_planned_dwell_of_15_to_45_minutes_is_accepted(minutes: object) -> None:
    s, _ = new_session()
    clear_screening(s)
    s.set_anesthetic_product("EMLA 5%")
    s.apply_anesthetic(minutes)
    assert s.state.dwell_planned_min == int(str(minutes))


def test_the_dwell_plan_can_change_within_bounds_until_needling_starts() -> None:
    s, clock = ready_for_needling(dwell_minutes=30)
    s.change_dwell_plan(20)
    assert s.state.dwell_planned_min == 20
    refused_unchanged(s, lambda: s.change_dwell_plan(60), "15–45")
    clock.advance(20 * MIN)
    s.start_needling()
    refused_unchanged(s, lambda: s.change_dwell_plan(25), "numbing time is closed")


# -- starting needling ----------------------------------------------------------------
def test_needling_cannot_start_before_15_minutes_of_dwell_without_a_reason() -> None:
    s, clock = ready_for_needling()
    clock.advance(15 * MIN - 1)
    refused_unchanged(s, s.start_needling, "less than 15 min")
    refused_unchanged(s, lambda: s.start_needling("   "), "less than 15 min")
    assert s.state.needling_marks == []


def test_needling_can_start_at_exactly_15_minutes_of_dwell_without_a_reason() -> None:
    s, clock = ready_for_needling()
    clock.advance(15 * MIN)
    s.start_needling()
    assert s.state.early_start_reason == ""
    assert s.state.actual_dwell_seconds() == 15 * MIN


def test_needling_may_start_early_with_a_written_reason_which_is_recorded() -> None:
    s, clock = ready_for_needling()
    clock.advance(10 * MIN)
    s.start_needling("Patient has to leave; numbing already adequate on testing.")
    assert s.state.early_start_reason.startswith("Patient has to leave")
    assert s.state.events[-1]["data"]["early_reason"].startswith("Patient has to leave")
    clock.advance(15 * MIN)
    s.finish_needling()
    s.set_zone("vertex")
    s.set_passes(3, ["diagonal"])
    close_out(s)
    s.sign(acknowledge=True)
    row = summarize(s.state, P)
    assert "early_needling" in row["overrides"]
    assert row["dwell_actual_s"] == 600


def test_needling_start_names_everything_still_missing() -> None:
    s, clock = new_session()
    clear_screening(s)
    apply_anesthetic(s)
    clock.advance(20 * MIN)
    error = refused_unchanged(s, s.start_needling)
    for words in ("set the needle length", "cartridge lot and expiry", "new and sealed",
                  "handpiece serial", "record the antiseptic", "planned needling time"):
        assert words in error.message


def test_needling_cannot_start_before_the_anesthetic() -> None:
    s, clock = new_session()
    clear_screening(s)
    prepare_device(s, clock)
    clock.advance(30 * MIN)
    refused_unchanged(s, s.start_needling, "apply the anesthetic")


def test_needling_starts_only_once() -> None:
    s, clock = ready_for_needling()
    clock.advance(20 * MIN)
    s.start_needling()
    refused_unchanged(s, s.start_needling, "already started")


@pytest.mark.parametrize("minutes", [14, 21, "abc", 17.5])
def test_planned_needling_time_must_be_15_to_20_minutes(minutes: object) -> None:
    s, _ = new_session()
    refused_unchanged(s, lambda: s.plan_needling(minutes))


# -- alerts ---------------------------------------------------------------------------
def test_dwell_alerts_fire_once_each_and_never_early() -> None:
    s, clock = ready_for_needling(dwell_minutes=30)
    for threshold, alert in ((15, "dwell_min_reached"), (30, "dwell_planned_end"), (45, "dwell_over_max")):
        clock.advance(threshold * MIN - 0.5 - view(s, "dwell").elapsed)
        assert s.poll() == []
        clock.advance(0.5)
        assert s.poll() == [alert]
        assert s.poll() == []
        clock.advance(60)
        assert s.poll() == []
    kinds = [e["data"]["kind"] for e in s.state.events if e["type"] == "alert"]
    assert kinds == ["dwell_min_reached", "dwell_planned_end", "dwell_over_max"]
    assert set(s.state.alerts) == set(kinds)


def test_a_dwell_past_45_minutes_is_recorded_as_an_alert_event() -> None:
    s, clock = ready_for_needling(dwell_minutes=45)
    clock.advance(50 * MIN)
    assert s.poll() == ["dwell_min_reached", "dwell_planned_end", "dwell_over_max"]
    over = [e for e in s.state.events if e["type"] == "alert" and e["data"]["kind"] == "dwell_over_max"]
    assert len(over) == 1
    assert over[0]["by"] == PRACTITIONER
    assert view(s, "dwell").state == "overdue"
    assert view(s, "dwell").message == ALERT_TEXT["dwell_over_max"]
    s.start_needling("Patient was called away; numbness rechecked and adequate.")  # over-dwell needs a reason
    assert s.state.late_start_reason.startswith("Patient was called away")
    assert s.poll() == []


def test_the_dwell_view_goes_running_ready_due_overdue_done() -> None:
    s, clock = ready_for_needling(dwell_minutes=30)
    seen = [view(s, "dwell").state]
    for minutes in (15, 15, 15):
        clock.advance(minutes * MIN)
        seen.append(view(s, "dwell").state)
    s.start_needling()
    seen.append(view(s, "dwell").state)
    assert seen == ["running", "ready", "due", "overdue", "done"]
    assert view(s, "dwell").elapsed == 45 * MIN


def test_seconds_to_next_alert_is_exact() -> None:
    s, clock = ready_for_needling(dwell_minutes=30, needling_minutes=20)
    assert s.seconds_to_next_alert() == 15 * MIN
    clock.advance(100)
    assert s.seconds_to_next_alert() == 15 * MIN - 100
    clock.advance(15 * MIN - 100)
    assert s.seconds_to_next_alert() == 0
    s.poll()
    assert s.seconds_to_next_alert() == 15 * MIN
    clock.advance(5 * MIN)
    s.start_needling()
    assert s.seconds_to_next_alert() == 15 * MIN   # the dwell alerts are closed now
    clock.advance(4 * MIN)
    s.pause_needling()
    assert s.seconds_to_next_alert() is None       # nothing runs
    clock.advance(30 * MIN)
    assert s.poll() == []
    s.resume_needling()
    assert s.seconds_to_next_alert() == 11 * MIN
    clock.advance(11 * MIN)
    assert s.poll() == ["needling_min_reached"]
    assert s.seconds_to_next_alert() == 5 * MIN
    clock.advance(5 * MIN)
    assert s.poll() == ["needling_planned_end"]
    assert s.seconds_to_next_alert() is None


def test_needling_alerts_count_running_time_only() -> None:
    s, clock = ready_for_needling(needling_minutes=20)
    clock.advance(20 * MIN)
    s.start_needling()
    clock.advance(10 * MIN)
    s.pause_needling()
    clock.advance(10 * MIN)
    s.resume_needling()
    clock.advance(5 * MIN - 1)
    assert s.poll() == []
    clock.advance(1)
    assert s.poll() == ["needling_min_reached"]
    assert view(s, "needling").state == "ready"


def test_polling_an_abandoned_session_fires_nothing() -> None:
    s, clock = ready_for_needling()
    clock.advance(20 * MIN)
    s.start_needling()
    s.abandon("Patient felt faint.")
    clock.advance(30 * MIN)
    assert s.poll() == []
    assert s.seconds_to_next_alert() is None


def test_a_hand_built_alert_of_an_unknown_kind_is_refused() -> None:
    s, _ = ready_for_needling()
    event = make_event(s, "alert", {"kind": "coffee_break"})
    refused_unchanged(s, lambda: apply_event(s.state, event, P), "Alert must be one of")


STEP = st.integers(min_value=0, max_value=8 * 20 * MIN).map(lambda k: k / 8)  # exact in binary


@FAST
@given(actions=st.lists(st.one_of(STEP, st.sampled_from(["next", "just_before"])), max_size=25),
       dwell=st.sampled_from([15, 20, 30, 45]))
def test_dwell_alerts_fire_at_the_first_poll_at_or_after_their_threshold(
        actions: list[float | str], dwell: int) -> None:
    s, clock = ready_for_needling(dwell_minutes=dwell)
    applied = clock.monotonic()
    thresholds = {"dwell_min_reached": 15 * MIN, "dwell_planned_end": dwell * MIN, "dwell_over_max": 45 * MIN}
    fired: dict[str, float] = {}
    for action in actions:
        wait = s.seconds_to_next_alert()
        if action == "next":
            if wait is None:
                continue
            clock.advance(wait)
        elif action == "just_before":
            if not wait:
                continue
            clock.advance(wait - 1 / 8)
        else:
            assert isinstance(action, float)
            clock.advance(action)
        elapsed = clock.monotonic() - applied
        new = s.poll()
        due = [name for name, t in thresholds.items() if elapsed >= t and name not in fired]
        assert sorted(new) == sorted(due)
        if action == "next":
            assert new, "seconds_to_next_alert must land exactly on an alert"
        if action == "just_before":
            assert new == []
        fired.update(dict.fromkeys(new, elapsed))
    for name, at in fired.items():
        assert at >= thresholds[name]
    assert len([e for e in s.state.events if e["type"] == "alert"]) == len(fired)


# -- needling -------------------------------------------------------------------------
def test_needling_pause_and_resume_keep_the_actual_time_without_the_pauses() -> None:
    s, clock = ready_for_needling()
    clock.advance(20 * MIN)
    s.start_needling()
    clock.advance(5 * MIN)
    s.pause_needling()
    clock.advance(2 * MIN)
    s.resume_needling()
    clock.advance(7 * MIN)
    s.pause_needling()
    clock.advance(1 * MIN)
    s.resume_needling()
    clock.advance(3 * MIN)
    s.finish_needling()
    assert s.state.actual_needling_seconds() == 15 * MIN
    assert view(s, "needling").elapsed == 15 * MIN
    assert view(s, "needling").state == "done"
    assert s.state.needling_countdown(s.clock).pauses() == [
        (clock.monotonic() - 13 * MIN, clock.monotonic() - 11 * MIN),
        (clock.monotonic() - 4 * MIN, clock.monotonic() - 3 * MIN)]
    s.set_zone("frontal")
    s.set_passes(4, ["longitudinal"])
    close_out(s)
    s.sign()
    assert summarize(s.state, P)["needling_actual_s"] == 15 * MIN


def test_finishing_while_paused_keeps_the_time_up_to_the_pause() -> None:
    s, clock = ready_for_needling()
    clock.advance(20 * MIN)
    s.start_needling()
    clock.advance(16 * MIN)
    s.pause_needling()
    clock.advance(10 * MIN)
    s.finish_needling()
    assert s.state.actual_needling_seconds() == 16 * MIN


def test_space_toggles_needling_start_pause_resume_and_stops_when_finished() -> None:
    s, clock = ready_for_needling()
    clock.advance(20 * MIN)
    assert [s.toggle_needling() for _ in range(4)] == ["started", "paused", "resumed", "paused"]
    s.finish_needling(SHORT_NEEDLING_REASON)
    refused_unchanged(s, s.toggle_needling, "finished")


@pytest.mark.parametrize(("prefix", "action", "words"), [
    ((), "pause_needling", "not started"),
    ((), "resume_needling", "not started"),
    ((), "finish_needling", "not started"),
    (("start_needling",), "resume_needling", "running"),
    (("start_needling", "pause_needling"), "pause_needling", "paused"),
    (("start_needling", "finish_needling"), "finish_needling", "finished"),
    (("start_needling", "finish_needling"), "resume_needling", "finished"),
])
def test_needling_marks_out_of_turn_are_refused(prefix: tuple[str, ...], action: str, words: str) -> None:
    s, clock = ready_for_needling()
    clock.advance(20 * MIN)
    for name in prefix:
        getattr(s, name)(*([SHORT_NEEDLING_REASON] if name == "finish_needling" else []))
    refused_unchanged(s, getattr(s, action), words)


def test_a_needling_mark_earlier_than_the_one_before_is_refused() -> None:
    s, clock = ready_for_needling()
    clock.advance(20 * MIN)
    s.start_needling()
    event = make_event(s, "needling_paused", {}, mono=clock.monotonic() - 1)
    refused_unchanged(s, lambda: apply_event(s.state, event, P), "earlier than the one before")


def test_the_needle_length_is_fixed_once_needling_has_started() -> None:
    s, clock = ready_for_needling()
    s.set_needle_length("1.2")
    assert s.state.needle_mm == Decimal("1.2")
    clock.advance(20 * MIN)
    s.start_needling()
    refused_unchanged(s, lambda: s.set_needle_length("1.0"), "fixed now")


@pytest.mark.parametrize("mm", ["2.0", "0.4", "1.25", "1,2", "", "deep"])
def test_a_needle_length_outside_the_protocol_is_refused(mm: str) -> None:
    s, _ = new_session()
    error = refused_unchanged(s, lambda: s.set_needle_length(mm))
    assert "0.5–1.5 mm" in error.message


def test_zones_are_ticked_only_once_needling_has_started() -> None:
    s, clock = ready_for_needling()
    refused_unchanged(s, lambda: s.set_zone("vertex"), "once needling has started")
    clock.advance(20 * MIN)
    s.start_needling()
    s.set_zone("vertex")
    s.set_zone("frontal")
    s.set_zone("vertex", treated=False)
    assert s.state.zones == {"frontal"}
    refused_unchanged(s, lambda: s.set_zone("ears"), "Scalp zone must be one of")


@pytest.mark.parametrize(("count", "directions"), [(0, ["diagonal"]), (21, ["diagonal"]), (True, ["diagonal"]),
                                                   (3, []), (3, ["sideways"])])
def test_passes_need_a_count_of_1_to_20_and_known_directions(count: Any, directions: list[str]) -> None:
    s, clock = ready_for_needling()
    clock.advance(20 * MIN)
    s.start_needling()
    refused_unchanged(s, lambda: s.set_passes(count, directions))


# -- consumables and adjuncts ---------------------------------------------------------
def test_an_expired_cartridge_is_refused() -> None:
    s, _ = new_session()  # today is 2026-11-25
    error = refused_unchanged(s, lambda: s.set_cartridge("LOT-7", "2026-11-24"), "expired on 2026-11-24")
    assert error.field == "expiry"
    assert "Device: cartridge lot and expiry" in s.state.missing(P)


def test_a_cartridge_expiring_today_is_accepted() -> None:
    s, _ = new_session()
    s.set_cartridge("LOT-7", "2026-11-25")
    assert (s.state.cartridge_lot, s.state.cartridge_expiry) == ("LOT-7", date(2026, 11, 25))


@pytest.mark.parametrize(("lot", "expiry", "words"), [("", "2027-01-01", "lot number"),
                                                      ("LOT-1", "01/2027", "YYYY-MM-DD")])
def test_a_cartridge_needs_a_lot_and_an_iso_expiry(lot: str, expiry: str, words: str) -> None:
    s, _ = new_session()
    refused_unchanged(s, lambda: s.set_cartridge(lot, expiry), words)


def test_prp_needs_a_volume_within_bounds() -> None:
    s, clock = ready_for_needling()
    wait_dwell(s, clock)
    do_needling(s, clock)
    refused_unchanged(s, lambda: s.set_adjunct("prp"), "PRP volume")
    refused_unchanged(s, lambda: s.set_adjunct("prp", "0.2"), "0.5–20 mL")
    hand_built = make_event(s, "adjunct_set", {"kind": "prp"})
    refused_unchanged(s, lambda: apply_event(s.state, hand_built, P), "PRP volume")
    refused_unchanged(s, lambda: s.set_adjunct("prp", "3.5"), "kit lot")
    s.set_adjunct("prp", "3.5", kit_lot="KIT-22")
    assert (s.state.adjunct, s.state.prp_ml, s.state.prp_kit_lot) == ("prp", Decimal("3.5"), "KIT-22")
    assert s.state.minoxidil_resume_at() is None


def test_the_adjunct_comes_after_needling() -> None:
    s, _ = ready_for_needling()
    refused_unchanged(s, lambda: s.set_adjunct("none"), "after needling has started")


@pytest.mark.parametrize("hours", [24, 48, 0])
def test_minoxidil_resume_time_is_needling_finish_plus_the_configured_hours(hours: int) -> None:
    s, clock = new_session(config=SessionConfig(minoxidil_hours=hours))
    clear_screening(s)
    apply_anesthetic(s)
    prepare_device(s, clock)
    wait_dwell(s, clock)
    do_needling(s, clock)
    finished = s.state.needling_finished_at()
    assert finished is not None
    clock.advance(10 * MIN)  # the adjunct is recorded later: the finish time still counts
    s.set_adjunct("minoxidil", product="Regaine", strength="5pct", form="foam")
    assert s.state.minoxidil_resume_at() == finished.wall + timedelta(hours=hours)
    assert summarize(s.state, P)["minoxidil_resume_at"] == (
        finished.wall + timedelta(hours=hours)).isoformat(timespec="minutes")


def test_no_minoxidil_resume_time_without_minoxidil() -> None:
    s, clock = ready_for_needling()
    wait_dwell(s, clock)
    do_needling(s, clock)
    s.set_adjunct("none")
    assert s.state.minoxidil_resume_at() is None


# -- closing --------------------------------------------------------------------------
def test_side_effects_and_none_observed_exclude_each_other() -> None:
    s, _ = new_session()
    entry = s.add_side_effect("redness", "mild", "Expected.")
    refused_unchanged(s, s.declare_none_observed, "Remove the recorded side effects")
    s.remove_side_effect(entry)
    s.declare_none_observed()
    s.add_side_effect("itching", "mild")
    assert not s.state.none_observed
    refused_unchanged(s, lambda: s.remove_side_effect("no-such-entry"), "no such side-effect")
    refused_unchanged(s, lambda: s.add_side_effect("headache", "mild"), "Side effect must be one of")
    refused_unchanged(s, lambda: s.add_side_effect("redness", "extreme"), "Severity must be one of")


def test_an_endpoint_of_neither_needs_a_note() -> None:
    s, clock = ready_for_needling()
    clock.advance(20 * MIN)
    s.start_needling()
    refused_unchanged(s, lambda: s.set_endpoint("neither"), "add a note")
    s.set_endpoint("neither", "Only mild erythema at 0.5 mm.")
    assert s.state.endpoints == ("neither",)


def test_the_next_session_must_be_after_today() -> None:
    s, _ = new_session()
    refused_unchanged(s, lambda: s.set_next_session("2026-11-25"), "after today")
    s.set_next_session("2026-11-26")
    assert s.state.suggested_next_session() == date(2026, 12, 9)


def test_sign_off_is_refused_with_a_list_of_what_is_missing() -> None:
    s, _ = new_session()
    error = refused_unchanged(s, s.sign, "cannot be signed yet")
    assert "Still missing:" in error.message
    for item in s.state.missing(P):
        assert item in error.message
    assert len(s.state.missing(P)) >= 15
    assert s.state.status == "in_progress"


@pytest.mark.parametrize(("skip", "missing"), [
    ("confirm_aftercare", "Aftercare: not confirmed as given"),
    ("declare_none_observed", "Side effects: record them or confirm none observed"),
    ("confirm_blood_washed", "Clean-up: blood not washed away"),
])
def test_sign_off_names_exactly_what_is_left(skip: str, missing: str) -> None:
    s, clock = ready_for_needling()
    wait_dwell(s, clock)
    do_needling(s, clock)
    setattr(s, skip, lambda *a, **k: None)  # leave this one step out
    close_out(s)
    error = refused_unchanged(s, s.sign)
    assert error.message == f"The session cannot be signed yet. Still missing: {missing}."


def test_sign_off_is_accepted_when_everything_is_recorded() -> None:
    s, clock = new_session()
    run_complete_session(s, clock, sign=False)
    assert s.state.missing(P) == []
    assert s.state.completed_steps(P) == set(P.ids("steps")) - {"signoff"}
    s.sign()
    assert s.state.status == "signed"
    assert s.state.signed_by == PRACTITIONER
    assert s.state.signed_at == s.state.events[-1]["at"]
    assert "signoff" in s.state.completed_steps(P)


COMMANDS_AFTER_CLOSE: list[Callable[[Session], object]] = [
    lambda s: s.answer("blood_thinners", True),
    lambda s: s.confirm_aftercare(),
    lambda s: s.add_side_effect("redness", "mild"),
    lambda s: s.set_next_session("2027-01-05"),
    lambda s: s.change_practitioner("someone-else"),
    lambda s: s.record_interruption(s.clock.now(), 10),
    lambda s: s.sign(),
    lambda s: s.abandon("Changed mind."),
]


@pytest.mark.parametrize("command", COMMANDS_AFTER_CLOSE)
def test_after_signing_no_event_is_accepted(command: Callable[[Session], object]) -> None:
    s, clock = new_session()
    run_complete_session(s, clock)
    refused_unchanged(s, lambda: command(s), "signed: it cannot change")


@pytest.mark.parametrize("kind", EVENT_TYPES)
def test_after_signing_no_hand_built_event_of_any_type_is_accepted(kind: str) -> None:
    s, clock = new_session()
    run_complete_session(s, clock)
    event = make_event(s, kind, {})
    refused_unchanged(s, lambda: apply_event(s.state, event, P), "signed")


@pytest.mark.parametrize("command", COMMANDS_AFTER_CLOSE)
def test_after_abandoning_no_event_is_accepted(command: Callable[[Session], object]) -> None:
    s, _ = new_session()
    s.abandon("Patient declined on the day.")
    assert s.state.abandon_reason == "Patient declined on the day."
    refused_unchanged(s, lambda: command(s), "abandoned: it cannot change")


def test_abandoning_needs_a_reason() -> None:
    s, _ = new_session()
    refused_unchanged(s, lambda: s.abandon("  "), "reason for abandoning")


# -- the event record -----------------------------------------------------------------
def test_every_event_carries_a_uuid_the_practitioner_the_device_and_an_offset_timestamp() -> None:
    s, clock = new_session()
    run_complete_session(s, clock)
    events = s.state.events
    assert len({e["id"] for e in events}) == len(events)
    for n, event in enumerate(events):
        assert is_uuid(event["id"]) and uuid.UUID(event["id"]).version == 4
        assert event["n"] == n
        assert event["session"] == s.id and is_uuid(s.id)
        assert event["by"] == PRACTITIONER
        assert event["device"] == DEVICE
        assert event["boot"] == "boot-1"
        assert isinstance(event["mono"], float)
        moment = datetime.fromisoformat(event["at"])
        assert moment.utcoffset() == timedelta(hours=1)
        assert event["at"] == moment.isoformat(timespec="milliseconds")


def test_a_practitioner_change_is_stamped_on_later_events() -> None:
    s, _ = new_session()
    s.answer("blood_thinners", False)
    s.change_practitioner("nurse-2")
    s.answer("eczema_or_psoriasis", False)
    assert [e["by"] for e in s.state.events] == [PRACTITIONER, PRACTITIONER, "nurse-2", "nurse-2"]
    refused_unchanged(s, lambda: s.change_practitioner(""), "(?i)practitioner")
    s.answer("blood_thinners", True)
    assert s.state.events[-1]["by"] == "nurse-2"


def test_timestamps_follow_a_change_of_utc_offset_but_countdowns_do_not() -> None:
    s, clock = ready_for_needling()
    clock.advance(5 * MIN)
    clock.set_utc_offset(-5)
    s.answer("blood_thinners", False)
    assert s.state.events[-1]["at"].endswith("-05:00")
    assert view(s, "dwell").elapsed == 5 * MIN


# -- clocks: suspend, wall-clock jumps, reboots ---------------------------------------
def test_countdowns_keep_counting_through_a_suspend() -> None:
    s, clock = ready_for_needling()
    clock.suspend(20 * MIN)
    assert view(s, "dwell").elapsed == 20 * MIN
    assert s.poll() == ["dwell_min_reached"]
    s.start_needling()
    clock.suspend(6 * MIN)
    assert view(s, "needling").elapsed == 6 * MIN


def test_a_wall_clock_jump_does_not_move_countdowns_within_the_same_boot() -> None:
    s, clock = ready_for_needling()
    clock.advance(5 * MIN)
    clock.jump_wall(+3600)
    assert view(s, "dwell").elapsed == 5 * MIN
    assert s.poll() == []
    assert s.seconds_to_next_alert() == 10 * MIN
    refused_unchanged(s, s.start_needling, "less than 15 min")
    clock.jump_wall(-7200)
    clock.advance(10 * MIN)
    assert view(s, "dwell").elapsed == 15 * MIN
    s.start_needling()
    clock.advance(4 * MIN)
    clock.jump_wall(-86_400)
    assert view(s, "needling").elapsed == 4 * MIN
    clock.advance(11 * MIN)
    s.finish_needling()
    assert s.state.actual_dwell_seconds() == 15 * MIN
    assert s.state.actual_needling_seconds() == 15 * MIN


def test_after_a_reboot_the_wall_clock_anchor_is_used() -> None:
    s, clock = ready_for_needling()
    clock.advance(10 * MIN)
    events = copy.deepcopy(s.state.events)
    clock.reboot("boot-2", monotonic_start=50.0)   # the monotonic reading starts again
    clock.advance(6 * MIN)
    resumed = Session.resume(P, clock, DEVICE, events)
    assert view(resumed, "dwell").elapsed == 16 * MIN
    assert resumed.poll() == ["dwell_min_reached"]
    resumed.start_needling()                       # 16 min of dwell by the wall clock
    assert resumed.state.actual_dwell_seconds() == 16 * MIN
    clock.advance(5 * MIN)
    events = copy.deepcopy(resumed.state.events)
    clock.reboot("boot-3", monotonic_start=7.0)
    clock.advance(3 * MIN)
    again = Session.resume(P, clock, DEVICE, events)
    assert view(again, "needling").elapsed == 8 * MIN
    again.finish_needling(SHORT_NEEDLING_REASON)
    assert again.state.actual_needling_seconds() == 8 * MIN


def test_the_early_start_check_spans_a_reboot_by_the_wall_clock() -> None:
    s, clock = ready_for_needling()
    clock.advance(5 * MIN)
    clock.reboot("boot-2")
    clock.advance(5 * MIN)
    resumed = Session.resume(P, clock, DEVICE, copy.deepcopy(s.state.events))
    refused_unchanged(resumed, resumed.start_needling, "less than 15 min")


# -- replay and hand-built events -----------------------------------------------------
def test_replaying_the_events_gives_the_same_state_at_every_step() -> None:
    snapshots: list[SessionState] = []
    s, clock = new_session(sink=lambda event, state: snapshots.append(copy.deepcopy(state)))
    run_complete_session(s, clock)
    s_events = s.state.events
    assert len(snapshots) == len(s_events)
    for k, snapshot in enumerate(snapshots):
        assert replay(copy.deepcopy(s_events[:k + 1]), P) == snapshot
    assert replay(copy.deepcopy(s_events), P) == s.state
    assert summarize(replay(s_events, P), P) == summarize(s.state, P)


def test_a_resumed_session_carries_on_where_it_left_off() -> None:
    s, clock = ready_for_needling()
    clock.advance(16 * MIN)
    s.poll()
    resumed = Session.resume(P, clock, DEVICE, copy.deepcopy(s.state.events))
    assert resumed.state == s.state
    assert resumed.poll() == []
    clock.advance(14 * MIN)
    assert resumed.poll() == ["dwell_planned_end"]
    do_needling(resumed, clock)
    close_out(resumed)
    resumed.sign()
    assert resumed.state.status == "signed"


def test_a_failing_sink_leaves_the_session_as_it_was() -> None:
    calls: list[str] = []

    def sink(event: dict[str, Any], state: SessionState) -> None:
        calls.append(event["type"])
        if event["type"] == "consent_confirmed" and calls.count("consent_confirmed") == 1:
            raise OSError("disk full")

    s, _ = new_session(sink=sink)
    answer_all(s)
    before = copy.deepcopy(s.state)
    with pytest.raises(OSError):
        s.confirm_consent("Alex Demo")
    assert s.state == before
    s.confirm_consent("Alex Demo")
    assert s.state.consent_by == "Alex Demo"
    assert s.state.events[-1]["n"] == len(s.state.events) - 1


def valid_next(s: Session) -> dict[str, Any]:
    return make_event(s, "consent_confirmed", {"given_by": "Alex Demo"})


def _drop(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda e: e.pop(key)


def _set(key: str, value: object) -> Callable[[dict[str, Any]], None]:
    return lambda e: e.update({key: value})


CORRUPTIONS: dict[str, Callable[[dict[str, Any]], None]] = {
    **{f"missing {k}": _drop(k) for k in ("id", "session", "n", "type", "at", "mono", "boot", "by",
                                          "device", "data")},
    "n ahead": lambda e: e.update(n=e["n"] + 1),
    "n behind": lambda e: e.update(n=e["n"] - 1),
    "n as a boolean": lambda e: e.update(n=bool(e["n"])),
    "n as text": lambda e: e.update(n=str(e["n"])),
    "unknown type": _set("type", "needling_turbo"),
    "type not text": _set("type", ["consent_confirmed"]),
    "data not an object": _set("data", ["Alex"]),
    "another session": _set("session", str(uuid.uuid4())),
    "id not a uuid": _set("id", "event-1"),
    "mono as text": _set("mono", "later"),
    "mono missing value": _set("mono", None),
    "mono not a number": _set("mono", float("nan")),
    "mono infinite": _set("mono", float("inf")),
    "at without offset": _set("at", "2026-11-25T09:00:00"),
    "at not a time": _set("at", "soon"),
    "by empty": _set("by", ""),
    "by missing value": _set("by", None),
    "device empty": _set("device", ""),
    "boot empty": _set("boot", ""),
    "consent without a name": lambda e: e["data"].update(given_by=""),
}


@pytest.mark.parametrize("name", CORRUPTIONS)
def test_apply_event_refuses_a_hand_built_invalid_event_and_changes_nothing(name: str) -> None:
    s, _ = new_session()
    event = valid_next(s)
    CORRUPTIONS[name](event)
    refused_unchanged(s, lambda: apply_event(s.state, event, P))
    apply_event(s.state, valid_next(s), P)  # the untouched event is fine
    assert s.state.consent_by == "Alex Demo"


@pytest.mark.parametrize("gap", [-1, float("nan"), float("inf"), "10", True])
def test_an_interruption_needs_a_real_gap_in_seconds(gap: object) -> None:
    s, clock = new_session()
    event = make_event(s, "interruption", {"down_since": clock.now().isoformat(), "gap_seconds": gap})
    refused_unchanged(s, lambda: apply_event(s.state, event, P), "number of seconds")
    s.record_interruption(clock.now() - timedelta(minutes=3), 180.0)
    assert s.state.interruptions[-1]["gap_seconds"] == 180.0


def test_apply_event_refuses_a_needle_length_of_2_mm() -> None:
    s, _ = new_session()
    for mm in (2.0, "2.0", 0.45, "1.25", None, "1,2"):
        event = make_event(s, "needle_length_set", {"mm": mm})
        error = refused_unchanged(s, lambda: apply_event(s.state, event, P))  # noqa: B023 - called at once
        assert "0.5–1.5 mm" in error.message


def test_apply_event_refuses_an_early_needling_start_without_a_reason() -> None:
    s, clock = ready_for_needling()
    clock.advance(5 * MIN)
    event = make_event(s, "needling_started", {})
    refused_unchanged(s, lambda: apply_event(s.state, event, P), "less than 15 min")


def test_apply_event_refuses_events_before_the_session_has_started() -> None:
    s, _ = new_session()
    fresh = SessionState()
    event = make_event(s, "consent_confirmed", {"given_by": "x"}, n=0)
    with pytest.raises(EventError, match="must begin with its start event"):
        apply_event(fresh, event, P)
    assert fresh == SessionState()


def test_a_second_start_event_is_refused() -> None:
    s, _ = new_session()
    event = copy.deepcopy(s.state.events[0])
    event.update(n=1, id=str(uuid.uuid4()))
    refused_unchanged(s, lambda: apply_event(s.state, event, P), "already started")


@pytest.mark.parametrize(("path", "value"), [
    (("patient_id",), ""),
    (("practitioner_id",), "  "),
    (("config",), ["not", "an", "object"]),
    (("config", "washout_months"), 0),
    (("config", "minoxidil_hours"), 500),
    (("config", "interval_days"), 0),
    (("patient",), "Alex"),
    (("patient", "indication"), "baldness"),
    (("patient", "grade"), "IX"),
])
def test_an_invalid_start_event_is_refused_leaving_the_state_new(path: tuple[str, ...], value: object) -> None:
    s, _ = new_session()
    event = copy.deepcopy(s.state.events[0])
    target = event["data"]
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    state = SessionState()
    with pytest.raises(ValidationError):
        apply_event(state, event, P)
    assert state == SessionState()


# -- property: any order of commands keeps the rules ----------------------------------
def _cmd(name: str, k: int, s: Session, clock: FakeClock) -> None:
    today = clock.now().date()
    match name:
        case "clear_screening":
            clear_screening(s)
        case "answer":
            s.answer(ITEMS[k % len(ITEMS)], k % 3 == 0)
        case "last_dose":
            s.set_isotretinoin_last_dose(today - timedelta(days=k % 400 - 5))
        case "override":
            s.override_screening("" if k % 4 == 0 else "Reviewed by the dermatologist.")
        case "consent":
            s.confirm_consent("Alex Demo")
        case "anesthetic":
            apply_anesthetic(s, [10, 15, 30, 45, 50][k % 5])
        case "device":
            prepare_device(s, clock, needle_mm=["0.4", "1.0", "1.5", "1,2"][k % 4],
                           needling_minutes=[15, 20, 25][k % 3])
        case "cartridge":
            s.set_cartridge("LOT-2", today + timedelta(days=k % 10 - 3))
        case "start":
            s.start_needling("" if k % 2 else "Patient in a hurry.")
        case "toggle":
            s.toggle_needling()
        case "finish":
            s.finish_needling()
        case "zone":
            s.set_zone(P.ids("zones")[k % len(P.ids("zones"))], k % 5 != 0)
        case "passes":
            s.set_passes(k % 22, ["diagonal"] if k % 7 else [])
        case "close_out":
            close_out(s, ["none", "minoxidil", "prp"][k % 3], [None, "2.5", "0.1"][k % 3])
        case "side_effect":
            s.add_side_effect(P.ids("side_effects")[k % 13], "mild")
        case "sign":
            s.sign()
        case "poll":
            s.poll()
        case "advance":
            clock.advance(k % 1800)
        case "suspend":
            clock.suspend(k % 3600)
        case "jump_wall":
            clock.jump_wall(k % 7200 - 3600)
        case "abandon":
            if k % 10 == 0:
                s.abandon("Stopped.")


COMMAND_NAMES = ["clear_screening", "answer", "last_dose", "override", "consent", "anesthetic", "device",
                 "cartridge", "start", "toggle", "finish", "zone", "passes", "close_out", "side_effect",
                 "sign", "poll", "advance", "advance", "suspend", "jump_wall", "abandon"]


@FAST
@given(st.lists(st.tuples(st.sampled_from(COMMAND_NAMES), st.integers(0, 10_000)), max_size=40))
def test_any_sequence_of_commands_keeps_the_rules_and_replays_to_the_same_state(
        commands: list[tuple[str, int]]) -> None:
    s, clock = new_session()
    for name, k in commands:
        before = copy.deepcopy(s.state)
        try:
            _cmd(name, k, s, clock)
        except ValidationError:
            # a refused command leaves no trace (a macro may have done its first parts)
            assert s.state.events[:len(before.events)] == before.events
    state = s.state
    assert replay(copy.deepcopy(state.events), P) == state
    start = state.needling_started_at()
    if start is not None:
        assert state.applied is not None and state.needle_mm is not None and state.cartridge_new_sealed
        dwell = state.actual_dwell_seconds()
        assert dwell is not None
        assert dwell >= 15 * MIN or state.early_start_reason
        assert P.bounds["needle_length_mm"].min <= state.needle_mm <= P.bounds["needle_length_mm"].max
    for name, at in state.alerts.items():
        assert name in ALERT_TEXT and at
    if state.status == "signed":
        assert state.missing(P) == []
        assert not math.isnan(state.actual_needling_seconds() or 0.0)


def test_an_alert_due_while_an_override_pin_is_asked_is_recorded_first_and_the_override_after_it() -> None:
    """The PIN prompt runs the event loop, where the alert timer can record an alert: the override
    must then take the next place in the log, never the alert's."""
    s, clock = new_session()
    clear_screening(s)
    apply_anesthetic(s, dwell_minutes=15)
    kept: list[dict[str, Any]] = []
    s.sink = lambda event, _state: kept.append(copy.deepcopy(dict(event)))

    def prompt(_event: object) -> None:
        clock.advance(2)  # the person types their PIN past the end of the dwell
        assert s.poll() == ["dwell_min_reached", "dwell_planned_end"]

    s.confirm_override = prompt
    clock.advance(15 * MIN - 1)
    yesterday = (clock.now().date() - timedelta(days=1)).isoformat()
    s.set_cartridge("LOT-9", yesterday, "Only cartridge left; sealed pack checked intact.")
    assert [(e["n"], e["type"]) for e in kept] == [
        (kept[0]["n"], "alert"), (kept[0]["n"] + 1, "alert"), (kept[0]["n"] + 2, "cartridge_set")]
    assert [e["n"] for e in s.state.events] == list(range(len(s.state.events)))
    assert kept[-1]["mono"] >= kept[-2]["mono"]
    assert replay(s.state.events, P).events == s.state.events
