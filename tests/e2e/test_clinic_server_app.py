"""The app with a clinic server: set in Settings by the admin, synced in the background after a
sign-off, its state in the status bar; a server that is away never stops a session."""

from __future__ import annotations

from typing import Any

import pytest

from e2e import driver
from e2e.driver import set_clinic_server
from microneedle_desk.server.connection import connect


def sessions_on(dsn: str) -> list[str]:
    with connect(dsn) as conn:
        return [r[0] for r in conn.execute("SELECT id::text FROM clinic.records WHERE kind = 'session'").fetchall()]


@pytest.mark.qt_log_ignore("This plugin does not support raise")  # the offscreen platform; the window is raised
def test_a_signed_session_reaches_the_clinic_server_in_the_background_and_the_bar_says_so(
        qtbot: Any, clinic: Any, cluster: Any, fake_clock: Any) -> None:
    from pg_cluster import fresh_clinic

    dsn = fresh_clinic(cluster)
    said = set_clinic_server(qtbot, clinic, dsn)
    assert said and "set up for this app" in said[0]
    assert clinic.ctx.settings.get("server/dsn") == dsn
    status = clinic.server_status
    qtbot.waitUntil(lambda: status.server.last_success is not None, timeout=30000)
    driver.register_patient(qtbot, clinic, name="Sam Sync", clinic_id="SYNC-1")
    driver.start_session(qtbot, clinic)
    driver.walk_session(qtbot, clinic, fake_clock, consent_by="Sam Sync")
    driver.sign(qtbot, clinic)
    session_id = clinic.ctx.store.summaries()[0]["id"]
    qtbot.waitUntil(lambda: session_id in sessions_on(dsn) and not status.running, timeout=30000)
    assert "Synced with the clinic server" in status.label.text()
    assert "0 records wait" in status.label.text()
    with connect(dsn) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM clinic.patients").fetchall()]
    assert names == ["Sam Sync"]

    # Review → Session history: whole clinic, with the room as a column and a filter
    driver.focus_window(qtbot, clinic)
    driver.QTest_keyClick_combo(clinic, "Ctrl+Shift+W")
    history = clinic.review_menu.windows[-1]
    qtbot.waitUntil(lambda: history.model.rowCount() == 1 and history.room.count() == 2, timeout=20000)
    room = clinic.ctx.store.meta_value("device_name")
    assert [history.model.data(history.model.index(0, c)) for c in (1, 2)] == [room, "Sam Sync"]
    history.room.setCurrentIndex(1)
    qtbot.waitUntil(lambda: not history.busy, timeout=20000)
    assert history.model.rowCount() == 1
    driver.click(qtbot, history.dashboard_button)  # the dashboard over the room chosen, from the server
    qtbot.waitUntil(lambda: getattr(history, "dashboard", None) is not None, timeout=20000)
    assert [r["id"] for r in history.dashboard.rows] == [session_id]
    assert history.dashboard.windowTitle() == "Dashboard: whole clinic"
    history.dashboard.close()
    driver.type_into(qtbot, history.search, "nobody-like-this", enter=False)
    qtbot.waitUntil(lambda: history.model.rowCount() == 0 and not history.busy, timeout=20000)
    history.close()


def test_a_server_that_is_away_is_said_calmly_and_the_session_goes_on(
        qtbot: Any, clinic: Any, fake_clock: Any, tmp_path: Any) -> None:
    away = f"host={tmp_path} port=1 user=desk1 dbname=clinic"
    said = set_clinic_server(qtbot, clinic, away)
    assert said and "cannot be reached" in said[0]
    status = clinic.server_status
    qtbot.waitUntil(lambda: bool(status.server.problem), timeout=30000)
    driver.register_patient(qtbot, clinic, name="Ola Offline", clinic_id="OFF-1")
    driver.start_session(qtbot, clinic)
    driver.walk_session(qtbot, clinic, fake_clock, consent_by="Ola Offline")
    driver.sign(qtbot, clinic)
    assert clinic.ctx.store.summaries()[0]["status"] == "signed"  # recorded here, whatever the server does
    qtbot.waitUntil(lambda: not status.running and status.server.failures >= 2, timeout=30000)
    text = status.label.text()
    assert "Clinic server away" in text and "Trying again in" in text
    assert "records wait" in text and "0 records wait" not in text


@pytest.mark.qt_log_ignore("This plugin does not support raise")
def test_the_admin_merges_one_person_registered_in_two_rooms(
        qtbot: Any, clinic: Any, cluster: Any, tmp_path: Any) -> None:
    from pg_cluster import fresh_clinic

    from microneedle_desk.clinic.clinic import Clinic
    from microneedle_desk.core.clock import FakeClock
    from microneedle_desk.core.protocol import load_protocol
    from microneedle_desk.core.records import make_patient
    from microneedle_desk.paths import protocol_file

    dsn = fresh_clinic(cluster)
    protocol = load_protocol(protocol_file())
    other = Clinic.open(tmp_path / "room2", protocol, FakeClock())  # another room registered her first
    other.store.add_patient(make_patient(protocol, name="Tia Twice", dob="1975-05-05", clinic_id="R2-9",
                                         sex="female", indication="aga_female", scale="ludwig", grade="I",
                                         device=other.store.device, now=other.clock.now()))
    other.server.sync_now(dsn)
    other.store.close()
    driver.register_patient(qtbot, clinic, name="Tia Twice", dob="1975-05-05", clinic_id="R1-3",
                            indication="Female-pattern androgenetic alopecia", grade="I")
    set_clinic_server(qtbot, clinic, dsn)
    status = clinic.server_status
    qtbot.waitUntil(lambda: status.server.last_success is not None and not status.running, timeout=30000)
    assert "1 to review" in status.label.text()
    history = clinic.review_menu.open_clinic_history()
    findings = history.open_findings()
    qtbot.waitUntil(lambda: findings.table.rowCount() == 1, timeout=20000)
    assert "one person twice" in findings.table.item(0, 0).text()
    assert not findings.keep_first.isEnabled()  # nothing chosen yet
    findings.table.selectRow(0)
    driver.click(qtbot, findings.keep_first)
    qtbot.waitUntil(lambda: findings.table.rowCount() == 0, timeout=20000)
    assert "Merged" in findings.status.text()
    with connect(dsn) as conn:
        assert conn.execute("SELECT count(*) FROM clinic.merges").fetchone() == (1,)
    findings.close()
    history.close()
