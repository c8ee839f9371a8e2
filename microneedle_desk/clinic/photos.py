"""Photos of a session, as the clinic takes and keeps them (the Clinic owns one :class:`PhotoDesk`).

A photo is attached in three moves: the file is read and converted in memory (nothing is
written if it cannot be used), the checks a record would meet are made on the session as
it stands, then the copy is written and its record saved as an event of the open session,
or, for a signed session, as an amendment with a reason and the PIN of the person making
it. When the record is refused after the copy was written, the copy is taken back, so a
refused photo leaves the data folder as it was. The original file is only ever read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from microneedle_desk.core.accounts import PermissionDenied
from microneedle_desk.core.amendments import check_value, effective_values
from microneedle_desk.core.photos import (
    PHOTO_PREFIX,
    check_consent,
    check_new_photo,
    check_view,
    missing_views,
)
from microneedle_desk.core.protocol import Protocol as CoreProtocol
from microneedle_desk.core.record_types import AmendmentDoc, PhotoRecord
from microneedle_desk.core.session import Session
from microneedle_desk.core.session_state import SessionState
from microneedle_desk.core.validation import ValidationError, require_text
from microneedle_desk.i18n import tr
from microneedle_desk.review import photos as reading
from microneedle_desk.review.photos import CoursePhoto
from microneedle_desk.settings import Settings
from microneedle_desk.store import photos as photo_files
from microneedle_desk.store.store import Store


class Clinic(Protocol):
    """What the photo desk uses of its Clinic (clinic/clinic.py)."""

    store: Store
    protocol: CoreProtocol
    settings: Settings | None

    def _open_session(self) -> Session: ...

    def amend(self, session_id: str, field: str, value: object, reason: str, *, by: str = "",
              pin: str | None = None) -> AmendmentDoc: ...


@dataclass(frozen=True)
class Attached:
    """A photo now on record: its record, and what was done to the copy a person should know."""

    record: PhotoRecord
    notes: tuple[str, ...]


class PhotoDesk:
    def __init__(self, clinic: Clinic) -> None:
        self.clinic = clinic

    @property
    def root(self) -> Path:
        return self.clinic.store.root

    # -- the open session ---------------------------------------------------------------
    def record_consent(self, value: str) -> None:
        """The patient's consent to photos: declined, for the clinical record only, or also for teaching."""
        self.clinic._open_session().record_photo_consent(check_consent(value))

    def add(self, view: str, source: Path) -> Attached:
        """Attach ``source`` as the open session's photo of ``view`` (before needling, or after
        once needling has started)."""
        session = self.clinic._open_session()
        check_view(view, self.clinic.protocol)
        state = session.state
        if state.photo_consent not in ("clinical", "teaching"):  # before reading a large file for nothing
            raise ValidationError("photo_consent", tr(
                "Record the patient's consent to photos first (Screening): none is recorded for this session."))
        prepared = photo_files.prepare(Path(source))
        record = prepared.record(view, "after" if state.needling_marks else "before")
        check_new_photo(state, record, self.clinic.protocol)
        photo_files.write(self.root, prepared)
        try:
            session.add_photo(record)
        except BaseException:
            photo_files.discard(self.root, prepared)
            raise
        return Attached(record, prepared.notes)

    def skip(self, view: str, reason: str) -> None:
        """No photo of ``view`` this time, for ``reason`` (patient declined, not applicable...)."""
        self.clinic._open_session().skip_photo(check_view(view, self.clinic.protocol), reason)

    # -- a signed session -----------------------------------------------------------------
    def amend_add(self, session_id: str, view: str, source: Path, reason: str, *, by: str = "",
                  pin: str | None = None) -> Attached:
        """Attach a photo to a signed session: an amendment, with its reason and the PIN of the
        signed-in person (as every correction)."""
        check_view(view, self.clinic.protocol)
        require_text(reason, "reason", tr("The reason for the amendment"))
        state, amendments = self._signed(session_id)
        prepared = photo_files.prepare(Path(source))
        record = prepared.record(view, "before")
        check_value(PHOTO_PREFIX + view, record, state, effective_values(state, amendments, self.clinic.protocol),
                    self.clinic.protocol)
        photo_files.write(self.root, prepared)
        try:
            self.clinic.amend(session_id, PHOTO_PREFIX + view, record, reason, by=by, pin=pin)
        except BaseException:
            photo_files.discard(self.root, prepared)
            raise
        return Attached(record, prepared.notes)

    def _signed(self, session_id: str) -> tuple[SessionState, list[AmendmentDoc]]:
        state = self.state(session_id)
        if state.status != "signed":
            raise ValidationError("session", tr("Only a signed session takes a photo as an amendment; this one "
                                                "is {status}.").format(status=state.status.replace("_", " ")))
        return state, self.clinic.store.amendments(session_id)

    # -- reading ----------------------------------------------------------------------------
    def state(self, session_id: str) -> SessionState:
        return reading.session_state(self.clinic.store, session_id)

    def photos(self, session_id: str) -> list[PhotoRecord]:
        """Every photo of a session, the ones amended in after it was signed too, oldest first."""
        return reading.session_photos(self.clinic.store, session_id)

    def in_force(self, session_id: str) -> dict[str, PhotoRecord]:
        """View -> the session's photo of it before needling (retakes and amendments applied)."""
        return reading.in_force(self.clinic.store, session_id)

    def course(self, patient_id: str, view: str) -> list[CoursePhoto]:
        """The patient's signed sessions that have a photo of ``view``, oldest first."""
        return reading.course(self.clinic.store, patient_id, view)

    def previous(self, patient_id: str, view: str, before: str = "") -> PhotoRecord | None:
        """The newest earlier photo of ``view`` for this patient (to frame the new one alike)."""
        found = [c for c in self.course(patient_id, view) if c.session_id != before]
        return found[-1].record if found else None

    def file(self, record: Mapping[str, object], thumb: bool = False) -> Path:
        return reading.file_of(self.clinic.store, record, thumb)

    # -- sign-off -------------------------------------------------------------------------
    def required(self) -> bool:
        settings = self.clinic.settings
        return bool(settings.get("photos/required")) if settings is not None else False

    def refuse_incomplete(self, state: SessionState) -> None:
        """When the clinic makes photos required: every view taken or skipped with a reason."""
        if not self.required():
            return
        missing = missing_views(state, self.clinic.protocol)
        if missing:
            raise PermissionDenied(tr("Photos are required by the clinic's settings: take or skip (with a reason) "
                                      "{views} before signing.").format(
                views=", ".join(self.clinic.protocol.label("photo_views", v) for v in missing)))
