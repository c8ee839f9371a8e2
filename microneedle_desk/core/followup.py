"""Follow-up of side effects after a session (for example the 24-72 h phone check).

A follow-up is a record kept beside the finished session it concerns: the day it was
checked, what was found (a side effect from the protocol's list, with its severity and a
note) or an explicit "none". The signed session itself is never changed. The rules live
here, Qt-free, so the store and any import check a follow-up the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from microneedle_desk.core.protocol import Protocol
from microneedle_desk.core.record_types import FollowupDoc
from microneedle_desk.core.records import SCHEMA_VERSION, is_uuid, iso, new_id, parse_iso
from microneedle_desk.core.session_state import SessionState
from microneedle_desk.core.validation import ValidationError, parse_date, require_choice, require_text
from microneedle_desk.i18n import tr

FOLLOWUP_KEYS = ("schema", "kind", "id", "session_id", "on", "none", "what", "severity", "note",
                 "by", "at", "device")


def make_followup(state: SessionState, *, on: object, none: bool, what: object = "",
                  severity: object = "", note: object = "", by: object, now: datetime,
                  device: str, protocol: Protocol) -> FollowupDoc:
    """A checked follow-up document for the finished session ``state``.

    ``on`` is the day the patient was checked: not before the session's day and not after
    today. With ``none=True`` nothing was found and ``what``/``severity`` must be empty;
    otherwise ``what`` is a side effect id and ``severity`` a severity id of the protocol.
    Raises ValidationError with a message for the person entering it.
    """
    if state.status not in ("signed", "abandoned") or state.started is None:
        raise ValidationError("session", tr("A follow-up is recorded against a finished session; this one is "
                                            "not finished yet."))
    day = parse_date(on, "on", "The follow-up date")
    session_day = state.started.wall.date()
    if day < session_day:
        raise ValidationError("on", tr("The follow-up date cannot be before the session ({isoformat}).").format(
                                       isoformat=session_day.isoformat()))
    if day > now.date():
        raise ValidationError("on", tr("The follow-up date cannot be in the future."))
    if not isinstance(none, bool):
        raise ValidationError("none", tr("“none” must be true or false."))
    note_t = str(note if note is not None else "").strip()
    if len(note_t) > 2000:
        raise ValidationError("note", tr("The note is limited to 2000 characters."))
    if none:
        if str(what or "").strip() or str(severity or "").strip():
            raise ValidationError("what", tr("“None found” cannot also name a side effect: choose one."))
        what_t, severity_t = "", ""
    else:
        if not str(what or "").strip():
            raise ValidationError("what", tr("Choose the side effect found, or record “none found”."))
        what_t = require_choice(what, protocol.ids("side_effects"), "what", "The side effect")
        severity_t = require_choice(severity, protocol.ids("severities"), "severity", "The severity")
    return {
        "schema": SCHEMA_VERSION, "kind": "followup", "id": new_id(), "session_id": state.id,
        "on": day.isoformat(), "none": none, "what": what_t, "severity": severity_t,
        "note": note_t, "by": require_text(by, "by", "Who recorded the follow-up", 200),
        "at": iso(now), "device": require_text(device, "device", "The device", 200),
    }


def validate_followup_doc(doc: object, state: SessionState, protocol: Protocol) -> FollowupDoc:
    """Check a stored follow-up against its session; returns it. Raises ValidationError."""
    if not isinstance(doc, dict):
        raise ValidationError("followup", tr("A follow-up record must be a JSON object."))
    for key in FOLLOWUP_KEYS:
        if key not in doc:
            raise ValidationError(key, tr("The follow-up lacks “{key}”.").format(key=key))
    if doc["kind"] != "followup" or not is_uuid(doc["id"]) or doc["session_id"] != state.id:
        raise ValidationError("followup", tr("The record is not a follow-up of this session."))
    at = parse_iso(doc["at"], "at")
    checked = make_followup(state, on=doc["on"], none=doc["none"], what=doc["what"],
                            severity=doc["severity"], note=doc["note"], by=doc["by"], now=at,
                            device=str(doc["device"]), protocol=protocol)
    checked["id"], checked["at"] = str(doc["id"]), str(doc["at"])
    return checked


def followup_text(doc: Mapping[str, Any], protocol: Protocol) -> str:
    """One line for tables and timelines, e.g. "2026-03-04: Itching (mild) — settled"."""
    found = f"{protocol.label('side_effects', doc['what'])} ({doc['severity']})"
    text = "none found" if doc.get("none") else found
    note = f" — {doc['note']}" if doc.get("note") else ""
    return f"{doc['on']}: {text}{note}"


def followup_day(doc: Mapping[str, Any]) -> date:
    return date.fromisoformat(str(doc["on"]))
