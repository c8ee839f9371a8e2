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

from microneedle_desk.core.photos import PHOTO_PREFIX, check_amended_photo, photos_in_force
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.core.records import SCHEMA_VERSION, check_grade, is_uuid, iso, new_id, parse_iso
from microneedle_desk.core.session_checks import (
    check_antibiotic,
    check_endpoints,
    check_home_roller_mm,
    check_kit_lot,
    check_minoxidil,
    check_needle_mm,
    check_prp_ml,
)
from microneedle_desk.core.session_state import SessionState
from microneedle_desk.core.validation import (
    ValidationError,
    parse_date,
    parse_past_date,
    require_choice,
    require_text,
)
from microneedle_desk.i18n import tr

SCREENING_PREFIX = "screening:"
"""Screening answers are amended one question at a time: ``screening:<contraindication id>``."""

AMENDABLE: dict[str, str] = {
    "grade": "Grade",
    "isotretinoin_last_dose": "Last isotretinoin dose",
    "consent_by": "Consent given by",
    "anesthetic_product": "Anesthetic product",
    "needle_mm": "Needle length (mm)",
    "cartridge_lot": "Cartridge lot",
    "cartridge_expiry": "Cartridge expiry",
    "handpiece_serial": "Handpiece serial",
    "antiseptic": "Antiseptic",
    "zones": "Zones treated",
    "passes": "Passes",
    "directions": "Pass directions",
    "endpoint": "Endpoint",
    "endpoint_note": "Endpoint note",
    "antibiotic_product": "Antibiotic cream",
    "adjunct": "Adjunct",
    "minoxidil": "Minoxidil (product, strength, form)",
    "prp_ml": "PRP volume (mL)",
    "prp_kit_lot": "PRP kit lot",
    "home_roller": "Home derma roller",
    "next_session": "Next session",
}
"""Field -> label, in the order a form would show them (screening answers come after grade)."""

KINDS: dict[str, str] = {
    "grade": "grade", "isotretinoin_last_dose": "date", "consent_by": "text", "anesthetic_product": "text",
    "needle_mm": "number", "cartridge_lot": "text", "cartridge_expiry": "date", "handpiece_serial": "text",
    "antiseptic": "choice:antiseptics", "zones": "multi:zones", "passes": "number",
    "directions": "multi:pass_directions", "endpoint": "multi:endpoints", "endpoint_note": "note",
    "antibiotic_product": "antibiotic", "adjunct": "choice:adjuncts", "minoxidil": "minoxidil",
    "prp_ml": "number", "prp_kit_lot": "text", "home_roller": "home_roller", "next_session": "date",
}
"""Field -> the kind of editor its new value needs (``choice:<group>``/``multi:<group>`` of the protocol)."""

AMENDMENT_KEYS = ("schema", "kind", "id", "session_id", "field", "old", "new", "reason", "by", "at", "device")


def amendable_fields(protocol: Protocol, state: SessionState | None = None) -> dict[str, str]:
    """Every amendable field and its label, screening questions included (for ``state``: only
    the questions it asked)."""
    out = {"grade": AMENDABLE["grade"]}
    for item in protocol.contraindications:
        if state is None or item.id not in state.not_applicable:
            out[SCREENING_PREFIX + item.id] = f"Screening: {item.question}"
    out.update((k, v) for k, v in AMENDABLE.items() if k != "grade")
    return out


def field_label(field: str, protocol: Protocol) -> str:
    if field.startswith(PHOTO_PREFIX):
        return f"Photo: {protocol.label('photo_views', field[len(PHOTO_PREFIX):])}"
    return amendable_fields(protocol).get(field, field)


def field_kind(field: str) -> str:
    if field.startswith(PHOTO_PREFIX):
        return "photo"
    return "yesno" if field.startswith(SCREENING_PREFIX) else KINDS[field]


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (set, tuple)):
        return list(value)
    return value


def _current(state: SessionState, field: str) -> Any:
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


def read_value(field: str, value: Any) -> Any:
    """A stored value in today's form: an endpoint of the first record form (one id) becomes a
    one-item list."""
    if field == "endpoint" and isinstance(value, str):
        return [value]
    return value


def current_values(state: SessionState, protocol: Protocol | None = None) -> dict[str, Any]:
    """The amendable fields as signed, as JSON values (None when not recorded)."""
    fields = amendable_fields(protocol, state) if protocol is not None else dict(AMENDABLE)
    values = {field: _current(state, field) for field in fields}
    for item, answer in state.answers.items():
        values[SCREENING_PREFIX + item] = answer
    for view, photo in photos_in_force(state).items():
        values[PHOTO_PREFIX + view] = photo
    return values


def effective_values(state: SessionState, amendments: list[dict[str, Any]],
                     protocol: Protocol | None = None) -> dict[str, Any]:
    """The amendable fields with every amendment applied, in the order given."""
    values = current_values(state, protocol)
    for doc in amendments:
        values[doc["field"]] = read_value(doc["field"], doc["new"])
    return values


def amended_state(state: SessionState, amendments: list[dict[str, Any]]) -> SessionState:
    """A copy of ``state`` with the amended values in place (for summaries and printouts)."""
    out = copy.deepcopy(state)
    for doc in amendments:
        field, new = doc["field"], read_value(doc["field"], doc["new"])
        if field.startswith(SCREENING_PREFIX):
            out.answers[field[len(SCREENING_PREFIX):]] = bool(new)
        elif field.startswith(PHOTO_PREFIX):
            out.photos.append(dict(new))
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


def display_value(field: str, value: Any, protocol: Protocol) -> str:
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
        return value or "none used"
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


def _session_day(state: SessionState) -> date:
    assert state.started is not None
    return state.started.wall.date()


def check_value(field: str, raw: object, state: SessionState, values: dict[str, Any],
                protocol: Protocol) -> Any:
    """``raw`` checked as a new value for ``field`` given the values in force; the JSON value.

    Raises ValidationError, in the words a live session would use, when the rules forbid it.
    """
    if field.startswith(SCREENING_PREFIX):
        return _screening(field[len(SCREENING_PREFIX):], raw, state, protocol)
    if field.startswith(PHOTO_PREFIX):
        return check_amended_photo(field, raw, state, values, protocol)
    if field not in AMENDABLE:
        raise ValidationError("field", f"“{field}” cannot be amended. Amendable fields: "
                                       + ", ".join(AMENDABLE) + ", screening answers.")
    checker = _CHECKS[field]
    return checker(read_value(field, raw), state, values, protocol)


def _screening(item: str, raw: object, s: SessionState, p: Protocol) -> Any:
    if item not in p.ids("contraindications"):
        raise ValidationError("field", tr("There is no screening question “{item}”.").format(item=item))
    if item in s.not_applicable:
        raise ValidationError("field", tr("“{label}” was not asked of this patient (not applicable for their "
                                          "sex): it cannot be amended.").format(
                                          label=p.label('contraindications', item)))
    if not isinstance(raw, bool):
        raise ValidationError("answer", tr("A screening answer must be Yes or No."))
    return raw


def _needle(raw: object, s: SessionState, v: dict[str, Any], p: Protocol) -> Any:
    return float(check_needle_mm(raw, p))


def _text_field(field: str, what: str, max_len: int) -> Callable[[object, SessionState, dict[str, Any], Protocol], Any]:
    def check(raw: object, s: SessionState, v: dict[str, Any], p: Protocol) -> Any:
        return require_text(raw, field, what, max_len)
    return check


def _choice(group: str, what: str) -> Callable[[object, SessionState, dict[str, Any], Protocol], Any]:
    def check(raw: object, s: SessionState, v: dict[str, Any], p: Protocol) -> Any:
        if raw not in p.ids(group):
            raise ValidationError(group, f"{what} must be one of: "
                                         + ", ".join(c.label for c in getattr(p, group)) + ".")
        return raw
    return check


def _ids(group: str, what: str) -> Callable[[object, SessionState, dict[str, Any], Protocol], Any]:
    def check(raw: object, s: SessionState, v: dict[str, Any], p: Protocol) -> Any:
        allowed = p.ids(group)
        if not isinstance(raw, (list, tuple)) or not raw or any(x not in allowed for x in raw):
            raise ValidationError(group, f"{what}: tick at least one of "
                                         + ", ".join(c.label for c in getattr(p, group)) + ".")
        return [x for x in allowed if x in raw]  # protocol order: one form for one choice
    return check


def _passes(raw: object, s: SessionState, v: dict[str, Any], p: Protocol) -> Any:
    if isinstance(raw, bool) or not isinstance(raw, (int, str, float)) or not str(raw).strip().isdigit() \
            or not 1 <= int(str(raw).strip()) <= 20 or (isinstance(raw, float) and raw != int(raw)):
        raise ValidationError("passes", tr("Passes must be a whole number 1–20."))
    return int(str(raw).strip())


def _expiry(raw: object, s: SessionState, v: dict[str, Any], p: Protocol) -> Any:
    day = parse_date(raw, "expiry", "The cartridge expiry date")
    if day < _session_day(s):
        raise ValidationError("expiry", tr("A cartridge that expired on {isoformat} was out of date on the "
                                           "session's day ({isoformat2}): the session could not have used it.").format(
                                           isoformat=day.isoformat(), isoformat2=_session_day(s).isoformat()))
    return day.isoformat()


def _last_dose(raw: object, s: SessionState, v: dict[str, Any], p: Protocol) -> Any:
    return parse_past_date(raw, _session_day(s), "date", "The last isotretinoin dose").isoformat()


def _endpoint(raw: object, s: SessionState, v: dict[str, Any], p: Protocol) -> Any:
    kinds = check_endpoints(raw, p)
    if "neither" in kinds and not str(v.get("endpoint_note") or "").strip():
        raise ValidationError("endpoint", tr("When neither bleeding nor redness appeared, amend the endpoint "
                                             "note first to say what was seen."))
    return list(kinds)


def _endpoint_note(raw: object, s: SessionState, v: dict[str, Any], p: Protocol) -> Any:
    note = str(raw if raw is not None else "").strip()
    if len(note) > 2000:
        raise ValidationError("endpoint_note", tr("The endpoint note is limited to 2000 characters."))
    if "neither" in (v.get("endpoint") or []) and not note:
        raise ValidationError("endpoint_note", tr("The endpoint is “neither”: the note saying what was seen "
                                                  "cannot be emptied."))
    return note


def _antibiotic(raw: object, s: SessionState, v: dict[str, Any], p: Protocol) -> Any:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return ""  # none used
    return check_antibiotic(raw, True)


def _adjunct(raw: object, s: SessionState, v: dict[str, Any], p: Protocol) -> Any:
    kind = require_choice(raw, p.ids("adjuncts"), "adjunct", "Adjunct")
    if kind == "prp" and v.get("prp_ml") is None:
        raise ValidationError("adjunct", tr("Amend the PRP volume first, then the adjunct."))
    if kind == "prp" and s.content >= 2 and not v.get("prp_kit_lot"):
        raise ValidationError("adjunct", tr("Amend the PRP kit lot first, then the adjunct."))
    if kind == "minoxidil" and s.content >= 2 and not v.get("minoxidil"):
        raise ValidationError("adjunct", tr("Amend the minoxidil product, strength and form first, then the "
                                            "adjunct."))
    return kind


def _minoxidil(raw: object, s: SessionState, v: dict[str, Any], p: Protocol) -> Any:
    if not isinstance(raw, dict):
        raise ValidationError("minoxidil", tr("Give the minoxidil product, strength and form."))
    product, strength, form = check_minoxidil(raw.get("product"), raw.get("strength"), raw.get("form"), p)
    return {"product": product, "strength": strength, "form": form}


def _prp(raw: object, s: SessionState, v: dict[str, Any], p: Protocol) -> Any:
    return float(check_prp_ml(raw, p))


def _kit_lot(raw: object, s: SessionState, v: dict[str, Any], p: Protocol) -> Any:
    return check_kit_lot(raw)


def _home_roller(raw: object, s: SessionState, v: dict[str, Any], p: Protocol) -> Any:
    if not isinstance(raw, dict) or not isinstance(raw.get("uses"), bool):
        raise ValidationError("home_roller", tr("Say whether the patient uses a derma roller at home (Yes or "
                                                "No)."))
    if not raw["uses"]:
        return {"uses": False, "mm": None}
    return {"uses": True, "mm": float(check_home_roller_mm(raw.get("mm"), p))}


def _next_session(raw: object, s: SessionState, v: dict[str, Any], p: Protocol) -> Any:
    day = parse_date(raw, "next_session", "The next session date")
    if day <= _session_day(s):
        raise ValidationError("next_session", tr("The next session must be after the session's day "
                                                 "({isoformat}).").format(isoformat=_session_day(s).isoformat()))
    return day.isoformat()


def _grade(raw: object, s: SessionState, v: dict[str, Any], p: Protocol) -> Any:
    return check_grade(p, s.indication, s.scale, raw)


_CHECKS: dict[str, Callable[[object, SessionState, dict[str, Any], Protocol], Any]] = {
    "grade": _grade,
    "isotretinoin_last_dose": _last_dose,
    "consent_by": _text_field("consent_by", "Who gave consent", 200),
    "anesthetic_product": _text_field("anesthetic_product", "The anesthetic product", 200),
    "needle_mm": _needle,
    "cartridge_lot": _text_field("cartridge_lot", "The cartridge lot number", 64),
    "cartridge_expiry": _expiry,
    "handpiece_serial": _text_field("handpiece_serial", "The handpiece serial", 64),
    "antiseptic": _choice("antiseptics", "Antiseptic"),
    "zones": _ids("zones", "Zones treated"),
    "passes": _passes,
    "directions": _ids("pass_directions", "Pass directions"),
    "endpoint": _endpoint,
    "endpoint_note": _endpoint_note,
    "antibiotic_product": _antibiotic,
    "adjunct": _adjunct,
    "minoxidil": _minoxidil,
    "prp_ml": _prp,
    "prp_kit_lot": _kit_lot,
    "home_roller": _home_roller,
    "next_session": _next_session,
}


def make_amendment(state: SessionState, earlier: list[dict[str, Any]], field: str, new_value: object,
                   reason: object, by: object, now: datetime, device: str, protocol: Protocol) -> dict[str, Any]:
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


def validate_amendment_doc(doc: dict[str, Any], state: SessionState, earlier: list[dict[str, Any]],
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
    if read_value(field, doc["old"]) != values.get(doc["field"]):
        raise ValidationError("old", tr("The old value “{value}” is not the value that was in force (“{get}”).").format(
                                        value=doc['old'], get=values.get(doc['field'])))
    require_text(doc["reason"], "reason", "The reason for the amendment")
    require_text(doc["by"], "by", "Who made the amendment", 200)
