"""The session state machine, event-sourced.

A session is the ordered list of its events. ``apply_event`` checks one event against the
protocol and the state so far and folds it in; the same function serves live commands and
the replay of a stored session, so a record that bypassed the UI is checked by the same
rules. :class:`Session` wraps the state with commands that build events from the clock
and the current practitioner, hand them to a sink (the store) and only then keep them.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from microneedle_desk.core.clock import Clock
from microneedle_desk.core.countdown import Countdown
from microneedle_desk.core.deviations import (
    Deviation,
    deviations,
    dwell_deviation,
    figures,
    kinds,
    needling_deviation,
)
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.core.record_base import FrozenRecord, Record
from microneedle_desk.core.records import (
    SCHEMA_VERSION,
    Patient,
    check_grade,
    is_uuid,
    iso,
    new_id,
    parse_iso,
)
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
    require_justification,
    require_text,
)
from microneedle_desk.i18n import tr

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
    "dwell_min_reached": "Minimum numbing time reached: needling may start.",
    "dwell_planned_end": "Planned numbing time is over: wipe off the cream and start.",
    "dwell_over_max": "Numbing cream has been on longer than the maximum. Recorded.",
    "needling_min_reached": "Minimum needling time reached.",
    "needling_planned_end": "Planned needling time is over: finish needling.",
}


@dataclass(frozen=True, eq=False, repr=False)
class Anchor(FrozenRecord):
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


@dataclass(frozen=True, eq=False, repr=False)
class SessionConfig(FrozenRecord):
    """Settings in force when the session started, recorded with it."""

    washout_months: int = 6
    minoxidil_hours: int = 24
    interval_days: int = 14

    def to_dict(self) -> dict[str, int]:
        return {"washout_months": self.washout_months, "minoxidil_hours": self.minoxidil_hours,
                "interval_days": self.interval_days}


@dataclass(eq=False, repr=False)
class SideEffect(Record):
    """A side effect seen in the session, with its severity."""

    entry_id: str
    kind: str
    severity: str
    note: str
    at: str


@dataclass(eq=False, repr=False)
class SessionState(Record):
    """Everything known about a session, folded from its events."""

    id: str = ""
    status: str = "new"
    patient_id: str = ""
    practitioner_id: str = ""
    device: str = ""
    started: Anchor | None = None
    config: SessionConfig = field(default_factory=SessionConfig)
    patient_snapshot: dict[str, Any] = field(default_factory=dict)
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
    interruptions: list[dict[str, Any]] = field(default_factory=list)
    signed_by: str = ""
    signed_at: str = ""
    deviations_acknowledged: tuple[str, ...] = ()
    abandon_reason: str = ""
    events: list[dict[str, Any]] = field(default_factory=list)

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
            out.append(("screening", f"Screening: {len(self.unanswered(protocol))} question(s) unanswered"))
        elif not self.screening_cleared(protocol):
            out.append(("screening", "Screening: a contraindication is answered Yes and not overridden"))
        if not self.consent_by:
            out.append(("screening", "Screening: informed consent not confirmed"))
        if not self.anesthetic_product:
            out.append(("anesthetic", "Anesthetic: product name"))
        if self.applied is None:
            out.append(("anesthetic", "Anesthetic: not applied"))
        if self.needle_mm is None:
            out.append(("device", "Device: needle length"))
        if not self.cartridge_lot or self.cartridge_expiry is None:
            out.append(("device", "Device: cartridge lot and expiry"))
        if not self.cartridge_new_sealed and not self.cartridge_unsealed_reason:
            out.append(("device", "Device: new, sealed cartridge not confirmed"))
        if not self.handpiece_serial:
            out.append(("device", "Device: handpiece serial"))
        if not self.antiseptic:
            out.append(("antiseptic", "Antiseptic: not recorded"))
        if self.needling_finished_at() is None:
            out.append(("needling", "Needling: not finished"))
        if not self.zones:
            out.append(("needling", "Needling: no scalp zone ticked"))
        if self.passes < 1 or not self.directions:
            out.append(("needling", "Needling: passes and directions"))
        if not self.endpoints:
            out.append(("endpoint", "Endpoint: not recorded"))
        if not self.blood_washed:
            out.append(("cleanup", "Clean-up: blood not washed away"))
        if self.antibiotic_used is None:
            out.append(("cleanup", tr("Clean-up: antibiotic cream (the product, or none used)")))
        if not self.adjunct:
            out.append(("adjunct", "Adjunct: choose none, minoxidil or PRP"))
        if not self.none_observed and not self.side_effects:
            out.append(("side_effects", "Side effects: record them or confirm none observed"))
        if not self.aftercare_given:
            out.append(("aftercare", "Aftercare: not confirmed as given"))
        if self.content >= 2 and self.home_roller is None:
            out.append(("aftercare", tr("Aftercare: whether the patient uses a derma roller at home")))
        if self.next_session is None:
            out.append(("aftercare", "Aftercare: next session date"))
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
_SUPERSEDES: dict[str, tuple[str, ...]] = {}
for _field, _kinds in DRAFT_FIELDS.items():
    for _kind in _kinds:
        _SUPERSEDES[_kind] = (*_SUPERSEDES.get(_kind, ()), _field)
DRAFT_MAX_CHARS = 4000


# -- the reducer ---------------------------------------------------------------------
class EventError(ValidationError):
    pass


def _anchor(event: dict[str, Any]) -> Anchor:
    return Anchor(float(event["mono"]), str(event["boot"]), parse_iso(event["at"], "at"))


def _text(data: dict[str, Any], key: str, what: str, max_len: int = 2000) -> str:
    return require_text(data.get(key), key, what, max_len)


def _reason(s: SessionState, data: dict[str, Any], key: str, what: str) -> str:
    """A justification: clinical text under the current rules, any text under the first."""
    if s.rules >= 2:
        return require_justification(data.get(key), key, what)
    return _text(data, key, what)


def is_override(event: dict[str, Any]) -> bool:
    """Whether ``event`` records a departure from the protocol with its justification: such an
    event is saved only with the acting practitioner's fresh PIN proof."""
    kind, data = event.get("type"), event.get("data")
    if not isinstance(data, dict):
        return False
    keys = {"screening_override": ("justification",), "cartridge_set": ("justification",),
            "cartridge_new_sealed": ("justification",), "needling_started": ("early_reason", "late_reason"),
            "needling_finished": ("reason",)}.get(str(kind), ())
    if kind == "screening_override":
        return True
    return any(str(data.get(key) or "").strip() for key in keys)


def _flag(data: dict[str, Any], key: str = "value") -> bool:
    value = data.get(key)
    if not isinstance(value, bool):
        raise EventError(key, tr("“{key}” must be true or false.").format(key=key))
    return value


