"""Settings → Backups as an admin uses it: the key made (recovery key shown once), a USB drive
chosen as the second location, the day's encrypted copy landing there and the status bar
saying so; and a drive missing or full never in the way of a session."""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QDialog, QPlainTextEdit

from e2e import driver
from e2e.driver import PIN, answer_next_dialog, button, click, type_into
from microneedle_desk.core.clock import FakeClock
from microneedle_desk.store import backup, offsite
from microneedle_desk.store import restore as restoring
from microneedle_desk.store.backup_keys import read_identities
from microneedle_desk.store.store import Store
from microneedle_desk.ui.backup_status import BackupStatus


def run_day_backup(qtbot: Any, window: Any) -> BackupStatus:
    """What the app does after its first frame: the day's backup in the background."""
    status = BackupStatus(window, window.ctx.controller.clinic, keep=3, start_now=True)
    backups = window.ctx.controller.clinic.backups
    if backups.thread is not None:
        backups.thread.join(timeout=60)
    qtbot.waitUntil(lambda: not status.watch.isActive(), timeout=5000)
    return status


def test_an_admin_sets_a_usb_drive_in_settings_and_the_days_encrypted_backup_lands_there(
        qtbot: Any, clinic: Any, fake_clock: Any, tmp_path: Path) -> None:
    usb = tmp_path / "usb-drive"
    usb.mkdir()
    recovery: list[str] = []

    def keep_recovery_key(dialog: QDialog) -> None:
        recovery.append(dialog.findChild(QPlainTextEdit).toPlainText())
        click(qtbot, button(dialog, "kept"))

    def in_settings(dialog: QDialog) -> None:
        page = dialog.backups_page
        dialog.tabs.setCurrentWidget(page)
        answer_next_dialog(qtbot, keep_recovery_key)
        click(qtbot, page.key_button)
        type_into(qtbot, page.location, str(usb), enter=False)
        click(qtbot, button(page, "Use this location"))
        assert "Saved" in page.message.text(), page.message.text()
        dialog.reject()

    answer_next_dialog(qtbot, in_settings)
    clinic.settings_actions.open()
    assert recovery and "AGE-SECRET-KEY-1" in recovery[0], "the recovery key was shown once"
    root = clinic.ctx.store.root
    assert "AGE-SECRET-KEY" not in "".join(p.read_text(errors="replace") for p in root.rglob("*") if p.is_file()), \
        "the private key is kept nowhere in the data folder"

    fake_clock.advance(86400)  # the next day's start
    status = run_day_backup(qtbot, clinic)
    assert offsite.manifests(usb), "the day's encrypted backup is on the drive"
    assert status.label is not None and "copied" in status.label.text(), "the status bar says when it last did"

    fresh = tmp_path / "fresh-laptop"
    source = offsite.open_encrypted(usb, read_identities(recovery[0]))
    restoring.restore(fresh, source, clinic.ctx.protocol, fake_clock.now())
    restored = Store(fresh, clinic.ctx.protocol, FakeClock(), read_only=True)
    try:
        assert {p.id for p in restored.patients()} == {p.id for p in clinic.ctx.store.patients()}
    finally:
        restored.close()


def test_a_practitioner_cannot_make_the_backup_key_or_choose_the_location(clinic: Any, tmp_path: Path) -> None:
    from microneedle_desk.core.accounts import PermissionDenied

    backups = clinic.ctx.controller.clinic.backups
    accounts = clinic.ctx.controller.clinic.accounts
    nurse = accounts.add(clinic.security.current, "Pat Practitioner", "practitioner", "975312", actor_pin=PIN)
    clinic.ctx.controller.clinic.sign_in_as(nurse)
    with pytest.raises(PermissionDenied):
        backups.make_key()
    with pytest.raises(PermissionDenied):
        backups.set_second_location(str(tmp_path))
    assert backups.key() is None


@pytest.mark.parametrize("trouble", ["missing", "full"])
def test_a_second_location_missing_or_full_never_disturbs_a_session(
        qtbot: Any, clinic: Any, fake_clock: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        trouble: str) -> None:
    usb = tmp_path / "usb-drive"
    usb.mkdir()
    backups = clinic.ctx.controller.clinic.backups
    backups.make_key()
    backups.set_second_location(str(usb))
    if trouble == "missing":
        usb.rmdir()  # the drive was unplugged
    else:
        def full(path: Path, write: Any) -> None:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))

        monkeypatch.setattr(offsite, "_put", full)

    driver.register_patient(qtbot, clinic)
    driver.start_session(qtbot, clinic)
    fake_clock.advance(86400 // 2)
    status = run_day_backup(qtbot, clinic)  # the day's backup meets the trouble mid-session
    assert clinic.stack.currentIndex() == 1, "the session stays where it was"
    driver.walk_session(qtbot, clinic, fake_clock)
    driver.sign(qtbot, clinic, PIN)
    assert "signed" in clinic.statusBar().currentMessage()
    assert status.label is not None and "not reached" in status.label.text()
    assert backup.backups(clinic.ctx.store.root), "the backup in the data folder was written all the same"
