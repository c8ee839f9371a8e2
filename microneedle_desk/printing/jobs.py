"""Gather what a printout needs from the store and settings: used by the CLI and the app.

Everything clinical comes from the session's own events (replayed); the store adds the
session's number in the course, its record hash and any amendments.
"""

from __future__ import annotations

import getpass
from datetime import date, datetime
from typing import Any

from microneedle_desk.core.amendments import amended_state
from microneedle_desk.core.event_types import SessionDoc
from microneedle_desk.core.fold import replay
from microneedle_desk.core.photos import PHOTO_PREFIX
from microneedle_desk.core.record_types import AmendmentDoc
from microneedle_desk.core.records import is_uuid
from microneedle_desk.core.session_state import SessionState
from microneedle_desk.printing.content import ClinicInfo, PrintDoc, SheetInfo
from microneedle_desk.printing.course_note import course_note
from microneedle_desk.printing.handout import handout
from microneedle_desk.printing.photos import photo_section
from microneedle_desk.printing.session_sheet import session_sheet
from microneedle_desk.settings import Settings
from microneedle_desk.store.store import Store


class NotFoundError(LookupError):
    pass


def clinic_info(settings: Settings) -> ClinicInfo:
    return ClinicInfo(name=str(settings.get("clinic/name")), address=str(settings.get("clinic/address")),
                      phone=str(settings.get("clinic/phone")), logo=str(settings.get("clinic/logo")))


def default_paper(settings: Settings) -> str:
    return str(settings.get("clinic/paper"))


def os_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no user name in the environment or password database
        return ""


def _when(text: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(text))
    except ValueError:
        return None


def session_number(store: Store, state: SessionState) -> int:
    """This session's place in the patient's course: earlier signed sessions + 1."""
    if state.started is None:
        return 1
    mine = state.started.wall
    earlier = 0
    for row in store.summaries():
        if row.get("patient_id") != state.patient_id or row.get("id") == state.id:
            continue
        when = _when(row.get("started_at"))
        if row.get("status") == "signed" and when is not None and when < mine:
            earlier += 1
    return earlier + 1


def amendments(store: Store, session_id: str) -> tuple[AmendmentDoc, ...]:
    """The session's amendments, if this store keeps them (``Store.amendments``)."""
    reader = getattr(store, "amendments", None)
    if not callable(reader):
        return ()
    return tuple(a.copy() for a in reader(session_id) or ())


def name_of(store: Store) -> Any:
    return lambda who: store.practitioner_name(who) if is_uuid(who) else who


def _load(store: Store, session_id: str) -> tuple[SessionState, SessionDoc]:
    doc = store.session_doc(session_id)
    if doc is None:
        raise NotFoundError(f"There is no session with id {session_id}.")
    return replay(doc["events"], store.protocol), doc


def sheet_for(store: Store, session_id: str, clinic: ClinicInfo, printed_by: str,
              now: datetime) -> PrintDoc:
    state, doc = _load(store, session_id)
    note = course_note(store, state)
    info = SheetInfo(session_number=session_number(store, state),
                     course=f"{note.place} ({note.plan})" if note and note.place else "",
                     record_hash=str(doc.get("hash", "")),
                     amendments=amendments(store, session_id), printed_by=printed_by, printed_at=now)
    sheet = session_sheet(state, store.protocol, clinic, info, name_of(store))
    if state.photo_consent or state.photos or state.photo_skips or any(
            str(a.get("field", "")).startswith(PHOTO_PREFIX) for a in info.amendments):
        sheet.sections.append(photo_section(store, state, list(info.amendments)))
    return sheet


def handout_for(store: Store, session_id: str, clinic: ClinicInfo, now: datetime) -> PrintDoc:
    """The handout with the values in force (an amended next date or home roller included)."""
    state, _ = _load(store, session_id)
    state = amended_state(state, list(amendments(store, session_id)))
    note = course_note(store, state)
    course = (note.place, note.next_window[1], note.next_window[2]) if note and note.next_window else None
    patient = store.patient(state.patient_id)  # the language they read now, chosen on the patient page
    return handout(state, clinic, now, protocol=store.protocol, language=patient.language if patient else "",
                   course=course)


def sessions_of_day(store: Store, day: date) -> list[str]:
    """Ids of every session started on ``day`` (the clinic's local date), earliest first.

    Finished sessions come from the index; sessions still in progress are included too
    (they print as drafts), so the end-of-day file shows what is not signed yet.
    """
    found: list[tuple[datetime, str]] = []
    for row in store.summaries():
        when = _when(row.get("started_at"))
        if when is not None and when.date() == day:
            found.append((when, str(row["id"])))
    for active in store.active_sessions():
        when = _when(active.events[0].get("at")) if active.events else None
        if when is not None and when.date() == day:
            found.append((when, active.session_id))
    found.sort()
    return list(dict.fromkeys(sid for _, sid in found))


def latest_session(store: Store) -> str | None:
    """The most recently started finished session, for "print the last session"."""
    rows = [(w, str(r["id"])) for r in store.summaries() if (w := _when(r.get("started_at"))) is not None]
    return max(rows)[1] if rows else None
