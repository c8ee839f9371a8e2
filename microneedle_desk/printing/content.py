"""What goes on paper, as plain data: no Qt, no HTML.

Three documents share one shape (:class:`PrintDoc`): the signed (or draft) session sheet,
the blank sheet filled in by hand when the computer is down, and the patient's aftercare
handout. :mod:`microneedle_desk.printing.sheet` turns a PrintDoc into HTML and
:mod:`microneedle_desk.printing.render` lays it out on pages.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from microneedle_desk.core.amendments import (
    SCREENING_PREFIX,
    amended_state,
    display_value,
    field_label,
)
from microneedle_desk.core.deviations import deviations, no_justification
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.core.session_state import SessionState
from microneedle_desk.core.timeline import clock_set_back, utc_offsets
from microneedle_desk.i18n import tr

SHEET_TITLE = "Scalp microneedling — session record"
BLANK_TITLE = "Scalp microneedling — session record (paper)"
HANDOUT_TITLE = "Looking after your scalp after microneedling"
DRAFT_MARK = "DRAFT — not signed"
AVOID_DAYS = 14  # "about two weeks" in the clinical source


@dataclass(frozen=True)
class ClinicInfo:
    name: str = ""
    address: str = ""
    phone: str = ""
    logo: str = ""  # path of an image file; empty for none


@dataclass(frozen=True)
class Field:
    """One entry of a section.

    ``kind``: ``text`` (label and value), ``line`` (a line to write on), ``box`` (a small
    box with ``hint`` beside it), ``ticks`` (one tick box per option), ``yesno`` (a Yes box
    and a No box).
    """

    label: str
    value: str = ""
    kind: str = "text"
    hint: str = ""
    options: tuple[str, ...] = ()


@dataclass
class Table:
    headers: tuple[str, ...]
    rows: list[tuple[str, ...]] = field(default_factory=list)


@dataclass
class Section:
    title: str
    fields: list[Field] = field(default_factory=list)
    columns: int = 2
    label_share: float = 0.4      # of each column, for the labels
    paragraphs: list[str] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)
    table: Table | None = None
    highlight: str = ""           # one line in bold, larger type (a date the patient must see)
    new_page: bool = False        # start this section on a new page (the blank form's second half)
    images: list[tuple[str, str]] = field(default_factory=list)  # (image file, caption), in a row
    image_px: int = 0             # each image's width in CSS pixels (0: a thumbnail's)


@dataclass(frozen=True)
class Footer:
    practitioner: str = ""        # empty on a blank sheet: a line to write on
    signed_at: str = ""           # empty: not signed
    printed: str = ""             # "Printed by … on …"
    record: str = ""              # short hash, to match paper to the record
    signature_mark: str = ""      # fingerprint of the sign-off's signature (empty: none)
    signature: bool = True        # draw the signature line
    note: str = ""                # the handout's "Questions? Call …"


@dataclass
class PrintDoc:
    kind: str                     # sheet | blank | handout
    clinic: ClinicInfo
    title: str
    patient: list[tuple[str, str]]  # identification shown in every page header
    sections: list[Section]
    footer: Footer
    draft: str = ""               # watermark text, empty for none
    large: bool = False           # large type (the handout)

    def text(self) -> str:
        """Every word of the document, for tests and search."""
        parts = [self.clinic.name, self.clinic.address, self.title, self.draft]
        parts += [f"{k} {v}" for k, v in self.patient]
        for s in self.sections:
            parts += [s.title, *s.paragraphs, *s.bullets, s.highlight]
            parts += [f"{f.label} {f.value} {f.hint} {' '.join(f.options)}" for f in s.fields]
            if s.table:
                parts += [" ".join(s.table.headers)] + [" ".join(r) for r in s.table.rows]
            parts += [caption for _, caption in s.images]
        return "\n".join(p for p in parts if p)


@dataclass(frozen=True)
class SheetInfo:
    """Facts about a session that live outside its events (gathered from the store)."""

    session_number: int | None = None
    record_hash: str = ""
    amendments: tuple[dict[str, Any], ...] = ()
    printed_by: str = ""
    printed_at: datetime | None = None


# -- formatting ------------------------------------------------------------------------
def fmt_date(day: date | None) -> str:
    return day.strftime("%d %b %Y") if day else ""


# Set while a sheet whose times were taken at more than one UTC offset is built: each time
# printed then carries its offset, so 10:05 before a clock change and 09:50 after it read right.
_WITH_OFFSET: ContextVar[bool] = ContextVar("with_offset", default=False)


def _offset(moment: datetime) -> str:
    if not _WITH_OFFSET.get() or moment.utcoffset() is None:
        return ""
    text = moment.strftime("%z")
    return f" (UTC{text[:3]}:{text[3:]})"


def fmt_dt(moment: datetime | None) -> str:
    return moment.strftime("%d %b %Y, %H:%M") + _offset(moment) if moment else ""


def fmt_time(moment: datetime | None) -> str:
    return moment.strftime("%H:%M") + _offset(moment) if moment else ""


def fmt_long(moment: datetime) -> str:
    """``Wednesday 26 November 2026 at 09:45``: the handout's way of naming a moment."""
    return f"{moment.strftime('%A')} {moment.day} {moment.strftime('%B %Y')} at {moment.strftime('%H:%M')}"


