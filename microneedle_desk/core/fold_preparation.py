"""The reducer's handlers for the steps before needling: the start, grading, screening and
consent, numbing, the needle and cartridge, the handpiece, antisepsis and the needling plan.
"""

from __future__ import annotations

from typing import cast

from microneedle_desk.core.event_types import SessionEvent
from microneedle_desk.core.fold_common import Data, EventError, Handler, flag_of, reason_of, require_cleared, text_of
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.core.record_types import PatientSnapshot
from microneedle_desk.core.records import (
    check_grade,
)
from microneedle_desk.core.session_checks import check_not_applicable
from microneedle_desk.core.session_state import CONTENT_VERSION, RULES, Anchor, SessionConfig, SessionState
from microneedle_desk.core.validation import (
    parse_bounded,
    parse_date,
    parse_decimal,
    parse_past_date,
    parse_whole,
    require_choice,
)
from microneedle_desk.i18n import tr


def _started(s: SessionState, d: Data, a: Anchor, e: SessionEvent, p: Protocol) -> None:
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
    patient_id = text_of(d, "patient_id", "Patient")
    practitioner_id = text_of(d, "practitioner_id", "Practitioner")
    rules = d.get("rules", 1)
    if isinstance(rules, bool) or not isinstance(rules, int) or not 1 <= rules <= RULES:
        raise EventError("rules", tr("The session's rules must be a version 1–{last} this app knows.")
                         .format(last=RULES))
    content = d.get("content", 1)
    if isinstance(content, bool) or not isinstance(content, (int, float)) \
            or content not in range(1, CONTENT_VERSION + 1):
        raise EventError("content", tr("The record form must be 1–{CONTENT_VERSION}; {content!r} is not.").format(
                                       CONTENT_VERSION=CONTENT_VERSION, content=content))
    not_applicable = check_not_applicable(d.get("not_applicable", []), str(patient.get("sex", "")), p)
    # every check is done: only now change the state (apply_event must change nothing on refusal)
    s.id, s.status, s.device = str(e["session"]), "in_progress", str(e["device"])
    s.patient_id, s.practitioner_id = patient_id, practitioner_id
    s.started, s.config = a, config
    # the details as recorded (only indication, scale and grade are checked: the rest is read with .get)
    s.patient_snapshot = cast(PatientSnapshot, dict(patient))
    s.indication, s.scale, s.grade = indication, str(patient.get("scale")), grade
    s.rules = rules
    s.content, s.not_applicable = int(content), not_applicable


def _practitioner(s: SessionState, d: Data, a: Anchor, e: SessionEvent, p: Protocol) -> None:
    s.practitioner_id = text_of(d, "practitioner_id", "Practitioner")


def _grade(s: SessionState, d: Data, a: Anchor, e: SessionEvent, p: Protocol) -> None:
    grade = check_grade(p, s.indication, str(d.get("scale")), d.get("grade"))
    s.scale, s.grade = str(d.get("scale")), grade


def _answer(s: SessionState, d: Data, a: Anchor, e: SessionEvent, p: Protocol) -> None:
    item = require_choice(d.get("item"), p.ids("contraindications"), "item", "Screening item")
    if item in s.not_applicable:
        raise EventError("item", tr("“{question}” is not asked of this patient (recorded as not applicable "
                                    "for their sex).").format(question=p.label("contraindications", item)))
    s.answers[item] = flag_of(d, "answer")


def _last_dose(s: SessionState, d: Data, a: Anchor, e: SessionEvent, p: Protocol) -> None:
    s.isotretinoin_last_dose = parse_past_date(d.get("date"), a.wall.date(), "date",
                                               "The last isotretinoin dose")


def _override(s: SessionState, d: Data, a: Anchor, e: SessionEvent, p: Protocol) -> None:
    items = s.blocking_items()
    if not items:
        raise EventError("justification", tr("Nothing is blocking: there is nothing to override."))
    reason = reason_of(s, d, "justification", "The clinical justification for the override")
    s.override_items, s.override_reason = tuple(items), reason


def _consent(s: SessionState, d: Data, a: Anchor, e: SessionEvent, p: Protocol) -> None:
    s.consent_by, s.consent_at = text_of(d, "given_by", "Who gave consent", 200), str(e["at"])


