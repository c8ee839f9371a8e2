"""Where the history's rows come from: "the rows for this filter, in this order, page k".

:class:`RecordSource` is the one seam between the history table and the records. The table
(:class:`~microneedle_desk.review.history.HistoryModel`) asks a source to :meth:`select` the
rows a filter lets through, sorted by a column, and then asks the selection for its length
and for one page of rows at a time; a summary (the selected row's, an export's) is read when
asked for. :class:`LocalSource` answers from this laptop's store; a source that answers from
the clinic server fits the same two protocols.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from typing import Any, Protocol

from microneedle_desk.core.fold import replay
from microneedle_desk.core.summary import SessionRow, summarize
from microneedle_desk.review.history_catalogue import Catalogue, Positions
from microneedle_desk.review.history_filter import HistoryFilter
from microneedle_desk.review.history_rows import Labels, Row
from microneedle_desk.store.store import Store

PAGE_ROWS = 200


class Selection(Protocol):
    """The rows one filter lets through, in one order."""

    def __len__(self) -> int: ...

    def page(self, k: int) -> list[Row]:
        """Rows ``k * PAGE_ROWS`` to ``(k + 1) * PAGE_ROWS`` (fewer on the last page)."""
        ...

    def row_of(self, session_id: str) -> int | None:
        """Where a session is in this selection (None when the filter leaves it out)."""
        ...

    def same_rows(self, other: Selection) -> bool:
        """Whether ``other`` holds the same rows in the same order."""
        ...

    def summaries(self) -> Iterator[Mapping[str, Any]]:
        """Every row's summary, in order (an export's)."""
        ...


class RecordSource(Protocol):
    """Sessions for the history table, filtered and sorted where they are kept."""

    @property
    def done(self) -> bool:
        """Whether every session is in (a source may read older ones in the background)."""
        ...

    def more(self, budget_s: float = float("inf")) -> int:
        """Take in older sessions for about ``budget_s`` seconds; returns how many came in."""
        ...

    def total(self) -> int:
        """How many sessions are in so far."""
        ...

    def select(self, wanted: HistoryFilter, column: int, descending: bool) -> Selection: ...


def _started_at(summary: Mapping[str, Any]) -> str:
    return str(summary.get("started_at") or "")


def active_summaries(store: Store) -> list[SessionRow]:
    """Rows of the sessions in progress (replayed from their drafts)."""
    protocol = store.protocol
    out = []
    for active in store.active_sessions():
        try:
            state = replay(active.events, protocol)
        except ValueError:  # a damaged draft: the check command reports it
            continue
        if state.started is not None:
            out.append(summarize(state, protocol))
    return out


class LocalSource:
    """This laptop's sessions: those in progress, then the history index month by month,
    newest first, into a :class:`Catalogue`. Summaries are read back from their month when a
    row's is asked for; the last few months read are kept."""

    FIRST_ROWS = 100  # what the first screenful needs before the window shows
    MONTHS_KEPT = 3

    def __init__(self, store: Store) -> None:
        self.store = store
        names = {p.id: p.name for p in store.practitioners(include_inactive=True)}
        self.catalogue = Catalogue(Labels(store.protocol, names))
        self.months = store.index_months()  # newest first
        self._next = 0
        self._active: dict[str, Mapping[str, Any]] = {}
        self._read: OrderedDict[int, dict[str, Mapping[str, Any]]] = OrderedDict()
        for summary in sorted(active_summaries(store), key=_started_at, reverse=True):
            self._active[str(summary.get("id"))] = summary
            self.catalogue.add(summary, -1)
        while not self.done and self.total() < self.FIRST_ROWS:
            self._month()

    @property
    def done(self) -> bool:
        return self._next >= len(self.months)

    def total(self) -> int:
        return self.catalogue.count

    def _month(self) -> int:
        at = self._next
        self._next += 1
        added = 0
        for summary in self.store.month_rows_sorted(self.months[at], _started_at, reverse=True):
            self.catalogue.add(summary, at)  # one row at a time: see store/month_reader.py
            added += 1
        return added

    def more(self, budget_s: float = float("inf")) -> int:
        """At least one month, and no further month once the last one's cost would overrun
        ``budget_s`` seconds."""
        added = 0
        start = last = time.perf_counter()
        while not self.done:
            added += self._month()
            now = time.perf_counter()
            if (now - start) + (now - last) > budget_s:
                break
            last = now
        return added

    def loaded(self) -> LocalSource:
        """This source with every month in (tests, exports)."""
        self.more()
        return self

    def select(self, wanted: HistoryFilter, column: int = 0, descending: bool = True) -> LocalSelection:
        return LocalSelection(self, self.catalogue.select(wanted, column, descending))

    def summary(self, at: int) -> Mapping[str, Any]:
        """The summary row of the session at catalogue position ``at`` (the store's own: read only)."""
        session_id, month = self.catalogue.session_id(at), self.catalogue.month(at)
        if month < 0:
            return self._active.get(session_id) or {"id": session_id}
        return self._month_rows(month).get(session_id) or {"id": session_id}

    def _month_rows(self, month: int) -> dict[str, Mapping[str, Any]]:
        rows = self._read.pop(month, None)
        if rows is None:
            rows = {str(r.get("id")): r for r in self.store.month_rows_once(self.months[month])}
        self._read[month] = rows
        while len(self._read) > self.MONTHS_KEPT:
            self._read.popitem(last=False)
        return rows


class LocalSelection:
    def __init__(self, source: LocalSource, positions: Positions) -> None:
        self.source, self.positions = source, positions

    def __len__(self) -> int:
        return len(self.positions)

    def page(self, k: int) -> list[Row]:
        catalogue, source = self.source.catalogue, self.source
        out = []
        for at in self.positions[k * PAGE_ROWS:(k + 1) * PAGE_ROWS].tolist():
            out.append(Row(catalogue.disp(at), catalogue.session_id(at), lambda at=at: source.summary(at)))
        return out

    def row_of(self, session_id: str) -> int | None:
        at = self.source.catalogue.find(session_id)
        if at is None:
            return None
        hits = (self.positions == at).nonzero()[0]
        return int(hits[0]) if len(hits) else None

    def same_rows(self, other: Selection) -> bool:
        return isinstance(other, LocalSelection) and other.source is self.source and \
            len(other.positions) == len(self.positions) and bool((other.positions == self.positions).all())

    def summaries(self) -> Iterator[Mapping[str, Any]]:
        """In order, each month read once: the rows of one month are looked up together."""
        catalogue, source = self.source.catalogue, self.source
        by_month: dict[int, list[int]] = {}
        for at in self.positions.tolist():
            by_month.setdefault(catalogue.month(at), []).append(at)
        found: dict[int, Mapping[str, Any]] = {}
        for month, ats in by_month.items():
            rows = source._active if month < 0 else {
                str(r.get("id")): r for r in source.store.month_rows_once(source.months[month])}
            for at in ats:
                sid = catalogue.session_id(at)
                found[at] = rows.get(sid) or {"id": sid}
        return (found[at] for at in self.positions.tolist())
