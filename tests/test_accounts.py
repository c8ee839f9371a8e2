"""Accounts, PINs, signatures, role gates, the access log and the idle lock."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from helpers import (
    apply_anesthetic,
    clear_screening,
    make_demo_patient,
    old_name_only_practitioner,
    prepare_device,
    run_complete_session,
    start_session,
)

from microneedle_desk import paths
from microneedle_desk.core.accounts import (
    FREE_TRIES,
    PermissionDenied,
    SecretError,
    check_secret,
    hash_secret,
    may_see_session,
    require,
    verify_secret,
)
from microneedle_desk.core.clock import FakeClock
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.core.session import Session
from microneedle_desk.core.session_state import SessionConfig
from microneedle_desk.store.access_log import read_access_log
from microneedle_desk.store.accounts import AccountBook, SignInError
from microneedle_desk.store.check import check_store
from microneedle_desk.store.store import Store

ADMIN_PIN = "481516"
NURSE_PIN = "273849"


@pytest.fixture
def store(data_dir: Path, protocol: Protocol, fake_clock: FakeClock) -> Store:
    return Store(data_dir, protocol, fake_clock)


@pytest.fixture
def book(store: Store) -> AccountBook:
    return AccountBook(store)


# -- secrets ------------------------------------------------------------------------------
@pytest.mark.parametrize(("secret", "says"), [
    ("12345", "at least 6 digits"),
    ("111111", "one digit repeated"),
    ("short pass", "passphrase of at least 12"),
])
def test_weak_pins_are_refused_with_a_message_that_says_what_is_allowed(secret, says):
    with pytest.raises(SecretError) as exc:
        check_secret(secret)
    assert says in exc.value.message
    assert secret not in exc.value.message


def test_a_pin_is_kept_as_a_salted_scrypt_hash_that_verifies():
    stored = hash_secret(ADMIN_PIN)
    again = hash_secret(ADMIN_PIN)
    assert stored["alg"] == "scrypt" and (stored["n"], stored["r"], stored["p"]) == (2**14, 8, 1)
    assert len(bytes.fromhex(stored["salt"])) == 16
    assert stored["hash"] != again["hash"], "each hash has its own salt"
    assert verify_secret(ADMIN_PIN, stored) and not verify_secret("481517", stored)
    assert verify_secret("a long passphrase here", hash_secret("a long passphrase here"))


# -- sign-in and backoff ------------------------------------------------------------------
def test_first_start_creates_the_first_admin_and_only_once(book):
    assert book.needs_first_admin()
    admin = book.create_first_admin("Dr Admin", ADMIN_PIN)
    assert admin.is_admin and not admin.must_change_pin
    assert not book.needs_first_admin()
    with pytest.raises(PermissionDenied, match="already an admin"):
        book.create_first_admin("Someone Else", "918273")


def test_a_practitioner_from_before_accounts_can_become_the_first_admin(book, store):
    old = old_name_only_practitioner(store, "Dr First")
    book.migrate_practitioners()
    assert book.needs_first_admin()
    admin = book.create_first_admin("Dr First", ADMIN_PIN)
    assert admin.id == old.id and admin.is_admin
    assert book.sign_in(old.id, ADMIN_PIN).is_admin


def test_sign_in_backs_off_after_five_wrong_pins_with_a_growing_wait(book, fake_clock):
    admin = book.create_first_admin("Dr Admin", ADMIN_PIN)
    for _ in range(FREE_TRIES - 1):
        with pytest.raises(SignInError) as exc:
            book.sign_in(admin.id, "000001")
        assert exc.value.wait == 0
    with pytest.raises(SignInError) as exc:
        book.sign_in(admin.id, "000001")
    assert exc.value.wait == 30
    with pytest.raises(SignInError, match="wait 30 s"):
        book.sign_in(admin.id, ADMIN_PIN)  # even the right PIN waits
    fake_clock.advance(30)
    with pytest.raises(SignInError) as exc:
        book.sign_in(admin.id, "000002")
    assert exc.value.wait == 60, "the wait grows"
    fake_clock.advance(60)
    with pytest.raises(SignInError) as exc:
        book.sign_in(admin.id, "000003")
    assert exc.value.wait == 120
    fake_clock.advance(120)
    assert book.sign_in(admin.id, ADMIN_PIN).id == admin.id
    assert book.account(admin.id).failures == 0, "a right PIN clears the count"
    failures = [e for e in read_access_log(book.store) if e["action"] == "sign-in failed"]
    assert len(failures) == FREE_TRIES + 3, "every failure is logged"


def test_a_retired_account_cannot_sign_in_but_still_names_its_old_records(book, store, protocol, fake_clock):
    admin = book.create_first_admin("Dr Admin", ADMIN_PIN)
    nurse = book.add(admin, "Nurse Demo", "practitioner", NURSE_PIN, actor_pin=ADMIN_PIN)
    session = Session.start(protocol, fake_clock, store.device, make_demo_patient(protocol, fake_clock),
                            nurse.id, SessionConfig(), sink=book.pin_sink(NURSE_PIN))
    run_complete_session(session, fake_clock)
    book.retire(admin, nurse.id)
    with pytest.raises(SignInError, match="retired"):
        book.sign_in(nurse.id, NURSE_PIN)
    with pytest.raises(PermissionDenied, match="retired"):
        require("run_sessions", book.account(nurse.id))
    assert store.practitioner_name(session.state.signed_by) == "Nurse Demo"
    assert nurse.id not in [a.id for a in book.accounts(include_retired=False)]


def test_the_last_admin_cannot_be_retired_or_removed(book):
    admin = book.create_first_admin("Dr Admin", ADMIN_PIN)
    with pytest.raises(PermissionDenied, match="last admin"):
        book.retire(admin, admin.id)
    with pytest.raises(PermissionDenied, match="last admin"):
        book.remove(admin, admin.id)
    with pytest.raises(PermissionDenied, match="last admin"):
        book.set_role(admin, admin.id, "practitioner")
    second = book.add(admin, "Dr Second", "admin", "736251", actor_pin=ADMIN_PIN)
    book.retire(admin, second.id)
    assert book.account(admin.id).active


def test_a_reset_forces_a_new_pin_and_migrated_practitioners_set_theirs(book, store):
    admin = book.create_first_admin("Dr Admin", ADMIN_PIN)
    old = old_name_only_practitioner(store, "Dr Before Accounts")
    assert book.migrate_practitioners() == 1
    migrated = book.account(old.id)
    assert migrated is not None and migrated.pin_hash is None and migrated.must_change_pin
    with pytest.raises(SignInError, match="no PIN yet"):
        book.sign_in(old.id, "")
    book.change_pin(old.id, None, "192837")
    assert book.sign_in(old.id, "192837").must_change_pin is False
    book.reset(admin, old.id, "564738", actor_pin=ADMIN_PIN)
    assert book.sign_in(old.id, "564738").must_change_pin
    with pytest.raises(SignInError):
        book.change_pin(old.id, "000000", "918273")
    book.change_pin(old.id, "564738", "918273")
    assert not book.account(old.id).must_change_pin


# -- role gates in the core ---------------------------------------------------------------
def test_role_gates_refuse_what_a_practitioner_may_not_do_even_if_a_view_asks(book):
    admin = book.create_first_admin("Dr Admin", ADMIN_PIN)
    nurse = book.add(admin, "Nurse Demo", "practitioner", NURSE_PIN, actor_pin=ADMIN_PIN)
    for permission in ("run_sessions", "review_history", "print"):
        assert require(permission, nurse) is nurse
        assert require(permission, admin) is admin, "an admin may practise"
    for permission in ("manage_accounts", "change_settings", "restore_backups", "export", "see_access_log"):
        with pytest.raises(PermissionDenied, match="Only an admin") as exc:
            require(permission, nurse)
        assert "Nurse Demo" in exc.value.message
    with pytest.raises(PermissionDenied, match="Only an admin"):
        book.add(nurse, "Intruder", "admin", "123457", actor_pin=NURSE_PIN)
    with pytest.raises(PermissionDenied):
        book.entries(nurse)
    with pytest.raises(PermissionDenied, match="Sign in first"):
        require("print", None)
    assert may_see_session(nurse, nurse.id, own_only=True)
    assert not may_see_session(nurse, admin.id, own_only=True)
    assert may_see_session(nurse, admin.id, own_only=False)
    assert may_see_session(admin, nurse.id, own_only=True)


# -- signatures ---------------------------------------------------------------------------
def test_start_and_sign_off_are_saved_only_after_the_practitioner_proves_their_pin(book, store, protocol,
                                                                                   fake_clock):
    admin = book.create_first_admin("Dr Admin", ADMIN_PIN)
    nurse = book.add(admin, "Nurse Demo", "practitioner", NURSE_PIN, actor_pin=ADMIN_PIN)
    patient = make_demo_patient(protocol, fake_clock, device=store.device)
    store.add_patient(patient)
    sink = book.guarded_sink()
    with pytest.raises(PermissionDenied, match="PIN"):
        Session.start(protocol, fake_clock, store.device, patient, nurse.id, SessionConfig(), sink=sink)
    with pytest.raises(SignInError):
        book.prove(nurse.id, "999999", "start")
    book.prove(nurse.id, NURSE_PIN, "start")
    session = Session.start(protocol, fake_clock, store.device, patient, nurse.id, SessionConfig(), sink=sink)
    run_complete_session(session, fake_clock, sign=False)
    with pytest.raises(PermissionDenied):
        session.sign()
    book.prove(nurse.id, NURSE_PIN, "sign")
    session.sign()
    doc = store.session_doc(session.id)
    assert doc is not None and doc["status"] == "signed"
    signed = doc["events"][-1]
    assert signed["type"] == "signed" and signed["by"] == nurse.id
    # an amendment by the person who proves their PIN now
    with pytest.raises(SignInError):
        book.amend(admin.id, "000000", session.id, "cartridge_lot", "LOT-2", "typo")
    sealed = book.amend(admin.id, ADMIN_PIN, session.id, "cartridge_lot", "LOT-2", "typo on the box")
    assert sealed["by"] == admin.id
    assert check_store(store.root, protocol) == []
    assert_no_clear_pin(store.root, ADMIN_PIN, NURSE_PIN)


def test_once_accounts_exist_the_store_refuses_a_correction_without_a_fresh_pin(book, store, protocol,
                                                                                   fake_clock):
    admin = book.create_first_admin("Dr Admin", ADMIN_PIN)
    patient = make_demo_patient(protocol, fake_clock, device=store.device)
    store.add_patient(patient)
    book.prove(admin.id, ADMIN_PIN, "start")
    session = start_session(protocol, fake_clock, patient, sink=book.guarded_sink(), device=store.device,
                            practitioner_id=admin.id)
    run_complete_session(session, fake_clock, sign=False)
    book.prove(admin.id, ADMIN_PIN, "sign")
    session.sign()
    # a view calling the store directly, with or without a proof for another purpose
    with pytest.raises(PermissionDenied, match="PIN"):
        store.amend(session.id, "cartridge_lot", "LOT-2", "typo", admin.id)
    book.prove(admin.id, ADMIN_PIN, "start")
    with pytest.raises(PermissionDenied, match="PIN"):
        store.amend(session.id, "cartridge_lot", "LOT-2", "typo", admin.id)
    # a store opened without an account book (another process) refuses too
    from microneedle_desk.store.store import Store, StoreError

    other = Store(store.root, protocol, fake_clock)
    with pytest.raises(StoreError, match="PIN of the person making it"):
        other.amend(session.id, "cartridge_lot", "LOT-2", "typo", admin.id)
    assert store.amendments(session.id) == []
    # the proof is good for one correction only
    book.amend(admin.id, ADMIN_PIN, session.id, "cartridge_lot", "LOT-2", "typo on the box")
    with pytest.raises(PermissionDenied, match="PIN"):
        store.amend(session.id, "cartridge_lot", "LOT-3", "again", admin.id)
    assert [a["new"] for a in store.amendments(session.id)] == ["LOT-2"]


def assert_no_clear_pin(root: Path, *pins: str) -> None:
    """Every file's bytes: no PIN standing alone (hex hashes and UUIDs may hold any digit run)."""
    files = [p for p in root.rglob("*") if p.is_file()]
    assert files
    for path in files:
        data = path.read_bytes()
        for pin in pins:
            assert not re.search(rb"(?<![0-9a-fA-F])" + pin.encode() + rb"(?![0-9a-fA-F])", data), path


