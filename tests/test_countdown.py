"""Countdown arithmetic from clock readings, and the mm:ss display."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microneedle_desk.core.countdown import Countdown, format_clock, format_duration, reading, seconds_to_next_figure

FAST = settings(max_examples=100, deadline=None)


# -- examples -------------------------------------------------------------------------
def test_a_new_countdown_is_neither_started_nor_running() -> None:
    cd = Countdown(planned=900)
    assert not cd.started and not cd.running and not cd.paused and not cd.finished
    assert cd.elapsed(5000) == 0 and cd.remaining(5000) == 900
    assert cd.time_until_elapsed(60, 5000) is None


def test_elapsed_excludes_the_time_spent_paused() -> None:
    cd = Countdown(planned=900)
    cd.start(100)
    cd.pause(400)          # 300 s running
    cd.resume(460)         # 60 s paused
    assert cd.elapsed(1060) == 900
    assert cd.remaining(1060) == 0
    assert cd.pauses() == [(400, 460)]


def test_remaining_goes_negative_once_the_planned_time_is_over() -> None:
    cd = Countdown(planned=60)
    cd.start(0)
    assert cd.remaining(90) == -30
    assert format_clock(cd.remaining(90)) == "+00:30"


def test_finish_stops_the_count() -> None:
    cd = Countdown(planned=60)
    cd.start(0)
    cd.finish(40)
    assert cd.finished and not cd.running and not cd.paused
    assert cd.elapsed(10_000) == 40


def test_finish_while_paused_keeps_the_time_at_the_pause() -> None:
    cd = Countdown(planned=60)
    cd.start(0)
    cd.pause(25)
    cd.finish(50)
    assert cd.elapsed(10_000) == 25


@pytest.mark.parametrize("ops", [
    [("pause", 1)], [("resume", 1)], [("start", 0), ("start", 1)], [("start", 0), ("resume", 1)],
    [("start", 0), ("pause", 1), ("pause", 2)], [("start", 0), ("finish", 1), ("resume", 2)],
    [("start", 0), ("finish", 1), ("pause", 2)], [("finish", 0), ("start", 1)],
    [("start", 0), ("finish", 1), ("start", 2)],
])
def test_operations_out_of_turn_are_refused(ops: list[tuple[str, float]]) -> None:
    cd = Countdown(planned=60)
    *before, (last, when) = ops
    for op, t in before:
        getattr(cd, op)(t)
    with pytest.raises(RuntimeError):
        getattr(cd, last)(when)


def test_a_pause_before_the_start_reading_counts_nothing() -> None:
    cd = Countdown(planned=60)
    cd.start(100)
    cd.pause(90)
    assert cd.elapsed(200) == 0


def test_time_until_elapsed_counts_from_now_while_running() -> None:
    cd = Countdown(planned=900)
    cd.start(0)
    assert cd.time_until_elapsed(900, 300) == 600
    assert cd.time_until_elapsed(900, 1000) == 0
    cd.pause(400)
    assert cd.time_until_elapsed(900, 500) is None


@pytest.mark.parametrize(("seconds", "text"), [
    (900, "15:00"), (899.01, "15:00"), (0.2, "00:01"), (0, "00:00"), (59.5, "01:00"),
    (-0.5, "+00:00"), (-1, "+00:01"), (-61.9, "+01:01"), (3600, "1:00:00"), (3725, "1:02:05"),
    (-3725, "+1:02:05"),
])
def test_format_clock_rounds_remaining_time_up_and_shows_overrun_with_a_plus(seconds: float, text: str) -> None:
    assert format_clock(seconds) == text


@pytest.mark.parametrize(("seconds", "text"), [(0, "0 min 00 s"), (1025, "17 min 05 s"),
                                                (3600, "1 h 00 min"), (5430, "1 h 30 min")])
def test_format_duration_is_human(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


# -- properties -----------------------------------------------------------------------
OPS = st.lists(st.tuples(st.sampled_from(["start", "pause", "resume", "finish", "look"]),
                         st.floats(min_value=0, max_value=3600, allow_nan=False)),
               max_size=30)


@FAST
@given(planned=st.floats(min_value=0, max_value=3600), ops=OPS,
       origin=st.floats(min_value=-1e6, max_value=1e6))
def test_elapsed_is_the_sum_of_running_segments_and_never_exceeds_wall_time(
        planned: float, ops: list[tuple[str, float]], origin: float) -> None:
    cd = Countdown(planned=planned)
    now = origin
    model_total = 0.0          # seconds counted in closed segments
    running_since: float | None = None
    first_start: float | None = None
    finished = False
    for op, step in ops:
        now += step            # readings never go backwards
        try:
            getattr(cd, op)(now) if op != "look" else None
        except RuntimeError:
            # the model agrees the operation was out of turn
            assert (op == "start" and (first_start is not None or finished)) or \
                   (op == "pause" and running_since is None) or \
                   (op == "resume" and (running_since is not None or first_start is None or finished))
            continue
        if op == "start":
            assert first_start is None and not finished
            first_start = running_since = now
        elif op == "pause" or (op == "finish" and running_since is not None):
            assert running_since is not None
            model_total += now - running_since
            running_since = None
        elif op == "resume":
            assert running_since is None and first_start is not None and not finished
            running_since = now
        if op == "finish":
            finished = True

        elapsed = cd.elapsed(now)
        expected = model_total + (now - running_since if running_since is not None else 0.0)
        assert elapsed >= 0
        assert math.isclose(elapsed, expected, rel_tol=1e-9, abs_tol=1e-6)
        if first_start is not None:
            assert elapsed <= (now - first_start) + 1e-6
        else:
            assert elapsed == 0
        assert cd.remaining(now) == planned - elapsed
        assert cd.running == (running_since is not None)
        assert cd.finished == finished


@FAST
@given(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False))
def test_format_clock_never_shows_zero_while_time_remains(seconds: float) -> None:
    text = format_clock(seconds)
    if seconds > 0:
        assert text != "00:00" and not text.startswith("+")
    if seconds < 0:
        assert text.startswith("+")
    digits = [int(part) for part in text.lstrip("+").split(":")]
    assert sum(d * 60 ** i for i, d in enumerate(reversed(digits))) == (
        math.ceil(seconds) if seconds >= 0 else math.floor(-seconds))
    assert all(d < 60 for d in digits[1:])


@FAST
@given(planned=st.integers(min_value=1, max_value=3600), steps=st.lists(
    st.floats(min_value=0, max_value=120, allow_nan=False), min_size=1, max_size=40))
def test_display_reaches_zero_only_when_the_planned_time_is_really_up(planned: int, steps: list[float]) -> None:
    cd = Countdown(planned=planned)
    cd.start(0.0)
    now = 0.0
    for step in steps:
        now += step
        shown = format_clock(cd.remaining(now))
        if shown == "00:00":
            assert cd.elapsed(now) >= planned
        if cd.elapsed(now) < planned:
            assert not shown.startswith("+")


@settings(max_examples=300)
@given(st.floats(min_value=-4000, max_value=4000, allow_nan=False).map(lambda x: round(x, 3)),
       st.sampled_from(["running", "ready", "due", "overdue"]))
def test_the_next_tick_lands_just_when_the_shown_figure_changes(remaining: float, state: str) -> None:
    wait = seconds_to_next_figure(state, remaining)
    assert wait is not None and 0 <= wait <= 1.0
    shown = reading(state, 0.0, remaining)
    assert reading(state, 0.0, remaining - wait - 0.002) != shown, "the figure has changed by the tick"
    if wait > 0.002:
        assert reading(state, 0.0, remaining - wait + 0.002) == shown, "and not long before it"


@pytest.mark.parametrize("state", ["paused", "done", "waiting"])
def test_a_countdown_that_stands_still_asks_for_no_tick(state: str) -> None:
    assert seconds_to_next_figure(state, 125.4) is None
