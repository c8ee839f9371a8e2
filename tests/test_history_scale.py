"""The history at scale: newest months first, older months filled in while the window is
open (filters and sort exact once filled), filtering narrowed from earlier matches, the
"amended" status, the own-sessions-only setting, and the store's month-by-month index."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from helpers import demo_amender
from PySide6.QtCore import Qt

from microneedle_desk import paths
from microneedle_desk.core.accounts import Account, permitted
from microneedle_desk.core.clock import FakeClock
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.review import history
from microneedle_desk.review.history import ROW_ROLE, HistoryFilter, HistoryModel, local_source
from microneedle_desk.store.store import Store
from microneedle_desk.store.upgrade import AMENDED_MARKS
from microneedle_desk.ui.context import UiContext


@pytest.fixture
def store(demo_template: Callable[[int, int], Path], store_copy: Callable[[Path], Store]) -> Store:
    """A copy of 450 demo sessions (about a year of courses), made once for the run; each test works on its own copy."""
    return store_copy(demo_template(450, 5))


@pytest.fixture
def small_first(monkeypatch: pytest.MonkeyPatch) -> None:
    """A first screenful of a few rows, so the demo sessions take several fills."""
    monkeypatch.setattr(history.LocalSource, "FIRST_ROWS", 3)
    monkeypatch.setattr("microneedle_desk.ui.history_view.FILL_BUDGET_S", 0.0)  # one month per turn


def _shown(model: HistoryModel) -> list[dict[str, Any]]:
    return [model.index(r, 0).data(ROW_ROLE) for r in range(model.rowCount())]


def _window(qtbot: Any, ctx: UiContext) -> Any:
    from microneedle_desk.ui.history_view import HistoryWindow

    window = HistoryWindow(ctx)
    qtbot.addWidget(window)
    return window


# -- the store's index, month by month ----------------------------------------------------------
def test_index_months_are_newest_first_and_their_rows_make_up_the_summaries(store: Store) -> None:
    months = store.index_months()
    assert months == sorted(months, reverse=True) and len(months) >= 2
    by_month = [r["id"] for m in months for r in store.month_rows(m)]
    assert sorted(by_month) == sorted(r["id"] for r in store.summaries())
    assert all(r["started_at"][:7] == months[0] for r in store.month_rows(months[0]))


def test_a_write_to_one_month_is_seen_in_the_summaries(store: Store) -> None:
    signed = sorted((r for r in store.summaries() if r["status"] == "signed"), key=lambda r: r["started_at"])
    target = signed[0]
    store.summaries()  # the index is in memory now
    demo_amender(store)(target["id"], "cartridge_lot", "LOT-FIXED", "typo on the box")
    row = store.summary(target["id"])
    assert row is not None and row["cartridge_lot"] == "LOT-FIXED"
    assert sum(1 for r in store.summaries() if r["id"] == target["id"]) == 1


# -- filling in -----------------------------------------------------------------------------------
def test_the_source_reads_the_newest_month_first_then_every_older_one(store: Store) -> None:
    history.LocalSource.FIRST_ROWS = 1
    try:
        source = history.LocalSource(store)
    finally:
        history.LocalSource.FIRST_ROWS = 100
    newest = store.index_months()[0]
    first = list(source.select(HistoryFilter()).summaries())
    assert first and all(r["started_at"][:7] == newest for r in first) and not source.done
    source.more()
    assert source.done
    every = list(source.select(HistoryFilter()).summaries())
    assert sorted(r["id"] for r in every) == sorted(r["id"] for r in store.summaries())
    assert [r["started_at"] for r in every] == sorted((r["started_at"] for r in every), reverse=True)


def test_history_window_fills_older_months_after_the_first_rows(qtbot: Any, ctx: UiContext,
                                                                 small_first: None) -> None:
    window = _window(qtbot, ctx)
    assert window.loading
    assert 0 < window.model.rowCount() < len(ctx.store.summaries())
    assert "reading older sessions" in window.count.text()
    qtbot.waitUntil(lambda: not window.loading, timeout=5000)
    assert window.model.rowCount() == len(ctx.store.summaries())
    days = [s["started_at"] for s in _shown(window.model)]
    assert days == sorted(days, reverse=True)
    assert "reading" not in window.count.text()


def test_search_typed_while_filling_applies_to_rows_that_arrive_later(qtbot: Any, ctx: UiContext,
                                                                      small_first: None) -> None:
    rows = ctx.store.summaries()
    clinic_id = sorted(rows, key=lambda r: r["started_at"])[0]["clinic_id"]  # the oldest session's patient
    window = _window(qtbot, ctx)
    qtbot.keyClicks(window.search, clinic_id)
    qtbot.waitUntil(lambda: not window.loading, timeout=5000)
    shown = _shown(window.model)
    assert len(shown) == sum(1 for r in rows if r["clinic_id"] == clinic_id) > 0
    assert all(s["clinic_id"] == clinic_id for s in shown)


def test_sort_chosen_while_filling_holds_for_rows_that_arrive_later(qtbot: Any, ctx: UiContext,
                                                                    small_first: None) -> None:
    window = _window(qtbot, ctx)
    window.table.sortByColumn(4, Qt.SortOrder.AscendingOrder)  # needle length
    qtbot.waitUntil(lambda: not window.loading, timeout=5000)
    needles = [s["needle_mm"] if s["needle_mm"] is not None else -1.0 for s in _shown(window.model)]
    assert len(needles) == len(ctx.store.summaries())
    assert needles == sorted(needles)


def test_selection_follows_its_row_when_sorting(qtbot: Any, ctx: UiContext) -> None:
    window = _window(qtbot, ctx)
    qtbot.waitUntil(lambda: not window.loading, timeout=5000)
    window.table.selectRow(5)
    chosen = window.selected_summary()
    window.table.sortByColumn(1, Qt.SortOrder.AscendingOrder)
    assert window.selected_summary()["id"] == chosen["id"]


@pytest.mark.parametrize("typed", [["d", "de", "dem", "demo", "demo p", "demo pa", "demo pat", "demo pa", "de", ""],
                                   ["demo 00", "demo 001", "demo 0012", "demo 001", "001 demo"]])
def test_typing_on_narrows_to_exactly_what_a_fresh_filter_finds(ctx: UiContext, typed: list[str]) -> None:
    model = HistoryModel(local_source(ctx.store))
    fresh = HistoryModel(local_source(ctx.store))
    for text in typed:
        model.set_filter(HistoryFilter(text=text, side_effects=False))
        fresh.set_source(local_source(ctx.store))
        fresh.set_filter(HistoryFilter(text=text))
        assert [s["id"] for s in _shown(model)] == [s["id"] for s in _shown(fresh)], text


def test_a_short_number_finds_clinic_ids_not_pieces_of_session_ids(ctx: UiContext) -> None:
    rows = ctx.store.summaries()
    model = HistoryModel(local_source(ctx.store))
    for number in ("00", "12", "0042"):
        model.set_filter(HistoryFilter(text=number))
        texts = [" ".join(model.row(r).disp).casefold() + " " + str(model.row(r).summary.get("cartridge_lot"))
                 for r in range(model.rowCount())]
        assert texts and all(number in text for text in texts), number
    target = sorted(rows, key=lambda r: r["id"])[0]
    for piece in (target["id"][:8], target["id"][:8].upper(), target["id"]):  # as copied from the session
        model.set_filter(HistoryFilter(text=piece))
        assert target["id"] in [s["id"] for s in _shown(model)], piece
        assert all(s["id"].startswith(target["id"][:8]) for s in _shown(model))


def test_typing_a_session_id_narrows_to_exactly_what_a_fresh_filter_finds(ctx: UiContext) -> None:
    """Past 8 characters a word also matches session ids, which its shorter forms did not."""
    sid = sorted(r["id"] for r in ctx.store.summaries())[0]
    model = HistoryModel(local_source(ctx.store))
    typed = [sid[:n] for n in range(1, 13)] + [sid[:n] for n in range(11, 0, -1)] + ["demo " + sid[:9]]
    for text in typed:
        model.set_filter(HistoryFilter(text=text))
        fresh = HistoryModel(local_source(ctx.store))
        fresh.set_filter(HistoryFilter(text=text))
        assert [s["id"] for s in _shown(model)] == [s["id"] for s in _shown(fresh)], text
    model.set_filter(HistoryFilter(text=sid[:9]))
    assert sid in [s["id"] for s in _shown(model)]


def test_a_keystroke_that_keeps_the_same_rows_does_not_reset_the_table(ctx: UiContext) -> None:
    model = HistoryModel(local_source(ctx.store))
    resets: list[int] = []
    model.modelAboutToBeReset.connect(lambda: resets.append(1))
    model.set_filter(HistoryFilter())  # as the window opens
    resets.clear()
    for text in ("d", "de", "dem", "demo", "demo "):  # every demo session: "Demo Patient …"
        model.set_filter(HistoryFilter(text=text))
    for text in ("demo", "dem", "d", ""):  # backspaces: every row matches again
        model.set_filter(HistoryFilter(text=text))
    assert resets == [] and model.rowCount() == model.total()
    model.set_filter(HistoryFilter(text="demo 0012"))  # fewer rows: the table is told
    assert resets == [1] and model.rowCount() < model.total()


def test_older_rows_are_added_to_the_table_in_batches(qtbot: Any, ctx: UiContext, small_first: None,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Each addition makes the table lay out and repaint, so rows read wait for a full batch
    (or the last month)."""
    monkeypatch.setattr("microneedle_desk.ui.history_view.FILL_BATCH_ROWS", 10**6)
    window = _window(qtbot, ctx)
    added: list[bool] = []
    def reset() -> None:
        added.append(window.model.source.done)

    window.model.modelReset.connect(reset)
    qtbot.waitUntil(lambda: not window.loading, timeout=5000)
    window.model.modelReset.disconnect(reset)
    assert window.model.rowCount() == len(ctx.store.summaries())
    assert added == [True]  # once, after the last month was read
    assert "reading" not in window.count.text()


