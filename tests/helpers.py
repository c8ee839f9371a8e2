"""Build patients, sessions and hand-made events for tests, with no Qt and no real time.

Everything here drives the Qt-free core (``microneedle_desk.core``) with a
:class:`~microneedle_desk.core.clock.FakeClock`, so a test decides exactly how much time
passes. GUI tests may reuse it to get a session into a known state quickly.

Typical use::

    clock = FakeClock()
    session = start_session(PROTOCOL, clock)          # patient made up for you
    run_complete_session(session, clock)              # every step done, signed
    assert session.state.status == "signed"

or stop part-way with the stage functions, which each do one part of the workflow and
can be called in order (thin wrappers over :mod:`microneedle_desk.core.script`, the one
scripted session the bench and tools use too): :func:`clear_screening`, :func:`apply_anesthetic`,
:func:`prepare_device`, :func:`wait_dwell`, :func:`do_needling`, :func:`close_out`.
With a store, pass ``sink=pin_sink(store)`` to :func:`start_session` (plain ``store.append_event``
takes no sign-off or override) and use ``store.device`` as ``device`` so each event is saved
(and re-checked) as it happens.
"""

from __future__ import annotations

import copy
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Mapping
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from microneedle_desk import paths
from microneedle_desk.core import script
from microneedle_desk.core.clock import FakeClock
from microneedle_desk.core.protocol import Protocol, load_protocol
from microneedle_desk.core.records import Patient, iso, make_patient, new_id
from microneedle_desk.core.session import Session, Sink
from microneedle_desk.core.session_state import SessionConfig

PROTOCOL_FILE = Path(__file__).resolve().parent.parent / "microneedle_desk" / "resources" / "protocol.json"
DEVICE = "test-device"
PRACTITIONER = "00000000-0000-4000-8000-000000000001"
"""The practitioner id the helpers use unless given one (any non-empty text is accepted)."""


@cache
def shipped_protocol() -> Protocol:
    """The protocol shipped in ``microneedle_desk/resources/protocol.json``, loaded once."""
    return load_protocol(PROTOCOL_FILE)


def make_demo_patient(protocol: Protocol, clock: FakeClock, *, name: str = "Alex Demo",
                      clinic_id: str = "D-1", dob: str = "1980-01-02", sex: str = "male",
                      indication: str = "aga_male", scale: str = "norwood_hamilton",
                      grade: str = "III", device: str = DEVICE) -> Patient:
    """A checked patient (male pattern, Norwood III unless told otherwise); not stored."""
    return make_patient(protocol, name=name, dob=dob, clinic_id=clinic_id, sex=sex,
                        indication=indication, scale=scale, grade=grade, device=device,
                        now=clock.now(), demo=True)


def start_session(protocol: Protocol, clock: FakeClock, patient: Patient | None = None, *,
                  sink: Sink | None = None, config: SessionConfig | None = None,
                  practitioner_id: str = PRACTITIONER, device: str = DEVICE) -> Session:
    """A started session (only its ``session_started`` event) for ``patient`` or a demo one."""
    patient = patient or make_demo_patient(protocol, clock, device=device)
    return Session.start(protocol, clock, device, patient, practitioner_id,
                         config or SessionConfig(), sink=sink)


def clear_screening(session: Session, consent_by: str = "Alex Demo") -> None:
    """Answer every contraindication No and confirm consent."""
    script.clear_screening(session, consent_by=consent_by)


def apply_anesthetic(session: Session, dwell_minutes: int = 30, product: str = "EMLA 5%") -> None:
    """Name the cream and apply it now: the dwell countdown starts."""
    script.apply_anesthetic(session, dwell_minutes=dwell_minutes, product=product)


def prepare_device(session: Session, clock: FakeClock, needle_mm: str = "1.5",
                   lot: str = "LOT-1", antiseptic: str = "alcohol",
                   needling_minutes: int = 15) -> None:
    """Needle, in-date sealed cartridge, handpiece, antiseptic and the needling plan (no time passes)."""
    script.prepare_device(session, needle_mm=needle_mm, lot=lot,
                          expiry=(clock.now().date() + timedelta(days=365)).isoformat(),
                          antiseptic=antiseptic, needling_minutes=needling_minutes)