def apply_event(state: SessionState, event: dict[str, Any], protocol: Protocol) -> None:
    """Check ``event`` and fold it into ``state``. Raises before changing anything."""
    for key in ("id", "session", "n", "type", "at", "mono", "boot", "by", "device", "data"):
        if key not in event:
            raise EventError(key, tr("An event lacks “{key}”.").format(key=key))
    kind, data = event["type"], event["data"]
    if not isinstance(kind, str):
        raise EventError("type", tr("An event's type must be text."))
    if not isinstance(data, dict):
        raise EventError("data", tr("An event's data must be an object."))
    if isinstance(event["n"], bool) or event["n"] != len(state.events):
        raise EventError("n", tr("Event number {value} is out of order (expected {len}).").format(
                                 value=event['n'], len=len(state.events)))
    mono = event["mono"]
    if isinstance(mono, bool) or not isinstance(mono, (int, float)) or not math.isfinite(mono):
        raise EventError("mono", tr("An event's monotonic reading must be a finite number."))
    if not is_uuid(event["id"]):
        raise EventError("id", tr("An event id must be a UUID."))
    for key, who in (("by", "the practitioner"), ("device", "the device"), ("boot", "the clock's boot id")):
        if not isinstance(event[key], str) or not event[key].strip():
            raise EventError(key, tr("An event must name {who} in “{key}”.").format(who=who, key=key))
    anchor = _anchor(event)
    if state.status in ("signed", "abandoned"):
        raise EventError("status", tr("This session is {status}: it cannot change any more.").format(
                                      status=state.status))
    if kind != "session_started" and state.status == "new":
        raise EventError("type", tr("A session must begin with its start event."))
    if kind != "session_started" and event["session"] != state.id:
        raise EventError("session", tr("The event belongs to another session."))
    handler = _HANDLERS.get(kind)
    if handler is None:
        raise EventError("type", tr("Unknown event type “{kind}”.").format(kind=kind))
    handler(state, data, anchor, event, protocol)
    for superseded in _SUPERSEDES.get(kind, ()):
        state.drafts.pop(superseded, None)
    state.events.append(event)


def _started(s: SessionState, d: dict[str, Any], a: Anchor, e: dict[str, Any], p: Protocol) -> None:
    if s.status != "new":
        raise EventError("type", tr("The session has already started."))
    cfg = d.get("config", {})
    if not isinstance(cfg, dict):
        raise EventError("config", tr("The start event's settings must be an object."))
    bounds = p.bounds
    config = SessionConfig(
        washout_months=parse_whole(cfg.get("washout_months"), bounds["isotretinoin_washout_months"],
                                   "washout_months", "Isotretinoin washout", "months"),
        minoxidil_hours=parse_whole(cfg.get("minoxidil_hours"), bounds["minoxidil_resume_hours"],
                                    "minoxidil_hours", "Minoxidil resume delay", "h"),
        interval_days=int(parse_decimal(cfg.get("interval_days"), "interval_days", "Interval", "days")),
    )
    if not 1 <= config.interval_days <= 365:
        raise EventError("interval_days", tr("The session interval must be 1–365 days."))
    patient = d.get("patient")
    if not isinstance(patient, dict):
        raise EventError("patient", tr("The start event must carry the patient's details."))
    indication = require_choice(patient.get("indication"), p.ids("indications"), "indication",
                                "Indication")
    grade = check_grade(p, indication, str(patient.get("scale")), patient.get("grade"))
    patient_id = _text(d, "patient_id", "Patient")
    practitioner_id = _text(d, "practitioner_id", "Practitioner")
    rules = d.get("rules", 1)
    if isinstance(rules, bool) or not isinstance(rules, int) or not 1 <= rules <= RULES:
        raise EventError("rules", tr("The session's rules must be a version 1–{last} this app knows.")
                         .format(last=RULES))
    content = d.get("content", 1)
    if isinstance(content, bool) or content not in range(1, CONTENT_VERSION + 1):
        raise EventError("content", tr("The record form must be 1–{CONTENT_VERSION}; {content!r} is not.").format(
                                       CONTENT_VERSION=CONTENT_VERSION, content=content))
    not_applicable = check_not_applicable(d.get("not_applicable", []), str(patient.get("sex", "")), p)
    # every check is done: only now change the state (apply_event must change nothing on refusal)
    s.id, s.status, s.device = str(e["session"]), "in_progress", str(e["device"])
    s.patient_id, s.practitioner_id = patient_id, practitioner_id
    s.started, s.config, s.patient_snapshot = a, config, dict(patient)
    s.indication, s.scale, s.grade = indication, str(patient.get("scale")), grade
    s.rules = rules
    s.content, s.not_applicable = int(content), not_applicable


def _practitioner(s: SessionState, d: dict[str, Any], a: Anchor, e: dict[str, Any], p: Protocol) -> None:
    s.practitioner_id = _text(d, "practitioner_id", "Practitioner")


def _grade(s: SessionState, d: dict[str, Any], a: Anchor, e: dict[str, Any], p: Protocol) -> None:
    grade = check_grade(p, s.indication, str(d.get("scale")), d.get("grade"))
    s.scale, s.grade = str(d.get("scale")), grade


def _answer(s: SessionState, d: dict[str, Any], a: Anchor, e: dict[str, Any], p: Protocol) -> None:
    item = require_choice(d.get("item"), p.ids("contraindications"), "item", "Screening item")
    if item in s.not_applicable:
        raise EventError("item", tr("“{question}” is not asked of this patient (recorded as not applicable "
                                    "for their sex).").format(question=p.label("contraindications", item)))
    s.answers[item] = _flag(d, "answer")


def _last_dose(s: SessionState, d: dict[str, Any], a: Anchor, e: dict[str, Any], p: Protocol) -> None:
    s.isotretinoin_last_dose = parse_past_date(d.get("date"), a.wall.date(), "date",
                                               "The last isotretinoin dose")


def _override(s: SessionState, d: dict[str, Any], a: Anchor, e: dict[str, Any], p: Protocol) -> None:
    items = s.blocking_items()
    if not items:
        raise EventError("justification", tr("Nothing is blocking: there is nothing to override."))
    reason = _reason(s, d, "justification", "The clinical justification for the override")
    s.override_items, s.override_reason = tuple(items), reason


def _consent(s: SessionState, d: dict[str, Any], a: Anchor, e: dict[str, Any], p: Protocol) -> None:
    s.consent_by, s.consent_at = _text(d, "given_by", "Who gave consent", 200), str(e["at"])


