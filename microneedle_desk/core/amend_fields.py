"""The amendable fields of a signed session: their names, labels and editors, and how a stored
value reads today. The amendments (core/amendments.py) and the checks of a new value
(core/amend_checks.py) both start from these names.
"""

from __future__ import annotations

from collections.abc import Mapping

from microneedle_desk.core.photos import PHOTO_PREFIX
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.core.session_state import SessionState

Values = dict[str, object]
"""Amendable field -> its JSON value in force (None when not recorded)."""

Filed = Mapping[str, object]
"""An amendment as read back (an :class:`~microneedle_desk.core.record_types.AmendmentDoc` the
store sealed, or any stored JSON object the checks read key by key)."""

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


def read_value(field: str, value: object) -> object:
    """A stored value in today's form: an endpoint of the first record form (one id) becomes a
    one-item list."""
    if field == "endpoint" and isinstance(value, str):
        return [value]
    return value
