"""The parts of the session sheet that take more than a line each: the page header's patient
lines, screening and consent, the needling pauses, the adjunct, clean-up and home roller
entries, side effects, deviations from the protocol and what the clock did.
"""

from __future__ import annotations

from datetime import date, datetime

from microneedle_desk.core.amendments import SCREENING_PREFIX, display_value
from microneedle_desk.core.deviations import deviations, no_justification
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.core.session_state import SessionState
from microneedle_desk.core.timeline import clock_set_back
from microneedle_desk.dates import decimal
from microneedle_desk.i18n import N_, tr
from microneedle_desk.printing.content import Field, Section, SheetInfo, Table
from microneedle_desk.printing.formats import fmt_date, fmt_dt, fmt_duration, fmt_iso_text, fmt_time, yes


def header_patient(state: SessionState, info: SheetInfo) -> list[tuple[str, str]]:
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


def screening(state: SessionState, protocol: Protocol, amended: set[str]) -> list[Section]:
    questions = Section(tr("Screening"), label_share=0.8)
    sex = protocol.label("sexes", str(state.patient_snapshot.get("sex", ""))).lower()
    for item in protocol.contraindications:
        answer = state.answers.get(item.id)
        if item.id in state.not_applicable:
            text = tr("N/A")  # the Consent section says why
        else:
            text = tr("not answered") if answer is None else yes(answer)
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


def pauses(state: SessionState) -> str:
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


def adjunct(state: SessionState, protocol: Protocol) -> str:
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


def antibiotic(state: SessionState) -> str:
    if state.antibiotic_used is None:
        return ""
    return state.antibiotic_product if state.antibiotic_used else tr("None used")


def home_roller(state: SessionState) -> str:
    if state.home_roller is None:
        return tr("Not asked") if state.content < 2 else ""
    if not state.home_roller:
        return tr("Not used")
    return tr("Uses one at home, {mm} mm needles; home-roller points on the handout").format(
        mm=decimal(state.home_roller_mm))


def side_effects_section(state: SessionState, protocol: Protocol) -> Section:
    sec = Section(tr("Side effects"))
    if state.side_effects:
        sec.table = Table((tr("Side effect"), tr("Severity"), tr("Note"), tr("Recorded")))
        for se in sorted(state.side_effects.values(), key=lambda s: s.at):
            sec.table.rows.append((protocol.label("side_effects", se.kind),
                                   protocol.label("severities", se.severity), se.note, fmt_iso_text(se.at)))
    else:
        sec.paragraphs.append(tr("None observed.") if state.none_observed else tr("Not recorded."))
    return sec


def deviations_section(state: SessionState, protocol: Protocol) -> Section:
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


def clock_section(state: SessionState, offsets: list[str]) -> Section | None:
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
