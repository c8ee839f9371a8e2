"""Backups as the clinic's admin manages them: the backup key, the second location, the status.

Owned by the Clinic (``clinic.backups``); every change checks the signed-in person may change
settings (admins) and is noted in the access log (key ids and folder names, never a patient).
"""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path
from typing import Protocol

from microneedle_desk.core.accounts import Account, PermissionDenied
from microneedle_desk.core.clock import Clock
from microneedle_desk.core.record_types import AccessSubject
from microneedle_desk.core.validation import ValidationError
from microneedle_desk.i18n import tr
from microneedle_desk.settings import Settings
from microneedle_desk.store import backup, offsite
from microneedle_desk.store.backup_keys import BackupKey, BackupKeyError, current_key, make_key
from microneedle_desk.store.store import Store


class Clinic(Protocol):
    """What of the Clinic this part uses (named so, not imported: the Clinic owns this part)."""

    store: Store
    clock: Clock
    settings: Settings | None

    def require(self, permission: str) -> Account | None: ...

    def record(self, action: str, subject: AccessSubject | None = None, detail: str = "") -> None: ...

SECOND_LOCATION = "backup/second_location"


class BackupSettings:
    def __init__(self, clinic: Clinic) -> None:
        self.clinic = clinic
        self.thread: threading.Thread | None = None
        self.progress: tuple[int, int] = (0, 0)  # files done, files in all (the backup running now)

    @property
    def root(self) -> Path:
        return self.clinic.store.root

    def _require_admin(self) -> None:
        if self.clinic.store.read_only:
            raise PermissionDenied(tr("The records are open read-only here: backups are set up where they are "
                                      "written."))
        self.clinic.require("change_settings")

    # -- the key ------------------------------------------------------------------------
    def key(self) -> BackupKey | None:
        try:
            return current_key(self.root)
        except BackupKeyError:
            return None

    def make_key(self, replace: bool = False) -> str:
        """A new backup key pair; returns the recovery text (the private key), to be shown once
        and printed or saved off the laptop. Only the public key is kept here."""
        self._require_admin()
        try:
            key, text = make_key(self.root, self.clinic.clock.now(), self.clinic.store.device, replace=replace)
        except BackupKeyError as exc:
            raise ValidationError("backup_key", str(exc)) from None
        self.clinic.record("settings changed", detail=f"backup key {key.key_id} made")
        return text

    # -- the second location ------------------------------------------------------------
    def second_location(self) -> Path | None:
        settings = self.clinic.settings
        value = str(settings.get(SECOND_LOCATION)) if settings is not None else ""
        return Path(value) if value else None

    def set_second_location(self, folder: str) -> None:
        """Where the day's encrypted copy goes ("" for nowhere). It must be a folder that exists
        now (a plugged-in drive, a connected share) and lie outside the data folder."""
        self._require_admin()
        settings = self.clinic.settings
        if settings is None:
            raise ValidationError(SECOND_LOCATION, tr("Settings cannot be changed here."))
        folder = folder.strip()
        if folder:
            path = Path(folder).expanduser()
            if not path.is_absolute():
                raise ValidationError(SECOND_LOCATION, tr("Give the folder's full path, e.g. /media/usb/backups."))
            why = offsite.reachable(path)
            if why is not None:
                raise ValidationError(SECOND_LOCATION, tr("{why} Choose the folder while the drive is "
                                                          "plugged in.").format(why=why))
            resolved, root = path.resolve(), self.root.resolve()
            if resolved == root or root in resolved.parents:
                raise ValidationError(SECOND_LOCATION, tr("The second location must be off the data folder "
                                                          "(a USB drive, a network folder)."))
            if self.key() is None:
                raise ValidationError(SECOND_LOCATION, tr("Make the backup key first: the copy is encrypted "
                                                          "to it."))
            folder = str(path)
        settings.set(SECOND_LOCATION, folder)
        self.clinic.record("settings changed", detail=SECOND_LOCATION + (" set" if folder else " cleared"))

    # -- the day's backup ---------------------------------------------------------------
    def start_daily(self, now: datetime, keep: int) -> threading.Thread | None:
        """Today's backup and its encrypted copy, in a thread (None when nothing is due)."""
        if self.clinic.store.read_only or (self.thread is not None and self.thread.is_alive()):
            return None
        second = self.second_location() if self.key() is not None else None
        self.thread = backup.daily_backup_in_background(self.root, now, keep, second=second,
                                                        progress=self._progress)
        return self.thread

    def _progress(self, done: int, total: int) -> None:
        self.progress = (done, total)

    def running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    def status(self) -> str:
        """One line for the status bar: when the encrypted copy last reached the second location."""
        if self.running():
            done, total = self.progress
            return tr("Backing up… {done} of {total} files").format(done=done, total=total) if total else \
                tr("Backing up…")
        if self.second_location() is None:
            return ""
        last = offsite.last_copy(self.root)
        if last is None:
            return tr("Encrypted backup: not copied to the second location yet")
        if last.get("ok"):
            return tr("Encrypted backup copied {when}").format(when=_when(str(last["at"])))
        before = str(last.get("last_ok", ""))
        return (tr("Encrypted backup last copied {when}; second location not reached").format(when=_when(before))
                if before else tr("Encrypted backup: second location not reached"))


def _when(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).strftime("%d %b %Y %H:%M")
    except ValueError:
        return iso
