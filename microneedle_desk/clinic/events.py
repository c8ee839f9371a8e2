"""What the clinic tells its views: one small typed record per change, published after the change
is saved (a refused command publishes nothing).

A view subscribes with :meth:`Clinic.subscribe <microneedle_desk.clinic.clinic.Clinic.subscribe>`
and updates what the event concerns, instead of reading the whole state again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class SessionOpened:
    """A session was started, or one that was in progress was resumed."""

    session_id: str
    resumed: bool


@dataclass(frozen=True)
class EntrySaved:
    """One entry of the open session was saved: ``kind`` is the record's event type
    ("anesthetic_applied", "needling_started", "signed", an alert's record...)."""

    session_id: str
    kind: str


@dataclass(frozen=True)
class SessionClosed:
    """The open session was put aside: ``status`` is "signed", "abandoned" or still "in_progress"."""

    session_id: str
    status: str


@dataclass(frozen=True)
class SignedIn:
    """Who is at the keyboard changed (``account_id`` None: nobody)."""

    account_id: str | None


@dataclass(frozen=True)
class LockChanged:
    locked: bool


@dataclass(frozen=True)
class CourseChanged:
    """A patient's course was started, paused, resumed, given another plan or phase, or ended:
    ``kind`` is the course event's type."""

    patient_id: str
    kind: str


ClinicEvent = SessionOpened | EntrySaved | SessionClosed | SignedIn | LockChanged | CourseChanged
Listener = Callable[[ClinicEvent], None]