def fmt_long_date(day: date) -> str:
    return f"{day.strftime('%A')} {day.day} {day.strftime('%B %Y')}"


def fmt_iso_text(text: str) -> str:
    """A stored ISO timestamp as the sheet shows it; text that is not one passes through."""
    try:
        return fmt_dt(datetime.fromisoformat(text))
    except (TypeError, ValueError):
        return text


def fmt_duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    total = round(seconds)
    minutes, secs = divmod(total, 60)
    return f"{minutes} min {secs:02d} s"


def signature_mark(state: SessionState) -> str:
    """The fingerprint of the session's sign-off signature: matches the paper to the person who
    signed the record, which a recomputed hash cannot fake (empty for a record without one)."""
    from microneedle_desk.core.signing import fingerprint

    sig = next((e.get("sig") for e in reversed(state.events) if e.get("type") == "signed"), None)
    return fingerprint(sig if isinstance(sig, dict) else None)


def short_hash(record_hash: str) -> str:
    return record_hash[:12]


def _mm(value: object) -> str:
    return f"{value} mm" if value is not None else ""


def _yes(value: bool) -> str:
    return "Yes" if value else "No"


# -- the session sheet -------------------------------------------------------------------
def _header_patient(state: SessionState, info: SheetInfo) -> list[tuple[str, str]]:
    snap = state.patient_snapshot
    dob = snap.get("dob", "")
    try:
        dob = fmt_date(date.fromisoformat(str(dob)))
    except ValueError:
        dob = str(dob)
    started = state.started.wall if state.started else None
    number = f"Session {info.session_number}" if info.session_number else ""
    return [("Patient", str(snap.get("name", ""))), ("Date of birth", dob),
            ("Clinic ID", str(snap.get("clinic_id", ""))), ("Session date", fmt_date(started.date() if started
                                                                                      else None)),
            ("Course", number)]


AMENDED = " (amended)"  # through tr() where printed, in the language then in use


def _screening(state: SessionState, protocol: Protocol, amended: set[str]) -> list[Section]:
    questions = Section("Screening", label_share=0.8)
    sex = protocol.label("sexes", str(state.patient_snapshot.get("sex", ""))).lower()
    for item in protocol.contraindications:
        answer = state.answers.get(item.id)
        if item.id in state.not_applicable:
            text = tr("N/A")  # the Consent section says why
        else:
            text = "not answered" if answer is None else _yes(answer)
            text += tr(AMENDED) if SCREENING_PREFIX + item.id in amended else ""
        questions.fields.append(Field(item.question, text))
    sec = Section("Consent", columns=1)
    if state.not_applicable:
        items = ", ".join(protocol.label("contraindications", i).rstrip("?") for i in state.not_applicable)
        sec.fields.append(Field(tr("Not asked"), tr("{items}: not applicable to a {sex} patient").format(
            items=items, sex=sex)))
    if state.isotretinoin_last_dose:
        sec.fields.append(Field("Last isotretinoin dose", fmt_date(state.isotretinoin_last_dose)
                                + (tr(AMENDED) if "isotretinoin_last_dose" in amended else "")))
        sec.fields.append(Field("Eligible from", fmt_date(state.eligible_from())))
    if state.override_items:
        items = ", ".join(protocol.label("contraindications", i).rstrip("?") for i in state.override_items)
        sec.fields.append(Field("Override", f"{items}. Justification: {state.override_reason}"))
    consent = f"given by {state.consent_by}, {fmt_iso_text(state.consent_at)}" if state.consent_by else "not given"
    consent += tr(AMENDED) if "consent_by" in amended else ""
    sec.fields.append(Field("Consent", consent))
    return [questions, sec]