# -- "amended" -----------------------------------------------------------------------------------
def _signed_id(store: Store) -> str:
    return sorted(r["id"] for r in store.summaries() if r["status"] == "signed")[0]


def test_history_status_says_amended_after_an_amendment(qtbot: Any, ctx: UiContext) -> None:
    sid = _signed_id(ctx.store)
    demo_amender(ctx.store)(sid, "cartridge_lot", "LOT-2", "typo on the box")
    window = _window(qtbot, ctx)
    qtbot.waitUntil(lambda: not window.loading, timeout=5000)
    statuses = {window.model.index(r, 0).data(history.ID_ROLE): window.model.index(r, 9).data()
                for r in range(window.model.rowCount())}
    assert statuses[sid] == "amended"
    assert list(statuses.values()).count("amended") == 1


def test_a_store_from_before_the_mark_gets_its_amended_rows_marked_once(data_dir: Path, store: Store,
                                                                        protocol: Protocol) -> None:
    sid = _signed_id(store)
    demo_amender(store)(sid, "cartridge_lot", "LOT-2", "typo on the box")
    demo_amender(store)(sid, "cartridge_lot", "LOT-3", "second look")
    store.close()
    # as an older version left it: no mark on the row, no flag in the meta record
    for path in [*paths.index_dir(data_dir).glob("*.json"), *paths.index_recent_dir(data_dir).glob("*.json")]:
        data = json.loads(path.read_text(encoding="utf-8"))
        for row in data.get("summaries", {}).values():
            row.pop("amended", None)
        path.write_text(json.dumps(data), encoding="utf-8")
    meta = json.loads(paths.meta_file(data_dir).read_text(encoding="utf-8"))
    for record in meta["meta"].values():
        record.pop(AMENDED_MARKS, None)
    paths.meta_file(data_dir).write_text(json.dumps(meta), encoding="utf-8")
    before = Store(data_dir, protocol, FakeClock(), read_only=True).summary(sid)
    assert before is not None and "amended" not in before
    reopened = Store(data_dir, protocol, FakeClock())
    row = reopened.summary(sid)
    assert row is not None and row["amended"] == 2
    assert history.status_of(row) == "amended"
    assert reopened.meta_value(AMENDED_MARKS) is True
    reopened.close()


