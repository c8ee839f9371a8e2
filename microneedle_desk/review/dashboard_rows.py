"""The sessions and follow-ups a dashboard draws, read for its date range when it draws.

Holding every session's summary row for as long as the dashboard is open would cost the
memory of the whole history; a range of days is read from the months it covers (follow-ups
are filed in their session's month too) and let go once the figures are computed. To draw,
the rows are read one at a time (:func:`each_between`) as the figures take them in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date
from typing import Any, Literal, Protocol, overload

from microneedle_desk.core.record_types import FollowupIndexRow
from microneedle_desk.core.summary import SessionRow
from microneedle_desk.review.export import in_range, in_range_each

Rows = Sequence[Mapping[str, Any]]  # history rows (this laptop's SessionRow, or the server's) or follow-ups


class MonthIndex(Protocol):
    def index_months(self) -> list[str]: ...

    @overload
    def month_rows_once(self, month: str, table: Literal["summaries"] = "summaries") -> list[SessionRow]: ...
    @overload
    def month_rows_once(self, month: str, table: Literal["followups"]) -> list[FollowupIndexRow]: ...

    def month_rows_each(self, month: str) -> Iterator[SessionRow]: ...

    def month_followups_each(self, month: str) -> Iterator[FollowupIndexRow]: ...


def day_span(index: MonthIndex) -> tuple[date, date] | None:
    """The first and the last day with a session (None for an empty history)."""
    months = index.index_months()  # newest first
    if not months:
        return None
    days = [str(r.get("started_at", ""))[:10] for month in {months[0], months[-1]}
            for r in index.month_rows_once(month)]
    days = [d for d in days if len(d) == 10]
    return (date.fromisoformat(min(days)), date.fromisoformat(max(days))) if days else None


def between(index: MonthIndex, low: date, high: date) -> tuple[Rows, Rows]:
    """The summary rows of the sessions from ``low`` to ``high`` (days included) and their
    follow-ups."""
    first, last = low.strftime("%Y-%m"), high.strftime("%Y-%m")
    months = [m for m in reversed(index.index_months()) if first <= m <= last]
    rows = [r for m in months for r in in_range(index.month_rows_once(m), low, high)]
    ids = {str(r.get("id")) for r in rows}
    followups = [f for m in months for f in index.month_rows_once(m, "followups") if f.get("session_id") in ids]
    return rows, followups


def each_between(index: MonthIndex, low: date, high: date) -> tuple[Iterator[SessionRow], list[FollowupIndexRow]]:
    """The rows :func:`between` gives, in its order, read one at a time as they are asked for,
    and every follow-up of the months they are in (those of other sessions among them)."""
    first, last = low.strftime("%Y-%m"), high.strftime("%Y-%m")
    months = [m for m in reversed(index.index_months()) if first <= m <= last]
    followups = [f for m in months for f in index.month_followups_each(m)]
    rows = (r for m in months for r in in_range_each(index.month_rows_each(m), low, high))
    return rows, followups


def given(rows: Rows, followups: Rows) -> tuple[Callable[[], tuple[date, date] | None],
                                                 Callable[[date, date], tuple[Rows, Rows]]]:
    """The same two readings over rows already at hand (the whole clinic's, from its server)."""
    def span() -> tuple[date, date] | None:
        days = [str(r.get("started_at", ""))[:10] for r in rows]
        return (date.fromisoformat(min(days)), date.fromisoformat(max(days))) if days else None

    def read(low: date, high: date) -> tuple[Rows, Rows]:
        shown = in_range(rows, low, high)
        ids = {str(r["id"]) for r in shown}
        return shown, [f for f in followups if f["session_id"] in ids]

    return span, read