def _pauses(state: SessionState) -> str:
    spans: list[str] = []
    paused_at: datetime | None = None
    for kind, anchor in state.needling_marks:
        if kind == "paused":
            paused_at = anchor.wall
        elif kind == "resumed" and paused_at is not None:
            spans.append(f"{fmt_time(paused_at)}–{fmt_time(anchor.wall)}")
            paused_at = None
    if paused_at is not None:
        spans.append(f"{fmt_time(paused_at)}–")
    return f"{len(spans)} ({', '.join(spans)})" if spans else "none"


def _adjunct(state: SessionState, protocol: Protocol) -> str:
    if not state.adjunct:
        return ""
    label = protocol.label("adjuncts", state.adjunct)
    if state.adjunct == "minoxidil":
        if state.minoxidil_product:
            label += " — " + display_value("minoxidil", {
                "product": state.minoxidil_product, "strength": state.minoxidil_strength,
                "form": state.minoxidil_form}, protocol)
        return label
    if state.adjunct == "prp" and state.prp_ml is not None:
        lot = tr(", kit lot {lot}").format(lot=state.prp_kit_lot) if state.prp_kit_lot else ""
        return f"{label} — {state.prp_ml} mL{lot}"
    return label


def _antibiotic(state: SessionState) -> str:
    if state.antibiotic_used is None:
        return ""
    return state.antibiotic_product if state.antibiotic_used else tr("None used")


def _home_roller(state: SessionState) -> str:
    if state.home_roller is None:
        return tr("Not asked") if state.content < 2 else ""
    if not state.home_roller:
        return tr("Not used")
    return tr("Uses one at home, {mm} mm needles; home-roller points on the handout").format(mm=state.home_roller_mm)


def _side_effects(state: SessionState, protocol: Protocol) -> Section:
    sec = Section("Side effects")
    if state.side_effects:
        sec.table = Table(("Side effect", "Severity", "Note", "Recorded"))
        for se in sorted(state.side_effects.values(), key=lambda s: s.at):
            sec.table.rows.append((protocol.label("side_effects", se.kind),
                                   protocol.label("severities", se.severity), se.note, fmt_iso_text(se.at)))
    else:
        sec.paragraphs.append("None observed." if state.none_observed else "Not recorded.")
    return sec


def _deviations(state: SessionState, protocol: Protocol) -> Section:
    """Every departure from the protocol in a box of its own, or "None" (never left out)."""
    found = deviations(state, protocol)
    title = tr("Deviations from the protocol")
    if not found:
        return Section(title, paragraphs=[tr("None.")])
    table = Table((tr("Deviation"), tr("Figures"), tr("Justification")),
                  [(d.title, d.figures, d.justification if d.justified else no_justification()) for d in found])
    paragraphs = []
    if state.status == "signed" and state.deviations_acknowledged:
        paragraphs.append(tr("The signer confirmed having reviewed these {n} deviation(s) before signing.")
                          .format(n=len(found)))
    return Section(title, table=table, paragraphs=paragraphs)


def session_sheet(state: SessionState, protocol: Protocol, clinic: ClinicInfo, info: SheetInfo,
                  name_of: Any = str) -> PrintDoc:
    """The session record for the patient's paper file. ``name_of(id)`` names a practitioner.

    The values printed are those in force: an amended value is marked "(amended)", and the
    amendments table says what it was, who changed it, when and why.
    """
    offsets = utc_offsets(state.events)
    token = _WITH_OFFSET.set(len(offsets) > 1)
    try:
        return _session_sheet(state, protocol, clinic, info, name_of, offsets)
    finally:
        _WITH_OFFSET.reset(token)


