"""The store's patients and the old practitioner names: reading, finding and adding them,
each patient checked and each clinic patient ID unique.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tinydb import Query

from microneedle_desk import paths
from microneedle_desk.core.record_types import JsonObject, PatientDoc
from microneedle_desk.core.records import (
    Patient,
    Practitioner,
    validate_patient_doc,
)
from microneedle_desk.core.validation import ValidationError
from microneedle_desk.i18n import tr
from microneedle_desk.store.store_files import StoreFiles


class StorePatients(StoreFiles):


    # -- practitioners --------------------------------------------------------------
    def practitioners(self, include_inactive: bool = False) -> list[Practitioner]:
        docs = self._db_for(paths.patients_file(self.root)).table("practitioners").all()
        people = [Practitioner.from_doc(d) for d in docs]
        return sorted((p for p in people if include_inactive or p.active), key=lambda p: p.name.lower())

    def practitioner_name(self, practitioner_id: str) -> str:
        for p in self.practitioners(include_inactive=True):
            if p.id == practitioner_id:
                return p.name
        return "(unknown practitioner)"

    # -- patients -------------------------------------------------------------------
    def _patients_table(self) -> Any:
        return self._db_for(paths.patients_file(self.root)).table("patients")

    def patients(self) -> list[Patient]:
        return [Patient.from_doc(d) for d in self._patients_table().all()]

    def patient_list(self) -> list[tuple[str, str, str, str, str]]:
        """``(id, name, clinic ID, date of birth, indication)`` of every patient, as stored.

        The patient list's rows, read from the parsed file without building a record per
        patient: a few milliseconds with thousands of patients (``patients()`` builds a
        :class:`Patient` each). Patient documents are rewritten when the store is
        upgraded (see :mod:`microneedle_desk.store.upgrade`), so these fields are current.
        """
        data = self._db_for(paths.patients_file(self.root)).storage.read() or {}
        return [(str(d["id"]), str(d["name"]), str(d["clinic_id"]), str(d["dob"]), str(d["indication"]))
                for d in data.get("patients", {}).values()]

    def patient(self, patient_id: str) -> Patient | None:
        doc = self._patients_table().get(Query().id == patient_id)
        return Patient.from_doc(doc) if doc else None

    def add_patient(self, patient: Patient) -> Patient:
        """Add a checked patient. The clinic patient ID must be unique."""
        self._guard()
        doc = patient.to_doc()
        validate_patient_doc(doc, self.protocol)
        wanted = patient.clinic_id.casefold()
        for other in self._patients_table().all():
            if str(other.get("clinic_id", "")).casefold() == wanted:
                raise ValidationError("clinic_id", tr("The clinic patient ID “{clinic_id}” is already used by "
                                                      "another patient; each patient needs their own ID.").format(
                                                      clinic_id=patient.clinic_id))
        self._patients_table().insert(doc)
        return patient

    def adopt_patients(self, docs: Sequence[JsonObject]) -> tuple[int, list[JsonObject]]:
        """Take in patients registered on other laptops (pulled from the clinic server).

        Each is checked as a patient registered here is; one already here (same UUID) is left
        as it is. One whose clinic patient ID is used here by another patient, or that the rules
        here refuse, is not taken in: it is returned, for the admin to resolve (the server keeps
        both). Returns (taken, held).
        """
        self._guard()
        table = self._patients_table()
        here = {str(d.get("id")) for d in table.all()}
        taken = {str(d.get("clinic_id", "")).casefold() for d in table.all()}
        new, held = [], []
        for doc in docs:
            if str(doc.get("id")) in here:
                continue
            try:
                patient = validate_patient_doc(doc, self.protocol)
            except ValidationError:
                held.append(doc)
                continue
            if patient.clinic_id.casefold() in taken:
                held.append(doc)
                continue
            taken.add(patient.clinic_id.casefold())
            here.add(patient.id)
            new.append(patient.to_doc())
        if new:
            table.insert_multiple(new)
        return len(new), held

    def set_patient_language(self, patient_id: str, language: str) -> Patient:
        """Record the language a patient reads (checked by the caller); every other field is kept."""
        self._guard()
        table = self._patients_table()
        doc = table.get(Query().id == patient_id)
        if doc is None:
            raise ValidationError("patient", tr("There is no such patient."))
        changed = {k: v for k, v in doc.items() if k != "language"}
        if language:
            changed["language"] = language
        validate_patient_doc(changed, self.protocol)

        def set_language(stored: PatientDoc) -> None:
            stored.pop("language", None)
            if language:
                stored["language"] = language

        table.update(set_language, Query().id == patient_id)  # one write: the record is never missing
        return Patient.from_doc(changed)

    def find_patients(self, text: str) -> list[Patient]:
        needle = text.strip().casefold()
        found = [p for p in self.patients()
                 if not needle or needle in p.name.casefold() or needle in p.clinic_id.casefold()
                 or needle in p.dob.isoformat()]
        return sorted(found, key=lambda p: p.name.casefold())

    def import_patients(self, patients: list[Patient]) -> None:
        """Add many checked patients in one write (clinic IDs unique, as in add_patient)."""
        self._guard()
        taken = {str(d.get("clinic_id", "")).casefold() for d in self._patients_table().all()}
        docs = []
        for patient in patients:
            doc = patient.to_doc()
            validate_patient_doc(doc, self.protocol)
            key = patient.clinic_id.casefold()
            if key in taken:
                raise ValidationError("clinic_id", tr("The clinic patient ID “{clinic_id}” is already used by "
                                                      "another patient.").format(clinic_id=patient.clinic_id))
            taken.add(key)
            docs.append(doc)
        self._patients_table().insert_multiple(docs)
