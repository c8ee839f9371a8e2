"""A session being run: :class:`Session` turns a practitioner's commands into events stamped
with the clock, the device and the practitioner, hands each to a sink (the store) and only
then folds it into its state with the same reducer a replay uses (``core.fold``). It also
says what the countdowns show and which alerts are due.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from microneedle_desk.core.clock import Clock
from microneedle_desk.core.deviations import (
    Deviation,
    deviations,
    dwell_deviation,
    figures,
    kinds,
    needling_deviation,
)
from microneedle_desk.core.event_types import (
    AdjunctData,
    CartridgeData,
    EventData,
    HomeRollerData,
    NeedlingStartedData,
    PractitionerChangedData,
    SessionEvent,
)
from microneedle_desk.core.fold import apply_event, replay
from microneedle_desk.core.fold_common import EventError, is_override
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.core.record_types import PatientSnapshot, PhotoRecord
from microneedle_desk.core.records import (
    SCHEMA_VERSION,
    Patient,
    iso,
    new_id,
)
from microneedle_desk.core.session_checks import check_home_roller_mm, check_prp_ml, number_or_text
from microneedle_desk.core.session_state import CONTENT_VERSION, RULES, Anchor, SessionConfig, SessionState
from microneedle_desk.core.session_timers import CountdownView, Timers
from microneedle_desk.core.validation import (
    parse_bounded,
    parse_date,
)
from microneedle_desk.i18n import tr

__all__ = ["CountdownView", "Session", "Sink"]  # CountdownView: where the views have always read it

# -- the live session ------------------------------------------------------------------
Sink = Callable[[SessionEvent, SessionState], None]


class Session(Timers):
    """A session being run: commands in, events out to the sink, state derived."""

    def __init__(self, protocol: Protocol, clock: Clock, device: str, state: SessionState,
                 sink: Sink | None = None) -> None:
        self.protocol, self.clock, self.device = protocol, clock, device
        self.state, self.sink = state, sink
        # Asked before an override event is saved (the acting practitioner's PIN, in the app);
        # raises to refuse it. The store refuses an override without that proof anyway.
        self.confirm_override: Callable[[SessionEvent], None] | None = None

    # -- construction ---------------------------------------------------------------
    @classmethod
    def start(cls, protocol: Protocol, clock: Clock, device: str, patient: Patient,
              practitioner_id: str, config: SessionConfig, sink: Sink | None = None,
              session_id: str | None = None) -> Session:
        session = cls(protocol, clock, device, SessionState(), sink)
        session.state.practitioner_id = practitioner_id
        snapshot: PatientSnapshot = {"name": patient.name, "dob": patient.dob.isoformat(),
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
               events: Sequence[Mapping[str, object]], sink: Sink | None = None) -> Session:
        return cls(protocol, clock, device, replay(events, protocol), sink)

    @property
    def id(self) -> str:
        return self.state.id

    # -- the one way in -------------------------------------------------------------
    def _emit(self, kind: str, data: EventData, session_id: str | None = None) -> SessionEvent:
        event: SessionEvent = {
            "id": new_id(), "session": session_id or self.state.id, "n": len(self.state.events),
            "type": kind, "at": iso(self.clock.now()), "mono": self.clock.monotonic(),
            "boot": self.clock.boot_id(), "by": self.state.practitioner_id,
            "device": self.device, "data": data,
        }
        # The event is checked by folding it into a copy: the session's own state changes only
        # once the PIN (for an override) is proved and the sink has kept it. A PIN prompt runs
        # the event loop, and a view that redraws meanwhile must see the state as recorded.
        if self.sink is None and self.confirm_override is None:
            apply_event(self.state, event, self.protocol)  # nothing after the reducer can refuse it
            return event
        after = copy.deepcopy(self.state)
        apply_event(after, event, self.protocol)
        if self.confirm_override is not None and is_override(event):
            self.confirm_override(event)
            if event["n"] != len(self.state.events):
                # An alert came due while the PIN was asked and was recorded first: the override
                # takes the next place in the log, from the moment it was proved, and is checked
                # again against the session as it now stands.
                event["n"], event["at"] = len(self.state.events), iso(self.clock.now())
                event["mono"] = self.clock.monotonic()
                after = copy.deepcopy(self.state)
                apply_event(after, event, self.protocol)
        if self.sink is not None:
            self.sink(event, after)
        apply_event(self.state, event, self.protocol)  # the same fold: views keep one state object
        return event

    # -- commands -------------------------------------------------------------------
    def change_practitioner(self, practitioner_id: str, reason: str = "") -> None:
        """Hand the session to another practitioner; ``reason`` "taken_over" when they took it over
        at a locked screen (accounts issue)."""
        previous = self.state.practitioner_id
        self.state.practitioner_id = practitioner_id  # stamped on the event itself too
        data: PractitionerChangedData = {"practitioner_id": practitioner_id}
        if reason:
            data["reason"] = reason
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
        self._emit("anesthetic_applied", {"planned_minutes": number_or_text(planned_minutes)})

    def change_dwell_plan(self, planned_minutes: object) -> None:
        self._emit("dwell_plan_changed", {"planned_minutes": number_or_text(planned_minutes)})

    def set_needle_length(self, mm: object) -> None:
        value = parse_bounded(mm, self.protocol.bounds["needle_length_mm"], "needle",
                              "Needle length", "mm")
        self._emit("needle_length_set", {"mm": float(value)})

    def set_cartridge(self, lot: str, expiry: object, justification: str = "") -> None:
        """The cartridge fitted; ``justification`` is needed to use one past its expiry."""
        data: CartridgeData = {"lot": lot, "expiry": str(expiry).strip()}
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
        self._emit("needling_planned", {"planned_minutes": number_or_text(minutes)})

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
        text = reason.strip() if kind else ""
        data: NeedlingStartedData = ({"late_reason": text} if kind == "dwell_above_max"
                                     else {"early_reason": text})
        self._emit("needling_started", data)

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
        data: AdjunctData = {"kind": kind}
        if kind == "prp":
            data["prp_ml"] = float(check_prp_ml(prp_ml, self.protocol))
            data["kit_lot"] = str(kit_lot).strip()
        elif kind == "minoxidil":
            data["product"], data["strength"], data["form"] = str(product).strip(), strength, form
        self._emit("adjunct_set", data)

    def set_home_roller(self, uses: bool, needle_mm: object = None) -> None:
        """Whether the patient uses a derma roller at home, and its needle length when they do."""
        data: HomeRollerData = {"uses": uses}
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

    def record_photo_consent(self, value: str) -> None:
        self._emit("photo_consent", {"value": value})

    def add_photo(self, photo: PhotoRecord) -> None:
        """A stored photo's record (core/photos.py checks it)."""
        self._emit("photo_added", {"photo": photo})

    def skip_photo(self, view: str, reason: str) -> None:
        self._emit("photo_skipped", {"view": view, "reason": reason})

    def save_draft(self, field: str, text: str) -> None:
        """Keep text being typed into ``field`` (one of DRAFT_FIELDS), not yet saved as its value."""
        self._emit("draft", {"field": field, "text": text})

    def sign(self, acknowledge: bool = False) -> None:
        """Sign; ``acknowledge`` says the signer reviewed the deviations listed (needed when any)."""
        self._emit("signed", {"acknowledged": kinds(self.deviations())} if acknowledge else {})

    def abandon(self, reason: str) -> None:
        self._emit("abandoned", {"reason": reason})
