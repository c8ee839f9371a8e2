"""Where accounts exist, the first frame shows nothing of a patient and reads neither the patient
list nor the people who may run sessions (both in the patients' file, which grows with years of
records): they are read when the patient page is first shown, after sign-in, and are whole then."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from helpers import build_demo_store

from microneedle_desk import paths
from microneedle_desk.app import build_window
from microneedle_desk.core.clock import FakeClock
from microneedle_desk.core.protocol import load_protocol
from microneedle_desk.store.accounts import AccountBook
from microneedle_desk.store.store import Store
from microneedle_desk.ui import parts

PIN = "246810"


def test_the_patient_list_is_read_only_once_the_signed_in_person_sees_the_patient_page(
        qtbot: Any, data_dir: Path, fake_clock: FakeClock) -> None:
    build_demo_store(data_dir, sessions=40, seed=3)
    store = Store(data_dir, load_protocol(paths.protocol_file()), fake_clock)
    patients = len(store.patient_list())
    book = AccountBook(store)
    admin = book.create_first_admin("Dr Demo", PIN) if book.needs_first_admin() else next(
        a for a in book.accounts() if a.is_admin and a.active)
    store.close()
    window, lock = build_window(fake_clock, interactive=False, parts_after_first_frame=True)
    qtbot.addWidget(window)
    try:
        page = window.patient_page
        window.show()
        assert not window.centralWidget().isVisible(), "the first frame shows nothing of a patient"
        window.wait_for_parts()
        assert not page.rows_loaded and page.model.rowCount() == 0, "no patient list read behind the sign-in"
        assert page.practitioner.count() == 0, "nor the people who may run sessions (the same file)"
        parts.security(window).set_current(admin)
        assert page.isVisible()
        assert page.rows_loaded and page.model.rowCount() == patients > 0, "the whole list once it is seen"
        assert page.practitioner.currentData() == admin.id, "the signed-in person is the one picked to start"
    finally:
        window.close()
        lock.release()