# -- the access log ------------------------------------------------------------------------
def test_access_log_is_chained_checked_and_names_no_patient(book, store, protocol, fake_clock):
    admin = book.create_first_admin("Dr Admin", ADMIN_PIN)
    patient = make_demo_patient(protocol, fake_clock, name="Zelda Unique", device=store.device)
    store.add_patient(patient)
    book.sign_in(admin.id, ADMIN_PIN)
    book.log("opened patient record", admin.id, subject={"patient_id": patient.id})
    book.log("printed", admin.id, subject={"patient_id": patient.id})
    book.log("exported", os_user_name="clinic")
    assert check_store(store.root, protocol) == []
    who_looked = book.entries(admin, patient_id=patient.id)
    assert [e["action"] for e in who_looked] == ["opened patient record", "printed"]
    assert all(e["account_id"] == admin.id for e in who_looked)
    month = paths.access_file(store.root, fake_clock.now().strftime("%Y-%m"))
    raw = month.read_bytes()
    assert b"Zelda" not in raw and ADMIN_PIN.encode() not in raw
    # a hand edit of one entry is named by check
    store.close()
    month.write_bytes(raw.replace(b'"printed"', b'"backup"', 1))
    problems = check_store(store.root, protocol)
    assert problems and all("access record" in p.record for p in problems[:1])
    assert any("changed after it was signed" in p.what for p in problems)