# -- own sessions only -----------------------------------------------------------------------------
def _account(account_id: str, role: str) -> Account:
    return Account(id=account_id, name="Demo Person", role=role, active=True, pin_hash=None,
                   must_change_pin=False, failures=0, locked_until=None, device="d", created_at="")


def _signer(enforcing: bool, current: Account | None) -> SimpleNamespace:
    """Stands in for the window's accounts part (ui/sign_in.Security): who is signed in, and may()."""
    return SimpleNamespace(enforcing=enforcing, current=current,
                           may=lambda permission: not enforcing or permitted(permission, current))


def _someone_elses(ctx: UiContext) -> tuple[str, str]:
    row = sorted(ctx.store.summaries(), key=lambda r: r["id"])[0]
    return str(row["id"]), str(row["practitioner_id"])


@pytest.fixture
def warnings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    said: list[str] = []
    monkeypatch.setattr("microneedle_desk.ui.history_view.QMessageBox.warning",
                        lambda _parent, _title, text: said.append(text))
    return said


def test_own_sessions_only_refuses_another_practitioners_session(qtbot: Any, ctx: UiContext,
                                                                 warnings: list[str]) -> None:
    sid, _led_by = _someone_elses(ctx)
    ctx.settings.set("security/own_sessions_only", True)
    ctx.signer = _signer(True, _account("someone-else", "practitioner"))
    window = _window(qtbot, ctx)
    assert window.open_session(sid) is None
    assert warnings and "only to the practitioner who led it" in warnings[0]


