"""What goes on paper, as plain data: no Qt, no HTML.

Three documents share one shape (:class:`PrintDoc`): the signed (or draft) session sheet,
the blank sheet filled in by hand when the computer is down, and the patient's aftercare
handout. :mod:`microneedle_desk.printing.sheet` turns a PrintDoc into HTML and
:mod:`microneedle_desk.printing.render` lays it out on pages.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime
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
from microneedle_desk.dates import decimal, long_date, long_moment, short_date, short_moment
from microneedle_desk.i18n import N_, tr

SHEET_TITLE = N_("Scalp microneedling — session record")
BLANK_TITLE = N_("Scalp microneedling — session record (paper)")
HANDOUT_TITLE = N_("Looking after your scalp after microneedling")
DRAFT_MARK = N_("DRAFT — not signed")
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
    language: str = ""            # the language it is printed in, when not the clinic's (a handout)

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
    course: str = ""              # "Session 4 of 12 (plan)" when the session belongs to a course


# -- formatting ------------------------------------------------------------------------
def fmt_date(day: date | None) -> str:
    return short_date(day) if day else ""


# Set while a sheet whose times were taken at more than one UTC offset is built: each time
# printed then carries its offset, so 10:05 before a clock change and 09:50 after it read right.
_WITH_OFFSET: ContextVar[bool] = ContextVar("with_offset", default=False)


def _offset(moment: datetime) -> str:
    if not _WITH_OFFSET.get() or moment.utcoffset() is None:
        return ""
    text = moment.strftime("%z")
    return f" (UTC{text[:3]}:{text[3:]})"


def fmt_dt(moment: datetime | None) -> str:
    return short_moment(moment) + _offset(moment) if moment else ""


def fmt_time(moment: datetime | None) -> str:
    return moment.strftime("%H:%M") + _offset(moment) if moment else ""


def fmt_long(moment: datetime) -> str:
    """``Wednesday 26 November 2026 at 09:45``: the handout's way of naming a moment."""
    return long_moment(moment)


def fmt_long_date(day: date) -> str:
    return long_date(day)


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
    return tr("{minutes} min {secs:02d} s").format(minutes=minutes, secs=secs)


def signature_mark(state: SessionState) -> str:
    """The fingerprint of the session's sign-off signature: matches the paper to the person who
    signed the record, which a recomputed hash cannot fake (empty for a record without one)."""
    from microneedle_desk.core.signing import fingerprint

    sig = next((e.get("sig") for e in reversed(state.events) if e.get("type") == "signed"), None)
    return fingerprint(sig if isinstance(sig, dict) else None)


def short_hash(record_hash: str) -> str:
    return record_hash[:12]


def _mm(value: object) -> str:
    return tr("{value} mm").format(value=decimal(value)) if value is not None else ""


def _yes(value: bool) -> str:
    return tr("Yes") if value else tr("No")


# -- the session sheet -------------------------------------------------------------------
def _header_patient(state: SessionState, info: SheetInfo) -> list[tuple[str, str]]:
    snap = state.patient_snapshot
    dob = snap.get("dob", "")
    try:
        dob = fmt_date(date.fromisoformat(str(dob)))
    except ValueError:
        dob = str(dob)
    started = state.started.wall if state.started else None
    number = info.course or (tr("Session {session_number}").format(session_number=info.session_number)
                             if info.session_number else "")
    return [(tr("Patient"), str(snap.get("name", ""))), (tr("Date of birth"), dob),
            (tr("Clinic ID"), str(snap.get("clinic_id", ""))), (tr("Session date"), fmt_date(started.date() if started
                                                                                      else None)),
            (tr("Course"), number)]


AMENDED = N_(" (amended)")  # through tr() where printed, in the language then in use


