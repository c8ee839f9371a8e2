"""One signed session as FHIR R4B resources (plain dicts, in the shape fhir.resources validates).

A session becomes a ``Procedure`` (its id is the session's UUID) and the resources around it:
``Observation``s for the grade, needle length, dwell and needling minutes; ``Device`` and
``DeviceUseStatement`` for the handpiece and the cartridge; ``MedicationAdministration`` for
what was applied in the room (anesthetic, antiseptic, antibiotic cream, PRP) and a
``MedicationStatement`` for minoxidil, which the patient uses at home; an ``AdverseEvent`` per
side effect; ``Consent``; a ``Provenance`` per amendment. The patient and the practitioners are
written once, with the first session that names them.

Ids come from our UUIDs: the session's, the patient's, the account's, the amendment's; a
resource the record has no UUID of its own for takes UUIDv5(session UUID, its role), the same
in every export. Values are the ones in force (amendments applied); a resource whose value was
amended says so (``status`` "amended") and the amendment is its ``Provenance``.

"None observed" (no side effect seen, confirmed by the practitioner) is written as no
``AdverseEvent`` at all, plus ``Procedure.complication`` = local code ``no-side-effects`` and a
``Procedure.note`` by the person who confirmed it, at that time.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from typing import Any

from microneedle_desk.core.amendments import AMENDABLE, SCREENING_PREFIX, display_value
from microneedle_desk.core.deviations import deviations
from microneedle_desk.core.record_types import JsonObject
from microneedle_desk.core.session_state import Anchor
from microneedle_desk.i18n import tr
from microneedle_desk.review import fhir_codes as codes
from microneedle_desk.review import fhir_people as people
from microneedle_desk.review.fhir_people import ref
from microneedle_desk.review.fhir_source import SYSTEM_NAMESPACE, ExportSetup, SessionRecord

DEVIATION_EVENTS = {
    "screening_override": ("screening_override",),
    "cartridge_expired": ("cartridge_set", "cartridge_expiry_set"),
    "cartridge_unconfirmed": ("cartridge_new_sealed", "cartridge_set"),
    "dwell_below_min": ("needling_started",), "dwell_above_max": ("needling_started",),
    "needling_below_min": ("needling_finished",), "needling_above_max": ("needling_finished",),
}
"""Deviation kind -> the events that record its justification (the note's author and time)."""
AMENDED_ROLE = {
    "grade": "grade", "needle_mm": "needle", "cartridge_lot": "cartridge", "cartridge_expiry": "cartridge",
    "handpiece_serial": "handpiece", "consent_by": "consent", "anesthetic_product": "anesthetic",
    "antiseptic": "antiseptic", "antibiotic_product": "antibiotic", "minoxidil": "minoxidil",
    "adjunct": "minoxidil", "prp_ml": "prp", "prp_kit_lot": "prp",
}
"""Amended field -> the role of the resource that carries it (anything else: the Procedure)."""
WITHHELD = "(free text withheld in a de-identified export)"


def uuid5(namespace: bytes, name: str) -> str:
    """``str(uuid.uuid5(UUID(bytes=namespace), name))``, without the UUID objects (made for
    every resource of every session)."""
    digest = bytearray(hashlib.sha1(namespace + name.encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _when(anchor: Anchor | None) -> str | None:
    return anchor.wall.isoformat(timespec="seconds") if anchor is not None else None


class SessionMapper:
    """Maps sessions one by one; remembers which patients, practitioners and handpieces it wrote."""

    def __init__(self, setup: ExportSetup) -> None:
        self.setup, self.protocol = setup, setup.protocol
        self.written: set[str] = set()  # ids of patients, practitioners and handpieces already in the bundle

    def _once(self, res: JsonObject, out: list[JsonObject]) -> None:
        if res["id"] not in self.written:
            self.written.add(res["id"])
            out.append(res)

    # -- a session -----------------------------------------------------------------
    def resources(self, rec: SessionRecord) -> list[JsonObject]:
        s, signed = rec.state, rec.signed
        last = {e["type"]: e for e in signed.events}
        amended = {a["field"] for a in rec.amendments}
        out: list[JsonObject] = []
        if people.patient_id(self.setup, rec) not in self.written:
            self._once(people.patient(self.setup, rec), out)
        accounts = [s.practitioner_id, s.signed_by, *(str(e.get("by")) for e in signed.events),
                    *(str(a["by"]) for a in rec.amendments)]
        for account in dict.fromkeys(a for a in accounts if a and a != "None" and a not in self.written):
            self._once(people.practitioner(self.setup, account), out)
        ctx = _Session(self, rec, last, amended)
        out += ctx.build()
        return out


class _Session:
    """The resources of one session (a helper of :class:`SessionMapper`)."""

    def __init__(self, mapper: SessionMapper, rec: SessionRecord, last: Mapping[str, Mapping[str, Any]],
                 amended: set[str]) -> None:
        self.m, self.rec, self.s, self.last, self.amended = mapper, rec, rec.state, last, amended
        self.deid, self.protocol = mapper.setup.deidentify, mapper.protocol
        self.patient = ref(people.patient_id(mapper.setup, rec))
        self.procedure = ref(self.s.id)
        self.performer = ref(self.s.practitioner_id)
        start, end = self.s.needling_started_at(), self.s.needling_finished_at()
        self.period = {k: v for k, v in (("start", _when(start)), ("end", _when(end))) if v}
        self.ids: dict[str, str] = {"procedure": self.s.id}
        self.namespace = uuid.UUID(self.s.id).bytes

    def rid(self, role: str) -> str:
        self.ids[role] = uuid5(self.namespace, role)
        return self.ids[role]

    def at(self, kind: str) -> str | None:
        event = self.last.get(kind)
        return str(event["at"]) if event else None

    def text(self, free: str) -> str:
        return WITHHELD if self.deid and free.strip() else free

    def status(self, *fields: str) -> str:
        return "amended" if self.amended.intersection(fields) else "final"

    def build(self) -> list[JsonObject]:
        devices = self.devices()  # first: the Procedure names the devices it used
        out = [self.procedure_resource()]
        out += self.observations()
        out += devices
        out += self.medications()
        out += self.adverse_events()
        out += self.consent()
        out += self.provenance()
        return out

    # -- Procedure -----------------------------------------------------------------
    def procedure_resource(self) -> JsonObject:
        s, p = self.s, self.protocol
        res: JsonObject = {
            "resourceType": "Procedure", "id": s.id, "status": "completed", "code": codes.fixed("scalp-microneedling"),
            "subject": self.patient, "performer": [{"actor": self.performer}],
        }
        if self.period:
            res["performedPeriod"] = self.period
        if s.signed_by:
            res["recorder"] = ref(s.signed_by)
        if s.indication:
            indication = codes.code("indication", s.indication)
            res["reasonCode"] = [codes.concept(indication, p.label("indications", s.indication))]
        if s.zones:
            res["bodySite"] = [codes.concept(codes.code("zone", z), p.label("zones", z))
                               for z in p.ids("zones") if z in s.zones]
        if s.endpoints:
            labels = [p.label("endpoints", e) for e in s.endpoints]
            note = [self.text(s.endpoint_note)] if s.endpoint_note else []
            outcome: JsonObject = {"text": "; ".join(labels + note)}
            if len(s.endpoints) == 1:  # codings of one concept are alternatives: only one endpoint is coded
                outcome["coding"] = [codes.coding(codes.code("endpoint", s.endpoints[0]), labels[0])]
            res["outcome"] = outcome
        if s.none_observed:
            res["complication"] = [codes.fixed("no-side-effects")]
        notes = self.notes()
        if notes:
            res["note"] = notes
        used = [ref(self.ids[r]) for r in ("handpiece", "cartridge") if r in self.ids]
        if used:
            res["usedReference"] = used
        return res

    def note(self, text: str, event: Mapping[str, Any] | None) -> JsonObject:
        ann: JsonObject = {"text": text}
        if event is not None:
            ann["authorReference"], ann["time"] = ref(str(event["by"])), str(event["at"])
        return ann

    def notes(self) -> list[JsonObject]:
        s, out = self.s, []
        for dev in deviations(s, self.protocol):
            event = next((self.last[k] for k in DEVIATION_EVENTS.get(dev.kind, ()) if k in self.last),
                         self.last.get("signed"))
            why = self.text(dev.justification) if dev.justified else tr("(no justification recorded)")
            text = tr("Deviation from the protocol — {title}: {figures}. Justification: {why}").format(
                title=dev.title, figures=dev.figures, why=why)
            if dev.kind in s.deviations_acknowledged:
                text += " " + tr("(acknowledged at sign-off)")
            out.append(self.note(text, event))
        if s.none_observed:
            out.append(self.note(tr("No side effects observed (confirmed by the practitioner)."),
                                 self.last.get("none_observed")))
        if s.antibiotic_used is False:
            out.append(self.note(tr("No antibiotic cream was used."), self.last.get("antibiotic_applied")))
        return out

    # -- Observations --------------------------------------------------------------
    def observation(self, role: str, code: str, category: str, status: str, **value: Any) -> JsonObject:
        res: JsonObject = {
            "resourceType": "Observation", "id": self.rid(role), "status": status,
            "category": [{"coding": [codes.coding(category, category.title(),
                                                  "http://terminology.hl7.org/CodeSystem/observation-category")]}],
            "code": codes.fixed(code), "subject": self.patient, "partOf": [self.procedure],
            "performer": [self.performer]}
        res.update(value)
        return res

    def observations(self) -> list[JsonObject]:
        s, p, out = self.s, self.protocol, []
        if s.scale and s.grade:
            scale = p.scale(s.scale)
            if scale.grades:
                value: JsonObject = {"valueCodeableConcept": codes.concept(
                    codes.grade_code(s.scale, s.grade), f"{scale.label} {s.grade}")}
            else:  # SALT: the percentage of scalp without hair
                value = {"valueQuantity": codes.quantity(float(s.grade), "%")}
            when = self.at("grade_recorded") or _when(s.started)
            out.append(self.observation("grade", "hair-loss-grade", "exam", self.status("grade"),
                                        effectiveDateTime=when,
                                        method=codes.concept(codes.code("scale", s.scale), scale.label), **value))
        if s.needle_mm is not None:
            out.append(self.observation("needle", "needle-length", "procedure", self.status("needle_mm"),
                                        effectivePeriod=self.period,
                                        valueQuantity=codes.quantity(float(s.needle_mm), "mm")))
        dwell, needling = s.actual_dwell_seconds(), s.actual_needling_seconds()
        if dwell is not None:
            out.append(self.timed("dwell", "anesthetic-dwell", dwell, s.dwell_planned_min,
                                  {"start": _when(s.applied), "end": self.period.get("start")}))
        if needling is not None:
            out.append(self.timed("needling", "needling-time", needling, s.needling_planned_min, self.period))
        return out

    def timed(self, role: str, code: str, seconds: float, planned: int | None,
              period: JsonObject) -> JsonObject:
        extra: JsonObject = {"valueQuantity": codes.quantity(round(seconds / 60, 1), "min"),
                                 "effectivePeriod": {k: v for k, v in period.items() if v}}
        if planned is not None:
            extra["component"] = [{"code": codes.fixed("planned-minutes"),
                                   "valueQuantity": codes.quantity(planned, "min")}]
        return self.observation(role, code, "procedure", "final", **extra)

    # -- Devices -------------------------------------------------------------------
    def devices(self) -> list[JsonObject]:
        s, out = self.s, []
        uses = []
        if s.handpiece_serial:
            hid = str(uuid.uuid5(SYSTEM_NAMESPACE, "handpiece:" + s.handpiece_serial))
            self.ids["handpiece"] = hid
            if hid not in self.m.written:
                self.m.written.add(hid)
                out.append({"resourceType": "Device", "id": hid, "status": "active",
                            "serialNumber": s.handpiece_serial, "type": codes.fixed("handpiece")})
            uses.append(("handpiece-use", hid))
        if s.cartridge_lot:
            cart: JsonObject = {"resourceType": "Device", "id": self.rid("cartridge"), "status": "inactive",
                                    "lotNumber": s.cartridge_lot, "type": codes.fixed("needle-cartridge"),
                                    "patient": self.patient}
            if s.cartridge_expiry is not None:
                cart["expirationDate"] = s.cartridge_expiry.isoformat()
            out.append(cart)
            uses.append(("cartridge-use", cart["id"]))
        for role, device in uses:
            use: JsonObject = {"resourceType": "DeviceUseStatement", "id": self.rid(role), "status": "completed",
                                   "subject": self.patient, "device": ref(device), "source": self.performer,
                                   "derivedFrom": [self.procedure]}
            if self.period:
                use["timingPeriod"] = self.period
            if s.signed_at:
                use["recordedOn"] = s.signed_at
            out.append(use)
        return out

    # -- Medications ---------------------------------------------------------------
    def administration(self, role: str, medication: JsonObject, **extra: Any) -> JsonObject:
        res: JsonObject = {"resourceType": "MedicationAdministration", "id": self.rid(role), "status": "completed",
                               **medication, "subject": self.patient, "partOf": [self.procedure],
                               "performer": [{"actor": self.performer}]}
        res.update(extra)
        return res

    def medications(self) -> list[JsonObject]:
        s, p, out = self.s, self.protocol, []
        if s.anesthetic_product and s.applied is not None:
            period = {k: v for k, v in (("start", _when(s.applied)), ("end", self.period.get("start"))) if v}
            med = {"medicationCodeableConcept": codes.fixed("topical-anesthetic", s.anesthetic_product)}
            dosage: JsonObject = {"site": {"text": tr("Scalp, the zones to be treated")}}
            if s.dwell_planned_min is not None:
                dosage["text"] = tr("Planned dwell {minutes} min").format(minutes=s.dwell_planned_min)
            out.append(self.administration("anesthetic", med, effectivePeriod=period, dosage=dosage))
        if s.antiseptic:
            label = p.label("antiseptics", s.antiseptic)
            med = {"medicationCodeableConcept": codes.concept(codes.code("antiseptic", s.antiseptic), label)}
            out.append(self.administration("antiseptic", med, effectiveDateTime=self.at("antiseptic_set")
                                           or self.period.get("start")))
        if s.antibiotic_used and s.antibiotic_product:
            med = {"medicationCodeableConcept": codes.fixed("antibiotic-cream", s.antibiotic_product)}
            out.append(self.administration("antibiotic", med, effectiveDateTime=self.at("antibiotic_applied")
                                           or self.period.get("end")))
        when = self.at("adjunct_set") or self.period.get("end")
        if s.adjunct == "prp" and s.prp_ml is not None:
            medication: JsonObject = {"resourceType": "Medication", "id": self.rid("prp-medication"),
                                          "code": codes.fixed("prp")}
            if s.prp_kit_lot:
                medication["batch"] = {"lotNumber": s.prp_kit_lot}
            out.append(medication)
            out.append(self.administration("prp", {"medicationReference": ref(medication["id"])},
                                           effectiveDateTime=when,
                                           dosage={"dose": codes.quantity(float(s.prp_ml), "mL")}))
        if s.adjunct == "minoxidil" and s.minoxidil_product:
            strength = p.label("minoxidil_strengths", s.minoxidil_strength)
            form = p.label("minoxidil_forms", s.minoxidil_form)
            statement: JsonObject = {
                "resourceType": "MedicationStatement", "id": self.rid("minoxidil"), "status": "active",
                "medicationCodeableConcept": codes.fixed("minoxidil", f"{s.minoxidil_product} {strength} ({form})"),
                "subject": self.patient, "partOf": [self.procedure], "informationSource": self.performer,
                "dosage": [{"text": f"{strength}, {form}"}]}
            if when:
                statement["dateAsserted"] = when
            resume = s.minoxidil_resume_at()
            if resume is not None:
                statement["effectivePeriod"] = {"start": resume.isoformat(timespec="seconds")}
                statement["note"] = [{"text": tr("Resume minoxidil from {when}.").format(
                    when=resume.isoformat(timespec="seconds"))}]
            out.append(statement)
        return out

    # -- Side effects, consent, amendments ------------------------------------------
    def adverse_events(self) -> list[JsonObject]:
        s, p, out = self.s, self.protocol, []
        added = {str(e["data"].get("entry_id")): e for e in self.rec.signed.events if e["type"] == "side_effect_added"}
        for entry, se in s.side_effects.items():
            label = p.label("side_effects", se.kind)
            text = f"{label}: {self.text(se.note)}" if se.note else label
            res: JsonObject = {
                "resourceType": "AdverseEvent", "id": self.rid("side-effect:" + entry), "actuality": "actual",
                "event": {"coding": [codes.coding(codes.code("side-effect", se.kind), label)], "text": text},
                "subject": self.patient, "date": se.at, "recordedDate": se.at,
                "severity": {"coding": [codes.coding(se.severity, p.label("severities", se.severity), codes.SEVERITY)]},
                "suspectEntity": [{"instance": self.procedure}]}
            event = added.get(entry)
            res["recorder"] = ref(str(event["by"])) if event else self.performer
            out.append(res)
        return out

    def consent(self) -> list[JsonObject]:
        s = self.s
        if not s.consent_at:
            return []
        res: JsonObject = {
            "resourceType": "Consent", "id": self.rid("consent"), "status": "active",
            "scope": {"coding": [codes.coding("treatment", "Treatment", codes.CONSENT_SCOPE)]},
            "category": [codes.fixed("treatment-consent")], "patient": self.patient, "dateTime": s.consent_at,
            "policyRule": {"text": tr("The clinic's consent to scalp microneedling")},
            "provision": {"type": "permit", "code": [codes.fixed("scalp-microneedling")]}}
        if s.consent_by and not self.deid:
            res["performer"] = [{"display": s.consent_by}]
        return [res]

    def provenance(self) -> list[JsonObject]:
        out = []
        for doc in self.rec.amendments:
            field = str(doc["field"])
            role = AMENDED_ROLE.get(field, "procedure")
            target = self.ids.get(role, self.s.id)
            if field.startswith(SCREENING_PREFIX):
                label = tr("Screening answer: {item}").format(
                    item=self.protocol.label("contraindications", field[len(SCREENING_PREFIX):]))
            else:
                label = AMENDABLE.get(field, field)
            if self.deid:
                reason = tr("{field} corrected").format(field=label)
            else:
                reason = tr("{field} corrected from {old} to {new}: {why}").format(
                    field=label, old=display_value(field, doc.get("old"), self.protocol),
                    new=display_value(field, doc.get("new"), self.protocol), why=doc.get("reason", ""))
            out.append({
                "resourceType": "Provenance", "id": str(doc["id"]),
                "target": [ref(target)] + ([self.procedure] if target != self.s.id else []),
                "recorded": str(doc["at"]),
                "activity": {"coding": [codes.coding("UPDATE", "revise", codes.DATA_OPERATION)]},
                "agent": [{"who": ref(str(doc["by"]))}],
                "reason": [{"text": reason}]})
        return out

