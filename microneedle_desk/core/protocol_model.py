"""The clinical protocol's model: bounds, choices, screening questions, zones, steps, photo
views, and :class:`Protocol` that holds them (core/protocol.py loads and checks the file).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from microneedle_desk.i18n import tr

if TYPE_CHECKING:
    from microneedle_desk.core.course_plan import CoursePlan


@dataclass(frozen=True)
class Bound:
    """Allowed range of a number (with its step and default), from the protocol file."""

    min: Decimal
    max: Decimal
    step: Decimal | None = None
    default: Decimal | None = None


@dataclass(frozen=True)
class Choice:
    """One option of a choice group (id stored in records, label shown)."""

    id: str
    label: str


@dataclass(frozen=True)
class Indication:
    """What is treated, with its grading scales, default needle length and interval."""

    id: str
    label: str
    scales: tuple[str, ...]
    default_needle_mm: Decimal
    interval_days: int


@dataclass(frozen=True)
class Scale:
    """A grading scale and its grades."""

    id: str
    label: str
    grades: tuple[str, ...]  # empty for the numeric SALT score


@dataclass(frozen=True)
class Contraindication:
    """One screening question that blocks the session when answered yes."""

    id: str
    question: str
    asks_last_dose: bool = False
    applies_to_sex: tuple[str, ...] = ()  # empty: asked of every patient

    def asked_of(self, sex: str) -> bool:
        """Whether this question is asked of a patient of ``sex`` (not asked: not applicable)."""
        return not self.applies_to_sex or sex in self.applies_to_sex


@dataclass(frozen=True)
class Zone:
    """A scalp zone and its outline on the scalp map."""

    id: str
    label: str
    polygon: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class AftercarePoint:
    """One aftercare instruction given to the patient; ``group`` places it on the handout."""

    id: str
    text: str
    group: str = ""


AFTERCARE_GROUPS = ("first_days", "two_weeks", "minoxidil", "call")
"""Where an aftercare point goes: the first days, about two weeks, minoxidil, when to call."""


@dataclass(frozen=True)
class Strength:
    """A minoxidil strength and the forms it comes in (2 % and 5 % topical, mg tablets)."""

    id: str
    label: str
    forms: tuple[str, ...]


@dataclass(frozen=True)
class Step:
    """One step of the session, with its one-line instruction."""

    id: str
    title: str
    instruction: str


@dataclass(frozen=True)
class PhotoView:
    """One standard scalp photo view, with how to take it alike each time."""

    id: str
    label: str
    instruction: str


STEP_IDS = (
    "patient", "screening", "anesthetic", "device", "antiseptic", "needling",
    "endpoint", "cleanup", "adjunct", "side_effects", "aftercare", "signoff",
)
BOUND_KEYS = (
    "needle_length_mm", "dwell_minutes", "needling_minutes", "prp_ml", "home_roller_mm",
    "isotretinoin_washout_months", "minoxidil_resume_hours", "salt",
)
# The clinical source's hard limits: a protocol file may narrow them, never widen them.
HARD_LIMITS = {
    "needle_length_mm": (Decimal("0.5"), Decimal("1.5")),
    "dwell_minutes": (Decimal(15), Decimal(45)),
    "needling_minutes": (Decimal(15), Decimal(20)),
}


@dataclass(frozen=True)
class Protocol:
    """The whole clinical protocol, as loaded and checked from the protocol file."""

    bounds: dict[str, Bound]
    indications: tuple[Indication, ...]
    scales: tuple[Scale, ...]
    sexes: tuple[Choice, ...]
    contraindications: tuple[Contraindication, ...]
    antiseptics: tuple[Choice, ...]
    endpoints: tuple[Choice, ...]
    adjuncts: tuple[Choice, ...]
    minoxidil_forms: tuple[Choice, ...]
    minoxidil_strengths: tuple[Strength, ...]
    pass_directions: tuple[Choice, ...]
    zones: tuple[Zone, ...]
    side_effects: tuple[Choice, ...]
    severities: tuple[Choice, ...]
    aftercare: tuple[AftercarePoint, ...]
    home_roller: tuple[AftercarePoint, ...]
    steps: tuple[Step, ...]
    photo_views: tuple[PhotoView, ...] = ()
    course_plans: tuple[CoursePlan, ...] = ()  # the shipped presets (core/course_plan.py)

    def contraindication(self, item_id: str) -> Contraindication:
        for item in self.contraindications:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def strength(self, strength_id: str) -> Strength:
        for item in self.minoxidil_strengths:
            if item.id == strength_id:
                return item
        raise KeyError(strength_id)

    def indication(self, indication_id: str) -> Indication:
        for ind in self.indications:
            if ind.id == indication_id:
                return ind
        raise KeyError(indication_id)

    def scale(self, scale_id: str) -> Scale:
        for scale in self.scales:
            if scale.id == scale_id:
                return scale
        raise KeyError(scale_id)

    def label(self, group: str, item_id: str) -> str:
        """The display label of ``item_id`` in a choice group such as ``"side_effects"``."""
        for item in getattr(self, group):
            if item.id == item_id:
                return tr(str(getattr(item, "label", None) or getattr(item, "question", item_id)))
        return item_id

    def ids(self, group: str) -> tuple[str, ...]:
        return tuple(item.id for item in getattr(self, group))