def _screening(state: SessionState, protocol: Protocol, amended: set[str]) -> list[Section]:
    questions = Section(tr("Screening"), label_share=0.8)
    sex = protocol.label("sexes", str(state.patient_snapshot.get("sex", ""))).lower()
    for item in protocol.contraindications:
        answer = state.answers.get(item.id)
        if item.id in state.not_applicable:
            text = tr("N/A")  # the Consent section says why
        else:
            text = tr("not answered") if answer is None else _yes(answer)
            text += tr(AMENDED) if SCREENING_PREFIX + item.id in amended else ""
        questions.fields.append(Field(tr(item.question), text))
    sec = Section(tr("Consent"), columns=1)
    if state.not_applicable:
        items = ", ".join(protocol.label("contraindications", i).rstrip("?") for i in state.not_applicable)
        sec.fields.append(Field(tr("Not asked"), tr("{items}: not applicable to a {sex} patient").format(
            items=items, sex=sex)))
    if state.isotretinoin_last_dose:
        sec.fields.append(Field(tr("Last isotretinoin dose"), fmt_date(state.isotretinoin_last_dose)
                                + (tr(AMENDED) if "isotretinoin_last_dose" in amended else "")))
        sec.fields.append(Field(tr("Eligible from"), fmt_date(state.eligible_from())))
    if state.override_items:
        items = ", ".join(protocol.label("contraindications", i).rstrip("?") for i in state.override_items)
        sec.fields.append(Field(tr("Override"), tr("{items}. Justification: {override_reason}").format(
            items=items, override_reason=state.override_reason)))
    consent = tr("given by {consent_by}, {fmt_iso_text}").format(
        consent_by=state.consent_by,
        fmt_iso_text=fmt_iso_text(state.consent_at)) if state.consent_by else tr("not given")
    consent += tr(AMENDED) if "consent_by" in amended else ""
    sec.fields.append(Field(tr("Consent"), consent))
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
        return tr("{label} — {prp_ml} mL{lot}").format(label=label, prp_ml=decimal(state.prp_ml), lot=lot)
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
    return tr("Uses one at home, {mm} mm needles; home-roller points on the handout").format(
        mm=decimal(state.home_roller_mm))


def _side_effects(state: SessionState, protocol: Protocol) -> Section:
    sec = Section(tr("Side effects"))
    if state.side_effects:
        sec.table = Table((tr("Side effect"), tr("Severity"), tr("Note"), tr("Recorded")))
        for se in sorted(state.side_effects.values(), key=lambda s: s.at):
            sec.table.rows.append((protocol.label("side_effects", se.kind),
                                   protocol.label("severities", se.severity), se.note, fmt_iso_text(se.at)))
    else:
        sec.paragraphs.append(tr("None observed.") if state.none_observed else tr("Not recorded."))
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
        Section(tr("Indication and grade"), [
            Field(tr("Indication"), protocol.label("indications", s.indication) if s.indication else ""),
            Field(tr("Grade"), m(f"{protocol.label('scales', s.scale)} {s.grade}".strip() if s.scale else s.grade,
                             "grade")),
        ]),
        *_screening(s, protocol, amended),
        Section(tr("Anesthetic"), [
            Field(tr("Product"), m(s.anesthetic_product, "anesthetic_product")),
            Field(tr("Applied at"), fmt_dt(s.applied.wall) if s.applied else ""),
            Field(tr("Planned dwell"), tr("{dwell_planned_min} min").format(
                dwell_planned_min=s.dwell_planned_min) if s.dwell_planned_min else ""),
            Field(tr("Actual dwell"), fmt_duration(s.actual_dwell_seconds())),
            *([Field(tr("Started early because"), s.early_start_reason)] if s.early_start_reason else []),
        ]),
        Section(tr("Device and antiseptic"), [
            Field(tr("Needle length"), m(_mm(s.needle_mm), "needle_mm")),
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
            Field(tr("Pauses"), _pauses(s) if s.needling_marks else ""),
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
            Field(tr("Blood washed away"), _yes(s.blood_washed)),
            Field(tr("Antibiotic cream"), m(_antibiotic(s), "antibiotic_product")),
            Field(tr("Adjunct"), m(_adjunct(s, protocol), "adjunct", "minoxidil", "prp_ml", "prp_kit_lot")),
            *([Field(tr("Minoxidil resumes"), fmt_dt(s.minoxidil_resume_at()))] if s.minoxidil_resume_at() else []),
        ], columns=1, label_share=0.2),
        _side_effects(s, protocol),
        Section(tr("Aftercare"), [
            Field(tr("Aftercare given"),
                  tr("Yes — points explained, handout given") if s.aftercare_given else tr("No")),
            Field(tr("Home derma roller"), m(_home_roller(s), "home_roller")),
            Field(tr("Next session"), m(fmt_date(s.next_session), "next_session")),
        ], columns=1, label_share=0.2),
    ]
    sections.append(_deviations(s, protocol))
    clock = _clock(state, offsets)
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
    return PrintDoc("sheet", clinic, tr(SHEET_TITLE), _header_patient(s, info), sections, footer,
                    draft="" if signed else tr(DRAFT_MARK))


def printed_line(by: str, at: datetime | None) -> str:
    when = fmt_dt(at)
    if by and when:
        return tr("Printed by {by} on {when}").format(by=by, when=when)
    return tr("Printed on {when}").format(when=when) if when else ""