def _clock(state: SessionState, offsets: list[str]) -> Section | None:
    """Said on the sheet when the session's own times show the clock moved: set back, or a
    change of UTC offset."""
    paragraphs = [tr("The computer's clock went back by {gap} between entries {a} and {b} (from {before} to "
                     "{after}): the times are printed as the clock showed them.").format(
        gap=fmt_duration(step.seconds), a=step.after_event + 1, b=step.after_event + 2,
        before=fmt_dt(step.before), after=fmt_dt(step.after)) for step in clock_set_back(state.events)]
    if len(offsets) > 1:
        paragraphs.append(tr("This session's times were taken at more than one UTC offset ({offsets}); each "
                             "time on this sheet is given with its offset.").format(offsets=", ".join(offsets)))
    return Section(tr("Clock"), paragraphs=paragraphs) if paragraphs else None


def _session_sheet(state: SessionState, protocol: Protocol, clinic: ClinicInfo, info: SheetInfo,
                   name_of: Any, offsets: list[str]) -> PrintDoc:
    s = amended_state(state, list(info.amendments))
    amended = {str(a.get("field", "")) for a in info.amendments}

    def m(text: str, *fields: str) -> str:
        return text + tr(AMENDED) if text and amended.intersection(fields) else text

    finished = s.needling_finished_at()
    started = s.needling_started_at()
    sections = [
        Section("Indication and grade", [
            Field("Indication", protocol.label("indications", s.indication) if s.indication else ""),
            Field("Grade", m(f"{protocol.label('scales', s.scale)} {s.grade}".strip() if s.scale else s.grade,
                             "grade")),
        ]),
        *_screening(s, protocol, amended),
        Section("Anesthetic", [
            Field("Product", m(s.anesthetic_product, "anesthetic_product")),
            Field("Applied at", fmt_dt(s.applied.wall) if s.applied else ""),
            Field("Planned dwell", f"{s.dwell_planned_min} min" if s.dwell_planned_min else ""),
            Field("Actual dwell", fmt_duration(s.actual_dwell_seconds())),
            *([Field("Started early because", s.early_start_reason)] if s.early_start_reason else []),
        ]),
        Section("Device and antiseptic", [
            Field("Needle length", m(_mm(s.needle_mm), "needle_mm")),
            Field("Handpiece serial", m(s.handpiece_serial, "handpiece_serial")),
            Field("Cartridge lot", m(s.cartridge_lot, "cartridge_lot")),
            Field("Cartridge expiry", m(fmt_date(s.cartridge_expiry), "cartridge_expiry")),
            Field("New, sealed cartridge", "Confirmed" if s.cartridge_new_sealed else "Not confirmed"),
            Field("Antiseptic", m(protocol.label("antiseptics", s.antiseptic) if s.antiseptic else "",
                                  "antiseptic")),
        ]),
        Section("Needling", [
            Field("Started", fmt_dt(started.wall) if started else ""),
            Field("Finished", fmt_dt(finished.wall) if finished else ""),
            Field("Planned time", f"{s.needling_planned_min} min" if s.needling_planned_min else ""),
            Field("Actual time", fmt_duration(s.actual_needling_seconds())),
            Field("Pauses", _pauses(s) if s.needling_marks else ""),
            Field("Passes", m(f"{s.passes} — " + ", ".join(protocol.label("pass_directions", d)
                                                            for d in s.directions) if s.passes else "",
                              "passes", "directions")),
            Field("Zones treated", m(", ".join(protocol.label("zones", z) for z in protocol.ids("zones")
                                               if z in s.zones), "zones")),
            Field("Endpoint", m(" and ".join(protocol.label("endpoints", k) for k in s.endpoints)
                                + (f" — {s.endpoint_note}" if s.endpoint_note else ""),
                                "endpoint", "endpoint_note")),
        ]),
        Section("Clean-up and adjunct", [
            Field("Blood washed away", _yes(s.blood_washed)),
            Field("Antibiotic cream", m(_antibiotic(s), "antibiotic_product")),
            Field("Adjunct", m(_adjunct(s, protocol), "adjunct", "minoxidil", "prp_ml", "prp_kit_lot")),
            *([Field(tr("Minoxidil resumes"), fmt_dt(s.minoxidil_resume_at()))] if s.minoxidil_resume_at() else []),
        ], columns=1, label_share=0.2),
        _side_effects(s, protocol),
        Section("Aftercare", [
            Field("Aftercare given", "Yes — points explained, handout given" if s.aftercare_given else "No"),
            Field(tr("Home derma roller"), m(_home_roller(s), "home_roller")),
            Field("Next session", m(fmt_date(s.next_session), "next_session")),
        ], columns=1, label_share=0.2),
    ]
    sections.append(_deviations(s, protocol))
    clock = _clock(state, offsets)
    if clock is not None:
        sections.append(clock)
    if s.interruptions:
        sections.append(Section("Interruptions", columns=1, fields=[
            Field("App stopped", f"from {fmt_iso_text(i['down_since'])} to {fmt_iso_text(i['resumed_at'])} "
                                 f"({fmt_duration(float(i['gap_seconds']))})") for i in s.interruptions]))
    if s.status == "abandoned":
        sections.append(Section("Abandoned", paragraphs=[f"The session was abandoned: {s.abandon_reason}"]))
    if info.amendments:
        table = Table(("When", "By", "What", "Was", "Now", "Why"))
        for a in info.amendments:
            what = str(a.get("field", ""))
            table.rows.append((fmt_iso_text(str(a.get("at", ""))), name_of(str(a.get("by", ""))),
                               field_label(what, protocol), display_value(what, a.get("old"), protocol),
                               display_value(what, a.get("new"), protocol), str(a.get("reason", ""))))
        sections.append(Section("Amendments after signing", table=table))
    signed = s.status == "signed"
    printed_at = info.printed_at
    footer = Footer(
        practitioner=name_of(s.signed_by or s.practitioner_id),
        signed_at=fmt_iso_text(s.signed_at) if signed else "",
        printed=_printed(info.printed_by, printed_at),
        record=short_hash(info.record_hash),
        signature_mark=signature_mark(s) if signed else "",
    )
    return PrintDoc("sheet", clinic, SHEET_TITLE, _header_patient(s, info), sections, footer,
                    draft="" if signed else DRAFT_MARK)


