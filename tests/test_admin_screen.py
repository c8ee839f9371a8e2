"""The admin as they meet the app: the accounts screen, role-bound menus, the access log
dialog, and printing/exporting recorded in the access log."""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from helpers import make_demo_patient, run_complete_session, start_session
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFileDialog, QMessageBox

from microneedle_desk.core.accounts import PermissionDenied
from microneedle_desk.store.access_log import read_access_log
from microneedle_desk.store.check import check_store

ADMIN_PIN = "481516"
NURSE_PIN = "273849"
PATIENT_NAME = "Zelda Unique"


@pytest.fixture
def window(qtbot: Any, data_dir: Path, fake_clock: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    from microneedle_desk.app import build_window
    from microneedle_desk.ui import pin_prompt

    win, lock = build_window(fake_clock, interactive=False)
    win.ctx.settings.set("alerts/sound", False)
    qtbot.addWidget(win)
    monkeypatch.setattr(pin_prompt, "ask_pin", lambda _parent, _name, _purpose: None)
    yield win
    win.ctx.controller.close()
    lock.release()


@pytest.fixture
def warnings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Message boxes record their text instead of waiting for a click."""
    said: list[str] = []
    for name in ("warning", "information"):
        monkeypatch.setattr(QMessageBox, name, lambda _parent, _title, text, *_a, **_k: said.append(text))
    return said


def _people(win: Any) -> tuple[Any, Any]:
    book = win.security.book
    admin = book.create_first_admin("Dr Admin Demo", ADMIN_PIN)
    nurse = book.add(admin, "Nurse Demo", "practitioner", NURSE_PIN, actor_pin=ADMIN_PIN)
    return admin, nurse


def _signed_session(win: Any, fake_clock: Any, practitioner_id: str) -> Any:
    store, protocol = win.ctx.store, win.ctx.protocol
    patient = make_demo_patient(protocol, fake_clock, name=PATIENT_NAME, device=store.device)
    store.add_patient(patient)
    session = start_session(protocol, fake_clock, patient, sink=win.security.book.pin_sink(ADMIN_PIN),
                            device=store.device, practitioner_id=practitioner_id)
    run_complete_session(session, fake_clock)
    return session


def _accounts_dialog(win: Any, qtbot: Any) -> Any:
    dialog = win.security.manage_accounts()
    assert dialog is not None
    qtbot.addWidget(dialog)
    return dialog


# -- the accounts screen -----------------------------------------------------------------------
def test_admin_adds_resets_changes_role_and_retires_an_account_through_the_dialog(window, qtbot, monkeypatch):
    from microneedle_desk.ui import pin_prompt

    win = window
    book = win.security.book
    admin = book.create_first_admin("Dr Admin Demo", ADMIN_PIN)
    asked_pin: list[str] = []
    monkeypatch.setattr(pin_prompt, "ask_pin", lambda _parent, name, _purpose: asked_pin.append(name) or ADMIN_PIN)
    win.security.set_current(admin)
    assert win.security.manage_action.isVisible()
    dialog = _accounts_dialog(win, qtbot)

    dialog.adding.new_name.setText("Nurse Demo")
    dialog.adding.new_role.setCurrentIndex(dialog.adding.new_role.findData("practitioner"))
    dialog.adding.new_pin.setText(NURSE_PIN)
    dialog.adding.add_button.click()
    nurse = next(a for a in book.accounts() if a.name == "Nurse Demo")
    assert asked_pin == ["Dr Admin Demo"], "the admin signs the new person's key with their own PIN"
    assert nurse.role == "practitioner" and nurse.active and nurse.must_change_pin
    assert dialog.table.selected_id() == nurse.id
    assert "Added Nurse Demo" in dialog.message.text()
    rows = {dialog.table.item(r, 0).text(): [dialog.table.item(r, c).text() for c in range(4)]
            for r in range(dialog.table.rowCount())}
    assert rows["Nurse Demo"] == ["Nurse Demo", "Practitioner", "Active", "Must choose a new PIN at next sign-in"]
    assert NURSE_PIN not in dialog.adding.new_pin.text(), "the temporary PIN is not left in the form"

    book.change_pin(nurse.id, NURSE_PIN, "615243")
    dialog.reload()
    dialog.table.select(nurse.id)
    dialog.chosen.reset_pin.setText("908172")
    dialog.chosen.reset_button.click()
    assert book.sign_in(nurse.id, "908172").must_change_pin, "a reset forces a new PIN at next sign-in"

    dialog.table.select(nurse.id)
    dialog.chosen.role_choice.setCurrentIndex(dialog.chosen.role_choice.findData("admin"))
    dialog.chosen.role_button.click()
    assert book.account(nurse.id).role == "admin"

    asked: list[str] = []
    dialog.confirm = lambda text: asked.append(text) or True
    dialog.table.select(nurse.id)
    dialog.chosen.retire_button.click()
    assert asked and "Retire Nurse Demo?" in asked[0]
    assert not book.account(nurse.id).active
    assert "Retired" in [dialog.table.item(r, 2).text() for r in range(dialog.table.rowCount())]
    assert not dialog.chosen.retire_button.isEnabled(), "nothing more to do with a retired account"

    details = [e["detail"] for e in read_access_log(win.ctx.store) if e["action"] == "account changed"]
    assert any(d.startswith("added account") for d in details)
    assert f"reset the PIN of account {nurse.id}" in details
    assert f"account {nurse.id} is now admin" in details
    assert f"retired account {nurse.id}" in details
    assert check_store(win.ctx.store.root, win.ctx.protocol) == []


def test_the_accounts_dialog_shows_each_refusal_with_the_cores_message(window, qtbot):
    win = window
    admin, nurse = _people(win)
    win.security.set_current(admin)
    dialog = _accounts_dialog(win, qtbot)
    before = len(win.security.book.accounts())

    dialog.adding.new_name.setText("Short Pin Demo")
    dialog.adding.new_pin.setText("12345")
    assert not dialog.add_account()
    assert "at least 6 digits" in dialog.message.text()
    dialog.adding.new_pin.setText("")
    assert not dialog.add_account()
    assert "temporary PIN" in dialog.message.text()
    dialog.adding.new_name.setText("nurse demo")
    dialog.adding.new_pin.setText("564738")
    assert not dialog.add_account()
    assert "already an account named" in dialog.message.text()
    assert len(win.security.book.accounts()) == before, "nothing was added"

    dialog.confirm = lambda _text: True
    dialog.table.select(admin.id)
    assert not dialog.retire_selected()
    assert "last admin" in dialog.message.text()
    dialog.chosen.role_choice.setCurrentIndex(dialog.chosen.role_choice.findData("practitioner"))
    assert not dialog.set_role_selected()
    assert "last admin" in dialog.message.text()
    dialog.table.select(nurse.id)
    dialog.chosen.reset_pin.setText("111111")
    assert not dialog.reset_selected()
    assert "one digit repeated" in dialog.message.text()
    assert win.security.book.account(admin.id).is_admin and win.security.book.account(admin.id).active

    with pytest.raises(PermissionDenied, match="Only an admin may manage accounts"):
        from microneedle_desk.ui.accounts_dialog import AccountsDialog

        AccountsDialog(win.security.book, nurse)


# -- menus by role -----------------------------------------------------------------------------
def _admin_actions(win: Any) -> dict[str, Any]:
    return {"settings": win.settings_actions.action, "export": win.review_menu.actions["export"],
            "access log": win.security.access_log_action, "accounts": win.security.manage_action}


def test_a_practitioner_does_not_see_the_admin_menus_and_the_actions_refuse_anyway(window, warnings):
    win = window
    print_action = win.print_actions.actions[("sheet", "print")]
    history = win.review_menu.actions["history"]
    # no account at all (a store from before accounts): everything but the account tools shows
    shown = {k: a.isVisible() for k, a in _admin_actions(win).items()}
    assert shown == {"settings": True, "export": True, "access log": False, "accounts": False}
    assert print_action.isVisible() and history.isVisible()

    admin, nurse = _people(win)
    win.security.set_current(None)  # accounts exist, nobody signed in: nothing role-bound shows
    assert not any(a.isVisible() for a in _admin_actions(win).values())
    assert not print_action.isVisible() and not history.isVisible()

    win.security.set_current(nurse)
    assert not any(a.isVisible() for a in _admin_actions(win).values())
    tools = next(a for a in win.menuBar().actions() if a.text() == "&Tools")
    assert not tools.isVisible(), "a menu with nothing the role may use is hidden whole"
    assert print_action.isVisible() and history.isVisible(), "practitioners print and review history"
    win.review_menu.export()
    win.settings_actions.open()
    assert warnings == ["Only an admin may export; Nurse Demo is signed in as a practitioner.",
                        "Only an admin may change settings; Nurse Demo is signed in as a practitioner."]
    assert win.security.show_access_log() is None
    assert "Only an admin may see access log" in warnings[-1]

    win.security.set_current(admin)
    assert all(a.isVisible() for a in _admin_actions(win).values()) and tools.isVisible()


def test_the_history_window_shows_its_export_button_to_admins_only(window, qtbot):
    from microneedle_desk.ui.history_view import HistoryWindow

    admin, nurse = _people(window)
    shown = {}
    for who in (nurse, admin):
        window.security.set_current(who)
        history = HistoryWindow(window.ctx, window)
        qtbot.addWidget(history)
        shown[who.role] = history.export_button.isVisibleTo(history)
    assert shown == {"practitioner": False, "admin": True}


def test_every_shortcut_in_the_window_belongs_to_one_action(window):
    keys = Counter(k.toString() for a in window.actions() for k in a.shortcuts())
    assert [k for k, n in keys.items() if n > 1] == []
    assert window.security.access_log_action.shortcut().toString() == "Ctrl+Shift+G"
    assert window.review_menu.actions["recall"].shortcut().toString() == "Ctrl+Shift+L"


# -- printing and exporting recorded --------------------------------------------------------------
def test_printing_exporting_and_a_recall_list_from_the_app_go_into_the_access_log(
        window, fake_clock, tmp_path, monkeypatch, warnings):
    win = window
    admin, _nurse = _people(win)
    win.security.set_current(admin)
    session = _signed_session(win, fake_clock, admin.id)
    patient_id = session.state.patient_id

    monkeypatch.setattr(win.print_actions, "ask_pdf_path", lambda _suggested, _title="": str(tmp_path / "sheet.pdf"))
    win.print_actions.actions[("sheet", "pdf")].trigger()
    assert (tmp_path / "sheet.pdf").is_file()

    monkeypatch.setattr(QDialog, "exec", lambda _self: QDialog.DialogCode.Accepted)
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *_a, **_k: (str(tmp_path / "sessions.csv"), "")))
    win.review_menu.export()
    assert (tmp_path / "sessions.csv").is_file()

    from microneedle_desk.ui.review_menu import recall_dialog

    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *_a, **_k: (str(tmp_path / "recall.csv"), "")))
    recall = recall_dialog(win, win.ctx, "LOT-1")
    recall.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save).click()
    assert (tmp_path / "recall.csv").is_file()
    recall.close()

    log = read_access_log(win.ctx.store)
    printed = [e for e in log if e["action"] == "printed"]
    assert [(e["account_id"], e["subject"], e["detail"]) for e in printed] == [
        (admin.id, {"session_id": session.id, "patient_id": patient_id}, "session sheet, saved as PDF")]
    exported = [e["detail"] for e in log if e["action"] == "exported"]
    assert len(exported) == 2
    assert exported[0].startswith("sessions as CSV, 1 session(s)") and exported[0].endswith("identified")
    assert exported[1] == "lot recall list for lot LOT-1, 1 session(s)"
    month_files = list((win.ctx.store.root / "access").glob("*.json"))
    assert month_files and all(PATIENT_NAME.encode() not in p.read_bytes() for p in month_files)
    assert check_store(win.ctx.store.root, win.ctx.protocol) == []


def test_a_practitioner_sees_a_recall_list_but_may_not_save_it(window, fake_clock):
    from microneedle_desk.ui.review_menu import recall_dialog

    win = window
    admin, nurse = _people(win)
    _signed_session(win, fake_clock, admin.id)
    win.security.set_current(nurse)
    recall = recall_dialog(win, win.ctx, "LOT-1")
    assert recall.property("hits") == 1
    assert not recall.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save).isVisible()
    recall.close()


def test_a_settings_change_is_logged_by_key_not_value(window, monkeypatch):
    from microneedle_desk.ui.settings_dialog import SettingsDialog

    win = window
    admin, _nurse = _people(win)
    win.security.set_current(admin)

    def save_with_new_name(dialog: SettingsDialog) -> int:
        dialog.fields["clinic/name"].setText("Demo Clinic North")
        dialog.save()
        return dialog.result()

    monkeypatch.setattr(SettingsDialog, "exec", save_with_new_name)
    win.settings_actions.open()
    assert win.ctx.settings.get("clinic/name") == "Demo Clinic North"
    [entry] = [e for e in read_access_log(win.ctx.store) if e["action"] == "settings changed"]
    assert entry["account_id"] == admin.id and entry["detail"] == "clinic/name"


# -- the access log dialog -----------------------------------------------------------------------
def test_access_log_dialog_filters_by_action_account_days_and_patient_and_exports_csv(
        window, qtbot, fake_clock, tmp_path):
    win = window
    book = win.security.book
    admin, nurse = _people(win)
    store = win.ctx.store
    patient = make_demo_patient(win.ctx.protocol, fake_clock, name=PATIENT_NAME, device=store.device)
    other = make_demo_patient(win.ctx.protocol, fake_clock, name="Other Demo", clinic_id="D-2",
                              device=store.device)
    store.add_patient(patient)
    store.add_patient(other)
    book.log("opened patient record", nurse.id, subject={"patient_id": patient.id})
    fake_clock.advance(2 * 86400)
    book.log("printed", nurse.id, subject={"patient_id": patient.id}, detail="session sheet, printed")
    book.log("opened patient record", admin.id, subject={"patient_id": other.id})
    second_day = fake_clock.now().date().isoformat()
    win.security.set_current(admin)
    win.patient_page.selected = patient  # the chosen patient: "who looked at this record"

    dialog = win.security.show_access_log()
    assert dialog is not None
    qtbot.addWidget(dialog)
    model = dialog.model
    assert dialog.only_patient.isChecked()
    assert [model.text(r, 2) for r in range(model.rowCount())] == ["printed", "opened patient record"]
    assert {model.text(r, 1) for r in range(model.rowCount())} == {"Nurse Demo"}
    assert {model.text(r, 3) for r in range(model.rowCount())} == {"D-1"}

    dialog.only_patient.setChecked(False)
    dialog.action.setCurrentIndex(dialog.action.findData("opened patient record"))
    assert {model.text(r, 1) for r in range(model.rowCount())} == {"Nurse Demo", "Dr Admin Demo"}
    dialog.account.setCurrentIndex(dialog.account.findData(admin.id))
    assert model.rowCount() == 1 and model.text(0, 3) == "D-2"
    dialog.action.setCurrentIndex(0)
    dialog.account.setCurrentIndex(0)
    dialog.use_days.setChecked(True)
    dialog.since.setDate(dialog.since.date().fromString(second_day, "yyyy-MM-dd"))
    assert [model.text(r, 2) for r in range(model.rowCount())] == ["opened patient record", "printed"]
    assert "2 of" in dialog.count.text()

    dialog.ask_path = lambda: str(tmp_path / "access.csv")
    assert dialog.export() == str(tmp_path / "access.csv")
    text = (tmp_path / "access.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["action"] for r in rows] == ["opened patient record", "printed"]
    assert {r["patient_id"] for r in rows} == {patient.id, other.id}
    assert PATIENT_NAME not in text and "Other Demo" not in text
    assert read_access_log(store)[-1]["detail"] == "access log, 2 record(s)"


def test_access_log_csv_quotes_typed_text_a_spreadsheet_would_run():
    from microneedle_desk.store.access_log import access_csv

    entry = {"at": "2026-11-25T09:00:00.000+00:00", "account_id": None, "os_user": "clinic", "action": "exported",
             "subject": {}, "detail": "=HYPERLINK(\"x\")", "chain": {"seq": 1}, "hash": "ab"}
    [row] = list(csv.DictReader(io.StringIO(access_csv([entry], lambda _e: "@Dr Demo"))))
    assert row["detail"] == "'=HYPERLINK(\"x\")" and row["who"] == "'@Dr Demo" and row["os_user"] == "clinic"
