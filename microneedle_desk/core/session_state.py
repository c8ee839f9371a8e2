"""What a session is at any moment: the state folded from its events, with the questions
the steps and the sign-off ask of it (what is done, what is missing, the countdowns' figures).
The drafts' fields live here too: which editors keep half-typed text, and which events replace it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TypedDict

from microneedle_desk.core.clock import Clock
from microneedle_desk.core.countdown import Countdown
from microneedle_desk.core.event_types import ConfigData, SessionEvent
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.core.record_types import PatientSnapshot, PhotoRecord
from microneedle_desk.core.validation import (
    add_months,
)
from microneedle_desk.i18n import N_, tr

# The session rules a start event is recorded under. From 2 on: every justification is
# clinical text, every deviation carries one (late start, short or long needling too) and
# a sign-off acknowledges the deviations. A session recorded under earlier rules replays
# by the rules it was recorded under, so nothing already on file stops reading.
RULES = 2
CONTENT_VERSION = 2
"""What a session's start event promises about its content. 1: the first record form (one
endpoint, an antibiotic product always, minoxidil without details, no home-roller question);
2: endpoints as a list, antibiotic or none, minoxidil product/strength/form, PRP kit lot and
the home derma roller asked at aftercare. Records of form 1 are read by the rules of form 1."""

ALERT_TEXT = {
    "dwell_min_reached": N_("Minimum numbing time reached: needling may start."),
    "dwell_planned_end": N_("Planned numbing time is over: wipe off the cream and start."),
    "dwell_over_max": N_("Numbing cream has been on longer than the maximum. Recorded."),
    "needling_min_reached": N_("Minimum needling time reached."),
    "needling_planned_end": N_("Planned needling time is over: finish needling."),
}


@dataclass(frozen=True)
class Anchor:
    """When an event happened: the monotonic reading, its epoch and the wall clock."""

    mono: float
    boot: str
    wall: datetime

    def to_mono(self, clock: Clock) -> float:
        """This moment on the clock's current monotonic scale.

        Same boot: the stored monotonic reading is exact. After a reboot only the wall-clock
        anchor is left, which is the best there is.
        """
        if self.boot == clock.boot_id():
            return self.mono
        return clock.monotonic() - (clock.now() - self.wall).total_seconds()

    def seconds_until(self, later: Anchor) -> float:
        if self.boot == later.boot:
            return later.mono - self.mono
        return (later.wall - self.wall).total_seconds()


@dataclass(frozen=True)
class SessionConfig:
    """Settings in force when the session started, recorded with it."""

    washout_months: int = 6
    minoxidil_hours: int = 24
    interval_days: int = 14

    def to_dict(self) -> ConfigData:
        return {"washout_months": self.washout_months, "minoxidil_hours": self.minoxidil_hours,
                "interval_days": self.interval_days}


class Interruption(TypedDict):
    """A time the app was down during the session: since when, when it came back, the gap."""

    down_since: str
    resumed_at: str
    gap_seconds: float


@dataclass
class SideEffect:
    """A side effect seen in the session, with its severity."""

    entry_id: str
    kind: str
    severity: str
    note: str
    at: str


@dataclass
class SessionState:
    """Everything known about a session, folded from its events."""

    id: str = ""
    status: str = "new"
    patient_id: str = ""
    practitioner_id: str = ""
    device: str = ""
    started: Anchor | None = None
    config: SessionConfig = field(default_factory=SessionConfig)
    patient_snapshot: PatientSnapshot = field(default_factory=lambda: PatientSnapshot(
        name="", dob="", clinic_id="", sex="", indication="", scale="", grade=""))
    indication: str = ""
    scale: str = ""
    grade: str = ""
    content: int = 1
    answers: dict[str, bool] = field(default_factory=dict)
    not_applicable: tuple[str, ...] = ()
    isotretinoin_last_dose: date | None = None
    override_items: tuple[str, ...] = ()
    override_reason: str = ""
    rules: int = 1
    consent_by: str = ""
    consent_at: str = ""
    anesthetic_product: str = ""
    applied: Anchor | None = None
    dwell_planned_min: int | None = None
    needle_mm: Decimal | None = None
    cartridge_lot: str = ""
    cartridge_expiry: date | None = None
    cartridge_new_sealed: bool = False
    cartridge_expired_reason: str = ""
    cartridge_unsealed_reason: str = ""
    handpiece_serial: str = ""
    antiseptic: str = ""
    needling_planned_min: int | None = None
    needling_marks: list[tuple[str, Anchor]] = field(default_factory=list)
    early_start_reason: str = ""
    late_start_reason: str = ""
    finish_reason: str = ""
    zones: set[str] = field(default_factory=set)
    passes: int = 0
    directions: tuple[str, ...] = ()
    endpoints: tuple[str, ...] = ()
    endpoint_note: str = ""
    blood_washed: bool = False
    antibiotic_used: bool | None = None  # None: not recorded yet
    antibiotic_product: str = ""
    adjunct: str = ""
    minoxidil_product: str = ""
    minoxidil_strength: str = ""
    minoxidil_form: str = ""
    prp_ml: Decimal | None = None
    prp_kit_lot: str = ""
    home_roller: bool | None = None  # uses a derma roller at home; None: not asked yet
    home_roller_mm: Decimal | None = None
    side_effects: dict[str, SideEffect] = field(default_factory=dict)
    none_observed: bool = False
    aftercare_given: bool = False
    next_session: date | None = None
    alerts: dict[str, str] = field(default_factory=dict)
    drafts: dict[str, str] = field(default_factory=dict)  # field -> text typed, not yet saved
    interruptions: list[Interruption] = field(default_factory=list)
    signed_by: str = ""
    signed_at: str = ""
    deviations_acknowledged: tuple[str, ...] = ()
    abandon_reason: str = ""
    photo_consent: str = ""  # core/photos.py: declined, clinical or teaching; "" not asked
    photos: list[PhotoRecord] = field(default_factory=list)
    photo_skips: dict[str, str] = field(default_factory=dict)  # view -> why no photo
    events: list[SessionEvent] = field(default_factory=list)

    # -- derived facts -------------------------------------------------------------
    def eligible_from(self) -> date | None:
        """The first day isotretinoin no longer bars the patient, from the last dose."""
        if self.isotretinoin_last_dose is None:
            return None
        return add_months(self.isotretinoin_last_dose, self.config.washout_months)

    def blocking_items(self) -> list[str]:
        items = [k for k, yes in self.answers.items() if yes]
        eligible = self.eligible_from()
        if (eligible is not None and self.started is not None
                and eligible > self.started.wall.date() and "isotretinoin" not in items):
            items.append("isotretinoin")
        return items

    def unanswered(self, protocol: Protocol) -> list[str]:
        return [c.id for c in protocol.contraindications
                if c.id not in self.answers and c.id not in self.not_applicable]

    def screening_cleared(self, protocol: Protocol) -> bool:
        if self.unanswered(protocol):
            return False
        return all(item in self.override_items for item in self.blocking_items())

    def needling_countdown(self, clock: Clock | None = None) -> Countdown:
        """The needling countdown, on the clock's scale (or the first mark's boot)."""
        cd = Countdown(planned=float((self.needling_planned_min or 0) * 60))
        base = self.needling_marks[0][1] if self.needling_marks else None
        for kind, anchor in self.needling_marks:
            t = anchor.to_mono(clock) if clock else base.seconds_until(anchor) if base else 0.0
            if kind in ("started", "resumed"):
                cd.segments.append((t, None))
            elif kind == "paused":
                cd.pause(t)
            elif kind == "finished":
                cd.finish(t)
        return cd

    def needling_started_at(self) -> Anchor | None:
        return self.needling_marks[0][1] if self.needling_marks else None

    def needling_finished_at(self) -> Anchor | None:
        for kind, anchor in self.needling_marks:
            if kind == "finished":
                return anchor
        return None

    def actual_dwell_seconds(self) -> float | None:
        start = self.needling_started_at()
        if self.applied is None or start is None:
            return None
        return self.applied.seconds_until(start)

    def actual_needling_seconds(self) -> float | None:
        if not self.needling_marks:
            return None
        cd = self.needling_countdown()
        end = self.needling_finished_at()
        base = self.needling_marks[0][1]
        last = self.needling_marks[-1][1]
        return cd.elapsed(base.seconds_until(end or last))

    def minoxidil_resume_at(self) -> datetime | None:
        if self.adjunct != "minoxidil" or self.minoxidil_form == "oral":  # tablets: not on the scalp
            return None
        end = self.needling_finished_at()
        if end is None:
            return None
        return end.wall + timedelta(hours=self.config.minoxidil_hours)

    def suggested_next_session(self) -> date | None:
        if self.started is None:
            return None
        return self.started.wall.date() + timedelta(days=self.config.interval_days)

    def completed_steps(self, protocol: Protocol) -> set[str]:
        """The steps whose work is done, for the step list's check marks: the same rules as
        :meth:`missing`, read per step."""
        open_steps = {step for step, _ in self._gaps(protocol)}
        gated = ("screening", "anesthetic", "device", "antiseptic", "needling", "endpoint",
                 "cleanup", "adjunct", "side_effects", "aftercare")
        done = {step for step in gated if step not in open_steps}
        if self.patient_id:
            done.add("patient")
        if self.status == "signed":
            done.add("signoff")
        return done

    def missing(self, protocol: Protocol) -> list[str]:
        """What still has to be done before the session can be signed, in plain words."""
        return [text for _, text in self._gaps(protocol)]

    def _gaps(self, protocol: Protocol) -> list[tuple[str, str]]:
        """(step id, what is missing there) for everything sign-off still needs."""
        out: list[tuple[str, str]] = []
        if self.unanswered(protocol):
            out.append(("screening", tr("Screening: {n} question(s) unanswered").format(
                n=len(self.unanswered(protocol)))))
        elif not self.screening_cleared(protocol):
            out.append(("screening", tr("Screening: a contraindication is answered Yes and not overridden")))
        if not self.consent_by:
            out.append(("screening", tr("Screening: informed consent not confirmed")))
        if not self.anesthetic_product:
            out.append(("anesthetic", tr("Anesthetic: product name")))
        if self.applied is None:
            out.append(("anesthetic", tr("Anesthetic: not applied")))
        if self.needle_mm is None:
            out.append(("device", tr("Device: needle length")))
        if not self.cartridge_lot or self.cartridge_expiry is None:
            out.append(("device", tr("Device: cartridge lot and expiry")))
        if not self.cartridge_new_sealed and not self.cartridge_unsealed_reason:
            out.append(("device", tr("Device: new, sealed cartridge not confirmed")))
        if not self.handpiece_serial:
            out.append(("device", tr("Device: handpiece serial")))
        if not self.antiseptic:
            out.append(("antiseptic", tr("Antiseptic: not recorded")))
        if self.needling_finished_at() is None:
            out.append(("needling", tr("Needling: not finished")))
        if not self.zones:
            out.append(("needling", tr("Needling: no scalp zone ticked")))
        if self.passes < 1 or not self.directions:
            out.append(("needling", tr("Needling: passes and directions")))
        if not self.endpoints:
            out.append(("endpoint", tr("Endpoint: not recorded")))
        if not self.blood_washed:
            out.append(("cleanup", tr("Clean-up: blood not washed away")))
        if self.antibiotic_used is None:
            out.append(("cleanup", tr("Clean-up: antibiotic cream (the product, or none used)")))
        if not self.adjunct:
            out.append(("adjunct", tr("Adjunct: choose none, minoxidil or PRP")))
        if not self.none_observed and not self.side_effects:
            out.append(("side_effects", tr("Side effects: record them or confirm none observed")))
        if not self.aftercare_given:
            out.append(("aftercare", tr("Aftercare: not confirmed as given")))
        if self.content >= 2 and self.home_roller is None:
            out.append(("aftercare", tr("Aftercare: whether the patient uses a derma roller at home")))
        if self.next_session is None:
            out.append(("aftercare", tr("Aftercare: next session date")))
        return out


# -- drafts ----------------------------------------------------------------------------
# The editors whose half-typed text is kept as a ``draft`` event, each with the events that
# save its value for real (and so replace the draft). A draft is not a clinical value: no
# step is completed by one and nothing prints it; it only gives the text back after a crash.
DRAFT_FIELDS: dict[str, tuple[str, ...]] = {
    "isotretinoin_last_dose": ("isotretinoin_last_dose",),
    "override_justification": ("screening_override",),
    "consent_by": ("consent_confirmed",),
    "anesthetic_product": ("anesthetic_product",),
    "dwell_planned": ("anesthetic_applied", "dwell_plan_changed"),
    "needle_mm": ("needle_length_set",),
    "cartridge_lot": ("cartridge_set", "cartridge_lot_set"),
    "cartridge_expiry": ("cartridge_set", "cartridge_expiry_set"),
    "handpiece_serial": ("handpiece_set",),
    "needling_planned": ("needling_planned",),
    "early_start_reason": ("needling_started",),
    "finish_reason": ("needling_finished",),
    "cartridge_reason": ("cartridge_set", "cartridge_new_sealed"),
    "endpoint_note": ("endpoint_set", "endpoint_note_set"),
    "antibiotic_product": ("antibiotic_applied",),
    "prp_ml": ("adjunct_set",),
    "prp_kit_lot": ("adjunct_set",),
    "minoxidil_product": ("adjunct_set",),
    "side_effect_note": ("side_effect_added",),
    "next_session": ("next_session_set",),
}
SUPERSEDED_DRAFTS: dict[str, tuple[str, ...]] = {}
for _field, _kinds in DRAFT_FIELDS.items():
    for _kind in _kinds:
        SUPERSEDED_DRAFTS[_kind] = (*SUPERSEDED_DRAFTS.get(_kind, ()), _field)
DRAFT_MAX_CHARS = 4000
