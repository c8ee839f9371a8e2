"""The clinic server at scale: first push, incremental sync, clinic-wide history.

    .venv/bin/python bench/bench_sync.py [--sessions 10000] [--clinic 50000]

Starts a throwaway PostgreSQL cluster (tests/pg_cluster.py; Debian's ``postgresql``), fills a
demo laptop with ``--sessions`` sessions (kept in bench/.work/sync-store-N for the next run),
then times:

- the first push (and pull) of that laptop to a fresh clinic database;
- an incremental sync after one more session is filed;
- the whole-clinic history's first rows with three laptops of ``--clinic`` sessions each on
  the server (the pushed laptop's records copied under new ids and devices by SQL: the server
  holds 3 x N sessions as real pushes would leave them).

Writes bench/results/sync.json and sync.md. Targets: first push <= 60 s, incremental <= 1 s,
history first rows <= 300 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
WORK = ROOT / "bench" / ".work"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

TARGETS = {"first_push_s": 60.0, "incremental_sync_s": 1.0, "clinic_history_first_rows_ms": 300.0}


def demo_store(sessions: int) -> Path:
    from microneedle_desk import paths
    from microneedle_desk.core.clock import FakeClock
    from microneedle_desk.core.protocol import load_protocol
    from microneedle_desk.review.demo import generate
    from microneedle_desk.store.store import Store

    template = WORK / f"sync-store-{sessions}"
    if not (template / "meta.json").exists():
        shutil.rmtree(template, ignore_errors=True)
        store = Store(template, load_protocol(paths.protocol_file()), FakeClock())
        generate(store, sessions, seed=11)
        store.close()
    return template


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=10000)
    parser.add_argument("--clinic", type=int, default=50000)
    args = parser.parse_args()

    import psycopg
    from pg_cluster import Cluster

    from microneedle_desk import paths
    from microneedle_desk.clinic.clinic import Clinic
    from microneedle_desk.core.clock import SystemClock
    from microneedle_desk.core.protocol import load_protocol
    from microneedle_desk.review.demo import generate
    from microneedle_desk.server import schema
    from microneedle_desk.server.connection import connect
    from microneedle_desk.server.reading import ClinicRecords
    from microneedle_desk.store.store import Store

    protocol = load_protocol(paths.protocol_file())
    template = demo_store(args.sessions)
    cluster = Cluster()
    cluster.start()
    out: dict[str, object] = {}
    try:
        dsn = cluster.create_database("bench")
        with connect(dsn) as conn:
            schema.migrate(conn)
        laptop = WORK / "sync-laptop"
        shutil.rmtree(laptop, ignore_errors=True)
        shutil.copytree(template, laptop)
        store = Store(laptop, protocol, SystemClock())
        clinic = Clinic(store, protocol, store.clock)
        started = time.perf_counter()
        first = clinic.server.sync_now(dsn)
        out["first_push_s"] = round(time.perf_counter() - started, 2)
        out["first_push_records"] = first.pushed
        first_device = store.device
        generate(store, 1, seed=99, end=store.clock.now().date())  # one more session filed
        started = time.perf_counter()
        again = clinic.server.sync_now(dsn)
        out["incremental_sync_s"] = round(time.perf_counter() - started, 3)
        out["incremental_records"] = again.pushed
        store.close()

        with psycopg.connect(dsn, autocommit=True) as conn:
            have = int(conn.execute("SELECT count(*) FROM clinic.records WHERE kind = 'session'").fetchone()[0])
            repeats = (args.clinic + have - 1) // have
            for room in (1, 2, 3):  # three rooms of --clinic sessions each, besides the pushed laptop
                device = f"00000000-0000-4000-8000-{room:012d}"
                conn.execute("INSERT INTO clinic.devices (device, name) VALUES (%s, %s)", (device, f"Room {room}"))
                conn.execute(
                    "INSERT INTO clinic.records (id, device, seq, kind, session_id, patient_id, status, author, "
                    "local_time, started_at, prev, hash, doc, summary) SELECT gen_random_uuid(), %s, "
                    "row_number() OVER (), kind, session_id, patient_id, status, author, local_time, "
                    "started_at - make_interval(days => 400 * g), prev, hash, doc, summary "
                    "FROM clinic.records r CROSS JOIN generate_series(0, %s) g "
                    "WHERE r.kind = 'session' AND r.device = %s LIMIT %s",
                    (device, repeats - 1, first_device, args.clinic))
            conn.execute("ANALYZE clinic.records")
            out["clinic_sessions"] = int(conn.execute(
                "SELECT count(*) FROM clinic.records WHERE kind = 'session'").fetchone()[0])
        timings = []
        for _ in range(5):
            with connect(dsn) as conn:
                started = time.perf_counter()
                rows = ClinicRecords(conn, protocol).history_page()  # the newest 200 of all rooms
                timings.append((time.perf_counter() - started) * 1000)
        out["clinic_history_first_rows_ms"] = round(sorted(timings)[len(timings) // 2], 1)
        out["clinic_history_rows"] = len(rows)
    finally:
        cluster.remove()
    out["targets"] = TARGETS
    out["met"] = {k: float(out[k]) <= v for k, v in TARGETS.items()}  # type: ignore[arg-type]
    out["machine"] = {"python": platform.python_version(), "system": platform.platform(), "cpus": os.cpu_count()}
    out["when"] = datetime.now().astimezone().isoformat(timespec="seconds")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "sync.json").write_text(json.dumps(out, indent=2) + "\n")
    lines = ["# Clinic server benchmark", "", f"{out['when']}, {out['machine']}", "",
             "| measure | result | target | met |", "|---|---|---|---|"]
    for key, target in TARGETS.items():
        lines.append(f"| {key} | {out[key]} | {target} | {'yes' if out['met'][key] else 'NO'} |")  # type: ignore[index]
    lines += ["", f"First push: {out['first_push_records']} records of a {args.sessions}-session laptop; "
              f"clinic-wide history over {out['clinic_sessions']} sessions on the server."]
    (RESULTS / "sync.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
