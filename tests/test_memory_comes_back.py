"""Memory that comes back: the history table holds a few pages of rows, whatever the store's size;
closing History lets go of what it read; a course reads its patient's months only; the store
keeps no more than a few months of the index; a closed session leaves nothing behind."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from helpers import TEST_PIN, _quick_hash, make_demo_patient
from PySide6.QtCore import Qt

from microneedle_desk.core.clock import FakeClock
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.core.script import run_complete_session
from microneedle_desk.core.session_state import SessionConfig
from microneedle_desk.review import history, history_source
from microneedle_desk.review.course import patient_course
from microneedle_desk.review.history import ID_ROLE, HistoryFilter, HistoryModel, local_source
from microneedle_desk.store import store_index
from microneedle_desk.store.store import Store
from microneedle_desk.ui.context import UiContext

PAGE = 20


@pytest.fixture
def store(demo_template: Callable[[int, int], Path], store_copy: Callable[[Path], Store]) -> Store:
    """A copy of 450 demo sessions (about a year of courses), the same template test_history_scale reads."""
    return store_copy(demo_template(450, 5))


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(history_source, "PAGE_ROWS", PAGE)
    monkeypatch.setattr(history, "PAGE_ROWS", PAGE)


def _ids(model: HistoryModel, held: list[int]) -> list[str]:
    out = []
    for r in range(model.rowCount()):
        out.append(model.index(r, 0).data(ID_ROLE))
        held.append(model.rows_held())
    return out


def test_the_history_table_holds_a_few_pages_and_scrolls_sorts_and_filters_to_the_right_sessions(
        store: Store, small_pages: None) -> None:
    rows = store.summaries()
    model = HistoryModel(local_source(store))
    held: list[int] = []
    newest_first = [r["id"] for r in sorted(rows, key=lambda r: r["started_at"], reverse=True)]
    assert _ids(model, held) == newest_first
    model.sort(4, Qt.SortOrder.AscendingOrder)  # needle length, none first
    by_needle = [r["id"] for r in sorted(sorted(rows, key=lambda r: r["started_at"], reverse=True),
                                         key=lambda r: -1.0 if r["needle_mm"] is None else r["needle_mm"])]
    assert _ids(model, held) == by_needle
    clinic_id = rows[0]["clinic_id"]
    model.set_filter(HistoryFilter(text=clinic_id.lower()))
    assert sorted(_ids(model, held)) == sorted(r["id"] for r in rows if r["clinic_id"] == clinic_id)
    assert len(rows) > 10 * PAGE and max(held) <= history.PAGES_KEPT * PAGE


def test_closing_the_history_window_lets_go_of_the_sessions_it_read(qtbot: Any, ctx: UiContext) -> None:
    from microneedle_desk.ui.history_view import HistoryWindow

    window = HistoryWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: not window.loading, timeout=5000)
    assert window.model.rowCount() == len(ctx.store.summaries())
    source = weakref.ref(window.model.source)
    window.close()
    gc.collect()
    assert source() is None, "the closed window still holds its sessions"
    assert len(ctx.store._months) <= store_index.MONTHS_KEPT < len(ctx.store.index_months())
    window.show()  # opened again: read anew
    qtbot.waitUntil(lambda: not window.loading, timeout=5000)
    assert window.model.rowCount() == len(ctx.store.summaries())


def test_a_course_reads_the_months_of_its_patient_only(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = store.summaries()
    patient_id = rows[len(rows) // 2]["patient_id"]
    theirs = {r["started_at"][:7] for r in rows if r["patient_id"] == patient_id}
    list(store.month_keys().months_of_session(""))  # the months' digests: made once, not per course
    read: list[str] = []
    real = store.month_rows

    def counting(month: str, table: str = "summaries") -> list[dict[str, Any]]:
        read.append(month)
        return real(month, table)

    monkeypatch.setattr(store, "month_rows", counting)
    course = patient_course(store, patient_id)
    assert [e.session_id for e in course.entries] == [r["id"] for r in sorted(
        (r for r in rows if r["patient_id"] == patient_id), key=lambda r: r["started_at"])]
    assert set(read) <= theirs and len(store.index_months()) > len(theirs)


def test_reading_the_whole_history_leaves_a_few_months_in_the_store(store: Store) -> None:
    store.summaries()
    store.shared_summaries()
    store.summary(store.summaries()[0]["id"])
    assert len(store._months) <= store_index.MONTHS_KEPT < len(store.index_months())


def _sign_sessions(tmp_path: Path, protocol: Protocol, count: int, days_apart: int = 0) -> Iterator[Any]:
    """A clinic on a new store signs ``count`` sessions, one after another (``days_apart`` days
    between them); yields each session as it is closed, then the clinic."""
    from microneedle_desk.clinic.clinic import Clinic

    clock = FakeClock()
    clinic = Clinic.open(tmp_path / "data", protocol, clock)
    book = clinic.accounts
    doctor = book._save(replace(book._new("Dr Test", "practitioner", None, must_change=False),
                                pin_hash=_quick_hash(TEST_PIN)))
    for n in range(count):
        patient = clinic.store.add_patient(make_demo_patient(protocol, clock, clinic_id=f"D-{n}",
                                                                        device=clinic.store.device))
        session = clinic.start_session(patient, doctor.id, SessionConfig(), pin=TEST_PIN)
        run_complete_session(session, clock.advance, sign=False)
        clinic.sign(acknowledge=True, pin=TEST_PIN)
        clinic.close_session()
        closed = [session]
        del session  # this generator holds no reference to what it hands over
        yield closed.pop()
        clock.advance(days_apart * 24 * 3600)
    yield clinic


def test_a_session_signed_and_closed_leaves_no_object_of_it_behind(tmp_path: Path, protocol: Protocol) -> None:
    steps = _sign_sessions(tmp_path, protocol, 2)
    for n in range(2):
        session = next(steps)
        gone, state = weakref.ref(session), weakref.ref(session.state)
        del session
        gc.collect()
        assert gone() is None and state() is None, f"session {n + 1} is still held after closing"
    next(steps).store.close()


def test_an_earlier_days_signed_sessions_are_not_held_once_the_next_day_files(tmp_path: Path,
                                                                            protocol: Protocol) -> None:
    steps = _sign_sessions(tmp_path, protocol, 3, days_apart=1)
    signed = [next(steps).state.id for _ in range(3)]
    clinic = next(steps)
    gc.collect()
    held = [o for o in gc.get_objects() if isinstance(o, dict) and o.get("session") in signed[:-1]]
    assert held == [], f"{len(held)} events of an earlier day's signed sessions are still held"
    assert clinic.store.session_doc(signed[0]) is not None, "filed all the same"
    clinic.store.close()

