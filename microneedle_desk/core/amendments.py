"""Corrections to a signed session: amendments, and the rules their new values must meet.

A signed session is never edited. A correction is an amendment document kept beside it:
who, when, which field, the old and the new value, and why. The store checks every new
value (core/amend_checks.py), with the same rules a live session obeys.

Fields are amended one at a time; ``old`` is the value in force before the amendment
(the signed value, or the one an earlier amendment set).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from microneedle_desk.core.amend_checks import check_value
from microneedle_desk.core.amend_fields import (
    AMENDABLE,
    AMENDMENT_KEYS,
    KINDS,
    SCREENING_PREFIX,
    Filed,
    Values,
    amendable_fields,
    field_kind,
    field_label,
    read_value,
)
from microneedle_desk.core.photos import PHOTO_PREFIX, photos_in_force
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.core.record_types import AmendmentDoc, PhotoRecord
from microneedle_desk.core.records import SCHEMA_VERSION, is_uuid, iso, new_id, parse_iso
from microneedle_desk.core.session_state import SessionState
from microneedle_desk.core.validation import ValidationError, require_text
from microneedle_desk.i18n import tr

__all__ = [
    "AMENDABLE",
    "AMENDMENT_KEYS",
    "KINDS",
    "SCREENING_PREFIX",
    "Filed",
    "Values",
    "amendable_fields",
    "amended_state",
    "check_value",
    "current_values",
    "display_value",
    "effective_values",
    "field_kind",
    "field_label",
    "make_amendment",
    "read_value",
    "validate_amendment_doc",
]


def _json_value(value: object) -> object:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (set, tuple)):
        return list(value)
    return value


def _current(state: SessionState, field: str) -> object:
    if field.startswith(SCREENING_PREFIX):
        return state.answers.get(field[len(SCREENING_PREFIX):])
    if field == "endpoint":
        return list(state.endpoints)
    if field == "zones":
        return sorted(state.zones)
    if field == "minoxidil":
        if not state.minoxidil_product:
            return None
        return {"product": state.minoxidil_product, "strength": state.minoxidil_strength,
                "form": state.minoxidil_form}
    if field == "home_roller":
        if state.home_roller is None:
            return None
        return {"uses": state.home_roller,
                "mm": float(state.home_roller_mm) if state.home_roller_mm is not None else None}
    return _json_value(getattr(state, field))


def current_values(state: SessionState, protocol: Protocol | None = None) -> Values:
    """The amendable fields as signed, as JSON values (None when not recorded)."""
    fields = amendable_fields(protocol, state) if protocol is not None else dict(AMENDABLE)
    values: Values = {field: _current(state, field) for field in fields}
    for item, answer in state.answers.items():
        values[SCREENING_PREFIX + item] = answer
    for view, photo in photos_in_force(state).items():
        values[PHOTO_PREFIX + view] = photo
    return values


def effective_values(state: SessionState, amendments: Sequence[Filed],
                     protocol: Protocol | None = None) -> Values:
    """The amendable fields with every amendment applied, in the order given."""
    values = current_values(state, protocol)
    for doc in amendments:
        field = str(doc["field"])
        values[field] = read_value(field, doc["new"])
    return values


def amended_state(state: SessionState, amendments: Sequence[Filed]) -> SessionState:
    """A copy of ``state`` with the amended values in place (for summaries and printouts)."""
    out = copy.deepcopy(state)
    for doc in amendments:
        # a value the store checked against the field's rules (core/amend_checks.py) when it was filed
        field = str(doc["field"])
        new = cast(Any, read_value(field, doc["new"]))
        if field.startswith(SCREENING_PREFIX):
            out.answers[field[len(SCREENING_PREFIX):]] = bool(new)
        elif field.startswith(PHOTO_PREFIX):
            out.photos.append(cast(PhotoRecord, dict(new)))
            out.photo_skips.pop(field[len(PHOTO_PREFIX):], None)
        elif field in ("needle_mm", "prp_ml"):
            setattr(out, field, Decimal(str(new)) if new is not None else None)
        elif field in ("next_session", "cartridge_expiry", "isotretinoin_last_dose"):
            setattr(out, field, date.fromisoformat(new) if new else None)
        elif field == "endpoint":
            out.endpoints = tuple(new)
        elif field == "zones":
            out.zones = set(new)
        elif field == "directions":
            out.directions = tuple(new)
        elif field == "antibiotic_product":
            out.antibiotic_used, out.antibiotic_product = bool(new), new
        elif field == "minoxidil":
            out.minoxidil_product, out.minoxidil_strength, out.minoxidil_form = (
                new["product"], new["strength"], new["form"])
        elif field == "home_roller":
            out.home_roller = bool(new["uses"])
            out.home_roller_mm = Decimal(str(new["mm"])) if new["uses"] else None
        else:
            setattr(out, field, new)
    return out


def display_value(field: str, value: object, protocol: Protocol) -> str:
    """A field's JSON value as a person reads it: labels, units, "none used", "Yes"/"No"."""
    value = read_value(field, value)
    if value is None or (value == "" and field != "antibiotic_product"):
        return "—"
    kind = field_kind(field)
    if kind == "photo" and isinstance(value, dict):
        return f"{value.get('file')} (SHA-256 {str(value.get('sha256'))[:12]}…)"
    if kind == "yesno":
        return "Yes" if value else "No"
    if kind.startswith(("choice:", "multi:")):
        group = kind.split(":", 1)[1]
        items = value if isinstance(value, list) else [value]
        return ", ".join(protocol.label(group, str(v)) for v in items) or "—"
    if field == "antibiotic_product":
        return str(value or "none used")
    if field == "minoxidil" and isinstance(value, dict):
        return (f"{value.get('product', '')}, {protocol.label('minoxidil_strengths', str(value.get('strength')))} "
                f"{protocol.label('minoxidil_forms', str(value.get('form'))).lower()}")
    if field == "home_roller" and isinstance(value, dict):
        return f"Yes, {value.get('mm')} mm needles" if value.get("uses") else "No"
    if field in ("needle_mm",):
        return f"{value} mm"
    if field == "prp_ml":
        return f"{value} mL"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def make_amendment(state: SessionState, earlier: Sequence[Filed], field: str, new_value: object,
                   reason: object, by: object, now: datetime, device: str, protocol: Protocol) -> AmendmentDoc:
    """A checked amendment document (not yet sealed in the hash chain)."""
    if state.status != "signed":
        raise ValidationError("session", tr("Only a signed session is amended; this one is {replace}.").format(
                                            replace=state.status.replace('_', ' ')))
    values = effective_values(state, earlier, protocol)
    new = check_value(field, new_value, state, values, protocol)
    if new == values.get(field):
        raise ValidationError("new", tr("{field_label} is already “{display_value}”: there is nothing to "
                                        "amend.").format(
            field_label=field_label(field, protocol), display_value=display_value(field, new, protocol)))
    return {
        "schema": SCHEMA_VERSION, "kind": "amendment", "id": new_id(), "session_id": state.id,
        "field": field, "old": values.get(field), "new": new,
        "reason": require_text(reason, "reason", "The reason for the amendment"),
        "by": require_text(by, "by", "Who makes the amendment", 200),
        "at": iso(now), "device": require_text(device, "device", "The device", 200),
    }


