"""Corrections to a signed session: amendments, and the rules their new values must meet.

A signed session is never edited. A correction is an amendment document kept beside it:
who, when, which field, the old and the new value, and why. The store checks every new
value here, with the same rules a live session obeys, so a value the rules forbid (a
needle length outside the protocol's bounds, say) cannot get in through an amendment.

Fields are amended one at a time; ``old`` is the value in force before the amendment
(the signed value, or the one an earlier amendment set).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from microneedle_desk.core.protocol import Protocol
from microneedle_desk.core.records import SCHEMA_VERSION, check_grade, is_uuid, iso, new_id, parse_iso
from microneedle_desk.core.session import SessionState, check_needle_mm
from microneedle_desk.core.validation import (
    ValidationError,
    parse_bounded,
    parse_date,
    require_choice,
    require_text,
)

AMENDABLE: dict[str, str] = {
    "needle_mm": "Needle length (mm)",
    "cartridge_lot": "Cartridge lot",
    "handpiece_serial": "Handpiece serial",
    "antiseptic": "Antiseptic",
    "endpoint": "Endpoint",
    "endpoint_note": "Endpoint note",
    "antibiotic_product": "Antibiotic cream",
    "adjunct": "Adjunct",
    "prp_ml": "PRP volume (mL)",
    "next_session": "Next session",
    "grade": "Grade",
}
"""Field -> label, in the order a form would show them."""

AMENDMENT_KEYS = ("schema", "kind", "id", "session_id", "field", "old", "new", "reason", "by", "at", "device")


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def current_values(state: SessionState) -> dict[str, Any]:
    """The amendable fields as signed, as JSON values (None when not recorded)."""
    return {field: _json_value(getattr(state, field)) for field in AMENDABLE}


def effective_values(state: SessionState, amendments: list[dict[str, Any]]) -> dict[str, Any]:
    """The amendable fields with every amendment applied, in the order given."""
    values = current_values(state)
    for doc in amendments:
        values[doc["field"]] = doc["new"]
    return values


def amended_state(state: SessionState, amendments: list[dict[str, Any]]) -> SessionState:
    """A copy of ``state`` with the amended values in place (for summaries and printouts)."""
    out = copy.deepcopy(state)
    for doc in amendments:
        field, new = doc["field"], doc["new"]
        if field in ("needle_mm", "prp_ml"):
            setattr(out, field, Decimal(str(new)) if new is not None else None)
        elif field == "next_session":
            out.next_session = date.fromisoformat(new)
        else:
            setattr(out, field, new)
    return out


def _session_day(state: SessionState) -> date:
    assert state.started is not None
    return state.started.wall.date()


def check_value(field: str, raw: object, state: SessionState, values: dict[str, Any],
                protocol: Protocol) -> Any:
    """``raw`` checked as a new value for ``field`` given the values in force; the JSON value.

    Raises ValidationError, in the words a live session would use, when the rules forbid it.
    """
    if field not in AMENDABLE:
        raise ValidationError("field", f"“{field}” cannot be amended. Amendable fields: "
                                       + ", ".join(AMENDABLE) + ".")
    checker = _CHECKS[field]
    return checker(raw, state, values, protocol)


def _needle(raw: object, s: SessionState, v: dict[str, Any], p: Protocol) -> Any:
    return float(check_needle_mm(raw, p))


def _text_field(field: str, what: str, max_len: int) -> Callable[[object, SessionState, dict[str, Any], Protocol], Any]:
    def check(raw: object, s: SessionState, v: dict[str, Any], p: Protocol) -> Any:
        return require_text(raw, field, what, max_len)
    return check


def _antiseptic(raw: object, s: SessionState, v: dict[str, Any], p: Protocol) -> Any:
    return require_choice(raw, p.ids("antiseptics"), "antiseptic", "Antiseptic")


def _endpoint(raw: object, s: SessionState, v: dict[str, Any], p: Protocol) -> Any:
    kind = require_choice(raw, p.ids("endpoints"), "endpoint", "Endpoint")
    if kind == "neither" and not str(v.get("endpoint_note") or "").strip():
        raise ValidationError("endpoint", "When neither bleeding nor redness appeared, amend the endpoint "
                                          "note first to say what was seen.")
    return kind


def _endpoint_note(raw: object, s: SessionState, v: dict[str, Any], p: Protocol) -> Any:
    note = str(raw if raw is not None else "").strip()
    if len(note) > 2000:
        raise ValidationError("endpoint_note", "The endpoint note is limited to 2000 characters.")
    if v.get("endpoint") == "neither" and not note:
        raise ValidationError("endpoint_note", "The endpoint is “neither”: the note saying what was seen "
                                               "cannot be emptied.")
    return note


def _adjunct(raw: object, s: SessionState, v: dict[str, Any], p: Protocol) -> Any:
    kind = require_choice(raw, p.ids("adjuncts"), "adjunct", "Adjunct")
    if kind == "prp" and v.get("prp_ml") is None:
        raise ValidationError("adjunct", "Amend the PRP volume first, then the adjunct.")
    return kind


def _prp(raw: object, s: SessionState, v: dict[str, Any], p: Protocol) -> Any:
    return float(parse_bounded(raw, p.bounds["prp_ml"], "prp_ml", "PRP volume", "mL"))


def _next_session(raw: object, s: SessionState, v: dict[str, Any], p: Protocol) -> Any:
    day = parse_date(raw, "next_session", "The next session date")
    if day <= _session_day(s):
        raise ValidationError("next_session", "The next session must be after the session's day "
                                              f"({_session_day(s).isoformat()}).")
    return day.isoformat()


def _grade(raw: object, s: SessionState, v: dict[str, Any], p: Protocol) -> Any:
    return check_grade(p, s.indication, s.scale, raw)


_CHECKS: dict[str, Callable[[object, SessionState, dict[str, Any], Protocol], Any]] = {
    "needle_mm": _needle,
    "cartridge_lot": _text_field("cartridge_lot", "The cartridge lot number", 64),
    "handpiece_serial": _text_field("handpiece_serial", "The handpiece serial", 64),
    "antiseptic": _antiseptic,
    "endpoint": _endpoint,
    "endpoint_note": _endpoint_note,
    "antibiotic_product": _text_field("antibiotic_product", "The antibiotic cream product", 200),
    "adjunct": _adjunct,
    "prp_ml": _prp,
    "next_session": _next_session,
    "grade": _grade,
}


def make_amendment(state: SessionState, earlier: list[dict[str, Any]], field: str, new_value: object,
                   reason: object, by: object, now: datetime, device: str, protocol: Protocol) -> dict[str, Any]:
    """A checked amendment document (not yet sealed in the hash chain)."""
    if state.status != "signed":
        raise ValidationError("session", "Only a signed session is amended; this one is "
                                         f"{state.status.replace('_', ' ')}.")
    values = effective_values(state, earlier)
    new = check_value(field, new_value, state, values, protocol)
    if new == values.get(field):
        raise ValidationError("new", f"{AMENDABLE[field]} is already “{new}”: there is nothing to amend.")
    return {
        "schema": SCHEMA_VERSION, "kind": "amendment", "id": new_id(), "session_id": state.id,
        "field": field, "old": values.get(field), "new": new,
        "reason": require_text(reason, "reason", "The reason for the amendment"),
        "by": require_text(by, "by", "Who makes the amendment", 200),
        "at": iso(now), "device": require_text(device, "device", "The device", 200),
    }


def validate_amendment_doc(doc: dict[str, Any], state: SessionState, earlier: list[dict[str, Any]],
                           protocol: Protocol) -> None:
    """Check a stored amendment against the session it corrects and the amendments before it."""
    for key in AMENDMENT_KEYS:
        if key not in doc:
            raise ValidationError(key, f"The amendment lacks “{key}”.")
    if doc["kind"] != "amendment":
        raise ValidationError("kind", "The record is not an amendment.")
    if not is_uuid(doc["id"]):
        raise ValidationError("id", "An amendment id must be a UUID.")
    if doc["session_id"] != state.id:
        raise ValidationError("session_id", "The amendment names another session.")
    if state.status != "signed":
        raise ValidationError("session", "Only a signed session can carry amendments.")
    parse_iso(doc["at"], "at")
    values = effective_values(state, earlier)
    new = check_value(str(doc["field"]), doc["new"], state, values, protocol)
    if new != doc["new"]:
        raise ValidationError("new", f"The new value “{doc['new']}” is not in the form the app writes.")
    if doc["old"] != values.get(doc["field"]):
        raise ValidationError("old", f"The old value “{doc['old']}” is not the value that was in force "
                                     f"(“{values.get(doc['field'])}”).")
    require_text(doc["reason"], "reason", "The reason for the amendment")
    require_text(doc["by"], "by", "Who made the amendment", 200)
