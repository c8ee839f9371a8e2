"""Opening the records at start-up: the data folder locked by another copy or read-only, the
check of the store before it opens (offering the newest good backup when a file is bad, never
repairing one), derived files made again from the sealed records, the upgrade of an older
store, and, once open, the day's first backup and a warning about files others can read.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QMessageBox

from microneedle_desk import paths
from microneedle_desk.clinic import Clinic
from microneedle_desk.core.clock import Clock
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.i18n import tr
from microneedle_desk.settings import Settings
from microneedle_desk.store import backup as backups
from microneedle_desk.store import index_parts, leftovers
from microneedle_desk.store import restore as restoring
from microneedle_desk.store.check import check_store
from microneedle_desk.store.check_problems import Problem, StoreUnreadable
from microneedle_desk.store.exposed import exposed_files, exposed_note
from microneedle_desk.store.lock import LockHolder
from microneedle_desk.store.store import Store, StoreError
from microneedle_desk.store.upgrade import needs_upgrade, upgrade_store


def read_only_question(root: Path, holder: LockHolder) -> tuple[str, str]:
    """The title and question when the data cannot be written: read-only, or held by another copy."""
    if holder.read_only:
        return tr("Data folder is read-only"), holder.why(root, "") + " " + tr(
            "Open it read-only to review past sessions?")
    return tr("Data in use"), tr("The data in {root} is open in {holder}. Only one copy may write. "
                                 "Open it read-only to review past sessions?").format(root=root,
                                                                                      holder=holder.describe())


class BadStoreError(StoreError):
    """The store has bad files and no backup was restored. ``problems`` lists them."""

    def __init__(self, message: str, problems: list[Problem]) -> None:
        super().__init__(message)
        self.problems = problems


def problems_text(root: Path, problems: list[Problem], limit: int = 12) -> str:
    """What is wrong, in an admin's words: file, record, problem (never patient data)."""
    lines = [str(p) for p in problems[:limit]]
    if len(problems) > limit:
        lines.append(f"… and {len(problems) - limit} more (run: microneedle-desk check).")
    return (f"The records in {root} have a problem. Nothing was changed or repaired.\n\n"
            + "\n".join(lines))


def confirm_restore(text: str) -> bool:
    """Ask the admin whether to restore; tests replace this function."""
    box = QMessageBox(QMessageBox.Icon.Warning, tr("The records need attention"), text)
    restore_button = box.addButton("Restore the backup", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Quit", QMessageBox.ButtonRole.RejectRole)
    box.exec()
    return box.clickedButton() is restore_button


def check_at_start(root: Path, protocol: Protocol, clock: Clock, read_only: bool, interactive: bool,
                   deferred: bool = False) -> list[str]:
    """Check the store before opening it; offer the newest good backup when a file is bad.

    A bad file is never overwritten or repaired: restoring moves the current files aside
    into the quarantine folder. Raises BadStoreError when nothing was restored. Returns what
    the person should be told (a restore that was interrupted and has now been completed).
    """
    notes: list[str] = []
    if not read_only:
        finished = restoring.finish_interrupted_restore(root)
        if finished:
            notes.append(finished)
    if not paths.meta_file(root).exists():
        return notes  # a first start: nothing to check yet
    if deferred:  # checked after the first frame (ui/first_check.py)
        leftovers.quarantine_strays(root, clock.now())
        return notes
    try:
        problems = check_store(root, protocol, deep=False, use_cache=True)
    except StoreUnreadable as exc:
        raise StoreError(str(exc)) from None
    if problems and not read_only and all(p.derived for p in problems):
        notes.append(rebuild_derived(root, protocol, clock, problems))
        problems = check_store(root, protocol, deep=False, use_cache=True)
    if not problems:
        if not read_only:
            leftovers.quarantine_strays(root, clock.now())
            paths.check_failed_file(root).unlink(missing_ok=True)
        if not read_only and needs_upgrade(root):
            keep = _backups_kept(root, protocol)
            upgrade_store(root, lambda reason: backups.take_backup(root, clock.now(), keep, reason))
        return notes
    text = problems_text(root, problems)
    good = None if read_only else restoring.newest_good_backup(root, protocol)
    if good is None:
        raise BadStoreError(text + "\n\nNo good backup was found to restore. Keep the folder as it is and "
                            "ask your IT support; the bad files can be sent for inspection.", problems)
    offer = (text + f"\n\nThe newest good backup is {good.name}. Restore it? The current files will be "
             "moved aside into the quarantine folder (renamed with the time), never deleted. "
             "Sessions recorded after that backup stay in the quarantine folder.")
    if not interactive or not confirm_restore(offer):
        raise BadStoreError(offer, problems)
    restoring.restore(root, good, protocol, clock.now())
    return notes


def rebuild_derived(root: Path, protocol: Protocol, clock: Clock, problems: list[Problem]) -> str:
    """Derive the history index files named in ``problems`` again from the sealed records."""
    months = sorted({month for p in problems if (month := index_parts.month_of(p.file)) is not None})
    store = Store(root, protocol, clock)
    try:
        store.rebuild_derived(months)
    finally:
        store.close()
    return tr("The history index did not match the sealed records ({files}); it was derived again from "
              "them, so what is shown and preset comes from the records.").format(
        files=", ".join(sorted({p.file for p in problems})))


def after_open(root: Path, clock: Clock, keep: int, background: bool = False,
               clinic: Clinic | None = None, walk: bool = True) -> list[str]:
    """Take the day's first backup (in the app, ``background`` with a ``clinic``: started by
    ui/backup_status.py after the first frame); return warnings about files others can read
    (``walk`` False: the check after the first frame looks for them, ui/first_check.py)."""
    notes: list[str] = []
    # Looked at before the backup starts: a backup in the background makes and removes its
    # snapshot folder while the walk would run (a FileNotFoundError at start-up).
    exposed = exposed_files(root) if walk else []
    try:
        if background and clinic is None:
            backups.daily_backup_in_background(root, clock.now(), keep)
        elif not background:
            backups.daily_backup(root, clock.now(), keep)
    except OSError as exc:
        notes.append(f"Today's backup could not be written: {exc.strerror or str(exc).rstrip('.')}.")
    if exposed:
        notes.append(exposed_note(root, exposed))
    return notes


def _backups_kept(root: Path, protocol: Protocol) -> int:
    settings_file = getattr(paths, "settings_file", None)
    settings = Settings(protocol, settings_file(root)) if settings_file else Settings(protocol)
    return int(settings.get("store/backups_kept"))
