"""The clinic: the one object through which a record of a session is changed.

It holds the store, the protocol and the clock, who is signed in, and the session open
now. Each thing a person does to a session is a method with typed arguments; the rules
about who may do it are checked here, not in a screen: a session is started and signed
only by a practitioner with an account who gives their PIN (once anyone has an account),
and a departure from the protocol is saved only with the acting practitioner's PIN. A
refusal raises the core's :class:`ValidationError` or :class:`PermissionDenied`, whose
message is meant for the person.

Asking for a PIN is the caller's business (a dialog, a script's known PIN): a command
takes the PIN as an argument, or, without one, asks :attr:`Clinic.ask_pin`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from microneedle_desk import paths
from microneedle_desk.clinic.events import (
    ClinicEvent,
    EntrySaved,
    Listener,
    LockChanged,
    SessionClosed,
    SessionOpened,
    SignedIn,
)
from microneedle_desk.clinic.photos import PhotoDesk
from microneedle_desk.clinic.pins import SIGN, START, TAKE_OVER, Cancelled, PinPrompt, Pins
from microneedle_desk.clinic.server_sync import ServerSync
from microneedle_desk.clinic.steps import StepEntries
from microneedle_desk.core.accounts import Account, PermissionDenied, permitted, require
from microneedle_desk.core.clock import Clock
from microneedle_desk.core.event_types import SessionEvent
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.core.record_types import AccessSubject, AmendmentDoc
from microneedle_desk.core.records import Patient, check_language, make_patient
from microneedle_desk.core.session import Session
from microneedle_desk.core.session_state import SessionConfig, SessionState
from microneedle_desk.core.validation import ValidationError
from microneedle_desk.i18n import tr
from microneedle_desk.settings import Settings
from microneedle_desk.store.accounts import AccountBook
from microneedle_desk.store.store import Store

if TYPE_CHECKING:
    from microneedle_desk.clinic.backups import BackupSettings
    from microneedle_desk.clinic.courses import CourseDesk
    from microneedle_desk.clinic.maintenance import Maintenance
    from microneedle_desk.clinic.server_sync import ServerSync
__all__ = ["Cancelled", "Clinic", "PinPrompt"]  # Cancelled, PinPrompt: where callers have read them


class Clinic(Pins, StepEntries):
    """One data folder as the people at the clinic use it (no Qt: screens and scripts alike)."""

    def __init__(self, store: Store, protocol: Protocol, clock: Clock, settings: Settings | None = None) -> None:
        self.store, self.protocol, self.clock = store, protocol, clock
        self.settings = settings  # the clinic's settings file (None where only records are touched)
        self._current: Account | None = None
        self._locked = False
        self._listeners: list[Listener] = []
        self.session: Session | None = None  # the session open now
        self.ask_pin: PinPrompt | None = None
        self._accounts: AccountBook | None = None
        self._override_pin: str | None = None
        self._backups: BackupSettings | None = None
        self._courses: CourseDesk | None = None
        self.photos = PhotoDesk(self)  # photos of sessions: taking, keeping, comparing
        self._server: ServerSync | None = None

    @classmethod
    def open(cls, root: Path, protocol: Protocol, clock: Clock, *, read_only: bool = False) -> Clinic:
        """The data folder at ``root`` (its lock already held, or ``read_only``): the store, with
        anything a stop left half-done finished, and the settings."""
        store = Store(root, protocol, clock, read_only=read_only)
        store.recover()
        return cls(store, protocol, clock, Settings(protocol, paths.settings_file(root)))

    # -- what the views hear ---------------------------------------------------------------
    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` with each event from now on; returns the way to stop."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _publish(self, event: ClinicEvent) -> None:
        for listener in list(self._listeners):
            listener(event)

    def publish(self, event: ClinicEvent) -> None:
        """Tell the views of a change a service the clinic owns (its courses) has saved."""
        self._publish(event)

    @property
    def maintenance(self) -> Maintenance:
        """The command-line tools' changes: demo data, the record of each use (clinic/maintenance.py)."""
        from microneedle_desk.clinic.maintenance import Maintenance  # noqa: PLC0415 (kept off the start-up path until first used)

        return Maintenance(self)

    @property
    def courses(self) -> CourseDesk:
        """Course plans and each patient's course (clinic/courses.py)."""
        if self._courses is None:
            from microneedle_desk.clinic.courses import CourseDesk  # noqa: PLC0415 (kept off the start-up path until first used)

            self._courses = CourseDesk(self)
        return self._courses

    @property
    def current(self) -> Account | None:
        """Who is signed in (None: nobody)."""
        return self._current

    @current.setter
    def current(self, account: Account | None) -> None:
        before = self._current.id if self._current else None
        self._current = account
        if (account.id if account else None) != before:
            self._publish(SignedIn(account.id if account else None))

    @property
    def locked(self) -> bool:
        """The screen is locked (idle or "Lock now"): no entry until it is unlocked."""
        return self._locked

    @locked.setter
    def locked(self, value: bool) -> None:
        if value != self._locked:
            self._locked = value
            self._publish(LockChanged(value))

    @property
    def backups(self) -> BackupSettings:
        """The backup key, the second location and the day's backup (clinic/backups.py)."""
        if self._backups is None:
            from microneedle_desk.clinic.backups import BackupSettings  # noqa: PLC0415 (kept off the start-up path until first used)

            self._backups = BackupSettings(self)
        return self._backups

    @property
    def accounts(self) -> AccountBook:
        """The accounts (made on first need: the store's amendments are then signed through it)."""
        if self._accounts is None:
            self._accounts = AccountBook(self.store)
        return self._accounts

    @property
    def server(self) -> ServerSync:
        """The clinic server: which, a connection test, sync (clinic/server_sync.py)."""
        if self._server is None:
            self._server = ServerSync(self)
        return self._server

    # -- who is signed in ---------------------------------------------------------------
    @property
    def enforcing(self) -> bool:
        """Whether anyone has an account: until then, nobody signs in and no PIN is asked."""
        return self.store.has_accounts()

    def create_first_admin(self, name: str, pin: str) -> Account:
        """The first start: the first admin sets their own PIN, and is signed in."""
        account = self.accounts.create_first_admin(name, pin)
        self.current = account
        return account

    def sign_in(self, account_id: str, pin: str, new_pin: str = "") -> Account:
        """Sign in with the account's PIN. An account with no PIN yet sets ``new_pin`` as its PIN;
        one whose PIN an admin reset must change it to ``new_pin`` to go on."""
        found = self.accounts.account(account_id)
        if found is None:
            raise ValidationError("account", tr("Pick your account."))
        if found.pin_hash is None:
            if not new_pin:
                raise ValidationError("pin", tr("{name} has no PIN yet: choose one (twice).").format(name=found.name))
            self.accounts.change_pin(account_id, None, new_pin)
            account = self.accounts.sign_in(account_id, new_pin)
        else:
            account = self.accounts.sign_in(account_id, pin)
            if account.must_change_pin:
                if not new_pin:
                    raise ValidationError("pin", tr("Choose a new PIN (twice) to go on: yours was reset, or is "
                                                    "shorter than a PIN must now be (at least 6 digits)."))
                account = self.accounts.change_pin(account_id, pin, new_pin)
        self.current = account
        return account

    def sign_in_as(self, account: Account | None) -> None:
        """``account`` (whose PIN the sign-in checked) is now at the keyboard; None signs out."""
        self.current = account

    def may(self, permission: str) -> bool:
        """Whether the signed-in person may do this (everything, while nobody has an account)."""
        return not self.enforcing or permitted(permission, self.current)

    def require(self, permission: str) -> Account | None:
        """The signed-in account when it may do this (None while nobody has an account);
        PermissionDenied with the core's message otherwise."""
        if not self.enforcing:
            return None
        return require(permission, self.current)

    def change_pin(self, old_pin: str, new_pin: str) -> Account:
        """The signed-in person changes their own PIN (the current one proves it is them)."""
        if self.current is None:
            raise PermissionDenied(tr("Nobody is signed in: sign in instead."))
        self.current = self.accounts.change_pin(self.current.id, old_pin, new_pin)
        return self.current

    def record(self, action: str, subject: AccessSubject | None = None, detail: str = "") -> None:
        """One access-log record by the signed-in person (UUIDs only in ``subject``, never a name).
        Nothing is written while nobody has an account (there is no one to name)."""
        if self.enforcing:
            self.accounts.log(action, self.current.id if self.current else None, subject=subject, detail=detail)

    def change_settings(self, values: Mapping[str, object]) -> list[str]:
        """Save the clinic's settings as given (an admin's, once anyone has an account): every value
        is checked against its option's bounds first, and one refused saves nothing. Only the
        values that differ are written; their names (never their values) go to the access log.
        Returns the names of the settings changed."""
        self.require("change_settings")
        if self.settings is None:
            raise ValidationError("settings", tr("The settings cannot be changed here: no settings file is open."))
        checked = {key: self.settings.check(key, value) for key, value in values.items()}
        changed = [key for key, value in checked.items() if value != self.settings.get(key)]
        for key in changed:
            self.settings.set(key, checked[key])
        if changed:
            self.record("settings changed", detail=", ".join(changed))
        return changed

    def open_patient_record(self, patient: Patient) -> None:
        """A patient's record was opened: the access log says who looked at it."""
        self.record("opened patient record", {"patient_id": patient.id})

    # -- the lock ---------------------------------------------------------------------------
    def lock(self) -> bool:
        """Lock (idle, or "Lock now"): nothing is entered until the signed-in person unlocks or
        another takes over. False when there is nobody to lock for or it is locked already."""
        if self.locked or self.current is None:
            return False
        self.locked = True
        self.accounts.log("lock", self.current.id)
        return True

    def unlock(self, pin: str) -> Account:
        """The signed-in person unlocks with their PIN."""
        if self.current is None:
            raise PermissionDenied(tr("Nobody is signed in: sign in instead."))
        account = self.accounts.unlock(self.current.id, pin)
        self.locked, self.current = False, account
        return account

    def take_over(self, account_id: str, pin: str) -> Account:
        """Another person unlocks with their own PIN: they take over the session in progress (recorded),
        or, with none in progress, simply sign in."""
        session = self.session
        if session is not None and session.state.status == "in_progress":
            account = self.accounts.prove(account_id, pin, TAKE_OVER, {"session_id": session.id})
            session.change_practitioner(account.id, reason="taken_over")
            self.accounts.log("take-over", account.id, subject={"session_id": session.id})
        else:
            account = self.accounts.sign_in(account_id, pin)
        self.locked, self.current = False, account
        return account

    def _save(self, event: SessionEvent, state: SessionState) -> None:
        """Where a session's events go: once anyone has an account, only through the accounts'
        guarded path (a start, sign-off or override needs a fresh PIN proof)."""
        if self.enforcing:
            self.accounts.guarded_sink()(event, state)
        else:
            self.store.append_event(event, state)
        session_id = str(event.get("session", ""))
        if self.session is not None and self.session.id == session_id:  # a start is told as SessionOpened
            self._publish(EntrySaved(session_id, str(event.get("type", ""))))

    # -- patients -------------------------------------------------------------------------
    def register_patient(self, *, name: str, dob: str, clinic_id: str, sex: str, indication: str, scale: str,
                         grade: str, language: str = "") -> Patient:
        """Register a patient (once anyone has an account, by a signed-in person who runs sessions);
        ValidationError names the field and what is allowed."""
        self.require("run_sessions")
        patient = make_patient(self.protocol, name=name, dob=dob, clinic_id=clinic_id, sex=sex,
                               indication=indication, scale=scale, grade=grade, device=self.store.device,
                               now=self.clock.now(), language=language)
        return self.store.add_patient(patient)

    def set_patient_language(self, patient_id: str, language: str) -> Patient:
        """The language ``patient_id`` reads ("" for the clinic's): their handouts print in it.
        By a person who runs sessions; ValidationError for a language the app does not have."""
        self.require("run_sessions")
        return self.store.set_patient_language(patient_id, check_language(language))

    # -- the session's life ---------------------------------------------------------------
    def start_session(self, patient: Patient, practitioner_id: str, config: SessionConfig,
                      pin: str | None = None) -> Session:
        """Start a session for ``patient``, led by ``practitioner_id`` (their PIN once anyone has an
        account; asked when not given). Raises Cancelled when the prompt was cancelled.

        A session far past the window of the patient's course is refused until the practitioner
        chooses how it counts (``courses.new_phase`` or ``courses.new_course``): never silently."""
        gap = self.courses.gap(patient.id)
        if gap is not None:
            raise ValidationError("course", tr(
                "This session is {days} days after it was due ({due}), far outside the course plan's window: "
                "choose whether it starts a new phase or a new course.").format(days=gap[1], due=gap[0].isoformat()))
        self._prove(practitioner_id, START, pin)
        config = self.courses.session_config(patient.id, config)
        session = Session.start(self.protocol, self.clock, self.store.device, patient, practitioner_id, config,
                                sink=self._save)
        return self._open(session, resumed=False)

    def resume_session(self, events: Sequence[Mapping[str, object]]) -> Session:
        """Go on with a session that was in progress (its saved events)."""
        return self._open(Session.resume(self.protocol, self.clock, self.store.device, events, sink=self._save),
                          resumed=True)

    def _open(self, session: Session, resumed: bool) -> Session:
        session.confirm_override = self._confirm_override
        self.session = session
        self._publish(SessionOpened(session.id, resumed))
        return session

    def close_session(self) -> None:
        """Put the open session aside (it stays in progress on disk unless it was signed or abandoned)."""
        session, self.session = self.session, None
        if session is not None:
            self._publish(SessionClosed(session.id, session.state.status))

    def _open_session(self) -> Session:
        if self.session is None:
            raise PermissionDenied(tr("No session is open."))
        if self.locked:
            raise PermissionDenied(tr("The screen is locked: unlock it with your PIN, or take over, to go on."))
        return self.session

    def sign(self, acknowledge: bool = False, pin: str | None = None) -> None:
        """Sign the session: its practitioner's PIN (once anyone has an account) and, when it departs
        from the protocol, ``acknowledge`` that they reviewed the departures listed."""
        session = self._open_session()
        self.photos.refuse_incomplete(session.state)
        self._prove(session.state.practitioner_id, SIGN, pin)
        session.sign(acknowledge=acknowledge)

    def abandon(self, reason: str) -> None:
        self._open_session().abandon(reason)

    def change_practitioner(self, practitioner_id: str) -> None:
        self._open_session().change_practitioner(practitioner_id)

    def record_interruption(self, down_since: datetime, gap_seconds: float) -> None:
        self._open_session().record_interruption(down_since, gap_seconds)

    def save_draft(self, field: str, text: str) -> None:
        self._open_session().save_draft(field, text)

    # -- corrections to signed records ---------------------------------------------------
    def amend(self, session_id: str, field: str, value: object, reason: str, *, by: str = "",
              pin: str | None = None) -> AmendmentDoc:
        """Correct one field of a signed session, for ``reason``; returns the sealed amendment.

        Once anyone has an account, the correction is signed by the signed-in person with their
        PIN (asked when not given; Cancelled when they cancel). Before that it is stamped with
        ``by`` (the practitioner last picked), as sessions are."""
        if not self.enforcing:
            return self.store.amend(session_id, field, value, reason, by)
        if self.current is None:
            raise PermissionDenied(tr("Sign in first: a correction is signed with the PIN of the person "
                                      "making it."))
        pin = self._pin(self.current, "amend", pin)
        return self.accounts.amend(self.current.id, pin, session_id, field, value, reason)
