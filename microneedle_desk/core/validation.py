"""Turning what a person typed into checked values, with messages that say what is allowed.

Every function raises :class:`ValidationError`; its message is shown to the practitioner
as it is, so it always names the allowed range or form.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from microneedle_desk.core.protocol import Bound
from microneedle_desk.i18n import N_, tr

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


class ValidationError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _fmt(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral() else str(value)


def parse_decimal(raw: object, field: str, what: str, unit: str = "", decimal_separator: str = ".") -> Decimal:
    """A number from text or a number, written with ``decimal_separator`` (the person's locale's:
    "," reads "1,2" as 1.2, and a point too). Under a point, a decimal comma is refused, not guessed at."""
    suffix = f" {unit}" if unit else ""
    if isinstance(raw, bool):
        raise ValidationError(field, tr("{what} must be a number{suffix}.").format(what=what, suffix=suffix))
    if isinstance(raw, (int, Decimal, float)):
        value = Decimal(repr(raw)) if isinstance(raw, float) else Decimal(raw)
        if not value.is_finite():  # NaN cannot even be compared with a bound
            raise ValidationError(field, tr("{what} must be a number{suffix}; {raw} is not.").format(
                                            what=what, suffix=suffix, raw=raw))
        return value
    text = str(raw).strip()
    if unit and text.lower().endswith(unit.lower()):
        text = text[: -len(unit)].strip()
    if not text:
        raise ValidationError(field, tr("{what} is empty: enter a number{suffix}.").format(
                                        what=what, suffix=suffix))
    if decimal_separator == "," and re.fullmatch(r"[+-]?\d+,\d+", text):
        text = text.replace(",", ".")
    if re.fullmatch(r"[+-]?\d+,\d+", text):
        raise ValidationError(
            field, tr("{what}: use a decimal point, not a comma (for example {replace}).").format(
                      what=what, replace=text.replace(',', '.'))
        )
    if not _NUMBER.match(text):
        raise ValidationError(field, tr("{what} must be a number{suffix}; “{text}” is not a number.").format(
                                        what=what, suffix=suffix, text=text))
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the regex already excludes this
        raise ValidationError(field, tr("{what} must be a number{suffix}.").format(what=what, suffix=suffix)) from None


def _allowed(bound: Bound, unit: str) -> str:
    suffix = f" {unit}" if unit else ""
    allowed = f"{_fmt(bound.min)}–{_fmt(bound.max)}{suffix}"
    if bound.step is not None:
        allowed += f" in steps of {_fmt(bound.step)}{suffix}"
    return allowed


def check_in_bound(value: Decimal, bound: Bound, field: str, what: str, unit: str = "") -> Decimal:
    suffix = f" {unit}" if unit else ""
    allowed = _allowed(bound, unit)
    if not bound.min <= value <= bound.max:
        raise ValidationError(field, tr("{what} must be {allowed}; {fmt}{suffix} is outside.").format(
                                        what=what, allowed=allowed, fmt=_fmt(value), suffix=suffix))
    # Exact arithmetic: Decimal's 28-digit context would round 1.000…0001 onto a step.
    if bound.step is not None and (Fraction(value) - Fraction(bound.min)) % Fraction(bound.step) != 0:
        raise ValidationError(field, tr("{what} must be {allowed}; {fmt}{suffix} is not on a step.").format(
                                        what=what, allowed=allowed, fmt=_fmt(value), suffix=suffix))
    return value


def parse_bounded(raw: object, bound: Bound, field: str, what: str, unit: str = "",
                  decimal_separator: str = ".") -> Decimal:
    try:
        value = parse_decimal(raw, field, what, unit, decimal_separator)
    except ValidationError as exc:  # say what is allowed, not only that it is not a number
        raise ValidationError(field, tr("{message} Allowed: {allowed}.").format(
                                        message=exc.message, allowed=_allowed(bound, unit))) from None
    return check_in_bound(value, bound, field, what, unit)


def parse_whole(raw: object, bound: Bound, field: str, what: str, unit: str = "") -> int:
    value = parse_bounded(raw, bound, field, what, unit)
    if value != value.to_integral():
        raise ValidationError(field, tr("{what} must be a whole number of {value}.").format(
                                        what=what, value=unit or 'units'))
    return int(value)


def parse_date(raw: object, field: str, what: str) -> date:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = str(raw).strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError(
            field, tr("{what} must be a date written YYYY-MM-DD (for example 2026-03-14); “{text}” is not.").format(
                      what=what, text=text)
        ) from None


def parse_past_date(raw: object, today: date, field: str, what: str) -> date:
    value = parse_date(raw, field, what)
    if value > today:
        raise ValidationError(field, tr("{what} cannot be in the future (today is {isoformat}).").format(
                                        what=what, isoformat=today.isoformat()))
    return value


def require_text(raw: object, field: str, what: str, max_len: int = 2000) -> str:
    text = "" if raw is None else str(raw).strip()
    if not text:
        raise ValidationError(field, tr("{what} must not be empty.").format(what=what))
    if len(text) > max_len:
        raise ValidationError(field, tr("{what} is too long: at most {max_len} characters.").format(
                                        what=what, max_len=max_len))
    return text


JUSTIFICATION_MIN_WORDS = 3
JUSTIFICATION_MIN_LETTERS = 15
_WORD = re.compile(r"[^\W\d_]+")
JUSTIFICATION_EXAMPLE = N_("patient must leave early; numbness tested and adequate")


def _tr(text: str) -> str:
    return tr(text)


def require_justification(raw: object, field: str, what: str, max_len: int = 2000) -> str:
    """Clinical text that explains a departure from the protocol, read by whoever reviews the record.

    "ok", "x" or "..." explain nothing: at least a few words of letters are asked for.
    """
    text = require_text(raw, field, what, max_len)
    words = _WORD.findall(text)
    if len(words) < JUSTIFICATION_MIN_WORDS or sum(len(w) for w in words) < JUSTIFICATION_MIN_LETTERS:
        raise ValidationError(field, _tr(
            "{what}: write the clinical reason in a few words (at least {words} words, {letters} letters), "
            "for example “{example}”; “{typed}” does not say why.").format(
                what=what, words=JUSTIFICATION_MIN_WORDS, letters=JUSTIFICATION_MIN_LETTERS,
                example=_tr(JUSTIFICATION_EXAMPLE), typed=text[:40]))
    return text


def require_choice(raw: object, allowed: tuple[str, ...], field: str, what: str) -> str:
    if raw not in allowed:
        raise ValidationError(field, tr("{what} must be one of: {join}.").format(
                                        what=what, join=', '.join(allowed)))
    return str(raw)


def add_months(day: date, months: int) -> date:
    """``day`` plus whole calendar months, clamped to the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover
