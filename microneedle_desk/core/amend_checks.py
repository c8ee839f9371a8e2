"""The check of a new value for an amended field: the same rules a live session obeys, so a value
the rules forbid (a needle length outside the protocol's bounds, say) cannot get in through an
amendment.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from microneedle_desk.core.amend_fields import AMENDABLE, SCREENING_PREFIX, Values, read_value
from microneedle_desk.core.photos import PHOTO_PREFIX, check_amended_photo
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.core.records import check_grade
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

Check = Callable[[object, SessionState, Values, Protocol], object]
"""One field's check: the raw new value, the session, the values in force -> the JSON value."""


def _session_day(state: SessionState) -> date:
    assert state.started is not None
    return state.started.wall.date()


def check_value(field: str, raw: object, state: SessionState, values: Values,
                protocol: Protocol) -> object:
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


def _screening(item: str, raw: object, s: SessionState, p: Protocol) -> object:
    if item not in p.ids("contraindications"):
        raise ValidationError("field", tr("There is no screening question “{item}”.").format(item=item))
    if item in s.not_applicable:
        raise ValidationError("field", tr("“{label}” was not asked of this patient (not applicable for their "
                                          "sex): it cannot be amended.").format(
                                          label=p.label('contraindications', item)))
    if not isinstance(raw, bool):
        raise ValidationError("answer", tr("A screening answer must be Yes or No."))
    return raw


def _needle(raw: object, s: SessionState, v: Values, p: Protocol) -> object:
    return float(check_needle_mm(raw, p))


def _text_field(field: str, what: str, max_len: int) -> Check:
    def check(raw: object, s: SessionState, v: Values, p: Protocol) -> object:
        return require_text(raw, field, what, max_len)
    return check


def _choice(group: str, what: str) -> Check:
    def check(raw: object, s: SessionState, v: Values, p: Protocol) -> object:
        if raw not in p.ids(group):
            raise ValidationError(group, f"{what} must be one of: "
                                         + ", ".join(c.label for c in getattr(p, group)) + ".")
        return raw
    return check


def _ids(group: str, what: str) -> Check:
    def check(raw: object, s: SessionState, v: Values, p: Protocol) -> object:
        allowed = p.ids(group)
        if not isinstance(raw, (list, tuple)) or not raw or any(x not in allowed for x in raw):
            raise ValidationError(group, f"{what}: tick at least one of "
                                         + ", ".join(c.label for c in getattr(p, group)) + ".")
        return [x for x in allowed if x in raw]  # protocol order: one form for one choice
    return check


def _passes(raw: object, s: SessionState, v: Values, p: Protocol) -> object:
    if isinstance(raw, bool) or not isinstance(raw, (int, str, float)) or not str(raw).strip().isdigit() \
            or not 1 <= int(str(raw).strip()) <= 20 or (isinstance(raw, float) and raw != int(raw)):
        raise ValidationError("passes", tr("Passes must be a whole number 1–20."))
    return int(str(raw).strip())


def _expiry(raw: object, s: SessionState, v: Values, p: Protocol) -> object:
    day = parse_date(raw, "expiry", "The cartridge expiry date")
    if day < _session_day(s):
        raise ValidationError("expiry", tr("A cartridge that expired on {isoformat} was out of date on the "
                                           "session's day ({isoformat2}): the session could not have used it.").format(
                                           isoformat=day.isoformat(), isoformat2=_session_day(s).isoformat()))
    return day.isoformat()


def _last_dose(raw: object, s: SessionState, v: Values, p: Protocol) -> object:
    return parse_past_date(raw, _session_day(s), "date", "The last isotretinoin dose").isoformat()


def _endpoint(raw: object, s: SessionState, v: Values, p: Protocol) -> object:
    kinds = check_endpoints(raw, p)
    if "neither" in kinds and not str(v.get("endpoint_note") or "").strip():
        raise ValidationError("endpoint", tr("When neither bleeding nor redness appeared, amend the endpoint "
                                             "note first to say what was seen."))
    return list(kinds)


def _endpoint_note(raw: object, s: SessionState, v: Values, p: Protocol) -> object:
    note = str(raw if raw is not None else "").strip()
    if len(note) > 2000:
        raise ValidationError("endpoint_note", tr("The endpoint note is limited to 2000 characters."))
    endpoint = v.get("endpoint")
    if isinstance(endpoint, list) and "neither" in endpoint and not note:
        raise ValidationError("endpoint_note", tr("The endpoint is “neither”: the note saying what was seen "
                                                  "cannot be emptied."))
    return note


def _antibiotic(raw: object, s: SessionState, v: Values, p: Protocol) -> object:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return ""  # none used
    return check_antibiotic(raw, True)


def _adjunct(raw: object, s: SessionState, v: Values, p: Protocol) -> object:
    kind = require_choice(raw, p.ids("adjuncts"), "adjunct", "Adjunct")
    if kind == "prp" and v.get("prp_ml") is None:
        raise ValidationError("adjunct", tr("Amend the PRP volume first, then the adjunct."))
    if kind == "prp" and s.content >= 2 and not v.get("prp_kit_lot"):
        raise ValidationError("adjunct", tr("Amend the PRP kit lot first, then the adjunct."))
    if kind == "minoxidil" and s.content >= 2 and not v.get("minoxidil"):
        raise ValidationError("adjunct", tr("Amend the minoxidil product, strength and form first, then the "
                                            "adjunct."))
    return kind


def _minoxidil(raw: object, s: SessionState, v: Values, p: Protocol) -> object:
    if not isinstance(raw, dict):
        raise ValidationError("minoxidil", tr("Give the minoxidil product, strength and form."))
    product, strength, form = check_minoxidil(raw.get("product"), raw.get("strength"), raw.get("form"), p)
    return {"product": product, "strength": strength, "form": form}


def _prp(raw: object, s: SessionState, v: Values, p: Protocol) -> object:
    return float(check_prp_ml(raw, p))


def _kit_lot(raw: object, s: SessionState, v: Values, p: Protocol) -> object:
    return check_kit_lot(raw)


def _home_roller(raw: object, s: SessionState, v: Values, p: Protocol) -> object:
    if not isinstance(raw, dict) or not isinstance(raw.get("uses"), bool):
        raise ValidationError("home_roller", tr("Say whether the patient uses a derma roller at home (Yes or "
                                                "No)."))
    if not raw["uses"]:
        return {"uses": False, "mm": None}
    return {"uses": True, "mm": float(check_home_roller_mm(raw.get("mm"), p))}


def _next_session(raw: object, s: SessionState, v: Values, p: Protocol) -> object:
    day = parse_date(raw, "next_session", "The next session date")
    if day <= _session_day(s):
        raise ValidationError("next_session", tr("The next session must be after the session's day "
                                                 "({isoformat}).").format(isoformat=_session_day(s).isoformat()))
    return day.isoformat()


def _grade(raw: object, s: SessionState, v: Values, p: Protocol) -> object:
    return check_grade(p, s.indication, s.scale, raw)


_CHECKS: dict[str, Check] = {
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
