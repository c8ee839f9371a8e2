"""Laptops for the clinic-server tests: data folders that register, sign and sync, run through
the real store and the real command line against a real PostgreSQL (tests/pg_cluster.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from helpers import (
    make_demo_patient,
    pin_sink,
    run_complete_session,
    shipped_protocol,
    start_session,
)

from microneedle_desk.clinic.clinic import Clinic
from microneedle_desk.core.clock import FakeClock
from microneedle_desk.server.connection import connect
from microneedle_desk.server.sync import SyncResult
from microneedle_desk.store.store import Store

P = shipped_protocol()
PY = sys.executable


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PY, "-m", "microneedle_desk", *args], capture_output=True, text=True, timeout=300,
                          check=False)


def laptop(root: Path) -> Clinic:
    store = Store(root, P, FakeClock())
    return Clinic(store, P, store.clock)


def sync(root: Path, url: str) -> SyncResult:
    clinic = laptop(root)
    try:
        return clinic.server.sync_now(url)
    finally:
        clinic.store.close()


def server_rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    with connect(url) as conn:
        return conn.execute(sql).fetchall()


def own_session_ids(root: Path) -> set[str]:
    store = Store(root, P, FakeClock(), read_only=True)
    try:
        return {r["id"] for r in store.summaries()}
    finally:
        store.close()


def sign_session_for(root: Path, patient_id: str, practitioner: str) -> str:
    """A session signed on the laptop at ``root`` (PIN-proved, signed) for a patient it knows."""
    store = Store(root, P, FakeClock())
    try:
        patient = store.patient(patient_id)
        assert patient is not None
        s = start_session(P, store.clock, patient, sink=pin_sink(store, practitioner), device=store.device,
                          practitioner_id=practitioner)
        run_complete_session(s, store.clock)
        return s.id
    finally:
        store.close()


def new_laptop(root: Path, name: str, clinic_id: str) -> str:
    store = Store(root, P, FakeClock())
    try:
        return store.add_patient(make_demo_patient(P, store.clock, name=name, clinic_id=clinic_id,
                                                   device=store.device)).id
    finally:
        store.close()
