"""Roles are per laptop: an account's role is set by the admin of the laptop it signs in on. A role
changed on one laptop travels to the server as a new version of that account (with its public
keys, so every signature still verifies clinic-wide) and changes nothing on any other laptop."""

from __future__ import annotations

from pathlib import Path

from server_laptops import P, cli, new_laptop, server_rows, sync

from microneedle_desk.core.clock import FakeClock
from microneedle_desk.store.accounts import AccountBook
from microneedle_desk.store.check import check_store
from microneedle_desk.store.store import Store

ADMIN_PIN, NURSE_PIN = "482915", "739164"


def _book(root: Path) -> tuple[Store, AccountBook]:
    store = Store(root, P, FakeClock())
    return store, AccountBook(store)


def test_a_role_changed_on_one_laptop_reaches_the_server_and_no_other_laptop(dsn: str, tmp_path: Path) -> None:
    one, two = tmp_path / "room1", tmp_path / "room2"
    new_laptop(one, "Gil Roles", "ROL-1")
    new_laptop(two, "Hal Roles", "ROL-2")
    store, book = _book(one)
    try:
        admin = book.create_first_admin("Dr Admin", ADMIN_PIN)
        nurse = book.add(admin, "Nurse Role", "practitioner", NURSE_PIN, actor_pin=ADMIN_PIN)
    finally:
        store.close()
    store, book = _book(two)
    try:
        admin_two = book.create_first_admin("Dr Admin Two", ADMIN_PIN)
    finally:
        store.close()
    sync(one, dsn)
    sync(two, dsn)
    store, book = _book(one)
    try:
        book.set_role(admin, nurse.id, "admin")
    finally:
        store.close()
    sync(one, dsn)
    versions = server_rows(dsn, "SELECT doc->>'role', doc ? 'pin_hash', doc->'key' ? 'sealed' FROM clinic.accounts "
                                f"WHERE id = '{nurse.id}' ORDER BY received_at")
    assert versions == [("practitioner", False, False), ("admin", False, False)]  # no PIN hash, no sealed key
    sync(two, dsn)
    store, book = _book(two)
    try:
        assert book.account(nurse.id) is None  # accounts never come down: nobody signs in here with it
        mine = book.account(admin_two.id)
        assert mine is not None and mine.role == "admin"
        assert [a.name for a in book.accounts()] == ["Dr Admin Two"]
    finally:
        store.close()
    checked = cli("check", "--server", dsn)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    for root in (one, two):
        assert check_store(root, P) == []