def _printed(by: str, at: datetime | None) -> str:
    when = fmt_dt(at)
    if by and when:
        return f"Printed by {by} on {when}"
    return f"Printed on {when}" if when else ""


# -- the blank sheet ---------------------------------------------------------------------
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
        Section("Indication and grade", [
            _ticks("Indication", [i.label for i in protocol.indications]),
            _line("Scale and grade"),
        ], columns=1),
        Section("Screening", [Field(c.question, kind="yesno") for c in protocol.contraindications],
                label_share=0.66),
        Section("Consent", [_line("Last isotretinoin dose"), _line("Override justification"),
                            _line("Consent given by"), _line("Consent time")]),
        Section("Anesthetic", [
            _line("Product"), _line("Applied at", "time"),
            Field("Planned dwell", kind="box", hint=f"min ({dwell.min}–{dwell.max})"),
            _line("Started early because"),
        ]),
        Section("Device and antiseptic", [
            Field("Needle length", kind="box", hint=f"mm ({needle.min}–{needle.max} mm)"),
            _line("Handpiece serial"), _line("Cartridge lot"), _line("Cartridge expiry"),
            _ticks("", ["New, sealed cartridge"]), _ticks("Antiseptic", labels("antiseptics")),
        ]),
        Section("Needling", new_page=True, fields=[
            _line("Started", "time"), _line("Finished", "time"),
            Field("Planned time", kind="box", hint=f"min ({needling.min}–{needling.max})"),
            _line("Pauses (from–to)"),
            Field("Passes", kind="box", hint="count"),
            _ticks("Directions", labels("pass_directions")),
        ]),
        Section("Zones and endpoint", [
            _ticks("Zones treated", [z.label for z in protocol.zones]),
            _ticks("Endpoint", labels("endpoints")),
            _line("Endpoint note"),
        ], columns=1),
        Section("Clean-up and adjunct", [
            _ticks("", ["Blood washed away"]), _line("Antibiotic cream"), _ticks("", [tr("No antibiotic used")]),
            _ticks("Adjunct", labels("adjuncts")),
            _line(tr("Minoxidil product")),
            _ticks(tr("Strength"), [s.label for s in protocol.minoxidil_strengths]),
            _ticks(tr("Form"), labels("minoxidil_forms")),
            Field("PRP volume", kind="box", hint="mL"), _line(tr("PRP kit lot")),
            _line("Minoxidil resumes", "date and time"),
        ]),
        Section("Side effects", [
            _ticks("", ["None observed"]),
            _ticks("Seen", labels("side_effects")),
            _line("Severity and notes"), _line(""), _line(""),
        ], columns=1),
        Section("Aftercare", [
            _ticks("", ["Aftercare explained, handout given"]),
            _ticks(tr("Derma roller at home"), [tr("No"), tr("Yes")]),
            Field(tr("Home roller needles"), kind="box",
                  hint=f"mm ({b['home_roller_mm'].min}–{b['home_roller_mm'].max} mm)"),
            _line("Next session", "date"),
        ]),
    ]
    patient = [("Patient", ""), ("Date of birth", ""), ("Clinic ID", ""), ("Session date", ""), ("Course", "")]
    footer = Footer(printed=_printed(printed_by, printed_at))
    return PrintDoc("blank", clinic, BLANK_TITLE, patient, sections, footer)


