"""One patient's sessions read from the clinic server (the whole-clinic course view) are the
same rows as the whole clinic's, amendments applied, with their room."""

from __future__ import annotations

from pathlib import Path

from helpers import TEST_PIN, make_demo_patient
from server_laptops import P, new_laptop, sign_session_for, sync

from microneedle_desk.core.clock import FakeClock
from microneedle_desk.server.connection import connect
from microneedle_desk.server.reading import ClinicRecords
from microneedle_desk.store.accounts import AccountBook
from microneedle_desk.store.store import Store

WHO = "00000000-0000-4000-8000-0000000000bb"


def test_one_patients_rows_from_the_server_are_the_clinics_rows_of_that_patient_amended(
        dsn: str, tmp_path: Path) -> None:
    root = tmp_path / "room1"
    first = new_laptop(root, "Kim First", "RD-1")
    store = Store(root, P, FakeClock())
    try:
        second = store.add_patient(make_demo_patient(P, store.clock, name="Lou Second", clinic_id="RD-2",
                                                     device=store.device)).id
    finally:
        store.close()
    amended = sign_session_for(root, first, WHO)
    sign_session_for(root, first, WHO)
    sign_session_for(root, second, WHO)
    store = Store(root, P, FakeClock())
    try:
        AccountBook(store).amend(WHO, TEST_PIN, amended, "cartridge_lot", "LOT-FIXED", "typo on the box")
    finally:
        store.close()
    sync(root, dsn)
    with connect(dsn) as conn:
        records = ClinicRecords(conn, P)
        everyone = records.summaries()
        mine = records.summaries([first])
    assert len(everyone) == 3
    assert sorted(mine, key=lambda r: r["id"]) == sorted((r for r in everyone if r["patient_id"] == first),
                                                          key=lambda r: r["id"])
    fixed = next(r for r in mine if r["id"] == amended)
    assert fixed["cartridge_lot"] == "LOT-FIXED" and fixed["amended"] == 1 and fixed["room"] is not None
