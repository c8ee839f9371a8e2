"""Typed values: needle length and other bounded numbers, dates, text, choices, calendar months."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction

import pytest
from helpers import shipped_protocol
from hypothesis import given, settings
from hypothesis import strategies as st

from microneedle_desk.core.protocol import Bound
from microneedle_desk.core.validation import (
    ValidationError,
    add_months,
    check_in_bound,
    parse_bounded,
    parse_date,
    parse_decimal,
    parse_past_date,
    parse_whole,
    require_choice,
    require_text,
)

NEEDLE = shipped_protocol().bounds["needle_length_mm"]
DWELL = shipped_protocol().bounds["dwell_minutes"]
ALLOWED_NEEDLE = "0.5–1.5 mm in steps of 0.1 mm"
FAST = settings(max_examples=100, deadline=None)


def needle(raw: object) -> Decimal:
    return parse_bounded(raw, NEEDLE, "needle", "Needle length", "mm")


# -- needle length --------------------------------------------------------------------
@pytest.mark.parametrize("tenths", range(5, 16))
def test_every_needle_length_from_0_5_to_1_5_in_0_1_steps_is_accepted(tenths: int) -> None:
    text = f"{tenths // 10}.{tenths % 10}"
    assert needle(text) == Decimal(text)
    assert needle(float(text)) == Decimal(text)
    assert needle(Decimal(text)) == Decimal(text)
    assert needle(f"{text} mm") == Decimal(text)


@pytest.mark.parametrize("raw", [1, "1", "1.50", " 0.5 ", "1.2mm", "+1.0", ".5"])
def test_needle_length_accepts_other_spellings_of_an_allowed_value(raw: object) -> None:
    assert NEEDLE.min <= needle(raw) <= NEEDLE.max


@pytest.mark.parametrize("raw", ["0.4", "1.6", "2.0", "0", "-1.0", 2, 0.49, "2.5", "1e0"])
def test_needle_length_outside_0_5_to_1_5_is_refused_naming_the_range(raw: object) -> None:
    with pytest.raises(ValidationError) as info:
        needle(raw)
    assert info.value.field == "needle"
    assert "0.5–1.5 mm" in info.value.message


@pytest.mark.parametrize("raw", ["1.25", "0.55", "1.05", 1.23, "1.4999"])
def test_needle_length_off_the_0_1_step_is_refused(raw: object) -> None:
    with pytest.raises(ValidationError) as info:
        needle(raw)
    assert "not on a step" in info.value.message
    assert ALLOWED_NEEDLE in info.value.message


def test_needle_length_as_text_is_refused_saying_a_number_is_needed() -> None:
    with pytest.raises(ValidationError) as info:
        needle("long")
    assert "must be a number" in info.value.message and "“long” is not a number" in info.value.message
    assert "0.5–1.5" in info.value.message


@pytest.mark.parametrize("raw", ["", "   ", "mm", None])
def test_empty_needle_length_is_refused_asking_for_a_number(raw: object) -> None:
    with pytest.raises(ValidationError) as info:
        needle("" if raw is None else raw)
    assert "enter a number" in info.value.message
    assert "0.5–1.5" in info.value.message


@pytest.mark.parametrize(("raw", "hint"), [("1,2", "1.2"), ("0,5", "0.5"), ("1,2 mm", "1.2")])
def test_decimal_comma_is_refused_not_guessed(raw: str, hint: str) -> None:
    with pytest.raises(ValidationError) as info:
        needle(raw)
    assert "decimal point, not a comma" in info.value.message
    assert f"for example {hint}" in info.value.message
    assert "0.5–1.5" in info.value.message


@pytest.mark.parametrize("raw", [True, False])
def test_booleans_are_not_numbers(raw: bool) -> None:
    with pytest.raises(ValidationError, match="must be a number"):
        needle(raw)


@pytest.mark.parametrize("raw", [float("nan"), float("inf"), float("-inf"), Decimal("NaN"),
                                 Decimal("sNaN"), Decimal("Infinity")])
def test_not_a_number_and_infinity_are_refused_as_validation_errors(raw: object) -> None:
    with pytest.raises(ValidationError):
        needle(raw)


def test_a_value_within_rounding_distance_of_a_step_is_still_off_step() -> None:
    with pytest.raises(ValidationError, match="not on a step"):
        needle(Decimal("1.00000000000000000000000000000001"))


# -- other bounded values -------------------------------------------------------------
def test_whole_minutes_refuse_fractions_with_the_unit() -> None:
    assert parse_whole("30", DWELL, "dwell", "Planned numbing time", "min") == 30
    assert parse_whole("30.0", DWELL, "dwell", "Planned numbing time", "min") == 30
    with pytest.raises(ValidationError, match="whole number of min"):
        parse_whole("30.5", DWELL, "dwell", "Planned numbing time", "min")
    with pytest.raises(ValidationError, match="15–45 min"):
        parse_whole("50", DWELL, "dwell", "Planned numbing time", "min")


def test_check_in_bound_without_a_step_accepts_any_value_in_range() -> None:
    bound = Bound(Decimal("0.5"), Decimal("20.0"))
    assert check_in_bound(Decimal("3.33"), bound, "prp_ml", "PRP volume", "mL") == Decimal("3.33")
    with pytest.raises(ValidationError, match=r"0\.5–20 mL; 25 mL is outside"):
        check_in_bound(Decimal(25), bound, "prp_ml", "PRP volume", "mL")


def test_parse_decimal_without_a_unit_keeps_the_message_plain() -> None:
    with pytest.raises(ValidationError) as info:
        parse_decimal("x", "f", "Count")
    assert info.value.message == "Count must be a number; “x” is not a number."


# -- property: parse_bounded returns an allowed value or a ValidationError, nothing else --
def on_step(value: Decimal, bound: Bound) -> bool:
    if bound.step is None:
        return True
    return (Fraction(value) - Fraction(bound.min)) % Fraction(bound.step) == 0


def assert_allowed_or_refused(raw: object, bound: Bound) -> None:
    try:
        value = parse_bounded(raw, bound, "needle", "Needle length", "mm")
    except ValidationError as exc:
        assert exc.message and exc.field == "needle"
        return
    assert isinstance(value, Decimal)
    assert bound.min <= value <= bound.max
    assert on_step(value, bound)


@FAST
@given(st.decimals())
def test_parse_bounded_on_any_decimal_returns_an_allowed_value_or_refuses(raw: Decimal) -> None:
    assert_allowed_or_refused(raw, NEEDLE)


@FAST
@given(st.floats())
def test_parse_bounded_on_any_float_returns_an_allowed_value_or_refuses(raw: float) -> None:
    assert_allowed_or_refused(raw, NEEDLE)


@FAST
@given(st.text())
def test_parse_bounded_on_any_text_returns_an_allowed_value_or_refuses(raw: str) -> None:
    assert_allowed_or_refused(raw, NEEDLE)


@FAST
@given(st.from_regex(r"\A\s*[+-]?\d{0,2}[.,]?\d{0,35}\s*(mm)?\s*\Z"))
def test_parse_bounded_on_number_like_text_returns_an_allowed_value_or_refuses(raw: str) -> None:
    assert_allowed_or_refused(raw, NEEDLE)


@FAST
@given(st.integers(min_value=5, max_value=15))
def test_every_tenth_in_range_is_accepted_from_float_and_text(tenths: int) -> None:
    value = Decimal(tenths) / 10
    assert needle(float(value)) == value
    assert needle(str(value)) == value


@FAST
@given(st.one_of(st.integers(), st.none(), st.booleans(), st.lists(st.integers(), max_size=2),
                 st.dates(), st.complex_numbers(allow_nan=False)))
def test_parse_bounded_on_other_objects_never_raises_anything_but_validation_error(raw: object) -> None:
    assert_allowed_or_refused(raw, NEEDLE)


# -- dates, text, choices -------------------------------------------------------------
def test_dates_must_be_iso_with_an_example_in_the_message() -> None:
    assert parse_date("2026-03-14", "d", "Date") == date(2026, 3, 14)
    assert parse_date(date(2026, 3, 14), "d", "Date") == date(2026, 3, 14)
    assert parse_date(datetime(2026, 3, 14, 10, tzinfo=UTC), "d", "Date") == date(2026, 3, 14)
    for bad in ("14/03/2026", "2026-02-30", "", "tomorrow"):
        with pytest.raises(ValidationError, match="YYYY-MM-DD"):
            parse_date(bad, "d", "Date")


def test_past_date_refuses_the_future_and_names_today() -> None:
    today = date(2026, 11, 25)
    assert parse_past_date("2026-11-25", today, "d", "Last dose") == today
    with pytest.raises(ValidationError, match=r"cannot be in the future \(today is 2026-11-25\)"):
        parse_past_date("2026-11-26", today, "d", "Last dose")


def test_required_text_is_stripped_and_bounded() -> None:
    assert require_text("  EMLA  ", "p", "Product") == "EMLA"
    with pytest.raises(ValidationError, match="must not be empty"):
        require_text("   ", "p", "Product")
    with pytest.raises(ValidationError, match="must not be empty"):
        require_text(None, "p", "Product")
    with pytest.raises(ValidationError, match="at most 5 characters"):
        require_text("abcdef", "p", "Product", max_len=5)


def test_choice_lists_what_is_allowed() -> None:
    assert require_choice("a", ("a", "b"), "f", "Pick") == "a"
    with pytest.raises(ValidationError, match="Pick must be one of: a, b"):
        require_choice("c", ("a", "b"), "f", "Pick")


# -- calendar months ------------------------------------------------------------------
@pytest.mark.parametrize(("start", "months", "expected"), [
    (date(2026, 1, 31), 1, date(2026, 2, 28)),
    (date(2028, 1, 31), 1, date(2028, 2, 29)),
    (date(2026, 8, 31), 6, date(2027, 2, 28)),
    (date(2026, 5, 31), 6, date(2026, 11, 30)),
    (date(2026, 3, 31), -1, date(2026, 2, 28)),
    (date(2026, 11, 25), 6, date(2027, 5, 25)),
    (date(2026, 12, 15), 1, date(2027, 1, 15)),
    (date(2026, 6, 15), 0, date(2026, 6, 15)),
])
def test_add_months_clamps_to_the_end_of_a_shorter_month(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


@FAST
@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2400, 12, 31)), st.integers(-240, 240))
def test_add_months_lands_in_the_right_month_on_the_same_or_last_day(start: date, months: int) -> None:
    result = add_months(start, months)
    assert (result.year * 12 + result.month) - (start.year * 12 + start.month) == months
    last = calendar.monthrange(result.year, result.month)[1]
    assert result.day == min(start.day, last)
