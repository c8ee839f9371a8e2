"""A new account's signing key is vouched for by the admin who adds it: the Accounts dialog asks
the admin's own PIN for it, a cancelled or wrong PIN adds nobody, and a session signed by keys
passes ``check`` with its signature verified and shows the signature's fingerprint on the sheet."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from e2e import driver
from e2e.driver import answer_next_dialog, click, enter_pin, type_into
from microneedle_desk.core.signing import cert_message, fingerprint, verify
from microneedle_desk.store.check import check_store

NURSE = "Nurse Keys"
NURSE_PIN = "615243"


def accounts_dialog(qtbot: Any, app: Any) -> Any:
    from microneedle_desk.ui.accounts_dialog import AccountsDialog

    app.activateWindow()
    qtbot.waitUntil(app.isActiveWindow)
    qtbot.keyClick(app, Qt.Key.Key_U, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    def shown() -> list[Any]:
        return [w for w in QApplication.topLevelWidgets() if isinstance(w, AccountsDialog) and w.isVisible()]

    qtbot.waitUntil(lambda: bool(shown()), timeout=5000)
    return shown()[0]


def add_by_keys(qtbot: Any, dialog: Any, admin_pin: str | None) -> list[Any]:
    type_into(qtbot, dialog.adding.new_name, NURSE, enter=False)
    type_into(qtbot, dialog.adding.new_pin, NURSE_PIN, enter=False)
    prompts = answer_next_dialog(qtbot, enter_pin(admin_pin) if admin_pin else (lambda d: d.reject()))
    click(qtbot, dialog.adding.add_button)
    qtbot.waitUntil(lambda: bool(prompts))
    return prompts


def test_an_admin_vouches_for_a_new_accounts_key_with_their_pin_and_a_signed_session_checks_clean(qtbot, clinic,
                                                                                                  fake_clock):
    app = clinic
    book = app.security.book
    admin = book.account(app.security.current.id)
    dialog = accounts_dialog(qtbot, app)

    add_by_keys(qtbot, dialog, None)
    assert NURSE not in [a.name for a in book.accounts()], "no PIN given: nobody added"
    assert "PIN" in dialog.message.text()
    add_by_keys(qtbot, dialog, "999999")
    assert NURSE not in [a.name for a in book.accounts()], "a wrong admin PIN adds nobody"
    add_by_keys(qtbot, dialog, driver.PIN)
    nurse = next(a for a in book.accounts() if a.name == NURSE)
    cert = nurse.key["cert"]
    assert cert["by"] == admin.id
    assert verify(admin.key["public"], cert_message(nurse.id, nurse.key["public"], cert["at"], admin.id),
                  cert["value"])
    dialog.close()
    driver.focus_window(qtbot, app)

    driver.register_patient(qtbot, app)
    driver.start_session(qtbot, app)
    driver.walk_session(qtbot, app, fake_clock)
    session_id = app.ctx.controller.session.id
    driver.sign(qtbot, app)
    qtbot.waitUntil(lambda: (app.ctx.store.session_doc(session_id) or {}).get("status") == "signed")
    doc = app.ctx.store.session_doc(session_id)
    sign_off = doc["events"][-1]
    assert sign_off["type"] == "signed" and sign_off["sig"]["by"] == admin.id
    assert check_store(app.ctx.store.root, app.ctx.protocol) == []

    from microneedle_desk.printing import jobs
    from microneedle_desk.printing.content import ClinicInfo
    from microneedle_desk.printing.sheet import footer_html

    sheet = jobs.sheet_for(app.ctx.store, session_id, ClinicInfo("Clinic", "", ""), admin.name, fake_clock.now())
    assert f"E-signature {fingerprint(sign_off['sig'])}" in footer_html(sheet, 1, 1)
