"""Signatures that mean something: only the PIN holder signs, and a record changed after it was
signed is caught by ``check`` even when every hash, the chain head and the index were redone."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from helpers import (
    PRACTITIONER,
    amend_with_pin,
    make_demo_patient,
    pin_sink,
    run_complete_session,
    start_session,
)

from microneedle_desk import paths
from microneedle_desk.core.accounts import SecretError
from microneedle_desk.core.clock import FakeClock
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.core.records import content_hash
from microneedle_desk.core.session import Session
from microneedle_desk.core.signing import (
    SealedKeyError,
    amendment_message,
    cert_message,
    fingerprint,
    open_key,
    verify,
)
from microneedle_desk.printing import jobs
from microneedle_desk.printing.content import ClinicInfo
from microneedle_desk.printing.sheet import footer_html
from microneedle_desk.store.accounts import AccountBook, SignInError
from microneedle_desk.store.backup import take_backup
from microneedle_desk.store.check import check_store
from microneedle_desk.store.restore import restore
from microneedle_desk.store.store import GENESIS, Store

ADMIN_PIN = "481516"
NURSE_PIN = "273849"


@pytest.fixture
def store(data_dir: Path, protocol: Protocol, fake_clock: FakeClock) -> Iterator[Store]:
    s = Store(data_dir, protocol, fake_clock)
    yield s
    s.close()


def signed_session(store: Store, clock: FakeClock, practitioner_id: str = PRACTITIONER,
                   sink: Any = None) -> Session:
    patient = make_demo_patient(store.protocol, clock, device=store.device,
                                clinic_id=f"D-{len(store.patients()) + 1}")
    store.add_patient(patient)
    session = start_session(store.protocol, clock, patient, sink=sink or pin_sink(store), device=store.device,
                            practitioner_id=practitioner_id)
    run_complete_session(session, clock)
    return session


# -- what someone with the folder and the app's code can do -------------------------------------
def _tables(path: Path) -> dict[str, dict[str, dict[str, Any]]]:
    data: dict[str, dict[str, dict[str, Any]]] = json.loads(path.read_text(encoding="utf-8"))
    return data


def reseal(root: Path, protocol: Protocol, change: Any) -> None:
    """Apply ``change(files)`` to the parsed day and access files, then redo what a hash proves:
    every record's place and hash in the chain from the first, the head in meta.json, and the
    history index with its digests (by the app's own rebuild)."""
    files = {p: _tables(p) for folder in (paths.sessions_dir(root), paths.access_dir(root))
             for p in sorted(folder.glob("*.json"))}
    change(files)
    chained = [doc for data in files.values() for name in ("sessions", "amendments", "access")
               for doc in data.get(name, {}).values()]
    chained.sort(key=lambda d: int(d["chain"]["seq"]))
    prev = GENESIS
    for doc in chained:
        doc["chain"]["prev"] = prev
        doc["hash"] = prev = content_hash(doc, prev)
    for path, data in files.items():
        path.write_text(json.dumps(data), encoding="utf-8")
    meta = _tables(paths.meta_file(root))
    head = next(iter(meta["chain"].values()))
    head.update({"seq": int(chained[-1]["chain"]["seq"]), "hash": prev, "intent": None})
    paths.meta_file(root).write_text(json.dumps(meta), encoding="utf-8")
    resealed = Store(root, protocol, FakeClock())
    resealed.rebuild_derived()
    resealed.close()


def set_needle(session_id: str, mm: str) -> Any:
    def change(files: dict[Path, Any]) -> None:
        for data in files.values():
            for doc in data.get("sessions", {}).values():
                if doc["id"] == session_id:
                    for event in doc["events"]:
                        if event["type"] == "needle_length_set":
                            event["data"]["mm"] = mm
    return change


# -- the resealed edit ----------------------------------------------------------------------------
def test_a_resealed_edit_of_a_signed_sessions_needle_length_is_caught_by_check(store, protocol, fake_clock):
    session = signed_session(store, fake_clock)
    store.close()
    assert check_store(store.root, protocol) == []

    reseal(store.root, protocol, set_needle(session.id, "0.5"))

    reopened = Store(store.root, protocol, FakeClock())
    assert str(reopened.session_state(session.id).needle_mm) == "0.5", "the edit is in the record"
    assert reopened.summary(session.id)["needle_mm"] == 0.5, "and in the history, derived again from it"
    reopened.close()
    problems = check_store(store.root, protocol)
    assert problems, "check passes a record rewritten and resealed"
    # every hash, the head and the index agree: only the signature gives the edit away
    assert all("signature does not match its content" in p.what for p in problems), [str(p) for p in problems]
    assert any(p.record.startswith(f"session {session.id}, event") and "(signed)" in p.record for p in problems)


def test_removing_the_signatures_along_with_the_edit_is_caught_too(store, protocol, fake_clock):
    session = signed_session(store, fake_clock)
    store.close()

    def strip(files: dict[Path, Any]) -> None:
        set_needle(session.id, "0.5")(files)
        for data in files.values():
            for doc in data.get("sessions", {}).values():
                for event in doc["events"]:
                    event.pop("sig", None)

    reseal(store.root, protocol, strip)
    problems = check_store(store.root, protocol)
    assert [p.record for p in problems] == [f"session {session.id}"]
    assert "carries no signature" in problems[0].what


def test_records_from_before_signatures_are_not_reported(store, protocol, fake_clock):
    session = signed_session(store, fake_clock)
    store.close()

    def as_before(files: dict[Path, Any]) -> None:
        for data in files.values():
            for doc in data.get("sessions", {}).values():
                for event in doc["events"]:
                    event.pop("sig", None)

    reseal(store.root, protocol, as_before)
    meta = _tables(paths.meta_file(store.root))
    next(iter(meta["meta"].values())).pop("signed_from")
    paths.meta_file(store.root).write_text(json.dumps(meta), encoding="utf-8")
    people = _tables(paths.accounts_file(store.root))
    for account in people["accounts"].values():
        account.pop("key", None)
        account.pop("past_keys", None)
    paths.accounts_file(store.root).write_text(json.dumps(people), encoding="utf-8")

    assert check_store(store.root, protocol) == []
    # an old store opened now: what is sealed from here on is signed; the old record stays readable
    head = next(iter(_tables(paths.meta_file(store.root))["chain"].values()))["seq"]
    reopened = Store(store.root, protocol, FakeClock())
    assert reopened.session_state(session.id).status == "signed"
    assert reopened.meta_value("signed_from") == head + 1
    reopened.close()
    assert check_store(store.root, protocol) == []


# -- only the PIN holder signs --------------------------------------------------------------------
def test_a_wrong_pin_cannot_sign_and_a_pin_hash_replaced_by_hand_does_not_open_the_key(store, fake_clock):
    book = AccountBook(store)
    admin = book.create_first_admin("Dr Admin", ADMIN_PIN)
    assert admin.key is not None and "sealed" in admin.key
    assert ADMIN_PIN not in json.dumps(admin.to_doc())
    with pytest.raises(SealedKeyError):
        open_key(admin.key, "999999")
    with pytest.raises(SignInError, match="not right"):
        book.prove(admin.id, "999999", "sign")

    # Someone who can write the folder sets the PIN hash to one of a PIN they know: the PIN
    # check passes, but the signing key stays sealed under the real PIN.
    known = AccountBook(store)._new("Dummy", "practitioner", "135790", must_change=False).pin_hash
    book._save(replace(book.account(admin.id), pin_hash=known))
    with pytest.raises(SignInError, match="signing key does not open"):
        book.prove(admin.id, "135790", "sign")
    with pytest.raises(SignInError, match="signing key does not open"):
        book.amend(admin.id, "135790", "00000000-0000-4000-8000-00000000abcd", "needle_mm", "1.0", "typo")


def test_an_old_short_pin_must_be_changed_at_the_next_sign_in(store):
    book = AccountBook(store)
    book.create_first_admin("Dr Admin", ADMIN_PIN)
    salt = b"0123456789abcdef"
    short = {"alg": "scrypt", "n": 16, "r": 1, "p": 1, "salt": salt.hex(),
             "hash": hashlib.scrypt(b"4321", salt=salt, n=16, r=1, p=1, dklen=32).hex()}
    old = book._save(replace(book._new("Dr Old Pin", "practitioner", None, must_change=False), pin_hash=short))
    signed_in = book.sign_in(old.id, "4321")
    assert signed_in.must_change_pin, "a 4-digit PIN must be replaced"
    assert signed_in.key is not None, "an account from before signatures gets its key at its next PIN"
    public = signed_in.key["public"]
    with pytest.raises(SecretError, match="at least 6 digits"):
        book.change_pin(old.id, "4321", "5678")
    book.change_pin(old.id, "4321", "582947")
    after = book.account(old.id)
    assert not after.must_change_pin
    assert after.key["public"] == public, "the same key, sealed under the new PIN"
    open_key(after.key, "582947")
    with pytest.raises(SealedKeyError):
        open_key(after.key, "4321")


# -- keys vouched for by an admin ---------------------------------------------------------------
def test_a_reset_account_gets_a_new_key_signed_by_the_admin(store, protocol, fake_clock):
    book = AccountBook(store)
    admin = book.create_first_admin("Dr Admin", ADMIN_PIN)
    assert verify(admin.key["public"], cert_message(admin.id, admin.key["public"], admin.key["cert"]["at"],
                                                    admin.id), admin.key["cert"]["value"]), "self-signed"
    nurse = book.add(admin, "Nurse Demo", "practitioner", NURSE_PIN, actor_pin=ADMIN_PIN)
    assert nurse.key["cert"]["by"] == admin.id
    book.change_pin(nurse.id, NURSE_PIN, "615243")
    session = signed_session(store, fake_clock, nurse.id, sink=book.pin_sink("615243"))
    old_public = book.account(nurse.id).key["public"]

    with pytest.raises(SignInError):
        book.reset(admin, nurse.id, "908172", actor_pin="000001")
    assert book.account(nurse.id).key["public"] == old_public, "a wrong admin PIN changes nothing"
    book.reset(admin, nurse.id, "908172", actor_pin=ADMIN_PIN)
    reset = book.account(nurse.id)
    assert reset.key["public"] != old_public
    cert = reset.key["cert"]
    assert cert["by"] == admin.id
    assert verify(admin.key["public"], cert_message(nurse.id, reset.key["public"], cert["at"], admin.id),
                  cert["value"])
    assert [k["public"] for k in reset.past_keys] == [old_public]
    assert "sealed" not in reset.past_keys[0], "the old sealed key is gone: nobody can sign with it again"
    assert check_store(store.root, protocol) == [], "what the old key signed still verifies"

    # a key swapped in by hand, vouched for by nobody but itself, is reported
    forged = book.account(admin.id).key
    book._save(replace(book.account(nurse.id), key={**forged, "cert": {**forged["cert"], "by": nurse.id}}))
    problems = check_store(store.root, protocol)
    assert any(p.record == f"account {nurse.id}" and "not vouched for" in p.what for p in problems)
    assert session.state.status == "signed"


def test_adding_an_account_without_the_admins_pin_is_refused(store):
    book = AccountBook(store)
    admin = book.create_first_admin("Dr Admin", ADMIN_PIN)
    with pytest.raises(Exception, match="give your PIN"):
        book.add(admin, "Nurse Demo", "practitioner", NURSE_PIN)
    with pytest.raises(SignInError):
        book.add(admin, "Nurse Demo", "practitioner", NURSE_PIN, actor_pin="000001")
    assert [a.name for a in book.accounts()] == ["Dr Admin"]


# -- amendments ---------------------------------------------------------------------------------
def test_an_amendments_signature_verifies_and_an_edited_amendment_is_caught(store, protocol, fake_clock):
    session = signed_session(store, fake_clock)
    sealed = amend_with_pin(store, session.id, "needle_mm", "1.0", "typed 1.5, used 1.0")
    signature = sealed["sig"]
    assert signature["by"] == PRACTITIONER
    assert verify(signature["key"], amendment_message(sealed), signature["value"])
    account = AccountBook(store).account(PRACTITIONER)
    assert signature["key"] == account.key["public"]
    store.close()
    assert check_store(store.root, protocol) == []

    def change(files: dict[Path, Any]) -> None:
        for data in files.values():
            for doc in data.get("amendments", {}).values():
                doc["reason"] = "something else"

    reseal(store.root, protocol, change)
    problems = check_store(store.root, protocol)
    assert [p.record for p in problems] == [f"amendment {sealed['id']}"]
    assert "signature does not match" in problems[0].what


# -- the chain anchored outside the folder ------------------------------------------------------
def test_a_store_rolled_back_behind_its_newest_backup_is_reported(store, protocol, fake_clock, tmp_path):
    signed_session(store, fake_clock)
    older = tmp_path / "older"
    shutil.copytree(store.root, older)
    second = signed_session(store, fake_clock)
    take_backup(store.root, fake_clock.now(), keep=5)
    store.close()
    assert check_store(store.root, protocol) == []

    for name in ("meta.json", "patients.json", "sessions", "index", "access", "patients"):
        target = store.root / name
        if target.is_dir():
            shutil.rmtree(target)
        else:
            target.unlink(missing_ok=True)
        if (older / name).exists():
            (shutil.copytree if (older / name).is_dir() else shutil.copy2)(older / name, target)
    assert Store(store.root, protocol, FakeClock()).session_doc(second.id) is None
    problems = check_store(store.root, protocol)
    assert any("backup" in p.what and "older copy" in p.what for p in problems), [str(p) for p in problems]


def test_restoring_an_older_backup_on_purpose_is_not_reported_as_a_rollback(store, protocol, fake_clock):
    signed_session(store, fake_clock)
    older = take_backup(store.root, fake_clock.now(), keep=5)
    fake_clock.advance(3600)
    signed_session(store, fake_clock)
    take_backup(store.root, fake_clock.now(), keep=5)
    store.close()
    fake_clock.advance(3600)
    restore(store.root, older, protocol, fake_clock.now())
    assert check_store(store.root, protocol) == []
    # a backup taken after the restore anchors the restored chain again
    fake_clock.advance(3600)
    take_backup(store.root, fake_clock.now(), keep=5)
    assert check_store(store.root, protocol) == []


def test_a_chain_rewritten_after_the_newest_backup_is_reported(store, protocol, fake_clock):
    session = signed_session(store, fake_clock)
    take_backup(store.root, fake_clock.now(), keep=5)
    store.close()
    # even with every signature redone (as if the key were known), the backup's head disagrees
    reseal(store.root, protocol, set_needle(session.id, "1.0"))
    problems = check_store(store.root, protocol)
    assert any("differs from the one the backup" in p.what for p in problems), [str(p) for p in problems]


# -- the printed sheet --------------------------------------------------------------------------
def test_the_sheet_carries_the_fingerprint_of_the_sign_off_signature(store, fake_clock):
    session = signed_session(store, fake_clock)
    signature = session.state.events[-1]["sig"]
    mark = fingerprint(signature)
    assert len(mark) == 19 and mark.count("-") == 3
    doc = jobs.sheet_for(store, session.id, ClinicInfo("Demo Hair Clinic", "", ""), "Dr Demo", fake_clock.now())
    assert doc.footer.signature_mark == mark
    assert f"E-signature {mark}" in footer_html(doc, 1, 1)
