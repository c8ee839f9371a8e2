"""Where course events and the clinic's own course plans are kept: ``courses.json``.

Table ``events`` holds every course event (:mod:`microneedle_desk.core.course_events`),
appended, never changed (those made in other rooms too, once pulled from the clinic server:
each keeps its own device and author); table ``presets`` holds course plans a clinic added, each a record
with its UUID, device, author and time. The checks are the core's; only the Clinic calls the
writing methods (clinic/courses.py), after its permission checks.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from tinydb import TinyDB
from tinydb.storages import MemoryStorage

from microneedle_desk import paths
from microneedle_desk.core.course_events import Course, fold_courses, validate_course_event
from microneedle_desk.core.record_types import CourseEventDoc, CoursePresetDoc, JsonObject
from microneedle_desk.core.validation import ValidationError
from microneedle_desk.store.course_spans import CourseSpans
from microneedle_desk.store.storage import AtomicCachedStorage
from microneedle_desk.store.store import ReadOnlyError, Store


class CourseFile:
    """The course events and clinic presets of one data folder."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._db: TinyDB | None = None
        # what a reader needs is found through the spans and read from the file each time: the
        # parsed file is held only while a write needs it (ten years of events, kept, would be
        # held for the life of the process)
        self._spans = CourseSpans(paths.courses_file(store.root))

    def _open(self) -> TinyDB | None:
        path = paths.courses_file(self.store.root)
        if self._db is None:
            if self.store.read_only and not path.exists():
                return None
            self._db = TinyDB(str(path), storage=AtomicCachedStorage, read_only=self.store.read_only)
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
        self._spans.drop()

    def _written(self) -> None:
        """After a write: TinyDB's parsed copy of the file is let go (the next write parses it again)."""
        if self._db is not None:
            self._db.close()
            self._db = None

    # -- reading ----------------------------------------------------------------------------
    # Events are filed only once validate_course_event has passed them (append, adopt).
    def events(self) -> list[CourseEventDoc]:
        """Every course event (read for this call, not kept)."""
        try:
            return [cast(CourseEventDoc, dict(d)) for d in self._tables().table("events").all()]
        finally:
            self._written()

    def _tables(self) -> TinyDB:
        db = self._open()
        if db is None:
            return TinyDB(storage=MemoryStorage)
        return db

    def by_patient(self) -> dict[str, list[CourseEventDoc]]:
        """Every patient's course events, as stored (read for this call, not kept)."""
        out: dict[str, list[CourseEventDoc]] = {}
        for ev in self.events():
            out.setdefault(str(ev.get("patient_id")), []).append(ev)
        return out

    def events_of(self, patient_id: str) -> list[CourseEventDoc]:
        """One patient's course events, in the order they were filed (read from the file, not kept)."""
        return self._spans.events_of(patient_id)

    def courses(self, patient_id: str) -> list[Course]:
        return fold_courses(self.events_of(patient_id))

    def presets(self) -> list[JsonObject]:
        """The clinic's presets as stored (CoursePresetDoc); the reader checks each plan."""
        return self._spans.presets()

    # -- writing (through the Clinic only) --------------------------------------------------
    def _writable(self) -> TinyDB:
        if self.store.read_only:
            raise ReadOnlyError("This copy of the app is read-only: another copy holds the data.")
        db = self._open()
        assert db is not None
        return db

    def append(self, event: CourseEventDoc) -> CourseEventDoc:
        validate_course_event(event)
        try:
            self._writable().table("events").insert(event)
        finally:
            self._written()
        return event

    def append_many(self, events: Sequence[CourseEventDoc]) -> None:
        """Many checked events in one write (the demo data's courses: one write per event would
        rewrite the file thousands of times)."""
        for event in events:
            validate_course_event(event)
        try:
            self._writable().table("events").insert_multiple(events)
        finally:
            self._written()

    def adopt(self, events: list[JsonObject]) -> list[CourseEventDoc]:
        """Keep course events made in other rooms (pulled from the clinic server) beside this
        laptop's own, each checked as one made here; an event already kept (by its UUID) or one
        the rules refuse is left out. Returns those kept, in one write."""
        known = {str(d.get("id")) for d in self.events()}
        new: dict[str, CourseEventDoc] = {}
        for event in events:
            try:
                checked = validate_course_event(event)  # the same dict, named for what it holds
            except ValidationError:
                continue  # the server's copy stays there; `check --server` names it
            if str(checked["id"]) not in known:
                new.setdefault(str(checked["id"]), checked)
        if new:
            try:
                self._writable().table("events").insert_multiple(list(new.values()))
            finally:
                self._written()
        return list(new.values())

    def add_preset(self, record: CoursePresetDoc) -> None:
        try:
            self._writable().table("presets").insert(record)
        finally:
            self._written()
