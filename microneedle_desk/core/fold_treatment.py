"""The reducer's handlers from needling on: the needling marks, zones and passes, the
endpoint, wash and antibiotic, adjuncts, side effects, aftercare, alerts, drafts, the
sign-off and abandoning.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from microneedle_desk.core.deviations import (
    deviations,
    dwell_deviation,
    figures,
    kinds,
    needling_deviation,
)
from microneedle_desk.core.event_types import SessionEvent
from microneedle_desk.core.fold_common import Data, EventError, Handler, flag_of, reason_of, require_cleared, text_of
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.core.records import (
    parse_iso,
)
from microneedle_desk.core.session_checks import (
    check_antibiotic,
    check_endpoint_note,
    check_endpoints,
    check_home_roller_mm,
    check_kit_lot,
    check_minoxidil,
    check_prp_ml,
)
from microneedle_desk.core.session_state import (
    ALERT_TEXT,
    DRAFT_FIELDS,
    DRAFT_MAX_CHARS,
    Anchor,
    SessionState,
    SideEffect,
)
from microneedle_desk.core.validation import (
    parse_date,
    require_choice,
)
from microneedle_desk.i18n import tr


def _needling_start(s: SessionState, d: Data, a: Anchor, e: SessionEvent, p: Protocol) -> None:
    if s.needling_marks:
        raise EventError("needling", tr("Needling has already started."))
    require_cleared(s, p, "Needling")
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
        early = reason_of(s, d, "early_reason", tr("The reason to start needling early"))
    elif deviation == "dwell_above_max" and s.rules >= 2:
        if not str(d.get("late_reason") or "").strip():
            raise EventError("late_reason", tr("{figures}: write the clinical reason to start needling after the "
                                               "maximum numbing time.").format(figures=figures(deviation, dwell, p)))
        late = reason_of(s, d, "late_reason", tr("The reason to start after the maximum numbing time"))
    s.early_start_reason, s.late_start_reason = early, late
    s.needling_marks.append(("started", a))


def _needling_mark(kind: str) -> Callable[..., None]:
    def handler(s: SessionState, d: Data, a: Anchor, e: SessionEvent, p: Protocol) -> None:
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
                reason = reason_of(s, d, "reason", tr("The reason to finish needling now"))
        s.needling_marks.append((kind, a))
        if kind == "finished":
            s.finish_reason = reason
    return handler


def _zone(s: SessionState, d: Data, a: Anchor, e: SessionEvent, p: Protocol) -> None:
    zone = require_choice(d.get("zone"), p.ids("zones"), "zone", "Scalp zone")
    if not s.needling_marks:
        raise EventError("zone", tr("Tick zones once needling has started."))
    if flag_of(d, "treated"):
        s.zones.add(zone)
    else:
        s.zones.discard(zone)


def _passes(s: SessionState, d: Data, a: Anchor, e: SessionEvent, p: Protocol) -> None:
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


def _endpoint(s: SessionState, d: Data, a: Anchor, e: SessionEvent, p: Protocol) -> None:
    _after_needling(s, "The endpoint")
    # the first record form held one endpoint under "kind": read it as a one-item list
    raw = d.get("kinds") if "kinds" in d else [d.get("kind")]
    kinds = check_endpoints(raw, p)
    note = check_endpoint_note(d.get("note"), kinds)
    s.endpoints, s.endpoint_note = kinds, note


def _endpoint_note(s: SessionState, d: Data, a: Anchor, e: SessionEvent, p: Protocol) -> None:
    _after_needling(s, tr("The endpoint note"))
    note = str(d.get("note") or "").strip()
    if len(note) > 2000:
        raise EventError("note", tr("The endpoint note is too long: at most 2000 characters."))
    if "neither" in s.endpoints and not note:
        raise EventError("note", tr("When neither bleeding nor redness appeared, add a note saying what was seen."))
    s.endpoint_note = note


def _washed(s: SessionState, d: Data, a: Anchor, e: SessionEvent, p: Protocol) -> None:
    _after_needling(s, "Clean-up")
    s.blood_washed = flag_of(d)


def _antibiotic(s: SessionState, d: Data, a: Anchor, e: SessionEvent, p: Protocol) -> None:
    _after_needling(s, "Clean-up")
    used = d.get("used", True)  # the first record form always named a product
    if not isinstance(used, bool):
        raise EventError("used", tr("Whether an antibiotic cream was used must be true or false."))
    product = check_antibiotic(d.get("product"), used)
    s.antibiotic_used, s.antibiotic_product = used, product


def _adjunct(s: SessionState, d: Data, a: Anchor, e: SessionEvent, p: Protocol) -> None:
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


def _home_roller(s: SessionState, d: Data, a: Anchor, e: SessionEvent, p: Protocol) -> None:
    uses = flag_of(d, "uses")
    mm = check_home_roller_mm(d.get("mm"), p) if uses else None
    s.home_roller, s.home_roller_mm = uses, mm


def _side_effect(s: SessionState, d: Data, a: Anchor, e: SessionEvent, p: Protocol) -> None:
    kind = require_choice(d.get("kind"), p.ids("side_effects"), "side_effect", "Side effect")
    severity = require_choice(d.get("severity"), p.ids("severities"), "severity", "Severity")
    entry = text_of(d, "entry_id", "Side-effect entry id", 64)
    note = str(d.get("note") or "").strip()
    s.side_effects[entry] = SideEffect(entry, kind, severity, note, str(e["at"]))
    s.none_observed = False


def _side_effect_removed(s: SessionState, d: Data, a: Anchor, e: SessionEvent, p: Protocol) -> None:
    entry = d.get("entry_id")
    if entry not in s.side_effects:
        raise EventError("entry_id", tr("There is no such side-effect entry."))
    del s.side_effects[entry]


def _none_observed(s: SessionState, d: Data, a: Anchor, e: SessionEvent, p: Protocol) -> None:
    value = flag_of(d)
    if value and s.side_effects:
        raise EventError("none_observed", tr("Remove the recorded side effects before confirming none observed."))
    s.none_observed = value


def _aftercare(s: SessionState, d: Data, a: Anchor, e: SessionEvent, p: Protocol) -> None:
    s.aftercare_given = flag_of(d)


def _next_session(s: SessionState, d: Data, a: Anchor, e: SessionEvent, p: Protocol) -> None:
    day = parse_date(d.get("date"), "next_session", "The next session date")
    if day <= a.wall.date():
        raise EventError("next_session", tr("The next session must be after today."))
    s.next_session = day


def _alert(s: SessionState, d: Data, a: Anchor, e: SessionEvent, p: Protocol) -> None:
    kind = require_choice(d.get("kind"), tuple(ALERT_TEXT), "alert", "Alert")
    s.alerts.setdefault(kind, str(e["at"]))


def _interruption(s: SessionState, d: Data, a: Anchor, e: SessionEvent, p: Protocol) -> None:
    parse_iso(d.get("down_since"), "down_since")
    gap = d.get("gap_seconds")
    if isinstance(gap, bool) or not isinstance(gap, (int, float)) or not 0 <= gap < math.inf:
        raise EventError("gap_seconds", tr("The gap must be a number of seconds."))
    s.interruptions.append({"down_since": str(d["down_since"]), "resumed_at": e["at"], "gap_seconds": gap})


def _draft(s: SessionState, d: Data, a: Anchor, e: SessionEvent, p: Protocol) -> None:
    name = require_choice(d.get("field"), tuple(DRAFT_FIELDS), "field", tr("The field of a draft"))
    text = d.get("text")
    if not isinstance(text, str):
        raise EventError("text", tr("A draft's text must be text."))
    if len(text) > DRAFT_MAX_CHARS:
        raise EventError("text", tr("The text is too long: at most {n} characters.").format(n=DRAFT_MAX_CHARS))
    s.drafts[name] = text


def _signed(s: SessionState, d: Data, a: Anchor, e: SessionEvent, p: Protocol) -> None:
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


def _abandoned(s: SessionState, d: Data, a: Anchor, e: SessionEvent, p: Protocol) -> None:
    s.status, s.abandon_reason = "abandoned", text_of(d, "reason", "The reason for abandoning")


TREATMENT_HANDLERS: dict[str, Handler] = {
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