def test_a_read_only_store_writes_no_access_record(data_dir, protocol, fake_clock):
    Store(data_dir, protocol, fake_clock).close()
    reader = Store(data_dir, protocol, fake_clock, read_only=True)
    assert AccountBook(reader).log("check", os_user_name="clinic") is None
    assert not paths.access_dir(data_dir).exists()


def test_each_command_line_use_is_logged_with_the_os_user_except_check_which_only_looks(
        data_dir, protocol, fake_clock):
    from microneedle_desk import cli
    from microneedle_desk.store.folder import os_user

    Store(data_dir, protocol, fake_clock).close()
    assert cli.main(["check", "--data-dir", str(data_dir)]) == 0
    assert cli.main(["backup", "--data-dir", str(data_dir)]) == 0
    reader = Store(data_dir, protocol, fake_clock, read_only=True)
    entries = read_access_log(reader)
    assert [e["action"] for e in entries] == ["backup"]
    assert all(e["os_user"] == os_user() and e["account_id"] is None for e in entries)
    assert check_store(data_dir, protocol) == []


# -- the window: PIN prompts, idle lock, take-over ------------------------------------------
@pytest.fixture
def window(qtbot, data_dir, fake_clock, monkeypatch):
    from microneedle_desk.app import build_window
    from microneedle_desk.ui import pin_prompt

    win, lock = build_window(fake_clock, interactive=False)
    win.ctx.settings.set("alerts/sound", False)
    qtbot.addWidget(win)
    pins: dict[str, str] = {}
    monkeypatch.setattr(pin_prompt, "ask_pin", lambda _parent, name, _purpose: pins.get(name))
    win.pins = pins  # type: ignore[attr-defined]
    yield win
    win.ctx.controller.close()
    lock.release()


