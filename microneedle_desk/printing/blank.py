"""The blank session sheet: the same sections as the session record with empty boxes and
tick marks, filled in by hand when the computer is unavailable.
"""

from __future__ import annotations

from datetime import datetime

from microneedle_desk.core.protocol import Protocol
from microneedle_desk.i18n import tr
from microneedle_desk.printing.content import BLANK_TITLE, ClinicInfo, Field, Footer, PrintDoc, Section
from microneedle_desk.printing.formats import printed_line


def _ticks(label: str, options: tuple[str, ...] | list[str]) -> Field:
    return Field(label, kind="ticks", options=tuple(options))


def _line(label: str, hint: str = "") -> Field:
    return Field(label, kind="line", hint=hint)


def blank_sheet(protocol: Protocol, clinic: ClinicInfo, printed_by: str = "",
                printed_at: datetime | None = None) -> PrintDoc:
    """The session sheet with empty boxes, for when the computer is unavailable."""
    b = protocol.bounds
    needle = b["needle_length_mm"]
    dwell, needling = b["dwell_minutes"], b["needling_minutes"]

    def labels(group: str) -> list[str]:
        return [c.label for c in getattr(protocol, group)]

    sections = [
        Section(tr("Indication and grade"), [
            _ticks(tr("Indication"), [tr(i.label) for i in protocol.indications]),
            _line(tr("Scale and grade")),
        ], columns=1),
        Section(tr("Screening"), [Field(c.question, kind="yesno") for c in protocol.contraindications],
                label_share=0.66),
        Section(tr("Consent"), [_line(tr("Last isotretinoin dose")), _line(tr("Override justification")),
                            _line(tr("Consent given by")), _line(tr("Consent time"))]),
        Section(tr("Anesthetic"), [
            _line(tr("Product")), _line(tr("Applied at"), "time"),
            Field(tr("Planned dwell"), kind="box", hint=f"min ({dwell.min}–{dwell.max})"),
            _line(tr("Started early because")),
        ]),
        Section(tr("Device and antiseptic"), [
            Field(tr("Needle length"), kind="box", hint=f"mm ({needle.min}–{needle.max} mm)"),
            _line(tr("Handpiece serial")), _line(tr("Cartridge lot")), _line(tr("Cartridge expiry")),
            _ticks("", [tr("New, sealed cartridge")]), _ticks(tr("Antiseptic"), labels("antiseptics")),
        ]),
        Section(tr("Needling"), new_page=True, fields=[
            _line(tr("Started"), "time"), _line(tr("Finished"), "time"),
            Field(tr("Planned time"), kind="box", hint=f"min ({needling.min}–{needling.max})"),
            _line(tr("Pauses (from–to)")),
            Field(tr("Passes"), kind="box", hint="count"),
            _ticks(tr("Directions"), labels("pass_directions")),
        ]),
        Section(tr("Zones and endpoint"), [
            _ticks(tr("Zones treated"), [tr(z.label) for z in protocol.zones]),
            _ticks(tr("Endpoint"), labels("endpoints")),
            _line(tr("Endpoint note")),
        ], columns=1),
        Section(tr("Clean-up and adjunct"), [
            _ticks("", [tr("Blood washed away")]), _line(tr("Antibiotic cream")),
            _ticks("", [tr("No antibiotic used")]),
            _ticks(tr("Adjunct"), labels("adjuncts")),
            _line(tr("Minoxidil product")),
            _ticks(tr("Strength"), [s.label for s in protocol.minoxidil_strengths]),
            _ticks(tr("Form"), labels("minoxidil_forms")),
            Field(tr("PRP volume"), kind="box", hint="mL"), _line(tr("PRP kit lot")),
            _line(tr("Minoxidil resumes"), tr("date and time")),
        ]),
        Section(tr("Side effects"), [
            _ticks("", [tr("None observed")]),
            _ticks(tr("Seen"), labels("side_effects")),
            _line(tr("Severity and notes")), _line(""), _line(""),
        ], columns=1),
        Section(tr("Aftercare"), [
            _ticks("", [tr("Aftercare explained, handout given")]),
            _ticks(tr("Derma roller at home"), [tr("No"), tr("Yes")]),
            Field(tr("Home roller needles"), kind="box",
                  hint=f"mm ({b['home_roller_mm'].min}–{b['home_roller_mm'].max} mm)"),
            _line(tr("Next session"), "date"),
        ]),
    ]
    patient = [(tr("Patient"), ""), (tr("Date of birth"), ""), (tr("Clinic ID"), ""), (tr("Session date"), ""),
               (tr("Course"), "")]
    footer = Footer(printed=printed_line(printed_by, printed_at))
    return PrintDoc("blank", clinic, tr(BLANK_TITLE), patient, sections, footer)