def test_own_sessions_only_still_opens_ones_own_session_and_any_for_an_admin(qtbot: Any, ctx: UiContext,
                                                                            warnings: list[str]) -> None:
    sid, led_by = _someone_elses(ctx)
    ctx.settings.set("security/own_sessions_only", True)
    window = _window(qtbot, ctx)
    ctx.signer = _signer(True, _account(led_by, "practitioner"))
    assert window.open_session(sid) is not None
    ctx.signer = _signer(True, _account("an-admin", "admin"))
    assert window.open_session(sid) is not None
    assert warnings == []


def test_nothing_is_limited_with_the_setting_off_or_before_any_account(qtbot: Any, ctx: UiContext,
                                                                        warnings: list[str]) -> None:
    sid, _led_by = _someone_elses(ctx)
    window = _window(qtbot, ctx)
    ctx.signer = _signer(True, _account("someone-else", "practitioner"))
    assert window.open_session(sid) is not None  # setting off
    ctx.settings.set("security/own_sessions_only", True)
    ctx.signer = _signer(False, None)  # the store has no accounts
    assert window.open_session(sid) is not None
    ctx.signer = None
    assert window.open_session(sid) is not None
    assert warnings == []


def test_own_sessions_only_asks_to_sign_in_when_nobody_is(qtbot: Any, ctx: UiContext,
                                                          warnings: list[str]) -> None:
    sid, _led_by = _someone_elses(ctx)
    ctx.settings.set("security/own_sessions_only", True)
    ctx.signer = _signer(True, None)
    assert _window(qtbot, ctx).open_session(sid) is None
    assert "Sign in first" in warnings[0]
