"""The record schema: patients, practitioners, events and session documents.

Every record carries a UUID that says nothing about storage, the device it was made on,
and timestamps with their UTC offset, so records from several laptops can one day be
merged. Documents are plain JSON-able dicts; the functions here build and check them.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from microneedle_desk.core.protocol import Protocol
from microneedle_desk.core.record_types import PatientDoc, PractitionerDoc
from microneedle_desk.core.validation import (
    ValidationError,
    parse_date,
    require_choice,
    require_text,
)
from microneedle_desk.i18n import LANGUAGE_NAMES, available_languages, tr

SCHEMA_VERSION = 1
STATUSES = ("in_progress", "signed", "abandoned")


def new_id() -> str:
    return str(uuid.uuid4())


# The canonical form str(uuid.UUID(...)) gives: lowercase hex, 8-4-4-4-12.
_UUID_FORM = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def is_uuid(value: object) -> bool:
    """True for a UUID in its canonical text form (the form new_id() writes)."""
    return isinstance(value, str) and _UUID_FORM.fullmatch(value) is not None


def iso(moment: datetime) -> str:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("timestamps must carry their UTC offset")
    return moment.isoformat(timespec="milliseconds")


def parse_iso(text: object, field: str = "timestamp") -> datetime:
    if not isinstance(text, str):
        raise ValidationError(field, tr("{field} must be a timestamp with its UTC offset.").format(field=field))
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError(field, tr("{field} “{text}” is not a timestamp.").format(
            field=field, text=text)) from None
    if moment.tzinfo is None:
        raise ValidationError(field, tr("{field} “{text}” has no UTC offset.").format(field=field, text=text))
    return moment


def canonical_json(doc: Any) -> bytes:
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def content_hash(doc: Mapping[str, object], prev_hash: str) -> str:
    """SHA-256 over a document's canonical JSON (without its own hash) and the previous hash."""
    body = {k: v for k, v in doc.items() if k != "hash"}
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical_json(body)).hexdigest()


@dataclass(frozen=True)
class Patient:
    """A registered patient."""

    id: str
    name: str
    dob: date
    clinic_id: str
    sex: str
    indication: str
    scale: str
    grade: str
    device: str
    created_at: str
    demo: bool = False
    # The language the patient reads (their handout is printed in it); "" is the clinic's.
    language: str = ""

    def to_doc(self) -> PatientDoc:
        doc: PatientDoc = {
            "schema": SCHEMA_VERSION, "kind": "patient", "id": self.id, "name": self.name,
            "dob": self.dob.isoformat(), "clinic_id": self.clinic_id, "sex": self.sex,
            "indication": self.indication, "scale": self.scale, "grade": self.grade,
            "device": self.device, "created_at": self.created_at, "demo": self.demo,
        }
        if self.language:  # only when chosen: a record from before the choice reads the same
            doc["language"] = self.language
        return doc

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> Patient:
        return cls(
            id=doc["id"], name=doc["name"], dob=date.fromisoformat(doc["dob"]),
            clinic_id=doc["clinic_id"], sex=doc["sex"], indication=doc["indication"],
            scale=doc["scale"], grade=doc["grade"], device=doc["device"],
            created_at=doc["created_at"], demo=bool(doc.get("demo", False)),
            language=str(doc.get("language", "") or ""),
        )


def check_grade(protocol: Protocol, indication: str, scale: str, grade: object) -> str:
    """The grade as stored text, checked against the scale that fits the indication."""
    ind = protocol.indication(indication)
    require_choice(scale, ind.scales, "scale", f"The grading scale for {ind.label}")
    sc = protocol.scale(scale)
    if sc.grades:
        return require_choice(str(grade), sc.grades, "grade", f"The {sc.label} grade")
    text = str(grade).strip()
    if not text.isdigit() or not 0 <= int(text) <= 100:
        raise ValidationError("grade", tr("The SALT score must be a whole number 0–100; “{text}” is not.").format(
                                          text=text))
    return str(int(text))


def make_patient(
    protocol: Protocol, *, name: object, dob: object, clinic_id: object, sex: object,
    indication: object, scale: object, grade: object, device: str, now: datetime,
    demo: bool = False, patient_id: str | None = None, language: object = "",
) -> Patient:
    """Check a new patient's fields; raises ValidationError naming what is allowed."""
    name_t = require_text(name, "name", "The patient's name", 200)
    birth = parse_date(dob, "dob", "Date of birth")
    if birth > now.date():
        raise ValidationError("dob", tr("Date of birth cannot be in the future."))
    if birth.year < 1900:
        raise ValidationError("dob", tr("Date of birth must be in 1900 or later."))
    clinic = require_text(clinic_id, "clinic_id", "The clinic patient ID", 64)
    if sex not in protocol.ids("sexes"):
        raise ValidationError("sex", tr("Choose the patient's sex ({choices}): it decides which screening "
                                        "questions are asked.").format(
            choices=", ".join(c.label for c in protocol.sexes)))
    sex_t = str(sex)
    ind = require_choice(indication, protocol.ids("indications"), "indication", "Indication")
    scale_t = str(scale)
    grade_t = check_grade(protocol, ind, scale_t, grade)
    return Patient(
        id=patient_id or new_id(), name=name_t, dob=birth, clinic_id=clinic, sex=sex_t,
        indication=ind, scale=scale_t, grade=grade_t, device=device, created_at=iso(now),
        demo=demo, language=check_language(language),
    )


def check_language(raw: object) -> str:
    """A patient's language: "" (the clinic's) or one the app is translated into."""
    text = "" if raw is None else str(raw).strip()
    if text and text not in available_languages():
        raise ValidationError("language", tr("The patient's language must be one the app is translated into: "
                                             "{allowed}; “{text}” is not.").format(
            allowed=", ".join(f"{code} ({LANGUAGE_NAMES[code]})" for code in available_languages()), text=text))
    return text


def validate_patient_doc(doc: object, protocol: Protocol) -> Patient:
    if not isinstance(doc, dict):
        raise ValidationError("patient", tr("A patient record must be a JSON object."))
    for key in ("id", "name", "dob", "clinic_id", "sex", "indication", "scale", "grade",
                "device", "created_at"):
        if key not in doc:
            raise ValidationError(key, tr("The patient record lacks “{key}”.").format(key=key))
    if not is_uuid(doc["id"]):
        raise ValidationError("id", tr("A patient id must be a UUID."))
    created = parse_iso(doc["created_at"], "created_at")
    return make_patient(
        protocol, name=doc["name"], dob=doc["dob"], clinic_id=doc["clinic_id"], sex=doc["sex"],
        indication=doc["indication"], scale=doc["scale"], grade=doc["grade"],
        device=str(doc["device"]), now=created, demo=bool(doc.get("demo", False)),
        patient_id=doc["id"], language=doc.get("language", ""),
    )


@dataclass(frozen=True)
class Practitioner:
    """A practitioner who runs sessions."""

    id: str
    name: str
    device: str
    created_at: str
    active: bool = True

    def to_doc(self) -> PractitionerDoc:
        return {"schema": SCHEMA_VERSION, "kind": "practitioner", "id": self.id,
                "name": self.name, "device": self.device, "created_at": self.created_at,
                "active": self.active}

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> Practitioner:
        return cls(doc["id"], doc["name"], doc["device"], doc["created_at"],
                   bool(doc.get("active", True)))
