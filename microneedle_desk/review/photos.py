"""Reading a patient's photos back: a session's photos in force, and one view across a course."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from microneedle_desk.core.amendments import amended_state
from microneedle_desk.core.fold import replay
from microneedle_desk.core.photos import amended_photos, photos_in_force
from microneedle_desk.core.record_types import PhotoRecord
from microneedle_desk.core.session_state import SessionState
from microneedle_desk.core.validation import ValidationError
from microneedle_desk.i18n import tr
from microneedle_desk.store import photos as photo_files
from microneedle_desk.store.store import Store


@dataclass(frozen=True)
class CoursePhoto:
    """One session's photo of a view, with what is shown beside it."""

    session_id: str
    started_at: str
    needle_mm: float | None
    grade: str
    scale: str
    record: PhotoRecord


def session_state(store: Store, session_id: str) -> SessionState:
    doc = store.session_doc(session_id)
    if doc is None:
        raise ValidationError("session", tr("There is no session {id} in this data folder.").format(id=session_id))
    return replay(doc["events"], store.protocol)


def session_photos(store: Store, session_id: str) -> list[PhotoRecord]:
    """Every photo of a session, the ones amended in after it was signed too, oldest first."""
    return amended_photos(session_state(store, session_id), store.amendments(session_id))


def in_force(store: Store, session_id: str, phase: str = "before") -> dict[str, PhotoRecord]:
    """View -> the session's photo of it (retakes and amendments applied)."""
    state = session_state(store, session_id)
    return photos_in_force(amended_state(state, store.amendments(session_id)), phase)


def course(store: Store, patient_id: str, view: str) -> list[CoursePhoto]:
    """The patient's signed sessions with a photo of ``view`` before needling, oldest first."""
    out = []
    for row in store.patient_summaries(patient_id):
        if row.get("status") != "signed":
            continue
        photo = in_force(store, str(row["id"])).get(view)
        if photo is not None:
            out.append(CoursePhoto(str(row["id"]), str(row.get("started_at", "")), row.get("needle_mm"),
                                   str(row.get("grade", "")), str(row.get("scale", "")), photo))
    return out


def file_of(store: Store, record: Mapping[str, object], thumb: bool = False) -> Path:
    path = photo_files.thumb_path if thumb else photo_files.photo_path
    return path(store.root, str(record["photo_id"]))
