"""Every path the app uses is resolved here, and only here.

The data folder is, in order: ``--data-dir DIR``, the ``MICRONEEDLE_DESK_DATA_DIR``
environment variable, or the user's data folder from ``QStandardPaths``.
"""

from __future__ import annotations

import importlib.resources
import os
import sys
from pathlib import Path

from microneedle_desk import APP_NAME, ORG_NAME

DATA_DIR_ENV = "MICRONEEDLE_DESK_DATA_DIR"
RESOURCES_ENV = "MICRONEEDLE_DESK_RESOURCES"

_override: Path | None = None


def set_data_dir(path: str | os.PathLike[str] | None) -> None:
    """Called once by the entry point with ``--data-dir`` (or None to clear it)."""
    global _override  # noqa: PLW0603 - the one override, set by the entry point
    _override = Path(path).expanduser().resolve() if path else None


def default_data_dir() -> Path:
    # The core reads its paths here and imports no Qt: Qt is asked only for the user's folder.
    from PySide6.QtCore import QCoreApplication, QStandardPaths  # noqa: PLC0415 (keeps the core free of Qt)

    if not QCoreApplication.organizationName():
        QCoreApplication.setOrganizationName(ORG_NAME)
        QCoreApplication.setApplicationName(APP_NAME)
    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(location) if location else Path.home() / f".{APP_NAME}"


def data_dir() -> Path:
    if _override is not None:
        return _override
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        return Path(env).expanduser().resolve()
    return default_data_dir()


def resources_dir() -> Path:
    env = os.environ.get(RESOURCES_ENV)
    if env:
        return Path(env)
    frozen = getattr(sys, "_MEIPASS", None)  # a PyInstaller bundle
    if frozen:
        return Path(frozen) / "microneedle_desk" / "resources"
    # Package data: beside the code in a checkout, an editable or a plain install alike.
    return Path(str(importlib.resources.files("microneedle_desk") / "resources"))


def protocol_file() -> Path:
    return resources_dir() / "protocol.json"


# -- inside the data folder ------------------------------------------------------------
def lock_file(root: Path) -> Path:
    return root / "store.lock"


def meta_file(root: Path) -> Path:
    return root / "meta.json"


def patients_file(root: Path) -> Path:
    return root / "patients.json"


def active_dir(root: Path) -> Path:
    return root / "active"


def active_file(root: Path, session_id: str) -> Path:
    return active_dir(root) / f"{session_id}.json"


def alive_file(root: Path, session_id: str) -> Path:
    """When the app was last seen running with this session open (a heartbeat; not a record)."""
    return active_dir(root) / f"{session_id}.alive"


def sessions_dir(root: Path) -> Path:
    return root / "sessions"


def session_file(root: Path, day: str) -> Path:
    """Finished sessions of one day (``YYYY-MM-DD``), with their amendments and follow-ups."""
    return sessions_dir(root) / f"{day}.json"


def index_dir(root: Path) -> Path:
    return root / "index"


def index_file(root: Path, month: str) -> Path:
    """One summary row per session of one month (``YYYY-MM``), for the history table."""
    return index_dir(root) / f"{month}.json"


def index_recent_dir(root: Path) -> Path:
    """The history rows filed or amended since each month's index file was last written whole."""
    return index_dir(root) / "recent"


def index_recent_file(root: Path, month: str) -> Path:
    """A month's recent part (store/index_parts.py): folded over ``index_file`` when read."""
    return index_recent_dir(root) / f"{month}.json"


def patient_lasts_dir(root: Path) -> Path:
    """Each patient's newest session, derived from the history index (store/lasts.py)."""
    return index_dir(root) / "patients"


_HEX = "0123456789abcdef"


def patient_lasts_file(root: Path, patient_id: str) -> Path:
    """One of 256 files, by the first two hex digits of the patient's id ("xx" for any other)."""
    first = patient_id[:2].lower()
    return patient_lasts_dir(root) / f"{first if len(first) == 2 and not first.strip(_HEX) else 'xx'}.json"


def patient_lasts_file_16(root: Path, patient_id: str) -> Path:
    """Where a store written before the 256 files kept the patient's record: one of 16 files by
    the first hex digit ("x" for any other). Read, never written (store/lasts.py)."""
    first = patient_id[:1].lower()
    return patient_lasts_dir(root) / f"{first if first and first in _HEX else 'x'}.json"


def settings_file(root: Path) -> Path:
    """Settings live with the data they belong to: one clinic, one folder."""
    return root / "settings.ini"


def check_cache_file(root: Path) -> Path:
    """What the last clean start-up check found per file (size and time stamped), to skip
    re-verifying unchanged files at the next start. Not part of the records."""
    return root / "check-cache.json"


def check_failed_file(root: Path) -> Path:
    """Present while the last check, run after the first frame, found a problem: the next start
    checks before its window, where a bad file can be answered with a restore."""
    return root / "check-failed"


def restore_journal_file(root: Path) -> Path:
    """Present only while a restore switches files: what it moves where (store/restore.py)."""
    return root / "restore-journal.json"


def restore_staging_dir(root: Path) -> Path:
    """The backup's files, unpacked beside the live ones before a restore switches them in."""
    return root / ".restore-staging"


def backups_dir(root: Path) -> Path:
    return root / "backups"


def backup_keys_file(root: Path) -> Path:
    """The clinic's backup public keys (age recipients), the current one last; never a private key."""
    return root / "backup-keys.json"


def offsite_status_file(root: Path) -> Path:
    """When the day's backup last reached the second location, or why it did not. Not a record."""
    return backups_dir(root) / "second-location.json"


def quarantine_dir(root: Path) -> Path:
    """Bad files are moved here, renamed, never deleted."""
    return root / "quarantine"


def access_dir(root: Path) -> Path:
    """The access log (who signed in, opened, printed, exported ...), one file per month."""
    return root / "access"


def access_file(root: Path, month: str) -> Path:
    return access_dir(root) / f"{month}.json"


def courses_file(root: Path) -> Path:
    """Course events (started, paused, plan changed, ended) and the clinic's own course plans."""
    return root / "courses.json"


def due_index_dir(root: Path) -> Path:
    """What the Due list reads, derived from the records (store/visits.py, store/course_index.py)."""
    return index_dir(root) / "due"


def visits_index_file(root: Path) -> Path:
    """Each patient's signed session days, derived from the history index for the Due list."""
    return due_index_dir(root) / "visits.json"


def due_courses_file(root: Path) -> Path:
    """Each patient's course as their course events leave it, derived from ``courses.json``."""
    return due_index_dir(root) / "courses.json"


def photos_dir(root: Path) -> Path:
    """The stored copies of session photos, each named by its UUID, with their thumbnails."""
    return root / "photos"


def sync_state_file(root: Path) -> Path:
    """What this laptop has sent to the clinic server and pulled from it (the sync's cursors)."""
    return root / "sync" / "state.json"


def clinic_copy_dir(root: Path) -> Path:
    """Records pulled from the clinic server: other rooms' session summaries (not this laptop's chain)."""
    return root / "clinic"
