"""Photos on paper: the session sheet's photo section, and the course report.

The sheet says what the patient consented to (clinical record only, or teaching too), which
views were taken, skipped (with why) or not taken, and shows the thumbnails of the day's
photos. The course report puts the first and the latest photo of each view side by side,
with the grade trend and the list of sessions.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from microneedle_desk.core.amendments import Filed, amended_state
from microneedle_desk.core.photos import consent_label, photos_in_force, view_fates
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.core.session_state import SessionState
from microneedle_desk.i18n import tr
from microneedle_desk.printing.content import ClinicInfo, Footer, PrintDoc, Section, Table
from microneedle_desk.printing.formats import fmt_date, fmt_long
from microneedle_desk.review import photos as reading
from microneedle_desk.review.course import grade_value, patient_course
from microneedle_desk.store.store import Store


def photo_section(store: Store, state: SessionState, amendments: Sequence[Filed]) -> Section:
    """The sheet's photo section: consent, each view's fate, and the day's thumbnails."""
    p = store.protocol
    state = amended_state(state, list(amendments))
    taken = photos_in_force(state)
    after = photos_in_force(state, "after")
    section = Section(tr("Photos"))
    section.paragraphs.append(tr("Consent to photos: {consent}.").format(consent=consent_label(state.photo_consent)))
    section.bullets.extend(f"{label}: {fate}" for label, fate in view_fates(state, p))
    section.images = [(str(reading.file_of(store, photo, thumb=True)), p.label("photo_views", view))
                      for view, photo in taken.items()]
    section.images += [(str(reading.file_of(store, photo, thumb=True)),
                        tr("{view}, after needling").format(view=p.label("photo_views", view)))
                       for view, photo in after.items()]
    return section


def _day(started_at: str) -> str:
    try:
        return fmt_date(datetime.fromisoformat(started_at).date())
    except ValueError:
        return started_at[:10]


def course_report(store: Store, patient_id: str, clinic: ClinicInfo, printed_by: str, now: datetime) -> PrintDoc:
    """Before and after for each view, the grade trend and the sessions: one patient's course."""
    protocol: Protocol = store.protocol
    course = patient_course(store, patient_id)
    if not course.entries:
        raise LookupError(tr("This patient has no sessions yet."))
    sections: list[Section] = []
    pairs = Section(tr("Before and after"))
    for view in protocol.photo_views:
        photos = reading.course(store, patient_id, view.id)
        if not photos:
            pairs.bullets.append(tr("{view}: no photo in any signed session.").format(view=view.label))
            continue
        first, last = photos[0], photos[-1]
        sub = Section(view.label, image_px=300)
        sub.images.append((str(reading.file_of(store, first.record)),
                           tr("Before: {date}, grade {grade}").format(date=_day(first.started_at), grade=first.grade)))
        if last.session_id != first.session_id:
            sub.images.append((str(reading.file_of(store, last.record)),
                               tr("Latest: {date}, grade {grade}").format(date=_day(last.started_at),
                                                                          grade=last.grade)))
        else:
            sub.paragraphs.append(tr("Only one session has this view so far."))
        sections.append(sub)
    if pairs.bullets:
        sections.append(pairs)
    signed = course.signed
    trend = Section(tr("Grade trend"))
    graded = [(e, grade_value(protocol, e.scale, e.grade)) for e in signed]
    if graded:
        first_e, last_e = graded[0][0], graded[-1][0]
        trend.paragraphs.append(tr("{scale}: {first} at the first signed session ({d1}), {last} at the latest "
                                   "({d2}).").format(scale=protocol.scale(first_e.scale).label if first_e.scale
                                                     else "", first=first_e.grade, last=last_e.grade,
                                                     d1=fmt_date(first_e.started.date()),
                                                     d2=fmt_date(last_e.started.date())))
        trend.table = Table((tr("Date"), tr("Grade")), [(fmt_date(e.started.date()), e.grade) for e, _ in graded])
    else:
        trend.paragraphs.append(tr("No signed session yet."))
    sessions = Section(tr("Sessions"))
    sessions.table = Table((tr("#"), tr("Date"), tr("Needle (mm)"), tr("Grade"), tr("Status")), [
        (str(e.number or ""), fmt_date(e.started.date()), f"{e.needle_mm:g}" if e.needle_mm is not None else "—",
         e.grade, e.status.replace("_", " ")) for e in course.entries])
    patient = [(tr("Patient"), course.patient_name), (tr("Clinic ID"), course.clinic_id),
               (tr("Sessions"), str(len(course.entries)))]
    return PrintDoc(kind="course", clinic=clinic, title=tr("Course report"), patient=patient,
                    sections=[*sections, trend, sessions],
                    footer=Footer(printed=tr("Printed by {who} on {when}").format(who=printed_by, when=fmt_long(now)),
                                  signature=False))
