"""Restore is all or nothing: killed at any file operation, the next start finds either the whole
old store or the whole restored one, and says which.

Each case runs the restore in a child process under ``strace``, which kills it (SIGKILL) at
the Nth call of one file-changing system call; the case then does what the next start does
(complete or drop the interrupted restore, check the folder) and compares the records with
the two versions. Cases go on until the restore runs to its end without meeting the Nth call.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from helpers import (
    STRACE,
    make_demo_patient,
    pin_sink,
    run_complete_session,
    run_killed_at,
    shipped_protocol,
    start_session,
    was_killed,
)

from microneedle_desk import paths
from microneedle_desk.core.clock import FakeClock
from microneedle_desk.store import backup
from microneedle_desk.store import restore as restoring
from microneedle_desk.store.check import check_store
from microneedle_desk.store.store import Store

P = shipped_protocol()

pytestmark = pytest.mark.skipif(STRACE is None, reason="strace is not installed (tools/bootstrap.py installs it)")

CHILD = """
import sys
from datetime import datetime, timezone
from pathlib import Path
from microneedle_desk import paths
from microneedle_desk.core.protocol import load_protocol
from microneedle_desk.store import restore as restoring
root, taken = Path(sys.argv[1]), Path(sys.argv[2])
restoring.restore(root, taken, load_protocol(paths.protocol_file()), datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc))
print("RESTORED")
"""


def fingerprint(root: Path) -> tuple[list[str], list[str]]:
    """The records a person would see: the patients and the sessions, by id."""
    store = Store(root, P, FakeClock(), read_only=True)
    try:
        return sorted(p.id for p in store.patients()), sorted(r["id"] for r in store.summaries())
    finally:
        store.close()


@pytest.fixture(scope="module")
def versions(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, tuple, tuple]:
    """A folder with a backup of its earlier self, and the two versions' records."""
    root = tmp_path_factory.mktemp("kill") / "data"
    clock = FakeClock()
    store = Store(root, P, clock)
    patient = store.add_patient(make_demo_patient(P, clock, device=store.device))
    session = start_session(P, clock, patient, sink=pin_sink(store), device=store.device)
    run_complete_session(session, clock)
    store.close()
    taken = backup.take_backup(root, clock.now(), keep=5)
    restored = fingerprint(root)
    clock.advance(86400)
    store = Store(root, P, clock)
    later = store.add_patient(make_demo_patient(P, clock, name="Robin Later", clinic_id="D-2", device=store.device))
    session = start_session(P, clock, later, sink=pin_sink(store), device=store.device)
    run_complete_session(session, clock)
    open_one = start_session(P, clock, later, sink=pin_sink(store), device=store.device)
    assert open_one.state.status == "in_progress"
    store.close()
    elsewhere = taken.parent.parent.parent / "elsewhere"  # the backup with the files it names
    shutil.copytree(taken.parent, elsewhere)
    outside = elsewhere / taken.name
    return root, outside, restored, fingerprint(root)


def run_killed(root: Path, taken: Path, call: str, nth: int) -> bool:
    """Restore in a child killed at the ``nth`` ``call``; True when it was killed."""
    return was_killed(run_killed_at(call, nth, CHILD, str(root), str(taken)), "RESTORED")


@pytest.mark.parametrize("call", ["rename", "link", "unlink", "mkdir", "openat"])
def test_a_restore_killed_at_any_file_operation_leaves_the_old_or_the_restored_store_whole(
        tmp_path: Path, versions: tuple[Path, Path, tuple, tuple], call: str) -> None:
    source, taken, restored, before = versions
    # The family of each call: Python and Qt reach the same operation through either name.
    calls = {"rename": "rename,renameat,renameat2", "link": "link,linkat", "unlink": "unlink,unlinkat,rmdir",
             "mkdir": "mkdir,mkdirat", "openat": "openat"}[call]
    outcomes: dict[str, int] = {"old": 0, "restored": 0}
    nth = 1
    step = 1 if call != "openat" else 7  # opens are many (imports too): every 7th still meets each file
    while True:
        root = tmp_path / f"{call}-{nth}" / "data"
        shutil.copytree(source, root)
        if not run_killed(root, taken, calls, nth):
            break
        said = restoring.finish_interrupted_restore(root)  # the next start, first thing
        assert check_store(root, P) == [], f"killed at {call} #{nth}: the next start does not check clean"
        now = fingerprint(root)
        assert now in (before, restored), f"killed at {call} #{nth}: a mix of the old and the restored store"
        which = "restored" if now == restored else "old"
        outcomes[which] += 1
        if said is not None:
            assert ("completed" in said) == (which == "restored"), (nth, said)
        shutil.rmtree(root.parent)
        nth += step
        assert nth < 5000, "the restore never ran to its end"
    assert nth > 1, f"restore makes no {call} call: the case tests nothing"
    if call in ("link", "openat"):  # the unpacking and the journal: killed there, nothing has changed yet
        assert outcomes["old"], outcomes


BACKUP_CHILD = """
import sys
from datetime import datetime, timezone
from pathlib import Path
from microneedle_desk.store import backup
root = Path(sys.argv[1])
backup.daily_backup(root, datetime(2026, 12, 2, 9, 0, tzinfo=timezone.utc), 1)
print("RESTORED")
"""


@pytest.mark.parametrize("call", ["rename", "link", "unlink"])
def test_a_backup_killed_at_any_file_operation_leaves_the_records_whole_and_no_half_backup(
        tmp_path: Path, versions: tuple[Path, Path, tuple, tuple], call: str) -> None:
    """The daily backup, keeping one (so it also removes the older one), killed at each step."""
    source, _taken, _restored, before = versions
    calls = {"rename": "rename,renameat,renameat2", "link": "link,linkat", "unlink": "unlink,unlinkat,rmdir"}[call]
    nth = 1
    while True:
        root = tmp_path / f"{call}-{nth}" / "data"
        shutil.copytree(source, root)
        finished = not was_killed(run_killed_at(calls, nth, BACKUP_CHILD, str(root)), "RESTORED")
        assert check_store(root, P) == [], f"killed at {call} #{nth}: the records do not check clean"
        assert fingerprint(root) == before, f"killed at {call} #{nth}: a backup changed the records"
        for taken in backup.backups(root):  # every backup listed is whole
            assert restoring.verify_backup(taken, P) == [], f"killed at {call} #{nth}: {taken.name} is not whole"
        shutil.rmtree(root.parent)
        if finished:
            break
        nth += 1
        assert nth < 500, "the backup never ran to its end"
    assert nth > 1 or call == "rename", f"a backup makes no {call} call: the case tests nothing"


def test_a_restore_keeps_the_access_log_entries_made_after_the_backup(tmp_path: Path) -> None:
    from microneedle_desk.store.accounts import AccountBook

    root = tmp_path / "data"
    clock = FakeClock()
    store = Store(root, P, clock)
    book = AccountBook(store)
    admin = book.create_first_admin("Dr Admin", "246810")
    store.close()
    taken = backup.take_backup(root, clock.now(), keep=5)
    clock.advance(3600)
    store = Store(root, P, clock)
    AccountBook(store).log("exported", admin.id, detail="after the backup")
    store.close()
    restoring.restore(root, taken, P, clock.now())
    logged = [json.loads(p.read_text()) for p in paths.access_dir(root).glob("*.json")]
    assert "after the backup" in json.dumps(logged), "an audit entry made after the backup was rolled back"
    assert check_store(root, P) == []
