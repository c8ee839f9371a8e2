"""The people of a FHIR export: the ``Patient`` (identified, or as a stable pseudonym) and the
``Practitioner`` of each account that ran, signed or corrected a session."""

from __future__ import annotations

import uuid

from microneedle_desk.core.record_types import JsonObject
from microneedle_desk.review import export
from microneedle_desk.review import fhir_codes as codes
from microneedle_desk.review.fhir_source import SYSTEM_NAMESPACE, ExportSetup, SessionRecord

GENDER = {"female": "female", "male": "male", "other": "other"}


def ref(rid: str) -> dict[str, str]:
    """A reference to the bundle entry whose ``fullUrl`` is ``urn:uuid:<rid>``."""
    return {"reference": f"urn:uuid:{rid}"}


def patient_id(setup: ExportSetup, rec: SessionRecord) -> str:
    """The Patient's id: the patient's UUID, or (de-identified) a UUID made from the pseudonym."""
    pid = rec.signed.patient_id
    if setup.deidentify:
        return str(uuid.uuid5(SYSTEM_NAMESPACE, "patient:" + export.pseudonym(setup.secret, pid)))
    return pid


def patient(setup: ExportSetup, rec: SessionRecord) -> JsonObject:
    """The patient's current record (or the session's copy of it when the record is gone)."""
    s, p = rec.signed, rec.patient
    snap = s.patient_snapshot
    name = p.name if p else str(snap.get("name", ""))
    dob = p.dob.isoformat() if p else str(snap.get("dob", ""))
    sex = p.sex if p else str(snap.get("sex", ""))
    res: JsonObject = {"resourceType": "Patient", "id": patient_id(setup, rec)}
    if setup.deidentify:
        res["identifier"] = [{"system": setup.pseudonym_system, "value": export.pseudonym(setup.secret, s.patient_id)}]
    else:
        clinic_id = p.clinic_id if p else str(snap.get("clinic_id", ""))
        ident: JsonObject = {
            "use": "usual", "type": {"coding": [codes.coding("MR", "Medical record number", codes.IDENTIFIER_TYPE)],
                                     "text": "Clinic patient ID"},
            "system": setup.patient_system, "value": clinic_id}
        if setup.clinic_name:
            ident["assigner"] = {"display": setup.clinic_name}
        res["identifier"] = [ident]
        if name:
            res["name"] = [{"text": name}]
    if sex in GENDER:
        res["gender"] = GENDER[sex]
    if dob:
        res["birthDate"] = dob[:4] if setup.deidentify else dob
    return res


def practitioner(setup: ExportSetup, account: str) -> JsonObject:
    res: JsonObject = {"resourceType": "Practitioner", "id": account, "active": True}
    name = setup.practitioners.get(account)
    if name:
        res["name"] = [{"text": name}]
    return res