def wait_dwell(session: Session, clock: FakeClock) -> None:
    """Let the planned dwell time pass, polling alerts as the app would."""
    script.wait_dwell(session, clock.advance)


def do_needling(session: Session, clock: FakeClock, minutes: float | None = None,
                zones: tuple[str, ...] = ("frontal", "vertex")) -> None:
    """Start needling, let ``minutes`` (default: the plan) pass, finish, tick zones and passes."""
    script.do_needling(session, clock.advance, minutes=minutes, zones=zones)


def close_out(session: Session, adjunct: str = "minoxidil", prp_ml: object = None) -> None:
    """Endpoint, clean-up, adjunct, 'none observed', aftercare and the suggested next date."""
    script.close_out(session, adjunct=adjunct, prp_ml=prp_ml)


def run_complete_session(session: Session, clock: FakeClock, *, sign: bool = True,
                         dwell_minutes: int = 30, needling_minutes: int = 15) -> Session:
    """Take a freshly started session through every step, 30 min dwell and 15 min needling.

    Signs it unless ``sign=False`` (then ``session.state.missing(protocol)`` is empty and
    signing is the one thing left). Returns the same session.
    """
    return script.run_complete_session(session, clock.advance, sign=sign, dwell_minutes=dwell_minutes,
                                       needling_minutes=needling_minutes)


def complete_session_events(protocol: Protocol | None = None, clock: FakeClock | None = None,
                            **kwargs: Any) -> list[dict[str, Any]]:
    """The events of a complete, signed session (made with no store)."""
    protocol = protocol or shipped_protocol()
    clock = clock or FakeClock()
    session = start_session(protocol, clock, **kwargs)
    run_complete_session(session, clock)
    return copy.deepcopy(session.state.events)


def make_event(session: Session, kind: str, data: dict[str, Any], /, **overrides: Any) -> dict[str, Any]:
    """A hand-built event for ``session`` as the Session class would build it, not applied.

    ``overrides`` replace any envelope field (``n``, ``at``, ``mono``, ``by``...), which is
    how tests make an event the rules must refuse.
    """
    clock = session.clock
    event = {
        "id": new_id(), "session": session.state.id, "n": len(session.state.events),
        "type": kind, "at": iso(clock.now()), "mono": clock.monotonic(),
        "boot": clock.boot_id(), "by": session.state.practitioner_id,
        "device": session.device, "data": data,
    }
    event.update(overrides)
    return event


def today(clock: FakeClock) -> date:
    return clock.now().date()


# -- demo stores ------------------------------------------------------------------------------
def build_demo_store(root: Path, sessions: int, seed: int) -> Path:
    """A store at ``root`` filled by ``demo-data``'s generator (for a module-scoped template)."""
    from microneedle_desk.review.demo import generate
    from microneedle_desk.store.store import Store

    store = Store(root, load_protocol(paths.protocol_file()), FakeClock())
    generate(store, sessions, seed=seed)
    store.close()
    return root


def open_copy(template: Path, data_dir: Path, protocol: Protocol) -> Any:
    """A Store on a fresh copy of ``template`` at ``data_dir`` (each test changes its own copy)."""
    import shutil

    from microneedle_desk.store.store import Store

    shutil.copytree(template, data_dir)
    return Store(data_dir, protocol, FakeClock())


# -- saving through the PIN-guarded path ----------------------------------------------------
TEST_PIN = "482613"
"""The PIN of the account :func:`pin_sink` makes."""


def pin_sink(store: Any, practitioner_id: str = PRACTITIONER, name: str = "Dr Test") -> Sink:
    """A sink that saves a session's events the way the app does once people have accounts.

    Makes an account for ``practitioner_id`` (PIN :data:`TEST_PIN`) unless there is one;
    before each event that needs a signature (a start, a sign-off, an override) that PIN is
    proved for it, as at the app's PIN prompt, and every event goes through
    :meth:`AccountBook.guarded_sink`, the one path by which a sign-off reaches the store.
    """
    from dataclasses import replace

    from microneedle_desk.store.accounts import AccountBook

    book = AccountBook(store)
    if book.account(practitioner_id) is None:
        account = book._new(name, "practitioner", None, must_change=False, account_id=practitioner_id)
        book._save(replace(account, pin_hash=_quick_hash(TEST_PIN)))
    sink: Sink = book.pin_sink(TEST_PIN)
    return sink


