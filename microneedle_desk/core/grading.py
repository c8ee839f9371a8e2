"""Grading: the SALT score (Severity of Alopecia Tool, Olsen 2004) and its severity bands.

SALT is the percentage of scalp hair lost, region by region, weighted by each region's
share of the scalp: right side 18 %, left side 18 %, top 40 %, back 24 %. The result is
0-100. Bands in common use: 0 none, 1-20 mild, 21-49 moderate, 50-94 severe, 95-100
very severe. Plain Python: the calculator dialog and the tests call the same function.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from microneedle_desk.core.validation import ValidationError
from microneedle_desk.i18n import tr

SALT_REGIONS: tuple[tuple[str, str, int], ...] = (
    ("right", "Right side", 18),
    ("left", "Left side", 18),
    ("top", "Top", 40),
    ("back", "Back", 24),
)
"""(id, label, weight in percent of the scalp)."""

SALT_BANDS: tuple[tuple[int, int, str], ...] = (
    (0, 0, "no hair loss"),
    (1, 20, "mild"),
    (21, 49, "moderate"),
    (50, 94, "severe"),
    (95, 100, "very severe"),
)


@dataclass(frozen=True)
class SaltResult:
    score: int          # 0-100, rounded half up
    exact: Decimal      # before rounding
    band: str


def _percent(raw: object, label: str, field: str) -> Decimal:
    text = str(raw).strip().rstrip("%").strip() if raw is not None else ""
    if not text:
        raise ValidationError(field, tr("{label}: enter the percentage of hair lost there (0–100).").format(
                                        label=label))
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise ValidationError(field, tr("{label}: “{text}” is not a number; enter 0–100.").format(
                                        label=label, text=text)) from None
    if not value.is_finite() or not Decimal(0) <= value <= Decimal(100):
        raise ValidationError(field, tr("{label}: {text} % is outside 0–100 %.").format(label=label, text=text))
    return value


def salt_band(score: int) -> str:
    """The severity band of a whole SALT score 0-100."""
    if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 100:
        raise ValidationError("salt", tr("A SALT score is a whole number 0–100, not {score!r}.").format(
                                         score=score))
    for low, high, name in SALT_BANDS:
        if low <= score <= high:
            return name
    raise AssertionError("bands cover 0-100")  # pragma: no cover


def salt_score(losses: dict[str, object]) -> SaltResult:
    """SALT from the percent loss in each region (keys: right, left, top, back).

    Every region must be given; each value is a percentage 0-100 (text or number).
    Raises ValidationError naming the region when a value is missing or out of range.
    """
    unknown = sorted(set(losses) - {r[0] for r in SALT_REGIONS})
    if unknown:
        raise ValidationError("salt", "Unknown scalp region(s): " + ", ".join(unknown)
                              + ". The regions are right, left, top and back.")
    total = Decimal(0)
    for key, label, weight in SALT_REGIONS:
        total += _percent(losses.get(key), label, f"salt_{key}") * weight / 100
    score = int(total.quantize(Decimal(1), rounding="ROUND_HALF_UP"))
    return SaltResult(score=score, exact=total, band=salt_band(score))
