"""``recall --server``: the Due list of the whole clinic, read from its server, is the one every
synced laptop lists (course events and other rooms' sessions travel with sync)."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

from server_laptops import cli, new_laptop, server_rows


def _rows(*args: str) -> list[tuple[str, ...]]:
    done = cli("recall", *args, "--format", "csv")
    assert done.returncode == 0, done.stderr
    return [tuple(r) for r in csv.reader(io.StringIO(done.stdout))][1:]


def test_recall_from_the_server_lists_what_every_synced_laptop_lists(dsn: str, tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    assert cli("demo-data", "--data-dir", str(one), "--sessions", "60", "--seed", "1").returncode == 0
    assert cli("sync", "--data-dir", str(one), "--server", dsn).returncode == 0
    new_laptop(two, "Bea Later", "ROOM2-1")
    assert cli("sync", "--data-dir", str(two), "--server", dsn).returncode == 0
    assert cli("demo-data", "--data-dir", str(two), "--sessions", "40", "--seed", "2").returncode == 0
    for root in (two, one):
        done = cli("sync", "--data-dir", str(root), "--server", dsn)
        assert done.returncode == 0, done.stdout + done.stderr
    events = (one / "courses.json", two / "courses.json")
    assert all(p.exists() for p in events)
    assert server_rows(dsn, "SELECT count(*) FROM clinic.course_events")[0][0] > 0
    again = cli("sync", "--data-dir", str(one), "--server", dsn)
    assert again.stdout.startswith("Pushed 0,"), "course events are sent once"

    as_of = datetime.now().astimezone().date().isoformat()
    clinic = _rows("--server", dsn, "--as-of", as_of)
    assert {"overdue", "paused", "complete", "stopped"} <= {r[0] for r in clinic}, "courses came from the server"
    # each synced laptop lists the whole clinic: every patient in the same state and at the same
    # session n of N, their courses and other rooms' sessions pulled
    for root in (one, two):
        assert sorted(_rows("--data-dir", str(root), "--as-of", as_of)) == sorted(clinic), root.name


def test_recall_from_a_server_that_cannot_be_reached_exits_1_as_export_does(tmp_path: Path) -> None:
    gone = f"host={tmp_path} port=1 user=nobody dbname=none"
    done = cli("recall", "--server", gone, "--as-of", "2026-11-25")
    exported = cli("export", "--server", gone, "--format", "csv", "-o", str(tmp_path / "x.csv"))
    assert done.returncode == exported.returncode == 1
    assert "cannot be reached" in done.stderr
    assert done.stderr.replace("recall", "export") == exported.stderr


def test_recall_takes_a_data_folder_or_a_server_not_both(tmp_path: Path) -> None:
    done = cli("recall", "--data-dir", str(tmp_path), "--server", "service=clinic")
    assert done.returncode == 2 and "not both" in done.stderr


def test_recall_from_the_server_refuses_a_bad_date_with_exit_2(dsn: str) -> None:
    done = cli("recall", "--server", dsn, "--as-of", "yesterday")
    assert done.returncode == 2 and "YYYY-MM-DD" in done.stderr