def _require_cleared(s: SessionState, p: Protocol, what: str) -> None:
    if not s.screening_cleared(p):
        raise EventError("screening", tr("{what} is not possible until every screening question is answered "
                                         "and nothing is left blocking.").format(what=what))
    if not s.consent_by:
        raise EventError("consent", tr("{what} is not possible before consent is confirmed.").format(what=what))


def _product(s: SessionState, d: dict[str, Any], a: Anchor, e: dict[str, Any], p: Protocol) -> None:
    s.anesthetic_product = _text(d, "product", "The anesthetic product", 200)


def _dwell_minutes(raw: object, p: Protocol) -> int:
    return parse_whole(raw, p.bounds["dwell_minutes"], "dwell", "Planned numbing time", "min")


def _applied(s: SessionState, d: dict[str, Any], a: Anchor, e: dict[str, Any], p: Protocol) -> None:
    _require_cleared(s, p, "Applying the anesthetic")
    if not s.anesthetic_product:
        raise EventError("product", tr("Enter the anesthetic product before applying it."))
    if s.applied is not None:
        raise EventError("applied", tr("The anesthetic was already applied."))
    s.dwell_planned_min = _dwell_minutes(d.get("planned_minutes"), p)
    s.applied = a


def _dwell_plan(s: SessionState, d: dict[str, Any], a: Anchor, e: dict[str, Any], p: Protocol) -> None:
    if s.needling_marks:
        raise EventError("dwell", tr("Needling has started: the numbing time is closed."))
    s.dwell_planned_min = _dwell_minutes(d.get("planned_minutes"), p)


def _needle(s: SessionState, d: dict[str, Any], a: Anchor, e: dict[str, Any], p: Protocol) -> None:
    if s.needling_marks:
        raise EventError("needle", tr("Needling has started: the needle length is fixed now."))
    s.needle_mm = parse_bounded(d.get("mm"), p.bounds["needle_length_mm"], "needle",
                                "Needle length", "mm")


def _cartridge(s: SessionState, d: dict[str, Any], a: Anchor, e: dict[str, Any], p: Protocol) -> None:
    lot = _text(d, "lot", "The cartridge lot number", 64)
    expiry = parse_date(d.get("expiry"), "expiry", "The cartridge expiry date")
    expired_reason = ""
    if expiry < a.wall.date():
        if not str(d.get("justification") or "").strip():
            raise EventError("expiry", tr("This cartridge expired on {date}: fit an in-date cartridge, or write "
                                          "the clinical reason to use it anyway.").format(date=expiry.isoformat()))
        expired_reason = _reason(s, d, "justification", tr("The reason to use an expired cartridge"))
    s.cartridge_lot, s.cartridge_expiry = lot, expiry
    s.cartridge_expired_reason = expired_reason


def _cartridge_lot(s: SessionState, d: dict[str, Any], a: Anchor, e: dict[str, Any], p: Protocol) -> None:
    s.cartridge_lot = _text(d, "lot", tr("The cartridge lot number"), 64)


def _cartridge_expiry(s: SessionState, d: dict[str, Any], a: Anchor, e: dict[str, Any], p: Protocol) -> None:
    expiry = parse_date(d.get("expiry"), "expiry", tr("The cartridge expiry date"))
    if expiry < a.wall.date():
        raise EventError("expiry", tr("This cartridge expired on {date}: fit an in-date cartridge, or write "
                                      "the clinical reason to use it anyway.").format(date=expiry.isoformat()))
    s.cartridge_expiry = expiry


def _sealed(s: SessionState, d: dict[str, Any], a: Anchor, e: dict[str, Any], p: Protocol) -> None:
    value = _flag(d)
    reason = ""
    if not value and str(d.get("justification") or "").strip():
        reason = _reason(s, d, "justification", tr("The reason to use a cartridge not confirmed new and sealed"))
    s.cartridge_new_sealed, s.cartridge_unsealed_reason = value, reason


def _handpiece(s: SessionState, d: dict[str, Any], a: Anchor, e: dict[str, Any], p: Protocol) -> None:
    s.handpiece_serial = _text(d, "serial", "The handpiece serial", 64)


def _antiseptic(s: SessionState, d: dict[str, Any], a: Anchor, e: dict[str, Any], p: Protocol) -> None:
    s.antiseptic = require_choice(d.get("kind"), p.ids("antiseptics"), "antiseptic", "Antiseptic")


def _needling_plan(s: SessionState, d: dict[str, Any], a: Anchor, e: dict[str, Any], p: Protocol) -> None:
    if s.needling_finished_at() is not None:
        raise EventError("needling", tr("Needling is finished: its plan is closed."))
    s.needling_planned_min = parse_whole(d.get("planned_minutes"), p.bounds["needling_minutes"],
                                         "needling", "Planned needling time", "min")


def _needling_start(s: SessionState, d: dict[str, Any], a: Anchor, e: dict[str, Any], p: Protocol) -> None:
    if s.needling_marks:
        raise EventError("needling", tr("Needling has already started."))
    _require_cleared(s, p, "Needling")
    missing = []
    if s.applied is None:
        missing.append("apply the anesthetic")
    if s.needle_mm is None:
        missing.append("set the needle length")
    if not s.cartridge_lot or s.cartridge_expiry is None:
        missing.append("enter the cartridge lot and expiry")
    if not s.cartridge_new_sealed and not s.cartridge_unsealed_reason:
        missing.append("confirm the cartridge is new and sealed")
    if not s.handpiece_serial:
        missing.append("enter the handpiece serial")
    if not s.antiseptic:
        missing.append("record the antiseptic")
    if s.needling_planned_min is None:
        missing.append("choose the planned needling time")
    if missing:
        raise EventError("needling", "Before needling: " + "; ".join(missing) + ".")
    assert s.applied is not None
    dwell = s.applied.seconds_until(a)
    deviation = dwell_deviation(dwell, p)
    early = late = ""
    if deviation == "dwell_below_min":
        minimum = p.bounds["dwell_minutes"].min
        if not str(d.get("early_reason") or "").strip():
            raise EventError("early_reason", tr("The numbing cream has been on for less than {minimum} min: "
                                                "wait, or write the reason to start early.").format(
                                                minimum=minimum))
        early = _reason(s, d, "early_reason", tr("The reason to start needling early"))
    elif deviation == "dwell_above_max" and s.rules >= 2:
        if not str(d.get("late_reason") or "").strip():
            raise EventError("late_reason", tr("{figures}: write the clinical reason to start needling after the "
                                               "maximum numbing time.").format(figures=figures(deviation, dwell, p)))
        late = _reason(s, d, "late_reason", tr("The reason to start after the maximum numbing time"))
    s.early_start_reason, s.late_start_reason = early, late
    s.needling_marks.append(("started", a))


