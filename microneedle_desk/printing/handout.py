"""The patient's aftercare handout, printed in the patient's language: what to do and avoid,
for how long, the course's next date and the clinic's phone for questions.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from microneedle_desk import i18n
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.core.session_state import SessionState
from microneedle_desk.dates import decimal
from microneedle_desk.i18n import tr
from microneedle_desk.printing.content import AVOID_DAYS, HANDOUT_TITLE, ClinicInfo, Footer, PrintDoc, Section
from microneedle_desk.printing.formats import fmt_date, fmt_long, fmt_long_date, printed_line


def _course_lines(course: tuple[str, date, date] | None) -> list[str]:
    if course is None:
        return []
    place, first, last = course
    lines = [tr("Your course: {place} today.").format(place=place)] if place else []
    window = tr("To keep to your course plan, come back between {first} and {last}.").format(
        first=fmt_long_date(first), last=fmt_long_date(last))
    return [*lines, window]


def handout(state: SessionState | None, clinic: ClinicInfo, printed_at: datetime | None = None, *,
            protocol: Protocol, language: str = "", course: tuple[str, date, date] | None = None) -> PrintDoc:
    """The aftercare handout in ``language``, the patient's (the patient takes it home); "" is the
    language in use, the clinic's."""
    with i18n.language(language):
        doc = _handout(state, clinic, printed_at, protocol=protocol, course=course)
    doc.language = language
    return doc


def _handout(state: SessionState | None, clinic: ClinicInfo, printed_at: datetime | None = None, *,
             protocol: Protocol, course: tuple[str, date, date] | None = None) -> PrintDoc:
    """The aftercare handout in plain words, large type: the protocol's aftercare points by
    when they apply, and the home-roller points for a patient who uses one at home.

    With no session it leaves the dates blank, to be written in by hand, and keeps the
    home-roller points (the person handing it out cannot leave them out).

    ``course`` (the session's place in the course, and the first and last day the next session
    is on time by the plan) adds them under the next appointment.
    """
    treated: date | None = state.started.wall.date() if state and state.started else None
    resume: datetime | None = None
    if state is not None:
        resume = state.minoxidil_resume_at()
        end = state.needling_finished_at()
        if resume is None and end is not None:  # minoxidil used at home: same delay
            resume = end.wall + timedelta(hours=state.config.minoxidil_hours)
    until = fmt_long_date(treated + timedelta(days=AVOID_DAYS)) if treated else "____________________"
    resume_text = fmt_long(resume) if resume else tr("______________________ at ______")
    next_text = (fmt_long_date(state.next_session) if state and state.next_session
                 else "______________________")
    phone = clinic.phone or tr("the clinic")

    def points(group: str) -> list[str]:
        return [tr(a.text) for a in protocol.aftercare if a.group == group]

    sections = [
        Section(tr("The next few days"), paragraphs=[
            tr("Your scalp may look red and feel warm, tight or tender, rather like a mild sunburn. Small "
               "dots of dried blood, some itching, dryness or light flaking are common. These usually "
               "fade within a few days."),
        ], bullets=points("first_days")),
        Section(tr("For about two weeks"), bullets=points("two_weeks"),
                paragraphs=[tr("Your skin is more sensitive than usual to sunlight and to skin-care products. "
                               "Until the date below:")], highlight=until),
        Section(tr("Minoxidil"), paragraphs=points("minoxidil"), highlight=resume_text),
    ]
    sections += [
        Section(tr("Call the clinic if you notice"), bullets=points("call")),
        Section(tr("Your next appointment"), highlight=next_text, paragraphs=_course_lines(course)),
    ]
    if state is None or state.home_roller:  # a page of its own: the first keeps what everyone needs
        roller = ""
        if state is not None and state.home_roller_mm is not None:
            roller = tr("Your roller's needles: {mm} mm.").format(mm=decimal(state.home_roller_mm))
        sections.append(Section(tr("If you use a derma roller at home"), new_page=True,
                                paragraphs=[p for p in (roller,) if p],
                                bullets=[tr(a.text) for a in protocol.home_roller]))
    patient: list[tuple[str, str]] = [(tr("For"), ""), (tr("Treated on"), "")]  # written in by hand
    if state is not None:
        patient = [(tr("For"), str(state.patient_snapshot.get("name", ""))), (tr("Treated on"), fmt_date(treated))]
    footer = Footer(signature=False, printed=printed_line("", printed_at),
                    note=tr("Questions or worries? Call {phone}.").format(phone=phone))
    return PrintDoc("handout", clinic, tr(HANDOUT_TITLE), patient, sections, footer, large=True)