def _product(s: SessionState, d: Data, a: Anchor, e: SessionEvent, p: Protocol) -> None:
    s.anesthetic_product = text_of(d, "product", "The anesthetic product", 200)


def _dwell_minutes(raw: object, p: Protocol) -> int:
    return parse_whole(raw, p.bounds["dwell_minutes"], "dwell", "Planned numbing time", "min")


def _applied(s: SessionState, d: Data, a: Anchor, e: SessionEvent, p: Protocol) -> None:
    require_cleared(s, p, "Applying the anesthetic")
    if not s.anesthetic_product:
        raise EventError("product", tr("Enter the anesthetic product before applying it."))
    if s.applied is not None:
        raise EventError("applied", tr("The anesthetic was already applied."))
    s.dwell_planned_min = _dwell_minutes(d.get("planned_minutes"), p)
    s.applied = a


def _dwell_plan(s: SessionState, d: Data, a: Anchor, e: SessionEvent, p: Protocol) -> None:
    if s.needling_marks:
        raise EventError("dwell", tr("Needling has started: the numbing time is closed."))
    s.dwell_planned_min = _dwell_minutes(d.get("planned_minutes"), p)


def _needle(s: SessionState, d: Data, a: Anchor, e: SessionEvent, p: Protocol) -> None:
    if s.needling_marks:
        raise EventError("needle", tr("Needling has started: the needle length is fixed now."))
    s.needle_mm = parse_bounded(d.get("mm"), p.bounds["needle_length_mm"], "needle",
                                "Needle length", "mm")


def _cartridge(s: SessionState, d: Data, a: Anchor, e: SessionEvent, p: Protocol) -> None:
    lot = text_of(d, "lot", "The cartridge lot number", 64)
    expiry = parse_date(d.get("expiry"), "expiry", "The cartridge expiry date")
    expired_reason = ""
    if expiry < a.wall.date():
        if not str(d.get("justification") or "").strip():
            raise EventError("expiry", tr("This cartridge expired on {date}: fit an in-date cartridge, or write "
                                          "the clinical reason to use it anyway.").format(date=expiry.isoformat()))
        expired_reason = reason_of(s, d, "justification", tr("The reason to use an expired cartridge"))
    s.cartridge_lot, s.cartridge_expiry = lot, expiry
    s.cartridge_expired_reason = expired_reason


def _cartridge_lot(s: SessionState, d: Data, a: Anchor, e: SessionEvent, p: Protocol) -> None:
    s.cartridge_lot = text_of(d, "lot", tr("The cartridge lot number"), 64)


def _cartridge_expiry(s: SessionState, d: Data, a: Anchor, e: SessionEvent, p: Protocol) -> None:
    expiry = parse_date(d.get("expiry"), "expiry", tr("The cartridge expiry date"))
    if expiry < a.wall.date():
        raise EventError("expiry", tr("This cartridge expired on {date}: fit an in-date cartridge, or write "
                                      "the clinical reason to use it anyway.").format(date=expiry.isoformat()))
    s.cartridge_expiry = expiry


def _sealed(s: SessionState, d: Data, a: Anchor, e: SessionEvent, p: Protocol) -> None:
    value = flag_of(d)
    reason = ""
    if not value and str(d.get("justification") or "").strip():
        reason = reason_of(s, d, "justification", tr("The reason to use a cartridge not confirmed new and sealed"))
    s.cartridge_new_sealed, s.cartridge_unsealed_reason = value, reason


def _handpiece(s: SessionState, d: Data, a: Anchor, e: SessionEvent, p: Protocol) -> None:
    s.handpiece_serial = text_of(d, "serial", "The handpiece serial", 64)


def _antiseptic(s: SessionState, d: Data, a: Anchor, e: SessionEvent, p: Protocol) -> None:
    s.antiseptic = require_choice(d.get("kind"), p.ids("antiseptics"), "antiseptic", "Antiseptic")


def _needling_plan(s: SessionState, d: Data, a: Anchor, e: SessionEvent, p: Protocol) -> None:
    if s.needling_finished_at() is not None:
        raise EventError("needling", tr("Needling is finished: its plan is closed."))
    s.needling_planned_min = parse_whole(d.get("planned_minutes"), p.bounds["needling_minutes"],
                                         "needling", "Planned needling time", "min")


PREPARATION_HANDLERS: dict[str, Handler] = {
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
}