def _needling_mark(kind: str) -> Callable[..., None]:
    def handler(s: SessionState, d: dict[str, Any], a: Anchor, e: dict[str, Any], p: Protocol) -> None:
        cd = s.needling_countdown()
        allowed = {"paused": cd.running, "resumed": cd.paused,
                   "finished": cd.running or cd.paused}[kind]
        if not allowed:
            state = "running" if cd.running else "paused" if cd.paused else (
                "finished" if cd.finished else "not started")
            raise EventError("needling", tr("Needling cannot be {kind}: it is {state}.").format(
                                            kind=kind, state=state))
        if s.needling_marks and s.needling_marks[-1][1].seconds_until(a) < 0:
            raise EventError("needling", tr("A needling mark cannot be earlier than the one before."))
        reason = ""
        if kind == "finished" and s.rules >= 2:
            elapsed = cd.elapsed(s.needling_marks[0][1].seconds_until(a))
            deviation = needling_deviation(elapsed, p)
            if deviation:
                if not str(d.get("reason") or "").strip():
                    raise EventError("reason", tr("{figures}: write the clinical reason to finish needling now.")
                                     .format(figures=figures(deviation, elapsed, p)))
                reason = _reason(s, d, "reason", tr("The reason to finish needling now"))
        s.needling_marks.append((kind, a))
        if kind == "finished":
            s.finish_reason = reason
    return handler


def _zone(s: SessionState, d: dict[str, Any], a: Anchor, e: dict[str, Any], p: Protocol) -> None:
    zone = require_choice(d.get("zone"), p.ids("zones"), "zone", "Scalp zone")
    if not s.needling_marks:
        raise EventError("zone", tr("Tick zones once needling has started."))
    if _flag(d, "treated"):
        s.zones.add(zone)
    else:
        s.zones.discard(zone)


def _passes(s: SessionState, d: dict[str, Any], a: Anchor, e: dict[str, Any], p: Protocol) -> None:
    count = d.get("count")
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 20:
        raise EventError("passes", tr("Passes must be a whole number 1–20."))
    directions = d.get("directions")
    if not isinstance(directions, list) or not directions:
        raise EventError("directions", tr("Tick at least one direction of the passes."))
    for direction in directions:
        require_choice(direction, p.ids("pass_directions"), "directions", "Pass direction")
    s.passes, s.directions = count, tuple(dict.fromkeys(directions))


def _after_needling(s: SessionState, what: str) -> None:
    if not s.needling_marks:
        raise EventError("needling", tr("{what} comes after needling has started.").format(what=what))


def _endpoint(s: SessionState, d: dict[str, Any], a: Anchor, e: dict[str, Any], p: Protocol) -> None:
    _after_needling(s, "The endpoint")
    # the first record form held one endpoint under "kind": read it as a one-item list
    raw = d.get("kinds") if "kinds" in d else [d.get("kind")]
    kinds = check_endpoints(raw, p)
    note = check_endpoint_note(d.get("note"), kinds)
    s.endpoints, s.endpoint_note = kinds, note


def _endpoint_note(s: SessionState, d: dict[str, Any], a: Anchor, e: dict[str, Any], p: Protocol) -> None:
    _after_needling(s, tr("The endpoint note"))
    note = str(d.get("note") or "").strip()
    if len(note) > 2000:
        raise EventError("note", tr("The endpoint note is too long: at most 2000 characters."))
    if "neither" in s.endpoints and not note:
        raise EventError("note", tr("When neither bleeding nor redness appeared, add a note saying what was seen."))
    s.endpoint_note = note


def _washed(s: SessionState, d: dict[str, Any], a: Anchor, e: dict[str, Any], p: Protocol) -> None:
    _after_needling(s, "Clean-up")
    s.blood_washed = _flag(d)


def _antibiotic(s: SessionState, d: dict[str, Any], a: Anchor, e: dict[str, Any], p: Protocol) -> None:
    _after_needling(s, "Clean-up")
    used = d.get("used", True)  # the first record form always named a product
    if not isinstance(used, bool):
        raise EventError("used", tr("Whether an antibiotic cream was used must be true or false."))
    product = check_antibiotic(d.get("product"), used)
    s.antibiotic_used, s.antibiotic_product = used, product


def _adjunct(s: SessionState, d: dict[str, Any], a: Anchor, e: dict[str, Any], p: Protocol) -> None:
    _after_needling(s, "The adjunct")
    kind = require_choice(d.get("kind"), p.ids("adjuncts"), "adjunct", "Adjunct")
    volume, product, strength, form, kit_lot = None, "", "", "", ""
    if kind == "prp":
        volume = check_prp_ml(d.get("prp_ml"), p)
        if s.content >= 2 or d.get("kit_lot"):
            kit_lot = check_kit_lot(d.get("kit_lot"))
    if kind == "minoxidil" and (s.content >= 2 or any(d.get(k) for k in ("product", "strength", "form"))):
        product, strength, form = check_minoxidil(d.get("product"), d.get("strength"), d.get("form"), p)
    s.adjunct, s.prp_ml, s.prp_kit_lot = kind, volume, kit_lot
    s.minoxidil_product, s.minoxidil_strength, s.minoxidil_form = product, strength, form


def _home_roller(s: SessionState, d: dict[str, Any], a: Anchor, e: dict[str, Any], p: Protocol) -> None:
    uses = _flag(d, "uses")
    mm = check_home_roller_mm(d.get("mm"), p) if uses else None
    s.home_roller, s.home_roller_mm = uses, mm


def _side_effect(s: SessionState, d: dict[str, Any], a: Anchor, e: dict[str, Any], p: Protocol) -> None:
    kind = require_choice(d.get("kind"), p.ids("side_effects"), "side_effect", "Side effect")
    severity = require_choice(d.get("severity"), p.ids("severities"), "severity", "Severity")
    entry = _text(d, "entry_id", "Side-effect entry id", 64)
    note = str(d.get("note") or "").strip()
    s.side_effects[entry] = SideEffect(entry, kind, severity, note, str(e["at"]))
    s.none_observed = False


def _side_effect_removed(s: SessionState, d: dict[str, Any], a: Anchor, e: dict[str, Any], p: Protocol) -> None:
    entry = d.get("entry_id")
    if entry not in s.side_effects:
        raise EventError("entry_id", tr("There is no such side-effect entry."))
    del s.side_effects[entry]


def _none_observed(s: SessionState, d: dict[str, Any], a: Anchor, e: dict[str, Any], p: Protocol) -> None:
    value = _flag(d)
    if value and s.side_effects:
        raise EventError("none_observed", tr("Remove the recorded side effects before confirming none observed."))
    s.none_observed = value


