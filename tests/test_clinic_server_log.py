"""Syncing with the clinic server is written to the access log: each command-line ``sync`` like every
other command, and each of the app's background syncs that moved records; and the log lines of
syncs travel to the server without making a sync that found nothing new say it pushed something."""

from __future__ import annotations

from pathlib import Path

from server_laptops import P, cli, laptop, new_laptop, server_rows

from microneedle_desk.core.clock import FakeClock
from microneedle_desk.store.access_log import read_access_log
from microneedle_desk.store.check import check_store
from microneedle_desk.store.folder import os_user
from microneedle_desk.store.store import Store


def _sync_lines(root: Path) -> list[dict[str, object]]:
    store = Store(root, P, FakeClock(), read_only=True)
    try:
        return [e for e in read_access_log(store) if e["action"] == "sync"]
    finally:
        store.close()


def test_each_command_line_sync_is_in_the_access_log_and_a_second_sync_still_pushes_nothing(
        dsn: str, tmp_path: Path) -> None:
    root = tmp_path / "room1"
    new_laptop(root, "Ann Log", "LOG-1")
    first = cli("sync", "--data-dir", str(root), "--server", dsn)
    assert first.returncode == 0, first.stderr
    lines = _sync_lines(root)
    assert [(e["os_user"], e["account_id"], e["detail"]) for e in lines] == [
        (os_user(), None, "command-line sync, exit 0")]
    second = cli("sync", "--data-dir", str(root), "--server", dsn)
    assert second.returncode == 0 and second.stdout.startswith("Pushed 0,"), second.stdout
    assert len(_sync_lines(root)) == 2
    # the first sync's line reached the server with the second sync, in the laptop's chain
    assert [r[0] for r in server_rows(dsn, "SELECT doc->>'action' FROM clinic.records WHERE kind = 'access' "
                                           "AND doc->>'action' = 'sync'")] == ["sync"]
    assert cli("check", "--server", dsn).returncode == 0
    assert check_store(root, P) == []


def test_the_apps_background_sync_logs_a_sync_that_moved_records_and_not_an_idle_one(
        dsn: str, tmp_path: Path) -> None:
    root = tmp_path / "room1"
    new_laptop(root, "Bea Log", "LOG-2")
    clinic = laptop(root)
    try:
        clinic.server.land(clinic.server.exchange(dsn))  # as ui/server_status.py does, in two steps
        assert [e["detail"] for e in _lines_of(clinic)] == ["clinic server sync: pushed 1, pulled 0, to review 0"]
        idle = clinic.server.land(clinic.server.exchange(dsn))
        assert idle.pushed == 0 and idle.pulled == 0
        assert len(_lines_of(clinic)) == 1
    finally:
        clinic.store.close()
    assert check_store(root, P) == []


def _lines_of(clinic: object) -> list[dict[str, object]]:
    return [e for e in read_access_log(clinic.store) if e["action"] == "sync"]  # type: ignore[attr-defined]
