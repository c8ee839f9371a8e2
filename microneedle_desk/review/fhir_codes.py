"""The local codes of a FHIR export, and the ``CodeSystem`` resource that explains them.

There is no SNOMED CT or LOINC code for scalp microneedling, its zones, steps or endpoints,
so the export codes them in one local code system (:data:`SYSTEM`) and ships that system
in every bundle: a receiver reads each code's display and definition there. Codes from a
standard system are used only where that system defines exactly the concept (UCUM units,
the HL7 adverse-event severities, the consent scope "treatment"); none is made up.

Codes are the protocol's ids with a prefix per group (``zone-vertex``,
``contraindication-isotretinoin``, ``grade-ludwig-II``), grouped under one parent concept
per group, so a code never means two things.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from microneedle_desk.core.protocol import Protocol
from microneedle_desk.core.record_types import JsonObject

SYSTEM = "urn:uuid:4b2e8f0c-6d7a-5e31-9c84-2f1a7d3b6e95"
"""Canonical URL of the local code system (fixed: the same in every export of every clinic)."""
CODE_SYSTEM_ID = "4b2e8f0c-6d7a-5e31-9c84-2f1a7d3b6e95"
UCUM = "http://unitsofmeasure.org"
SEVERITY = "http://terminology.hl7.org/CodeSystem/adverse-event-severity"
CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"
DATA_OPERATION = "http://terminology.hl7.org/CodeSystem/v3-DataOperation"

FIXED: dict[str, tuple[str, str]] = {
    "scalp-microneedling": ("Scalp microneedling for hair loss",
                            "Collagen induction with a needle cartridge over the scalp zones with hair loss."),
    "hair-loss-grade": ("Hair-loss grade", "The grade on the scale named by the observation's method."),
    "needle-length": ("Needle length", "The needle length the handpiece was set to, in millimetres."),
    "anesthetic-dwell": ("Anesthetic dwell time",
                         "Minutes from applying the numbing cream to the start of needling."),
    "needling-time": ("Needling time", "Minutes of needling, pauses excluded."),
    "planned-minutes": ("Planned minutes", "The minutes planned before the step began."),
    "handpiece": ("Microneedling handpiece", "The powered pen that drives the needle cartridge."),
    "needle-cartridge": ("Needle cartridge", "The single-use cartridge of needles, with its lot and expiry."),
    "topical-anesthetic": ("Topical anesthetic", "Numbing cream applied to the scalp before needling."),
    "antibiotic-cream": ("Antibiotic cream", "Antibiotic cream or ointment applied after clean-up."),
    "minoxidil": ("Minoxidil", "Minoxidil used alongside the course, with when to resume it."),
    "prp": ("Platelet-rich plasma", "Platelet-rich plasma applied in the session."),
    "no-side-effects": ("No side effects observed",
                        "The practitioner confirmed that no side effect was seen in the session."),
    "treatment-consent": ("Consent to scalp microneedling", "Consent to the session, and who gave it."),
}
GROUPS: tuple[tuple[str, str, str], ...] = (
    # (prefix, parent display, protocol group)
    ("step", "Session step", "steps"),
    ("zone", "Scalp zone", "zones"),
    ("contraindication", "Contraindication asked at screening", "contraindications"),
    ("endpoint", "Clinical endpoint of needling", "endpoints"),
    ("side-effect", "Side effect", "side_effects"),
    ("indication", "Indication", "indications"),
    ("scale", "Hair-loss scale", "scales"),
    ("antiseptic", "Antiseptic", "antiseptics"),
    ("direction", "Pass direction", "pass_directions"),
)


def code(prefix: str, item: str) -> str:
    return f"{prefix}-{item}"


# The same few codings and concepts are in every session: each is made once and shared by the
# resources that name it (they are only read, then written out).
@lru_cache(maxsize=4096)
def coding(code_: str, display: str, system: str = SYSTEM) -> JsonObject:
    return {"system": system, "code": code_, "display": display}


@lru_cache(maxsize=4096)
def concept(code_: str, display: str, text: str | None = None) -> JsonObject:
    """A CodeableConcept with one local coding."""
    return {"coding": [coding(code_, display)], "text": text or display}


def fixed(code_: str, text: str | None = None) -> JsonObject:
    """A CodeableConcept of one of the :data:`FIXED` codes (``text``: what exactly, e.g. a product)."""
    return concept(code_, FIXED[code_][0], text)


def grade_code(scale: str, grade: str) -> str:
    return f"grade-{scale}-{grade}"


def quantity(value: float, unit: str) -> JsonObject:
    """A UCUM quantity (``mm``, ``min``, ``mL``)."""
    return {"value": value, "unit": unit, "system": UCUM, "code": unit}


def _label(item: Any) -> str:
    return str(getattr(item, "label", None) or getattr(item, "title", None) or getattr(item, "question", item.id))


def code_system(protocol: Protocol) -> JsonObject:
    """The ``CodeSystem`` resource of every local code, its displays read from the protocol."""
    concepts: list[JsonObject] = [{"code": c, "display": display, "definition": definition}
                for c, (display, definition) in FIXED.items()]
    for prefix, display, group in GROUPS:
        children = [{"code": code(prefix, item.id), "display": _label(item)} for item in getattr(protocol, group)]
        concepts.append({"code": prefix, "display": display, "concept": children})
    grades = []
    for scale in protocol.scales:
        grades += [{"code": grade_code(scale.id, g), "display": f"{scale.label} {g}"} for g in scale.grades]
    concepts.append({"code": "grade", "display": "Grade on a coded hair-loss scale", "concept": grades})
    return {
        "resourceType": "CodeSystem", "id": CODE_SYSTEM_ID, "url": SYSTEM, "version": str(protocol_version(protocol)),
        "name": "MicroneedleDeskLocalCodes", "title": "microneedle-desk local codes",
        "status": "active", "experimental": False, "publisher": "microneedle-desk",
        "description": "Codes for scalp microneedling sessions (steps, zones, contraindications, endpoints, "
                       "side effects, scales and grades) that no standard code system defines.",
        "caseSensitive": True, "hierarchyMeaning": "grouped-by", "content": "complete",
        "concept": concepts,
    }


def protocol_version(protocol: Protocol) -> int:
    return int(getattr(protocol, "version", 1) or 1)