def _aftercare(s: SessionState, d: dict[str, Any], a: Anchor, e: dict[str, Any], p: Protocol) -> None:
    s.aftercare_given = _flag(d)


def _next_session(s: SessionState, d: dict[str, Any], a: Anchor, e: dict[str, Any], p: Protocol) -> None:
    day = parse_date(d.get("date"), "next_session", "The next session date")
    if day <= a.wall.date():
        raise EventError("next_session", tr("The next session must be after today."))
    s.next_session = day


def _alert(s: SessionState, d: dict[str, Any], a: Anchor, e: dict[str, Any], p: Protocol) -> None:
    kind = require_choice(d.get("kind"), tuple(ALERT_TEXT), "alert", "Alert")
    s.alerts.setdefault(kind, str(e["at"]))


def _interruption(s: SessionState, d: dict[str, Any], a: Anchor, e: dict[str, Any], p: Protocol) -> None:
    parse_iso(d.get("down_since"), "down_since")
    gap = d.get("gap_seconds")
    if isinstance(gap, bool) or not isinstance(gap, (int, float)) or not 0 <= gap < math.inf:
        raise EventError("gap_seconds", tr("The gap must be a number of seconds."))
    s.interruptions.append({"down_since": d["down_since"], "resumed_at": e["at"], "gap_seconds": gap})


def _draft(s: SessionState, d: dict[str, Any], a: Anchor, e: dict[str, Any], p: Protocol) -> None:
    name = require_choice(d.get("field"), tuple(DRAFT_FIELDS), "field", tr("The field of a draft"))
    text = d.get("text")
    if not isinstance(text, str):
        raise EventError("text", tr("A draft's text must be text."))
    if len(text) > DRAFT_MAX_CHARS:
        raise EventError("text", tr("The text is too long: at most {n} characters.").format(n=DRAFT_MAX_CHARS))
    s.drafts[name] = text


def _signed(s: SessionState, d: dict[str, Any], a: Anchor, e: dict[str, Any], p: Protocol) -> None:
    missing = s.missing(p)
    if missing:
        raise EventError("signoff", "The session cannot be signed yet. Still missing: " + "; ".join(missing) + ".")
    acknowledged: tuple[str, ...] = ()
    if s.rules >= 2:
        found = kinds(deviations(s, p))
        given = d.get("acknowledged", [])
        if found and given != found:
            raise EventError("acknowledged", tr("This session has {n} deviation(s) from the protocol: review "
                                                "them on the sign-off page and tick that you have reviewed "
                                                "them before signing.").format(n=len(found)))
        acknowledged = tuple(found)
    s.status, s.signed_by, s.signed_at = "signed", str(e["by"]), str(e["at"])
    s.deviations_acknowledged = acknowledged


def _abandoned(s: SessionState, d: dict[str, Any], a: Anchor, e: dict[str, Any], p: Protocol) -> None:
    s.status, s.abandon_reason = "abandoned", _text(d, "reason", "The reason for abandoning")


_HANDLERS: dict[str, Callable[[SessionState, dict[str, Any], Anchor, dict[str, Any], Protocol], None]] = {
    "session_started": _started,
    "practitioner_changed": _practitioner,
    "grade_recorded": _grade,
    "screening_answered": _answer,
    "isotretinoin_last_dose": _last_dose,
    "screening_override": _override,
    "consent_confirmed": _consent,
    "anesthetic_product": _product,
    "anesthetic_applied": _applied,
    "dwell_plan_changed": _dwell_plan,
    "needle_length_set": _needle,
    "cartridge_set": _cartridge,
    "cartridge_lot_set": _cartridge_lot,
    "cartridge_expiry_set": _cartridge_expiry,
    "cartridge_new_sealed": _sealed,
    "handpiece_set": _handpiece,
    "antiseptic_set": _antiseptic,
    "needling_planned": _needling_plan,
    "needling_started": _needling_start,
    "needling_paused": _needling_mark("paused"),
    "needling_resumed": _needling_mark("resumed"),
    "needling_finished": _needling_mark("finished"),
    "zone_set": _zone,
    "passes_set": _passes,
    "endpoint_set": _endpoint,
    "endpoint_note_set": _endpoint_note,
    "blood_washed": _washed,
    "antibiotic_applied": _antibiotic,
    "adjunct_set": _adjunct,
    "side_effect_added": _side_effect,
    "side_effect_removed": _side_effect_removed,
    "none_observed": _none_observed,
    "aftercare_given": _aftercare,
    "home_roller_set": _home_roller,
    "next_session_set": _next_session,
    "alert": _alert,
    "interruption": _interruption,
    "draft": _draft,
    "signed": _signed,
    "abandoned": _abandoned,
}
EVENT_TYPES = tuple(_HANDLERS)


def replay(events: list[dict[str, Any]], protocol: Protocol) -> SessionState:
    state = SessionState()
    for event in events:
        apply_event(state, event, protocol)
    return state


# -- the live session ------------------------------------------------------------------
Sink = Callable[[dict[str, Any], SessionState], None]


@dataclass(frozen=True, eq=False, repr=False)
class CountdownView(FrozenRecord):
    """What a countdown shows now (for the views)."""

    key: str           # "dwell" or "needling"
    label: str
    state: str         # waiting | running | paused | ready | due | overdue | done
    elapsed: float
    remaining: float
    planned: float
    message: str