# -- the patient's handout ----------------------------------------------------------------
def handout(state: SessionState | None, clinic: ClinicInfo, printed_at: datetime | None = None, *,
            protocol: Protocol) -> PrintDoc:
    """The aftercare handout in plain words, large type: the protocol's aftercare points by
    when they apply, and the home-roller points for a patient who uses one at home.

    With no session it leaves the dates blank, to be written in by hand, and keeps the
    home-roller points (the person handing it out cannot leave them out).
    """
    treated: date | None = state.started.wall.date() if state and state.started else None
    resume: datetime | None = None
    if state is not None:
        resume = state.minoxidil_resume_at()
        end = state.needling_finished_at()
        if resume is None and end is not None:  # minoxidil used at home: same delay
            resume = end.wall + timedelta(hours=state.config.minoxidil_hours)
    until = fmt_long_date(treated + timedelta(days=AVOID_DAYS)) if treated else "____________________"
    resume_text = fmt_long(resume) if resume else "______________________ at ______"
    next_text = (fmt_long_date(state.next_session) if state and state.next_session
                 else "______________________")
    phone = clinic.phone or "the clinic"

    def points(group: str) -> list[str]:
        return [a.text for a in protocol.aftercare if a.group == group]

    sections = [
        Section("The next few days", paragraphs=[
            "Your scalp may look red and feel warm, tight or tender, rather like a mild sunburn. "
            "Small dots of dried blood, some itching, dryness or light flaking are common. "
            "These usually fade within a few days.",
        ], bullets=points("first_days")),
        Section(tr("For about two weeks"), bullets=points("two_weeks"),
                paragraphs=[tr("Your skin is more sensitive than usual to sunlight and to skin-care products. "
                               "Until the date below:")], highlight=until),
        Section("Minoxidil", paragraphs=points("minoxidil"), highlight=resume_text),
    ]
    sections += [
        Section("Call the clinic if you notice", bullets=points("call")),
        Section("Your next appointment", highlight=next_text),
    ]
    if state is None or state.home_roller:  # a page of its own: the first keeps what everyone needs
        roller = ""
        if state is not None and state.home_roller_mm is not None:
            roller = tr("Your roller's needles: {mm} mm.").format(mm=state.home_roller_mm)
        sections.append(Section(tr("If you use a derma roller at home"), new_page=True,
                                paragraphs=[p for p in (roller,) if p],
                                bullets=[a.text for a in protocol.home_roller]))
    patient: list[tuple[str, str]] = [("For", ""), ("Treated on", "")]  # written in by hand
    if state is not None:
        patient = [("For", str(state.patient_snapshot.get("name", ""))), ("Treated on", fmt_date(treated))]
    footer = Footer(signature=False, printed=_printed("", printed_at),
                    note=f"Questions or worries? Call {phone}.")
    return PrintDoc("handout", clinic, HANDOUT_TITLE, patient, sections, footer, large=True)