def test_idle_lock_shows_the_countdown_but_no_patient_detail_and_take_over_is_recorded(window, fake_clock):
    win = window
    security, store, protocol = win.security, win.ctx.store, win.ctx.protocol
    admin = security.book.create_first_admin("Dr Admin", ADMIN_PIN)
    nurse = security.book.add(admin, "Nurse Demo", "practitioner", NURSE_PIN, actor_pin=ADMIN_PIN)
    security.book.change_pin(nurse.id, NURSE_PIN, "615243")
    security.set_current(admin)
    patient = make_demo_patient(protocol, fake_clock, name="Zelda Unique", device=store.device)
    store.add_patient(patient)
    controller = win.ctx.controller
    assert not controller.start(patient, admin.id, SessionConfig()), "no PIN given: not started"
    win.pins["Dr Admin"] = ADMIN_PIN
    assert controller.start(patient, admin.id, SessionConfig())
    session = controller.session
    for item in protocol.contraindications:
        if item.id not in session.state.not_applicable:  # a male patient: not asked about pregnancy
            session.answer(item.id, False)
    session.confirm_consent("Zelda Unique")
    session.set_anesthetic_product("EMLA 5%")
    session.apply_anesthetic(30)
    fake_clock.advance(5 * 60)

    security.locking.idle.timer.timeout.emit()  # the idle time has passed (no waiting in tests)
    assert security.locked and win.centralWidget().isHidden()
    controller.poll()
    text = security.locking.lock_screen.all_text()
    assert "Numbing (dwell)" in text and "25 min 00 s left" in text
    for detail in ("Zelda", patient.clinic_id, "1980-01-02"):
        assert detail not in text
    assert not any(a.shortcuts() for a in win.actions()), "no shortcut works while locked"

    lock = security.locking.lock_screen
    lock.pin.setText("000000")
    lock.unlock_button.click()
    assert security.locked and "not right" in lock.message.text()
    lock.take_over_account.setCurrentIndex(lock.take_over_account.findData(nurse.id))
    lock.take_over_pin.setText("615243")
    lock.take_over_button.click()
    assert not security.locked and security.current.id == nurse.id
    assert win.security.lock_action.shortcut().toString() == "Ctrl+L", "shortcuts are back"
    changed = session.state.events[-1]
    assert changed["type"] == "practitioner_changed" and changed["data"]["reason"] == "taken_over"
    assert changed["data"]["practitioner_id"] == nurse.id
    actions = [e["action"] for e in read_access_log(store)]
    assert "lock" in actions and "take-over" in actions and "sign-in failed" in actions
    assert check_store(store.root, protocol) == []


