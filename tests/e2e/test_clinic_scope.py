"""With a clinic server set, the Dashboard, the Course view and the Export dialog offer "Whole
clinic" beside "This laptop": read from the server, with the room as a filter (and a column in
the course). A server that cannot be read is said in the window, which stays on this laptop."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QComboBox, QDialog
from server_laptops import new_laptop, sign_session_for, sync

from e2e import driver
from e2e.driver import set_clinic_server

PRACTITIONER = "00000000-0000-4000-8000-0000000000aa"


def _other_room(root: Path, dsn: str) -> tuple[str, str]:
    """Another laptop with one signed session, synced: (its patient's id, the session's id)."""
    patient = new_laptop(root, "Olga Otherroom", "OTH-1")
    session = sign_session_for(root, patient, PRACTITIONER)
    assert sync(root, dsn).pushed >= 2
    return patient, session


def _this_room_signs(qtbot: Any, clinic: Any, fake_clock: Any) -> str:
    driver.register_patient(qtbot, clinic, name="Hana Here", clinic_id="HERE-1")
    driver.start_session(qtbot, clinic)
    driver.walk_session(qtbot, clinic, fake_clock, consent_by="Hana Here")
    driver.sign(qtbot, clinic)
    return str(clinic.ctx.store.summaries()[0]["id"])


def _whole_clinic(qtbot: Any, scope: Any) -> None:
    assert scope.isVisible()
    driver.choose(qtbot, scope.scope, "Whole clinic (from the clinic server)")
    qtbot.waitUntil(lambda: scope.whole_clinic() and not scope.busy, timeout=20000)


@pytest.mark.qt_log_ignore("This plugin does not support raise")
def test_dashboard_course_and_export_read_the_whole_clinic_with_the_room_as_a_filter(
        qtbot: Any, clinic: Any, cluster: Any, fake_clock: Any, tmp_path: Path) -> None:
    from pg_cluster import fresh_clinic

    dsn = fresh_clinic(cluster)
    other_patient, other_session = _other_room(tmp_path / "room2", dsn)
    here = _this_room_signs(qtbot, clinic, fake_clock)
    set_clinic_server(qtbot, clinic, dsn)
    status = clinic.server_status
    qtbot.waitUntil(lambda: status.server.last_success is not None and not status.running, timeout=30000)

    # Dashboard: this laptop's session, then every room's, then one room's, then this laptop's again
    driver.focus_window(qtbot, clinic)
    driver.QTest_keyClick_combo(clinic, "Ctrl+Shift+B")
    dashboard = clinic.review_menu.windows[-1]
    assert [r["id"] for r in dashboard.rows] == [here]
    _whole_clinic(qtbot, dashboard.scope)
    assert sorted(r["id"] for r in dashboard.rows) == sorted([here, other_session])
    rooms = [dashboard.scope.room.itemText(i) for i in range(dashboard.scope.room.count())]
    assert len(rooms) == 3 and rooms[0] == "every room"
    other_room = next(i for i in range(1, 3) if dashboard.scope.room.itemData(i) != clinic.ctx.store.device)
    dashboard.scope.room.setCurrentIndex(other_room)
    assert [r["id"] for r in dashboard.rows] == [other_session]
    assert "2 sessions" not in dashboard.summary.text() and "1 sessions" in dashboard.summary.text()
    driver.choose(qtbot, dashboard.scope.scope, "This laptop")
    assert [r["id"] for r in dashboard.rows] == [here] and not dashboard.scope.room.isVisible()
    dashboard.close()

    # History: the whole-clinic history in place of this laptop's table, the room a column there
    driver.focus_window(qtbot, clinic)
    driver.QTest_keyClick_combo(clinic, "Ctrl+Shift+H")
    history = clinic.review_menu.windows[-1]
    _whole_clinic(qtbot, history.scope)
    view = history.scope.clinic_view
    assert view.isVisible() and not history.table.isVisible() and not history.search.isVisible()
    qtbot.waitUntil(lambda: view.model.rowCount() == 2 and not view.busy, timeout=20000)
    assert view.model.headerData(1, driver.Qt.Orientation.Horizontal) == "Room"
    assert sorted(view.model.rows[i]["id"] for i in range(2)) == sorted([here, other_session])
    driver.choose(qtbot, history.scope.scope, "This laptop")
    assert history.table.isVisible() and history.search.isVisible() and not view.isVisible()
    history.close()

    # Course: the other room's patient, her session with its room in the Room column
    course = clinic.review_menu.open_course(other_patient)
    _whole_clinic(qtbot, course.scope)
    room_column = course.table.columnCount() - 1
    assert course.table.horizontalHeaderItem(room_column).text() == "Room"
    assert course.table.rowCount() == 1
    assert course.table.item(0, room_column).text() == course.scope.room.itemText(other_room)
    course.close()

    # Export: the whole clinic's sessions, each once, written from the server
    out = tmp_path / "clinic.json"
    said: list[str] = []

    def read_message(dialog: QDialog) -> None:
        said.append(dialog.text())  # type: ignore[attr-defined]
        dialog.accept()

    def name_file(dialog: QDialog) -> None:
        driver.answer_next_dialog(qtbot, read_message)
        driver.save_file_as(str(out))(dialog)

    def fill(dialog: QDialog) -> None:
        from microneedle_desk.ui.clinic_scope import ScopeBar

        _whole_clinic(qtbot, dialog.findChild(ScopeBar))
        driver.choose(qtbot, dialog.findChild(QComboBox), "JSON")
        driver.answer_next_dialog(qtbot, name_file)
        driver.click(qtbot, driver.button(dialog, "Save"))

    driver.answer_next_dialog(qtbot, fill)
    driver.focus_window(qtbot, clinic)
    driver.QTest_keyClick_combo(clinic, "Ctrl+Shift+E")
    qtbot.waitUntil(lambda: bool(said), timeout=20000)
    assert "2 session(s) of the whole clinic" in said[0]
    ids = [r["id"] for r in json.loads(out.read_text())["sessions"]]
    assert sorted(ids) == sorted([here, other_session])


@pytest.mark.qt_log_ignore("This plugin does not support raise")
@pytest.mark.parametrize("shortcut", ["Ctrl+Shift+B", "Ctrl+Shift+H"])  # the dashboard, the history
def test_a_server_that_cannot_be_read_is_said_and_the_window_stays_on_this_laptop(
        qtbot: Any, clinic: Any, tmp_path: Path, shortcut: str) -> None:
    clinic.ctx.settings.set("server/dsn", f"host={tmp_path} port=1 user=desk1 dbname=clinic")
    driver.focus_window(qtbot, clinic)
    driver.QTest_keyClick_combo(clinic, shortcut)
    window = clinic.review_menu.windows[-1]
    scope = window.scope
    driver.choose(qtbot, scope.scope, "Whole clinic (from the clinic server)")
    qtbot.waitUntil(lambda: not scope.busy and "cannot be read now" in scope.note.text(), timeout=20000)
    assert "Showing this laptop's records" in scope.note.text()
    assert scope.scope.currentText() == "This laptop" and not scope.whole_clinic() and not scope.room.isVisible()
    if shortcut == "Ctrl+Shift+B":
        assert window.rows == []
    else:
        assert scope.clinic_view is None and window.table.isVisible()
