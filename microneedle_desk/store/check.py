"""Verify a whole data folder without changing anything.

Every file must parse and have the right shape; every record a known schema version and
the fields the app writes; every event and record must pass the same rules the app
applies when it saves them; and the hash chain over signed sessions and amendments must
be whole: each entry's hash recomputes from its content and the previous hash, the
sequence has no gaps or duplicates, and the head in ``meta.json`` names the last entry.

The chain alone proves nothing against someone who rewrites a record and recomputes every
hash. So, also (core/signing.py): every signature on a session event or an amendment must
verify with its signer's public key, and that key must be vouched for by an admin's
signature (or be the account's first key, self-signed); a sign-off or amendment sealed since
the store began signing (``signed_from`` in meta, or after its signer had a key) must carry
one. Records from before signatures carry none and are not reported. And the chain must
reach the head held in the newest backup (``anchor.json`` in the zip): a chain shorter than
that, or one that differs at that place, was rolled back or rewritten.

The check's parts: check_state (the shared reading), check_records, check_signatures,
check_chain and check_index; this module runs them in order over the folder's files.

Files are read directly (not through TinyDB or the Store), so checking opens nothing
for writing and creates nothing. Problems are (file, record, what is wrong) in words an
admin can act on; record ids are UUIDs, never patient names.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from microneedle_desk import paths
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.i18n import tr
from microneedle_desk.store.check_index import IndexChecks
from microneedle_desk.store.check_problems import Problem, StoreUnreadable
from microneedle_desk.store.check_records import RecordChecks
from microneedle_desk.store.derived import derived_files, relative
from microneedle_desk.store.storage import json_file_names, write_atomic


class StoreChecker(RecordChecks, IndexChecks):
    """One check of a whole data folder, its parts run file by file."""

    def run(self) -> None:
        journal = paths.restore_journal_file(self.root)
        if journal.exists():  # the live files are between two versions until the switch is finished
            self.problems.append(Problem(journal.name, "", "a restore was interrupted part-way. Start the app, "
                                         "or run `microneedle-desk backup`, to complete it (nothing is lost)."))
        head = self.check_meta()
        patients = paths.patients_file(self.root)
        if patients.exists():  # validating every patient is the slow part: only when the file changed
            self.cached(patients, patients.name, self.check_patients)
        courses = paths.courses_file(self.root)
        if courses.exists():
            self.check_courses(courses)
        for path, _rel in _files(self.root, paths.active_dir(self.root)):
            self.check_active(path)
        for path, rel in _files(self.root, paths.sessions_dir(self.root)):
            self.cached(path, rel, self.check_month)
        for path, rel in _files(self.root, paths.access_dir(self.root)):
            self.cached(path, rel, self.check_access)
        self.check_chain(head)
        for folder in (paths.index_dir(self.root), paths.index_recent_dir(self.root)):
            for path, rel in _files(self.root, folder):
                self.cached(path, rel, self.check_index)
        for path, _rel in _files(self.root, paths.patient_lasts_dir(self.root)):
            self.check_digest(path)
        if self.digests is not None:
            for rel in sorted(set(self.digests) - {relative(self.root, p) for p in derived_files(self.root)}):
                self.problems.append(Problem(rel, "", "a history index file the app wrote is missing; it is "
                                             "derived again from the records at the next start.", derived=True))


def _files(root: Path, folder: Path) -> Iterator[tuple[Path, str]]:
    """The folder's data files in name order, each with its path relative to ``root``
    (joined from the names, not derived from each path: see json_file_names)."""
    prefix = folder.relative_to(root).as_posix() + "/"
    for name in json_file_names(folder):
        yield folder / name, prefix + name


def check_store(root: Path, protocol: Protocol, deep: bool = True, use_cache: bool = False) -> list[Problem]:
    """Every problem in the store at ``root``; raises StoreUnreadable when it cannot be checked.

    ``deep=False`` (the start-up check) skips replaying signed sessions without amendments:
    their seal already proves they are as they were when the rules accepted them.
    """
    if not root.is_dir():
        raise StoreUnreadable(tr("There is no data folder at {root}.").format(root=root))
    if not os.access(root, os.R_OK | os.X_OK):
        raise StoreUnreadable(tr("The data folder {root} cannot be read (permissions).").format(root=root))
    if not paths.meta_file(root).exists():
        raise StoreUnreadable(tr("{root} holds no microneedle-desk records (meta.json is missing).").format(
                                 root=root))
    checker = StoreChecker(root, protocol, deep)
    cache_path = paths.check_cache_file(root)
    cache_read: Any = None  # the cache's files exactly as read (None: no usable cache file)
    if use_cache:
        try:
            loaded = json.loads(cache_path.read_text(encoding="utf-8"))
            whole = loaded if isinstance(loaded, dict) and loaded.get("version") == 1 else {}
        except (OSError, ValueError):
            whole = {}
        if whole and isinstance(whole.get("files"), dict):
            cache_read = whole["files"]
        checker.cache = whole.get("files", {}) if whole else {}
    checker.run()
    # Written only when it changed: an unchanged store (most starts) costs no file write and
    # no fsync.
    if use_cache and not checker.problems and checker.new_cache != cache_read and os.access(root, os.W_OK):
        with contextlib.suppress(OSError):  # only a speed-up: the next start checks everything again
            write_atomic(cache_path, json.dumps({"version": 1, "files": checker.new_cache}).encode())
    return checker.problems