def test_lock_screen_refuses_a_countdown_it_may_not_reveal(protocol, fake_clock):
    from microneedle_desk.ui.lock_screen import lock_lines

    patient = make_demo_patient(protocol, fake_clock, name="Needling")
    session = Session.start(protocol, fake_clock, "dev", patient, "00000000-0000-4000-8000-000000000001",
                            SessionConfig())
    run_complete_session(session, fake_clock, sign=False)
    fresh = Session.start(protocol, fake_clock, "dev", patient, "00000000-0000-4000-8000-000000000001",
                          SessionConfig())
    clear_screening(fresh, "x")
    apply_anesthetic(fresh)
    prepare_device(fresh, fake_clock)
    fake_clock.advance(30 * 60)
    fresh.start_needling()
    with pytest.raises(PermissionDenied, match="reveal patient details"):
        lock_lines(fresh)  # the patient's name is the step's name: nothing is shown
    session.sign()
    with pytest.raises(PermissionDenied, match="not running"):
        lock_lines(session)


def test_a_grade_corrected_in_the_course_view_is_signed_by_the_signed_in_persons_pin(qtbot, window, fake_clock):
    """With accounts, a correction asks the PIN of the person making it and carries their account id."""
    from helpers import start_session

    from microneedle_desk.ui.course_view import CourseWindow

    win = window
    security, store, protocol = win.security, win.ctx.store, win.ctx.protocol
    admin = security.book.create_first_admin("Dr Admin", ADMIN_PIN)
    security.set_current(admin)
    patient = make_demo_patient(protocol, fake_clock, name="Zelda Unique", device=store.device)
    store.add_patient(patient)
    win.pins["Dr Admin"] = ADMIN_PIN
    session = start_session(protocol, fake_clock, patient, sink=security.book.pin_sink(ADMIN_PIN),
                            device=store.device, practitioner_id=admin.id)
    run_complete_session(session, fake_clock)
    course = CourseWindow(win.ctx, patient.id)
    qtbot.addWidget(course)
    win.pins.clear()
    assert not course.save_grade(session.id, "IV", "Reviewed photos"), "no PIN given: nothing saved"
    assert store.amendments(session.id) == []
    win.pins["Dr Admin"] = ADMIN_PIN
    assert course.save_grade(session.id, "IV", "Reviewed photos")
    [amendment] = store.amendments(session.id)
    assert amendment["by"] == admin.id and amendment["new"] == "IV"


