"""The signed (or draft) session sheet for the patient's paper file, as a :class:`PrintDoc`.

The values printed are those in force: an amended value is marked "(amended)", and the
amendments table says what it was, who changed it, when and why.
"""

from __future__ import annotations

from typing import Any

from microneedle_desk.core.amendments import amended_state, display_value, field_label
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.core.session_state import SessionState
from microneedle_desk.core.timeline import utc_offsets
from microneedle_desk.i18n import tr
from microneedle_desk.printing import sheet_parts
from microneedle_desk.printing.content import (
    DRAFT_MARK,
    SHEET_TITLE,
    ClinicInfo,
    Field,
    Footer,
    PrintDoc,
    Section,
    SheetInfo,
    Table,
)
from microneedle_desk.printing.formats import (
    WITH_OFFSET,
    fmt_date,
    fmt_dt,
    fmt_duration,
    fmt_iso_text,
    mm,
    printed_line,
    short_hash,
    signature_mark,
    yes,
)
from microneedle_desk.printing.sheet_parts import AMENDED


def session_sheet(state: SessionState, protocol: Protocol, clinic: ClinicInfo, info: SheetInfo,
                  name_of: Any = str) -> PrintDoc:
    """The session record for the patient's paper file. ``name_of(id)`` names a practitioner.

    The values printed are those in force: an amended value is marked "(amended)", and the
    amendments table says what it was, who changed it, when and why.
    """
    offsets = utc_offsets(state.events)
    token = WITH_OFFSET.set(len(offsets) > 1)
    try:
        return _session_sheet(state, protocol, clinic, info, name_of, offsets)
    finally:
        WITH_OFFSET.reset(token)