def _quick_hash(pin: str) -> dict[str, Any]:
    """A PIN hash in the app's format with a low scrypt cost (the cost is stored with the hash,
    so the app checks it as any other): the tests prove PINs thousands of times."""
    import hashlib

    salt = b"test-salt-16byte"
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=16, r=1, p=1, dklen=32)
    return {"alg": "scrypt", "n": 16, "r": 1, "p": 1, "salt": salt.hex(), "hash": digest.hex()}


def amend_with_pin(store: Any, session_id: str, field: str, value: object, reason: str,
                   practitioner_id: str = PRACTITIONER) -> dict[str, Any]:
    """A correction by the :func:`pin_sink` account, signed with its PIN as in the app."""
    from microneedle_desk.store.accounts import AccountBook

    sealed: dict[str, Any] = AccountBook(store).amend(practitioner_id, TEST_PIN, session_id, field, value, reason)
    return sealed


DEMO_PIN = "864213"


def demo_amender(store: Any) -> Any:
    """Corrections in a demo data folder the way the app makes them: by an account that proves its
    PIN. Returns ``amend(session_id, field, value, reason)``; the first demo account gets a PIN."""
    from microneedle_desk.store.accounts import AccountBook

    book = AccountBook(store)
    person = next(a for a in book.accounts(include_retired=False) if a.is_admin)
    if person.pin_hash is None:
        book.change_pin(person.id, None, DEMO_PIN)

    def amend(session_id: str, field: str, value: object, reason: str) -> dict[str, Any]:
        return book.amend(person.id, DEMO_PIN, session_id, field, value, reason)

    return amend


def old_name_only_practitioner(store: Any, name: str) -> Any:
    """A practitioner as stores from before accounts kept them: a name, no account, no PIN.
    (The app no longer makes these; an upgraded store turns each into an account.)"""
    from microneedle_desk.core.records import Practitioner

    person = Practitioner(new_id(), name, store.device, iso(store.clock.now()))
    store._db_for(paths.patients_file(store.root)).table("practitioners").insert(person.to_doc())
    return person


def as_accounts_in_patients_file(root: Path) -> None:
    """Put the folder at ``root`` back into the layout of stores written before accounts had a
    file of their own: the accounts table inside patients.json (the same documents, written the
    way the store writes its files), no accounts.json and no flag in meta.json saying they moved."""
    import json

    from microneedle_desk.store.accounts_file import MOVED
    from microneedle_desk.store.storage import dumps, write_atomic

    meta = json.loads(paths.meta_file(root).read_text(encoding="utf-8"))
    for record in meta["meta"].values():
        record.pop(MOVED)
    write_atomic(paths.meta_file(root), dumps(meta))
    moved = paths.accounts_file(root)
    accounts = json.loads(moved.read_text(encoding="utf-8"))["accounts"]
    people = json.loads(paths.patients_file(root).read_text(encoding="utf-8"))
    people["accounts"] = accounts
    write_atomic(paths.patients_file(root), dumps(people))
    moved.unlink()


STRACE = shutil.which("strace")
REPO = Path(__file__).resolve().parent.parent


def run_killed_at(calls: str, nth: int, child: str, *args: str, timeout: int = 120,
                  env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the Python source ``child`` with ``args`` in a process that strace kills at the ``nth``
    of the system calls ``calls`` (e.g. "rename,renameat,renameat2"); ``env`` adds to the child's
    environment (the repository is on its import path)."""
    assert STRACE is not None, "strace is not installed (tools/bootstrap.py installs it)"
    full_env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(REPO), **(env or {})}
    return subprocess.run(
        [STRACE, "-f", "-qq", "-o", os.devnull, "-e", f"trace={calls}",
         "-e", f"inject={calls}:signal=SIGKILL:when={nth}", sys.executable, "-c", child, *args],
        capture_output=True, text=True, env=full_env, timeout=timeout, check=False)


def was_killed(result: subprocess.CompletedProcess[str], finished: str) -> bool:
    """Whether a :func:`run_killed_at` child was killed: it prints ``finished`` when it got to the
    end, and otherwise must have died of the SIGKILL (not of an error of its own)."""
    if finished in result.stdout:
        return False
    assert result.returncode in (-signal.SIGKILL, 128 + signal.SIGKILL, 137), result.stderr[-2000:]
    return True