def test_the_lock_screen_covers_the_window_when_it_is_resized_while_locked(window):
    security = window.security
    admin = security.book.create_first_admin("Dr Admin", ADMIN_PIN)
    security.set_current(admin)
    window.show()
    security.locking.lock()
    assert security.locking.lock_screen.geometry() == window.rect()
    window.resize(1000, 650)
    assert security.locking.lock_screen.geometry() == window.rect() and window.rect().width() == 1000
    security.locking.lock_screen.pin.setText(ADMIN_PIN)
    security.locking.lock_screen.unlock_button.click()
    assert not security.locked and security.locking.lock_screen.isHidden()
    window.resize(1100, 700)  # unlocked: the hidden lock screen no longer follows (nothing to cover)
    assert security.locking.lock_screen.width() == 1000


def test_the_wrong_pin_wait_is_neither_skipped_by_setting_the_clock_forward_nor_stretched_by_setting_it_back(
        book: AccountBook, fake_clock: FakeClock) -> None:
    admin = book.create_first_admin("Dr Admin", ADMIN_PIN)
    for _ in range(5):
        with pytest.raises(SignInError):
            book.sign_in(admin.id, "000000")
    fake_clock.jump_wall(3600 * 24)  # the clock set a day forward: the wait still runs
    with pytest.raises(SignInError, match="wait 30 s"):
        book.sign_in(admin.id, ADMIN_PIN)
    fake_clock.jump_wall(-3600 * 24 * 30)  # set a month back: the wait is no longer than it was
    fake_clock.advance(31)
    assert book.sign_in(admin.id, ADMIN_PIN).id == admin.id


def test_after_a_restart_the_wait_follows_the_wall_clock_but_never_longer_than_itself(
        book: AccountBook, fake_clock: FakeClock) -> None:
    from dataclasses import replace

    from microneedle_desk.core.accounts import after_failure, seconds_to_wait

    admin = book.create_first_admin("Dr Admin", ADMIN_PIN)
    now = fake_clock.now()
    waiting = replace(admin, failures=4)
    waiting = after_failure(waiting, now, 100.0, "boot-1")
    assert seconds_to_wait(waiting, now, 110.0, "boot-1") == 20.0
    assert seconds_to_wait(waiting, now - timedelta(days=30), 5.0, "boot-2") == 30.0, "capped at its length"