class Session:
    """A session being run: commands in, events out to the sink, state derived."""

    def __init__(self, protocol: Protocol, clock: Clock, device: str, state: SessionState,
                 sink: Sink | None = None) -> None:
        self.protocol, self.clock, self.device = protocol, clock, device
        self.state, self.sink = state, sink
        # Asked before an override event is saved (the acting practitioner's PIN, in the app);
        # raises to refuse it. The store refuses an override without that proof anyway.
        self.confirm_override: Callable[[dict[str, Any]], None] | None = None

    # -- construction ---------------------------------------------------------------
    @classmethod
    def start(cls, protocol: Protocol, clock: Clock, device: str, patient: Patient,
              practitioner_id: str, config: SessionConfig, sink: Sink | None = None,
              session_id: str | None = None) -> Session:
        session = cls(protocol, clock, device, SessionState(), sink)
        session.state.practitioner_id = practitioner_id
        snapshot = {"name": patient.name, "dob": patient.dob.isoformat(),
                    "clinic_id": patient.clinic_id, "sex": patient.sex,
                    "indication": patient.indication, "scale": patient.scale,
                    "grade": patient.grade}
        session._emit("session_started", {
            "patient_id": patient.id, "practitioner_id": practitioner_id,
            "config": config.to_dict(), "patient": snapshot,
            "schema": SCHEMA_VERSION, "rules": RULES, "content": CONTENT_VERSION,
            "not_applicable": [c.id for c in protocol.contraindications if not c.asked_of(patient.sex)],
        }, session_id=session_id or new_id())
        return session

    @classmethod
    def resume(cls, protocol: Protocol, clock: Clock, device: str,
               events: list[dict[str, Any]], sink: Sink | None = None) -> Session:
        return cls(protocol, clock, device, replay(events, protocol), sink)

    @property
    def id(self) -> str:
        return self.state.id

    # -- the one way in -------------------------------------------------------------
    def _emit(self, kind: str, data: dict[str, Any], session_id: str | None = None) -> dict[str, Any]:
        event = {
            "id": new_id(), "session": session_id or self.state.id, "n": len(self.state.events),
            "type": kind, "at": iso(self.clock.now()), "mono": self.clock.monotonic(),
            "boot": self.clock.boot_id(), "by": self.state.practitioner_id,
            "device": self.device, "data": data,
        }
        before = copy.deepcopy(self.state)
        apply_event(self.state, event, self.protocol)
        if self.sink is not None or self.confirm_override is not None:
            try:
                if self.confirm_override is not None and is_override(event):
                    self.confirm_override(event)
                if self.sink is not None:
                    self.sink(event, self.state)
            except BaseException:
                self.state = before
                raise
        return event

    # -- commands -------------------------------------------------------------------
    def change_practitioner(self, practitioner_id: str, reason: str = "") -> None:
        """Hand the session to another practitioner; ``reason`` "taken_over" when they took it over
        at a locked screen (accounts issue)."""
        previous = self.state.practitioner_id
        self.state.practitioner_id = practitioner_id  # stamped on the event itself too
        data = {"practitioner_id": practitioner_id, **({"reason": reason} if reason else {})}
        try:
            self._emit("practitioner_changed", data)
        except BaseException:
            self.state.practitioner_id = previous  # a refused change must not stamp later events
            raise

    def record_grade(self, scale: str, grade: object) -> None:
        self._emit("grade_recorded", {"scale": scale, "grade": str(grade).strip()})

    def answer(self, item: str, yes: bool) -> None:
        self._emit("screening_answered", {"item": item, "answer": yes})

    def set_isotretinoin_last_dose(self, day: object) -> None:
        self._emit("isotretinoin_last_dose", {"date": str(day).strip()})

    def override_screening(self, justification: str) -> None:
        self._emit("screening_override", {"justification": justification})

    def confirm_consent(self, given_by: str) -> None:
        self._emit("consent_confirmed", {"given_by": given_by})

    def set_anesthetic_product(self, product: str) -> None:
        self._emit("anesthetic_product", {"product": product})

    def apply_anesthetic(self, planned_minutes: object) -> None:
        self._emit("anesthetic_applied", {"planned_minutes": _num(planned_minutes)})

    def change_dwell_plan(self, planned_minutes: object) -> None:
        self._emit("dwell_plan_changed", {"planned_minutes": _num(planned_minutes)})

    def set_needle_length(self, mm: object) -> None:
        value = parse_bounded(mm, self.protocol.bounds["needle_length_mm"], "needle",
                              "Needle length", "mm")
        self._emit("needle_length_set", {"mm": float(value)})

    def set_cartridge(self, lot: str, expiry: object, justification: str = "") -> None:
        """The cartridge fitted; ``justification`` is needed to use one past its expiry."""
        data = {"lot": lot, "expiry": str(expiry).strip()}
        if justification.strip():
            data["justification"] = justification.strip()
        self._emit("cartridge_set", data)

    def set_cartridge_lot(self, lot: str) -> None:
        """The lot on its own: kept as typed, before (or without) the expiry."""
        self._emit("cartridge_lot_set", {"lot": lot})

    def set_cartridge_expiry(self, expiry: object) -> None:
        """The expiry on its own; an expired date is refused here as with the lot."""
        self._emit("cartridge_expiry_set", {"expiry": str(expiry).strip()})

    def confirm_cartridge_new(self, value: bool = True) -> None:
        self._emit("cartridge_new_sealed", {"value": value})

    def override_cartridge(self, lot: str, expiry: object, justification: str) -> str:
        """Use the cartridge anyway, for the reason given: an expired one (as entered), else one
        not confirmed new and sealed. One override per call; returns which was recorded."""
        s = self.state
        day = parse_date(str(expiry).strip(), "expiry", "The cartridge expiry date")
        if day < self.clock.now().date() and (lot.strip(), day) != (s.cartridge_lot, s.cartridge_expiry):
            self.set_cartridge(lot, expiry, justification)
            return "cartridge_expired"
        if not s.cartridge_new_sealed and not s.cartridge_unsealed_reason:
            self.use_unconfirmed_cartridge(justification)
            return "cartridge_unconfirmed"
        raise EventError("cartridge", tr("There is nothing to override: the cartridge is in date (or its use "
                                         "is already justified) and confirmed new and sealed."))

    def use_unconfirmed_cartridge(self, justification: str) -> None:
        """Use the cartridge without confirming it new and sealed, for the reason given."""
        self._emit("cartridge_new_sealed", {"value": False, "justification": justification})

    def set_handpiece_serial(self, serial: str) -> None:
        self._emit("handpiece_set", {"serial": serial})

    def set_antiseptic(self, kind: str) -> None:
        self._emit("antiseptic_set", {"kind": kind})

    def plan_needling(self, minutes: object) -> None:
        self._emit("needling_planned", {"planned_minutes": _num(minutes)})

    def _now(self) -> Anchor:
        return Anchor(self.clock.monotonic(), self.clock.boot_id(), self.clock.now())

    def start_deviation(self) -> str:
        """The figures of the deviation that starting needling now would be ("" for none)."""
        s = self.state
        if s.applied is None or s.needling_marks:
            return ""
        dwell = s.applied.seconds_until(self._now())
        kind = dwell_deviation(dwell, self.protocol)
        return figures(kind, dwell, self.protocol) if kind else ""

    def finish_deviation(self) -> str:
        """The figures of the deviation that finishing needling now would be ("" for none)."""
        s = self.state
        if not s.needling_marks or s.needling_finished_at() is not None:
            return ""
        elapsed = s.needling_countdown(self.clock).elapsed(self.clock.monotonic())
        kind = needling_deviation(elapsed, self.protocol)
        return figures(kind, elapsed, self.protocol) if kind else ""

    def start_needling(self, reason: str = "") -> None:
        """Start needling; ``reason`` justifies a start outside the protocol's numbing time (and is
        left out when the start is inside it: only a deviation carries a justification)."""
        s = self.state
        kind = ""
        if s.applied is not None and not s.needling_marks:
            kind = dwell_deviation(s.applied.seconds_until(self._now()), self.protocol)
        key = "late_reason" if kind == "dwell_above_max" else "early_reason"
        self._emit("needling_started", {key: reason.strip() if kind else ""})

    def pause_needling(self) -> None:
        self._emit("needling_paused", {})

    def resume_needling(self) -> None:
        self._emit("needling_resumed", {})

    def finish_needling(self, reason: str = "") -> None:
        """Finish needling; ``reason`` justifies a needling time outside the protocol's minutes
        (left out when the time is inside them)."""
        wanted = reason.strip() if self.state.rules >= 2 and self.finish_deviation() else ""
        self._emit("needling_finished", {"reason": wanted} if wanted else {})

    def toggle_needling(self) -> str:
        """Space on the keyboard: start, pause or resume, whatever applies. Returns what it did."""
        cd = self.state.needling_countdown(self.clock)
        if not self.state.needling_marks:
            self.start_needling()
            return "started"
        if cd.running:
            self.pause_needling()
            return "paused"
        if cd.paused:
            self.resume_needling()
            return "resumed"
        raise EventError("needling", tr("Needling is finished."))

    def set_zone(self, zone: str, treated: bool = True) -> None:
        self._emit("zone_set", {"zone": zone, "treated": treated})

    def set_passes(self, count: int, directions: list[str]) -> None:
        self._emit("passes_set", {"count": count, "directions": list(directions)})

    def set_endpoint(self, kinds: str | list[str] | tuple[str, ...], note: str = "") -> None:
        """What the skin showed: one endpoint or several (pinpoint bleeding and redness)."""
        self._emit("endpoint_set", {"kinds": [kinds] if isinstance(kinds, str) else list(kinds),
                                    "note": note})

    def set_endpoint_note(self, note: str) -> None:
        """The note on its own, kept even before the endpoint is chosen."""
        self._emit("endpoint_note_set", {"note": note})

    def confirm_blood_washed(self, value: bool = True) -> None:
        self._emit("blood_washed", {"value": value})

    def apply_antibiotic(self, product: str) -> None:
        self._emit("antibiotic_applied", {"used": True, "product": product})

    def no_antibiotic(self) -> None:
        """No antibiotic cream was put on (the product is asked only when one was used)."""
        self._emit("antibiotic_applied", {"used": False, "product": ""})

    def set_adjunct(self, kind: str, prp_ml: object = None, *, product: str = "", strength: str = "",
                    form: str = "", kit_lot: str = "") -> None:
        """None, minoxidil (product, strength, form) or PRP (volume in mL, kit lot)."""
        data: dict[str, Any] = {"kind": kind}
        if kind == "prp":
            data["prp_ml"] = float(check_prp_ml(prp_ml, self.protocol))
            data["kit_lot"] = str(kit_lot).strip()
        elif kind == "minoxidil":
            data.update(product=str(product).strip(), strength=strength, form=form)
        self._emit("adjunct_set", data)

    def set_home_roller(self, uses: bool, needle_mm: object = None) -> None:
        """Whether the patient uses a derma roller at home, and its needle length when they do."""
        data: dict[str, Any] = {"uses": uses}
        if uses:
            data["mm"] = float(check_home_roller_mm(needle_mm, self.protocol))
        self._emit("home_roller_set", data)

    def add_side_effect(self, kind: str, severity: str, note: str = "") -> str:
        entry = new_id()
        self._emit("side_effect_added", {"entry_id": entry, "kind": kind, "severity": severity,
                                         "note": note})
        return entry

    def remove_side_effect(self, entry_id: str) -> None:
        self._emit("side_effect_removed", {"entry_id": entry_id})

    def declare_none_observed(self, value: bool = True) -> None:
        self._emit("none_observed", {"value": value})

    def confirm_aftercare(self, value: bool = True) -> None:
        self._emit("aftercare_given", {"value": value})

    def set_next_session(self, day: object) -> None:
        self._emit("next_session_set", {"date": str(day).strip()})

    def record_interruption(self, down_since: datetime, gap_seconds: float) -> None:
        self._emit("interruption", {"down_since": iso(down_since), "gap_seconds": round(gap_seconds, 3)})

    def deviations(self) -> list[Deviation]:
        """The session's departures from the protocol (see :mod:`microneedle_desk.core.deviations`)."""
        return deviations(self.state, self.protocol)

    def save_draft(self, field: str, text: str) -> None:
        """Keep text being typed into ``field`` (one of DRAFT_FIELDS), not yet saved as its value."""
        self._emit("draft", {"field": field, "text": text})

    def sign(self, acknowledge: bool = False) -> None:
        """Sign; ``acknowledge`` says the signer reviewed the deviations listed (needed when any)."""
        self._emit("signed", {"acknowledged": kinds(self.deviations())} if acknowledge else {})

    def abandon(self, reason: str) -> None:
        self._emit("abandoned", {"reason": reason})

    # -- countdowns and alerts ------------------------------------------------------
    def countdowns(self) -> list[CountdownView]:
        s, now = self.state, self.clock.monotonic()
        views: list[CountdownView] = []
        dmin = float(self.protocol.bounds["dwell_minutes"].min) * 60
        dmax = float(self.protocol.bounds["dwell_minutes"].max) * 60
        if s.applied is not None:
            planned = float((s.dwell_planned_min or 0) * 60)
            start = s.needling_started_at()
            end = start.to_mono(self.clock) if start else now
            elapsed = max(0.0, end - s.applied.to_mono(self.clock))
            if start:
                state, msg = "done", "Numbing time closed when needling started."
            elif elapsed >= dmax:
                state, msg = "overdue", ALERT_TEXT["dwell_over_max"]
            elif elapsed >= planned:
                state, msg = "due", ALERT_TEXT["dwell_planned_end"]
            elif elapsed >= dmin:
                state, msg = "ready", ALERT_TEXT["dwell_min_reached"]
            else:
                state, msg = "running", f"Numbing: needling allowed after {int(dmin // 60)} min."
            views.append(CountdownView("dwell", "Numbing (dwell)", state, elapsed,
                                       planned - elapsed, planned, msg))
        if s.needling_marks:
            cd = s.needling_countdown(self.clock)
            elapsed = cd.elapsed(now)
            nmin = float(self.protocol.bounds["needling_minutes"].min) * 60
            if cd.finished:
                state, msg = "done", "Needling finished."
            elif cd.paused:
                state, msg = "paused", "Needling paused: press Space to resume."
            elif elapsed >= cd.planned:
                state, msg = "due", ALERT_TEXT["needling_planned_end"]
            elif elapsed >= nmin:
                state, msg = "ready", ALERT_TEXT["needling_min_reached"]
            else:
                state, msg = "running", "Needling: glide in several directions."
            views.append(CountdownView("needling", "Needling", state, elapsed,
                                       cd.planned - elapsed, cd.planned, msg))
        return views

    def _thresholds(self) -> list[tuple[str, float, float]]:
        """(alert, target elapsed seconds, elapsed now) for countdowns that are running."""
        s, now = self.state, self.clock.monotonic()
        out: list[tuple[str, float, float]] = []
        if s.status != "in_progress":  # a signed or abandoned session takes no alert events
            return out
        if s.applied is not None and not s.needling_marks:
            elapsed = now - s.applied.to_mono(self.clock)
            out += [("dwell_min_reached", float(self.protocol.bounds["dwell_minutes"].min) * 60, elapsed),
                    ("dwell_planned_end", float((s.dwell_planned_min or 0) * 60), elapsed),
                    ("dwell_over_max", float(self.protocol.bounds["dwell_minutes"].max) * 60, elapsed)]
        cd = s.needling_countdown(self.clock)
        if cd.running:
            elapsed = cd.elapsed(now)
            out += [("needling_min_reached", float(self.protocol.bounds["needling_minutes"].min) * 60, elapsed),
                    ("needling_planned_end", cd.planned, elapsed)]
        return [t for t in out if t[0] not in s.alerts]

    def poll(self) -> list[str]:
        """Record every alert whose moment has come; returns the new ones."""
        fired = [name for name, target, elapsed in self._thresholds() if elapsed >= target]
        for name in fired:
            self._emit("alert", {"kind": name})
        return fired

    def seconds_to_next_alert(self) -> float | None:
        waits = [target - elapsed for _, target, elapsed in self._thresholds()]
        return max(0.0, min(waits)) if waits else None


