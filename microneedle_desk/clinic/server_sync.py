"""The clinic server as the Clinic offers it: which server, a connection test, a sync, its status.

Who may set the server is checked here (an admin, like every setting). A sync needs nobody
signed in: it moves records already made, it makes none. The network part runs wherever
the caller likes (the app: a worker thread, so a session never waits for the network);
landing what was pulled runs on the thread that owns the store. A server that is away is
normal: the failure is kept for the status bar, the next try waits longer (up to
:data:`MAX_WAIT_S`), and nothing recorded here is touched.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypedDict

from microneedle_desk.clinic.events import CourseChanged
from microneedle_desk.core.records import iso
from microneedle_desk.core.validation import ValidationError
from microneedle_desk.i18n import tr
from microneedle_desk.server import schema
from microneedle_desk.server.conflicts import Finding, open_findings, record_merge
from microneedle_desk.server.connection import ServerError, connect, dsn_problem, reason
from microneedle_desk.server.sync import SyncResult, exchange, land, waiting
from microneedle_desk.store.folder import os_user

DSN_KEY = "server/dsn"
EVERY_S = 5 * 60          # a sync every few minutes, besides the one after each sign-off
FIRST_WAIT_S = 30
MAX_WAIT_S = 15 * 60


class SyncStatus(TypedDict):
    """How the link to the server stands, for a status display."""

    dsn_set: bool
    last_success: datetime | None
    problem: str  # why the last try failed, in words; empty when it did not
    clock_off_s: float  # this laptop's clock minus the server's, at the last sync


class ServerSync:
    """The Clinic's link to its server (``Clinic.server``)."""

    def __init__(self, clinic: Any) -> None:  # the Clinic that owns it (typed there; no import cycle)
        self.clinic = clinic
        self.last_success: datetime | None = None
        self.last_result: SyncResult | None = None
        self.problem = ""          # why the last try failed, in words for the status bar
        self.failures = 0

    @property
    def dsn(self) -> str:
        settings = self.clinic.settings
        return str(settings.get(DSN_KEY)) if settings is not None else ""

    def set_server(self, dsn: str) -> None:
        """Set (or, with "", clear) the clinic server. Admins only; no password in it."""
        self.clinic.require("change_settings")
        dsn = dsn.strip()
        if dsn:
            problem = dsn_problem(dsn)
            if problem is not None:
                raise ValidationError("server", problem)
        if self.clinic.settings is None:
            raise ValidationError("server", tr("This data folder has no settings file to keep the server in."))
        self.clinic.settings.set(DSN_KEY, dsn)
        self.clinic.record("settings changed", detail="clinic server")
        self.failures, self.problem = 0, ""

    def test_connection(self, dsn: str | None = None) -> str:
        """A sentence saying the server answers and its schema; ValidationError saying why not."""
        try:
            with connect(dsn if dsn is not None else self.dsn) as conn:
                version = schema.schema_version(conn)
        except ServerError as exc:
            raise ValidationError("server", str(exc)) from None
        except Exception as exc:
            raise ValidationError("server", reason(exc)) from None
        if version == schema.VERSION:
            return tr("The clinic server answers and is set up for this app.")
        if version > schema.VERSION:
            return schema.newer_problem(version)
        return tr("The clinic server answers but is not set up yet: an admin runs "
                  "`microneedle-desk server init --server DSN` once.")

    def exchange(self, dsn: str | None = None, progress: Callable[[int, int], None] | None = None) -> SyncResult:
        """The network part of a sync (any thread). Raises ServerError."""
        return exchange(dsn if dsn is not None else self.dsn, self.clinic.store.root, self.clinic.protocol,
                        self.clinic.clock.now, progress)

    def land(self, result: SyncResult, log: bool = True) -> SyncResult:
        """Put what a sync pulled into the store (the store's thread) and note the success.

        With ``log`` (the app's background sync), a sync that moved records or found some to
        review goes into the access log, by the signed-in person (if any) and the OS user; one
        that found nothing new leaves no line, or a laptop open all day would add one every few
        minutes. The command line logs each of its uses itself (commands/use_log.py)."""
        done = land(self.clinic.store, self.clinic.store.root, result, self.clinic.courses.file)
        for patient_id, kind in done.course_changes.items():  # the course view and the Due list show it
            self.clinic.publish(CourseChanged(patient_id, kind))
        self.last_success, self.last_result = self.clinic.clock.now(), done
        self.failures, self.problem = 0, ""
        if log and (done.pushed or done.pulled or done.to_review):
            current = self.clinic.current
            self.clinic.accounts.log("sync", current.id if current is not None else None, os_user_name=os_user(),
                                     detail=f"clinic server sync: pushed {done.pushed}, pulled {done.pulled}, "
                                            f"to review {done.to_review}")
        return done

    def failed(self, why: str) -> None:
        self.failures += 1
        self.problem = why

    def sync_now(self, dsn: str | None = None, progress: Callable[[int, int], None] | None = None) -> SyncResult:
        """Push and pull in this thread (the command line). Raises ServerError."""
        try:
            result = self.exchange(dsn, progress)
        except ServerError as exc:
            self.failed(str(exc))
            raise
        return self.land(result, log=False)

    def next_wait_s(self) -> float:
        """Seconds until the next try: every few minutes, sooner after a failure, then backing off."""
        if not self.failures:
            return EVERY_S
        return float(min(MAX_WAIT_S, FIRST_WAIT_S * 2 ** (self.failures - 1)))

    def waiting(self) -> int:
        """Records of this laptop the server has not confirmed yet."""
        return waiting(self.clinic.store.root)

    def status(self) -> SyncStatus:
        return {"dsn_set": bool(self.dsn), "last_success": self.last_success, "problem": self.problem,
                "clock_off_s": self.last_result.clock_offset_s if self.last_result else 0.0}

    # -- findings for the admin (server/conflicts.py) -------------------------------------------
    def findings(self) -> list[Finding]:
        """Open duplicate-ID and same-person findings on the server (admins only)."""
        self.clinic.require("admin")
        try:
            with connect(self.dsn) as conn:
                return open_findings(conn)
        except ServerError as exc:
            raise ValidationError("server", str(exc)) from None

    def merge_patients(self, kept: str, merged: str) -> str:
        """Record on the server that two registrations are one person (admins only): a record of
        its own, by the signed-in admin; the laptops show both under the kept one after their sync."""
        account = self.clinic.require("admin")
        try:
            with connect(self.dsn) as conn:
                return record_merge(conn, kept, merged, author=account.id if account else "",
                                    device=self.clinic.store.device, at=iso(self.clinic.clock.now()))
        except ServerError as exc:
            raise ValidationError("server", str(exc)) from None