def _session_sheet(state: SessionState, protocol: Protocol, clinic: ClinicInfo, info: SheetInfo,
                   name_of: Any, offsets: list[str]) -> PrintDoc:
    s = amended_state(state, list(info.amendments))
    amended = {str(a.get("field", "")) for a in info.amendments}

    def m(text: str, *fields: str) -> str:
        return text + tr(AMENDED) if text and amended.intersection(fields) else text

    finished = s.needling_finished_at()
    started = s.needling_started_at()
    sections = [
        Section(tr("Indication and grade"), [
            Field(tr("Indication"), protocol.label("indications", s.indication) if s.indication else ""),
            Field(tr("Grade"), m(f"{protocol.label('scales', s.scale)} {s.grade}".strip() if s.scale else s.grade,
                             "grade")),
        ]),
        *sheet_parts.screening(s, protocol, amended),
        Section(tr("Anesthetic"), [
            Field(tr("Product"), m(s.anesthetic_product, "anesthetic_product")),
            Field(tr("Applied at"), fmt_dt(s.applied.wall) if s.applied else ""),
            Field(tr("Planned dwell"), tr("{dwell_planned_min} min").format(
                dwell_planned_min=s.dwell_planned_min) if s.dwell_planned_min else ""),
            Field(tr("Actual dwell"), fmt_duration(s.actual_dwell_seconds())),
            *([Field(tr("Started early because"), s.early_start_reason)] if s.early_start_reason else []),
        ]),
        Section(tr("Device and antiseptic"), [
            Field(tr("Needle length"), m(mm(s.needle_mm), "needle_mm")),
            Field(tr("Handpiece serial"), m(s.handpiece_serial, "handpiece_serial")),
            Field(tr("Cartridge lot"), m(s.cartridge_lot, "cartridge_lot")),
            Field(tr("Cartridge expiry"), m(fmt_date(s.cartridge_expiry), "cartridge_expiry")),
            Field(tr("New, sealed cartridge"), tr("Confirmed") if s.cartridge_new_sealed else tr("Not confirmed")),
            Field(tr("Antiseptic"), m(protocol.label("antiseptics", s.antiseptic) if s.antiseptic else "",
                                  "antiseptic")),
        ]),
        Section(tr("Needling"), [
            Field(tr("Started"), fmt_dt(started.wall) if started else ""),
            Field(tr("Finished"), fmt_dt(finished.wall) if finished else ""),
            Field(tr("Planned time"), tr("{needling_planned_min} min").format(
                needling_planned_min=s.needling_planned_min) if s.needling_planned_min else ""),
            Field(tr("Actual time"), fmt_duration(s.actual_needling_seconds())),
            Field(tr("Pauses"), sheet_parts.pauses(s) if s.needling_marks else ""),
            Field(tr("Passes"), m(f"{s.passes} — " + ", ".join(protocol.label("pass_directions", d)
                                                            for d in s.directions) if s.passes else "",
                              "passes", "directions")),
            Field(tr("Zones treated"), m(", ".join(protocol.label("zones", z) for z in protocol.ids("zones")
                                               if z in s.zones), "zones")),
            Field(tr("Endpoint"), m(tr(" and ").join(protocol.label("endpoints", k) for k in s.endpoints)
                                + (f" — {s.endpoint_note}" if s.endpoint_note else ""),
                                "endpoint", "endpoint_note")),
        ]),
        Section(tr("Clean-up and adjunct"), [
            Field(tr("Blood washed away"), yes(s.blood_washed)),
            Field(tr("Antibiotic cream"), m(sheet_parts.antibiotic(s), "antibiotic_product")),
            Field(tr("Adjunct"), m(sheet_parts.adjunct(s, protocol), "adjunct", "minoxidil", "prp_ml", "prp_kit_lot")),
            *([Field(tr("Minoxidil resumes"), fmt_dt(s.minoxidil_resume_at()))] if s.minoxidil_resume_at() else []),
        ], columns=1, label_share=0.2),
        sheet_parts.side_effects_section(s, protocol),
        Section(tr("Aftercare"), [
            Field(tr("Aftercare given"),
                  tr("Yes — points explained, handout given") if s.aftercare_given else tr("No")),
            Field(tr("Home derma roller"), m(sheet_parts.home_roller(s), "home_roller")),
            Field(tr("Next session"), m(fmt_date(s.next_session), "next_session")),
        ], columns=1, label_share=0.2),
    ]
    sections.append(sheet_parts.deviations_section(s, protocol))
    clock = sheet_parts.clock_section(state, offsets)
    if clock is not None:
        sections.append(clock)
    if s.interruptions:
        sections.append(Section(tr("Interruptions"), columns=1, fields=[
            Field(tr("App stopped"), tr("from {fmt_iso_text} to {fmt_iso_text2} ({fmt_duration})").format(
                fmt_iso_text=fmt_iso_text(i['down_since']), fmt_iso_text2=fmt_iso_text(i['resumed_at']),
                fmt_duration=fmt_duration(float(i['gap_seconds'])))) for i in s.interruptions]))
    if s.status == "abandoned":
        sections.append(Section(tr("Abandoned"), paragraphs=[tr("The session was abandoned: {abandon_reason}").format(
            abandon_reason=s.abandon_reason)]))
    if info.amendments:
        table = Table((tr("When"), tr("By"), tr("What"), tr("Was"), tr("Now"), tr("Why")))
        for a in info.amendments:
            what = str(a.get("field", ""))
            table.rows.append((fmt_iso_text(str(a.get("at", ""))), name_of(str(a.get("by", ""))),
                               field_label(what, protocol), display_value(what, a.get("old"), protocol),
                               display_value(what, a.get("new"), protocol), str(a.get("reason", ""))))
        sections.append(Section(tr("Amendments after signing"), table=table))
    signed = s.status == "signed"
    printed_at = info.printed_at
    footer = Footer(
        practitioner=name_of(s.signed_by or s.practitioner_id),
        signed_at=fmt_iso_text(s.signed_at) if signed else "",
        printed=printed_line(info.printed_by, printed_at),
        record=short_hash(info.record_hash),
        signature_mark=signature_mark(s) if signed else "",
    )
    return PrintDoc("sheet", clinic, tr(SHEET_TITLE), sheet_parts.header_patient(s, info), sections, footer,
                    draft="" if signed else tr(DRAFT_MARK))