def _num(raw: object) -> object:
    """Pass numbers through, keep text as text: the reducer's parsers give the message."""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return raw
    return str(raw).strip()


# -- rules shared by the reducer and amendments ---------------------------------------------
def check_not_applicable(raw: object, sex: str, p: Protocol) -> tuple[str, ...]:
    """Screening items the start event records as not asked: only items the protocol limits
    to other sexes than the patient's."""
    if not isinstance(raw, list):
        raise EventError("not_applicable", tr("The items not asked must be a list."))
    out: list[str] = []
    for item in raw:
        require_choice(item, p.ids("contraindications"), "not_applicable", "Screening item")
        if p.contraindication(item).asked_of(sex):
            raise EventError("not_applicable", tr("“{question}” is asked of every patient of this sex: it "
                                                  "cannot be left out.").format(
                                                      question=p.label("contraindications", item)))
        out.append(str(item))
    return tuple(dict.fromkeys(out))


def check_endpoints(raw: object, p: Protocol) -> tuple[str, ...]:
    """One or more endpoints; "neither" stands alone."""
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, (list, tuple)) or not raw:
        raise EventError("endpoint", tr("Tick at least one endpoint: {allowed}.").format(
            allowed=", ".join(c.label for c in p.endpoints)))
    kinds = tuple(dict.fromkeys(require_choice(k, p.ids("endpoints"), "endpoint", "Endpoint") for k in raw))
    if "neither" in kinds and len(kinds) > 1:
        raise EventError("endpoint", tr("“Neither” cannot be ticked together with bleeding or redness: "
                                        "untick one of them."))
    return tuple(k for k in p.ids("endpoints") if k in kinds)  # protocol order, whatever the clicks


