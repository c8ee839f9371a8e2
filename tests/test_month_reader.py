"""A month's history rows read one at a time (store/month_reader.py) are the rows a whole read
gives, in the order a sort of them gives, with the rows filed since (the recent part) in their
place; a damaged month file is refused with the same message as a whole read; a file laid out
otherwise than the store writes it is read whole. The history's catalogue keeps its many-valued
columns packed (review/history_bytes.py) and still finds, shows and sorts them as texts."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from microneedle_desk import paths
from microneedle_desk.core.clock import FakeClock
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.review.history_bytes import ByteColumn, PackedTable
from microneedle_desk.store import index_parts
from microneedle_desk.store.storage import BadFileError, dumps
from microneedle_desk.store.store import Store


def _started(row: Any) -> str:
    return str(row.get("started_at") or "")


@pytest.fixture
def store(demo_template: Callable[[int, int], Path], store_copy: Callable[[Path], Store]) -> Store:
    return store_copy(demo_template(450, 5))


def _fresh(store: Store, protocol: Protocol) -> Store:
    """The same folder opened again: nothing of it read yet."""
    return Store(store.root, protocol, FakeClock(), read_only=True)


def _whole(store: Store, month: str, reverse: bool = True) -> list[Any]:
    return sorted(store.month_rows_once(month), key=_started, reverse=reverse)


def test_each_month_read_row_by_row_gives_the_rows_of_a_whole_read_in_sorted_order(
        store: Store, protocol: Protocol) -> None:
    months = store.index_months()
    assert len(months) >= 6
    for month in months:
        for reverse in (True, False):
            by_row = list(_fresh(store, protocol).month_rows_sorted(month, _started, reverse=reverse))
            assert by_row == _whole(_fresh(store, protocol), month, reverse)
            assert by_row, month
    # a month the store holds read (the month being filed) gives the same rows
    store.month_rows(months[0])
    assert list(store.month_rows_sorted(months[0], _started, reverse=True)) == _whole(store, months[0])


def test_rows_filed_since_the_month_file_come_from_the_recent_part_in_their_place(
        store: Store, protocol: Protocol) -> None:
    month = store.index_months()[1]
    rows = _whole(store, month)
    changed = dict(rows[len(rows) // 2], patient_name="Changed Since", started_at="2099-01-01T00:00:00+00:00")
    new = dict(rows[0], id="00000000-0000-4000-8000-000000000001", started_at="1999-01-01T00:00:00+00:00")
    recent = paths.index_recent_file(store.root, month)
    recent.parent.mkdir(parents=True, exist_ok=True)
    recent.write_bytes(dumps(index_parts.as_file({"summaries": [changed, new]})))
    by_row = list(_fresh(store, protocol).month_rows_sorted(month, _started, reverse=True))
    assert by_row == _whole(_fresh(store, protocol), month)
    assert by_row[0]["patient_name"] == "Changed Since" and by_row[-1]["id"] == new["id"]
    assert len(by_row) == len(rows) + 1


def _damage(path: Path, how: str) -> None:
    text = path.read_bytes()
    path.write_bytes({
        "cut short": text[: len(text) // 2],
        "not JSON": text.replace(b'"summaries"', b"summaries", 1),
        "not text": text[:40] + b"\xff\xfe" + text[40:],
        "emptied": b"",
        "a table that is a list": b'{"summaries": [1, 2]}',
        "more after the end": text + b"{}",
        "a record that is not an object": b'{"summaries": {"1": 7}}',
    }[how])


@pytest.mark.parametrize("how", ["cut short", "not JSON", "not text", "emptied", "a table that is a list",
                                 "more after the end", "a record that is not an object"])
def test_a_damaged_month_file_is_refused_row_by_row_as_by_a_whole_read(
        store: Store, protocol: Protocol, how: str) -> None:
    month = store.index_months()[2]
    _damage(paths.index_file(store.root, month), how)
    with pytest.raises((BadFileError, AttributeError)) as whole:
        _whole(_fresh(store, protocol), month)
    with pytest.raises(whole.type) as by_row:
        list(_fresh(store, protocol).month_rows_sorted(month, _started, reverse=True))
    assert str(by_row.value) == str(whole.value)


@pytest.mark.parametrize("layout", ["indented", "doc ids falling", "a doc id twice", "a table twice"])
def test_a_month_file_laid_out_otherwise_gives_the_rows_a_whole_read_gives(
        store: Store, protocol: Protocol, layout: str) -> None:
    month = store.index_months()[2]
    path = paths.index_file(store.root, month)
    tables = json.loads(path.read_bytes())
    records = list(tables["summaries"].items())
    if layout == "indented":
        text = json.dumps(tables, indent=2)
    elif layout == "doc ids falling":
        text = json.dumps({"summaries": dict(reversed(records))})
    elif layout == "a doc id twice":  # parsed whole, the later record under the id stands
        body = ",".join(f'"{doc}":{json.dumps(row)}' for doc, row in [*records, ("1", records[-1][1])])
        text = '{"summaries":{' + body + "}}"
    else:
        text = '{"summaries":{},"summaries":' + json.dumps(tables["summaries"]) + "}"
    path.write_text(text, encoding="utf-8")
    by_row = list(_fresh(store, protocol).month_rows_sorted(month, _started, reverse=True))
    assert by_row == _whole(_fresh(store, protocol), month)
    assert len(by_row) == len(records)


# -- the catalogue's packed columns ----------------------------------------------------------------
def test_packed_texts_take_codes_in_the_order_rows_first_bring_them_across_batches() -> None:
    table = PackedTable()
    for text in ["b", "a", "b", "Zoë (D-1)"]:
        table.add(text)
    assert table.codes().tolist() == [0, 1, 0, 2]
    for text in ["a", "c", "Zoë (D-1)", "c", ""]:
        table.add(text)
    assert table.codes().tolist() == [1, 3, 2, 3, 4]
    assert [table.text(i) for i in range(len(table))] == ["b", "a", "Zoë (D-1)", "c", ""]
    assert table.matching("zoë").tolist() == [False, False, True, False, False]
    assert table.codes().tolist() == []


def test_packed_texts_sort_case_folded_with_equal_ones_in_the_order_they_came() -> None:
    table = PackedTable()
    for text in ["beta", "ALPHA", "Straße", "alpha", "STRASSE"]:
        table.add(text)
    table.codes()
    ranks = table.folded_ranks().tolist()
    wanted = sorted(range(5), key=lambda i: table.text(i).casefold())
    assert [ranks.index(r) for r in range(5)] == wanted == [1, 3, 0, 2, 4]


def test_a_byte_column_widens_for_a_longer_text_and_keeps_the_earlier_ones() -> None:
    column = ByteColumn(4)
    for raw in [b"abcd", b"ab", b"abcdefgh", b""]:
        column.append(raw)
    taken = column.take()
    assert [bytes(v) for v in taken] == [b"abcd", b"ab", b"abcdefgh", b""]
    assert taken.dtype == np.dtype("S8") and len(column.take()) == 0


# -- the dashboard's rows --------------------------------------------------------------------------
def test_the_dashboard_reads_its_range_row_by_row_with_the_rows_and_figures_of_a_whole_read(
        store: Store, protocol: Protocol) -> None:
    from datetime import date, timedelta

    from microneedle_desk.review import dashboard_rows, stats

    span = dashboard_rows.day_span(store)
    assert span is not None
    for month in store.index_months()[1:4]:  # follow-ups filed in their sessions' months
        path = paths.index_file(store.root, month)
        tables = json.loads(path.read_bytes())
        signed = [r for r in tables["summaries"].values() if r.get("status") == "signed"]
        tables["followups"] = {"1": {"session_id": signed[0]["id"], "what": "erythema", "none": False},
                               "2": {"session_id": signed[1]["id"], "what": "", "none": True},
                               "3": {"session_id": "of-another-laptop", "what": "itching", "none": False},
                               "4": {"session_id": signed[2]["id"], "what": "itching", "none": False}}
        path.write_bytes(dumps(tables))
    for low, high in [span, (span[0] + timedelta(days=40), span[1] - timedelta(days=75)),
                      (span[1], span[1]), (date(1990, 1, 1), date(1990, 2, 1))]:
        whole_rows, whole_followups = dashboard_rows.between(_fresh(store, protocol), low, high)
        rows, month_followups = dashboard_rows.each_between(_fresh(store, protocol), low, high)
        assert list(rows) == list(whole_rows)
        for by in ("week", "month"):
            rows, month_followups = dashboard_rows.each_between(_fresh(store, protocol), low, high)
            assert stats.compute(rows, month_followups, by) == stats.compute(whole_rows, whole_followups, by)