def validate_amendment_doc(doc: Mapping[str, object], state: SessionState, earlier: Sequence[Filed],
                           protocol: Protocol) -> None:
    """Check a stored amendment against the session it corrects and the amendments before it."""
    for key in AMENDMENT_KEYS:
        if key not in doc:
            raise ValidationError(key, tr("The amendment lacks “{key}”.").format(key=key))
    if doc["kind"] != "amendment":
        raise ValidationError("kind", tr("The record is not an amendment."))
    if not is_uuid(doc["id"]):
        raise ValidationError("id", tr("An amendment id must be a UUID."))
    if doc["session_id"] != state.id:
        raise ValidationError("session_id", tr("The amendment names another session."))
    if state.status != "signed":
        raise ValidationError("session", tr("Only a signed session can carry amendments."))
    parse_iso(doc["at"], "at")
    values = effective_values(state, earlier, protocol)
    field = str(doc["field"])
    new = check_value(field, doc["new"], state, values, protocol)
    if new != read_value(field, doc["new"]):
        raise ValidationError("new", tr("The new value “{value}” is not in the form the app writes.").format(
                                        value=doc['new']))
    if read_value(field, doc["old"]) != values.get(field):
        raise ValidationError("old", tr("The old value “{value}” is not the value that was in force (“{get}”).").format(
                                        value=doc['old'], get=values.get(field)))
    require_text(doc["reason"], "reason", "The reason for the amendment")
    require_text(doc["by"], "by", "Who made the amendment", 200)