def check_endpoint_note(raw: object, kinds: tuple[str, ...]) -> str:
    note = str(raw if raw is not None else "").strip()
    if len(note) > 2000:
        raise EventError("note", tr("The endpoint note is limited to 2000 characters."))
    if "neither" in kinds and not note:
        raise EventError("note", tr("When neither bleeding nor redness appeared, add a note saying what was "
                                    "seen."))
    return note


def check_antibiotic(raw: object, used: bool) -> str:
    if not used:
        if str(raw or "").strip():
            raise EventError("product", tr("No antibiotic cream was used: leave the product empty, "
                                           "or untick “None used” to name it."))
        return ""
    return require_text(raw, "product", tr("The antibiotic cream product (or tick “None used”)"), 200)


def check_prp_ml(raw: object, p: Protocol) -> Decimal:
    return parse_bounded(raw, p.bounds["prp_ml"], "prp_ml", "PRP volume", "mL")


def check_kit_lot(raw: object) -> str:
    return require_text(raw, "kit_lot", tr("The PRP kit lot number"), 64)


def check_minoxidil_product(raw: object) -> str:
    return require_text(raw, "product", tr("The minoxidil product name"), 200)


def check_minoxidil_form(raw: object, p: Protocol) -> str:
    if raw not in p.ids("minoxidil_forms"):
        raise EventError("form", tr("Choose the minoxidil form: {allowed}.").format(
            allowed=", ".join(c.label for c in p.minoxidil_forms)))
    return str(raw)


def check_minoxidil_strength(raw: object, form: str, p: Protocol) -> str:
    fitting = [s for s in p.minoxidil_strengths if not form or form in s.forms]
    form_label = p.label("minoxidil_forms", form).lower() if form else ""
    if raw not in [s.id for s in fitting]:
        allowed = ", ".join(s.label for s in fitting)
        message = (tr("Choose the minoxidil strength for the {form} form: {allowed}.") if form
                   else tr("Choose the minoxidil strength: {allowed}."))
        raise EventError("strength", message.format(form=form_label, allowed=allowed))
    return str(raw)


def check_minoxidil(product: object, strength: object, form: object,
                    p: Protocol) -> tuple[str, str, str]:
    """Product, strength and form of the minoxidil given; the strength must fit the form."""
    name = check_minoxidil_product(product)
    form_id = check_minoxidil_form(form, p)
    return name, check_minoxidil_strength(strength, form_id, p), form_id


def check_home_roller_mm(raw: object, p: Protocol) -> Decimal:
    return parse_bounded(raw, p.bounds["home_roller_mm"], "home_roller_mm",
                         tr("The home roller's needle length"), "mm")


def check_needle_mm(value: object, protocol: Protocol) -> Decimal:
    """The store's check for a needle length written anywhere (amendments included)."""
    return check_in_bound(parse_decimal(value, "needle", "Needle length", "mm"),
                          protocol.bounds["needle_length_mm"], "needle", "Needle length", "mm")
