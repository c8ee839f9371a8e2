"""The history table: every session as one row, sortable and filterable at 10,000+ rows.

:class:`HistoryModel` holds the rows as a plain list of :class:`Row` (display text, sort
keys and a lower-case search text are computed once, when the rows are loaded), so
``data()`` is a tuple lookup. Filtering and sorting are list operations over those rows
(the filters other than the search text are kept between keystrokes), followed by one
model reset or layout change. A QSortFilterProxyModel was tried first: its per-row
``filterAcceptsRow`` and per-pair ``lessThan`` calls from C++ into Python cost more than
the whole filter done here (see bench/results/review.md).

Rows come from the store's public :meth:`Store.month_rows` (finished sessions, newest
month first, see :class:`Loader`) and :meth:`Store.active_sessions` (in progress).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QLocale,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)

from microneedle_desk.core.fold import replay
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.core.summary import SessionRow, summarize
from microneedle_desk.i18n import N_, tr
from microneedle_desk.store.store import Store

COLUMNS: tuple[tuple[str, str], ...] = (
    ("date", N_("Date")),
    ("patient", N_("Patient")),
    ("practitioner", N_("Practitioner")),
    ("indication", N_("Indication")),
    ("needle", N_("Needle mm")),
    ("dwell", N_("Dwell")),
    ("needling", N_("Needling")),
    ("adjunct", N_("Adjunct")),
    ("side_effects", N_("Side effects")),
    ("status", N_("Status")),
)
NUMERIC = {4, 5, 6}
ROW_ROLE = int(Qt.ItemDataRole.UserRole.value) + 1  # the summary dict
ID_ROLE = int(Qt.ItemDataRole.UserRole.value) + 2   # the session id

AnyIndex = QModelIndex | QPersistentModelIndex
_DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole.value)
_TIP = int(Qt.ItemDataRole.ToolTipRole.value)
_RIGHT = int((Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter).value)


def minutes_text(seconds: object) -> str:
    if not isinstance(seconds, (int, float)):
        return ""
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


STATUS_NAMES = {"in_progress": N_("in progress"), "signed": N_("signed"), "amended": N_("amended"),
                "abandoned": N_("abandoned")}


def status_of(summary: Mapping[str, Any]) -> str:
    """The session's state in words, in the person's language (searched as shown)."""
    status = str(summary.get("status") or "")
    if status == "signed" and (summary.get("amended") or summary.get("amendments")):
        status = "amended"
    return tr(STATUS_NAMES.get(status, status.replace("_", " ")))


class Labels:
    """The protocol's display labels as dicts, looked up once per load."""

    def __init__(self, protocol: Protocol) -> None:
        self.indications = {i.id: tr(i.label) for i in protocol.indications}
        self.locale = QLocale()  # numbers as the person writes them (1,2 under German)
        self.adjuncts = {a: protocol.label("adjuncts", a) for a in protocol.ids("adjuncts")}
        self.side_effects = {k: protocol.label("side_effects", k) for k in protocol.ids("side_effects")}


class Row:
    """One session in the table. Display text, sort keys and search text are made on first
    use (the first screenful needs only a few rows'), then kept."""

    __slots__ = ("_disp", "_keys", "_search", "day", "labels", "needle", "practitioner", "summary")

    def __init__(self, summary: Mapping[str, Any], practitioner: str, labels: Labels) -> None:
        self.summary, self.practitioner, self.labels = summary, practitioner, labels
        self.day = str(summary.get("started_at") or "")[:10]
        needle = summary.get("needle_mm")
        self.needle: float | None = float(needle) if isinstance(needle, (int, float)) else None
        self._disp: tuple[str, ...] | None = None
        self._keys: tuple[Any, ...] | None = None
        self._search: str | None = None

    @property
    def disp(self) -> tuple[str, ...]:
        if self._disp is None:
            summary, labels = self.summary, self.labels
            effects = summary.get("side_effects") or []
            se = labels.side_effects
            effect_text = ", ".join([se.get(k, k) for k in effects]) if effects else (
                tr("none") if summary.get("none_observed") else "")
            self._disp = (
                str(summary.get("started_at") or "")[:16].replace("T", " "),
                f"{summary.get('patient_name', '')} ({summary.get('clinic_id', '')})",
                self.practitioner, labels.indications.get(str(summary.get("indication")), ""),
                labels.locale.toString(self.needle, "f", 1) if self.needle is not None else "",
                minutes_text(summary.get("dwell_actual_s")), minutes_text(summary.get("needling_actual_s")),
                labels.adjuncts.get(str(summary.get("adjunct")), ""), effect_text, status_of(summary),
            )
        return self._disp

    @property
    def keys(self) -> tuple[Any, ...]:
        if self._keys is None:
            d, summary = self.disp, self.summary
            dwell, needling = summary.get("dwell_actual_s"), summary.get("needling_actual_s")
            self._keys = (
                str(summary.get("started_at") or ""), d[1].casefold(), d[2].casefold(), d[3],
                self.needle if self.needle is not None else -1.0,
                dwell if isinstance(dwell, (int, float)) else -1.0,
                needling if isinstance(needling, (int, float)) else -1.0,
                d[7], (len(summary.get("side_effects") or ()), d[8]), d[9],
            )
        return self._keys

    @property
    def search(self) -> str:
        if self._search is None:
            summary = self.summary
            # not the session id: 36 characters of digits that every short number typed would
            # match ("0042" found other patients' sessions); see :func:`word_test`
            self._search = f"{' '.join(self.disp)} {summary.get('cartridge_lot') or ''}".casefold()
        return self._search


_ID_CHARS = frozenset("0123456789abcdef-")
ID_WORD_MIN = 8


def id_like(word: str) -> bool:
    """A typed word that may be (a piece of) a session id: 8+ hex digits and dashes."""
    return len(word) >= ID_WORD_MIN and set(word) <= _ID_CHARS


def word_test(word: str) -> Callable[[Row], bool]:
    """Whether a row matches one typed (case-folded) word: in its search text, or, for a word
    that looks like a session id, in its id."""
    if id_like(word):
        return lambda r: word in r.search or word in str(r.summary.get("id") or "")
    return lambda r: word in r.search


def prepare(rows: list[Row]) -> None:
    """Make every row's search text and sort keys now (after the first paint, say)."""
    for row in rows:
        _ = row.search, row.keys


def compact(rows: list[Row]) -> list[str]:
    """Make these rows' search texts anew, one after another, so that they lie in order in
    memory: a filter then scans them ~30% faster at 50,000 rows than when each lies among the
    objects made with its row. Returns the old texts: hold them until every chunk of rows is
    done, or the next chunk's texts fill the gaps they leave, scattered again."""
    fresh = [(" " + r.search)[1:] for r in rows]
    old = [r.search for r in rows]
    for row, text in zip(rows, fresh, strict=True):
        row._search = text
    return old


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


def _newest_first(rows: list[Row]) -> list[Row]:
    rows.sort(key=lambda r: str(r.summary.get("started_at") or ""), reverse=True)
    return rows


class Loader:
    """Every session's row, month by month, newest first.

    :meth:`first` gives the sessions in progress and the newest month(s) (enough rows for
    the first screenful); :meth:`more` reads older months until a time budget is spent, so
    the window paints its first rows without waiting for years of history and fills in the
    rest between events. Sort and filter are exact once :attr:`done`.
    """

    FIRST_ROWS = 100

    def __init__(self, store: Store) -> None:
        self.store = store
        self.names = {p.id: p.name for p in store.practitioners(include_inactive=True)}
        self.labels = Labels(store.protocol)
        self.months = store.index_months()  # newest first
        self.next = 0

    @property
    def done(self) -> bool:
        return self.next >= len(self.months)

    def _rows(self, summaries: Iterable[Mapping[str, Any]]) -> list[Row]:
        names, labels = self.names, self.labels
        return [Row(s, names.get(str(s.get("practitioner_id")), "(unknown)"), labels) for s in summaries]

    def _month(self) -> list[Row]:
        month = self.months[self.next]
        self.next += 1
        return self._rows(self.store.month_rows(month))

    def first(self) -> list[Row]:
        rows = self._rows(active_summaries(self.store))
        while not self.done and len(rows) < self.FIRST_ROWS:
            rows += self._month()
        return _newest_first(rows)

    def more(self, budget_s: float = float("inf"), prepared: bool = True) -> list[Row]:
        """Older months' rows (search text and sort keys made when ``prepared``), newest first:
        at least one month, and no further month once the last one's cost would overrun
        ``budget_s`` seconds."""
        rows: list[Row] = []
        start = last = time.perf_counter()
        while not self.done:
            month = self._month()
            if prepared:
                prepare(month)
            rows += month
            now = time.perf_counter()
            if (now - start) + (now - last) > budget_s:
                break
            last = now
        return _newest_first(rows)


FREEZE_AFTER_ROWS = 1000


def keep(rows_held: int) -> None:
    """Rows just loaded that live as long as the window: once there are many, take every
    object alive now out of the cyclic garbage collector's walks (``gc.freeze``).

    Each row is a dict, a Row and a few tuples; with 50,000 rows a full collection walks a
    million objects and takes 40–170 ms, which the collector starts by itself in the middle
    of a fill turn or a keystroke. Frozen objects are still freed by reference counting when
    the window lets them go (rows hold no cycles); only cyclic garbage left when freezing
    is kept, so the young generations are collected first.
    """
    if rows_held >= FREEZE_AFTER_ROWS:
        gc.collect(1)
        gc.freeze()


def load_rows(store: Store) -> list[Row]:
    """Every session's row, newest first: those in progress and all finished ones."""
    loader = Loader(store)
    return _newest_first(loader.first() + loader.more(prepared=False))


class HistoryModel(QAbstractTableModel):
    """All sessions (``all_rows``); the table shows ``rows``, those the filter lets through,
    in the current sort order. Filtering and sorting are list operations in Python followed
    by one model reset or layout change: no per-row calls from Qt into Python."""

    def __init__(self, rows: list[Row] | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.all_rows: list[Row] = rows or []
        self.rows: list[Row] = list(self.all_rows)
        self.current = HistoryFilter()
        self._base_key: HistoryFilter | None = None
        self._base: list[Row] = []
        self._words: list[str] = []  # the search words self.rows was filtered with
        self.sort_order: tuple[int, Qt.SortOrder] | None = None

    def reset(self) -> None:
        self.beginResetModel()
        self.endResetModel()

    def set_rows(self, rows: list[Row]) -> None:
        self.all_rows = rows
        self._base_key = None
        if self.sort_order is not None:
            self._sort_all(*self.sort_order)
        self.set_filter(self.current)

    def add_rows(self, new: list[Row]) -> None:
        """Add rows (older months arriving while the window fills), keeping the sort order and
        the filter: only the new rows are tested; they are appended when they sort after every
        row already there (the usual case: newest first, older months later), else merged."""
        if not new:
            return
        column, order = self.sort_order or (0, Qt.SortOrder.DescendingOrder)
        key, descending = self._key(column), order == Qt.SortOrder.DescendingOrder
        new = sorted(new, key=key, reverse=descending)
        test = self.current.predicate()
        shown = [r for r in new if test(r)]
        in_order = not self.all_rows or (
            key(self.all_rows[-1]) >= key(new[0]) if descending else key(self.all_rows[-1]) <= key(new[0]))
        self.all_rows.extend(new)
        if self._base_key is not None:
            base_test = self._base_key.predicate()
            self._base.extend(r for r in new if base_test(r))
        if in_order:
            if shown:
                first = len(self.rows)
                self.beginInsertRows(QModelIndex(), first, first + len(shown) - 1)
                self.rows.extend(shown)
                self.endInsertRows()
            return
        self.all_rows.sort(key=key, reverse=descending)
        self._base.sort(key=key, reverse=descending)
        if shown:
            self._relayout(sorted([*self.rows, *shown], key=key, reverse=descending))

    def _relayout(self, rows: list[Row]) -> None:
        """Show ``rows`` (the same rows in a new order, or more of them) keeping the selection."""
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        where = {id(r): i for i, r in enumerate(rows)}
        targets = []
        for index in old:
            row = self.rows[index.row()] if 0 <= index.row() < len(self.rows) else None
            at = where.get(id(row), -1) if row is not None else -1
            targets.append(self.index(at, index.column()) if at >= 0 else QModelIndex())
        self.rows = rows
        self.changePersistentIndexList(old, targets)
        self.layoutChanged.emit()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Called for several roles per visible cell on every paint: plain int comparisons.
        if role == _DISPLAY:
            return self.rows[index.row()].disp[index.column()]
        if role == _ALIGN:
            return _RIGHT if index.column() in NUMERIC else None
        if role == _TIP:  # asked on hover only: the whole text of a cut-off cell
            return self.rows[index.row()].disp[index.column()] or None
        if role == ID_ROLE:
            return self.rows[index.row()].summary.get("id")
        if role == ROW_ROLE:
            return self.rows[index.row()].summary
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return tr(COLUMNS[section][1])
        return None

    # -- filtering -------------------------------------------------------------------------
    def set_filter(self, wanted: HistoryFilter) -> None:
        """Show the rows ``wanted`` lets through.

        Filters other than the search text are evaluated only when they change; a keystroke
        tests the search words against the rows those filters let through.
        """
        self.current = wanted
        base_key = replace(wanted, text="")
        words = wanted.text.casefold().split()
        same_base = base_key == self._base_key
        if not same_base:
            test = base_key.predicate()
            self._base = [r for r in self.all_rows if test(r)]
            self._base_key = base_key
            narrower = False
        else:  # typing on: when every earlier word is inside a new one, only earlier matches can match
            # (not across id-like words: those match ids too, which shorter words do not)
            narrower = bool(self._words) and all(any(o in w for w in words) for o in self._words) \
                and not any(id_like(w) for w in words)
        shown = self.rows if narrower else self._base
        for word in words:
            if narrower and word in self._words:
                continue
            if id_like(word):
                shown = [r for r in shown if word_test(word)(r)]
            else:  # the slot, not the property, once made: 50,000 property calls cost ~10 ms
                shown = [r for r in shown if word in (r._search if r._search is not None else r.search)]
        # every new word inside an earlier one (a backspace): every earlier match matches again
        broader = bool(self._words) and all(any(w in o for o in self._words) for w in words) \
            and not any(id_like(w) for w in self._words)
        if same_base and (narrower or broader or not self._words) and len(shown) == len(self.rows):
            # the same rows (as many, out of or including the rows shown before): no reset, so
            # the table is not repainted (a repaint is half a keystroke's cost; "d", "de"… all
            # match, and so do "dem", "de" after a backspace)
            self._words = words
            return
        self.beginResetModel()
        self.rows = shown if shown is not self._base else list(shown)
        self._words = words
        self.endResetModel()

    def matching(self) -> Iterable[Row]:
        return iter(self.rows)

    # -- sorting ---------------------------------------------------------------------------
    @staticmethod
    def _key(column: int) -> Callable[[Row], Any]:
        if column == 0:  # the date: no display text needed, so opening stays cheap
            return lambda r: str(r.summary.get("started_at") or "")
        return lambda r: r.keys[column]

    def _sort_all(self, column: int, order: Qt.SortOrder) -> None:
        descending = order == Qt.SortOrder.DescendingOrder
        self.all_rows.sort(key=self._key(column), reverse=descending)
        self._base.sort(key=self._key(column), reverse=descending)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS):
            return
        self.sort_order = (column, order)
        self._sort_all(column, order)
        self._relayout(sorted(self.rows, key=self._key(column), reverse=order == Qt.SortOrder.DescendingOrder))


def _equals(key: str, value: str) -> Callable[[Row], bool]:
    return lambda r: r.summary.get(key) == value


@dataclass(frozen=True)
class HistoryFilter:
    """What the admin asked to see. Empty fields filter nothing."""

    date_from: date | None = None
    date_to: date | None = None
    patient_id: str = ""
    practitioner_id: str = ""
    indication: str = ""
    needle_min: float | None = None
    needle_max: float | None = None
    side_effects: bool = False
    overrides: bool = False
    text: str = ""

    def predicate(self) -> Callable[[Row], bool]:
        tests: list[Callable[[Row], bool]] = []
        if self.date_from is not None:
            low = self.date_from.isoformat()
            tests.append(lambda r: r.day >= low)
        if self.date_to is not None:
            high = self.date_to.isoformat()
            tests.append(lambda r: r.day <= high)
        for key, value in (("patient_id", self.patient_id), ("practitioner_id", self.practitioner_id),
                           ("indication", self.indication)):
            if value:
                tests.append(_equals(key, value))
        if self.needle_min is not None:
            lo = self.needle_min - 1e-9
            tests.append(lambda r: r.needle is not None and r.needle >= lo)
        if self.needle_max is not None:
            hi = self.needle_max + 1e-9
            tests.append(lambda r: r.needle is not None and r.needle <= hi)
        if self.side_effects:
            tests.append(lambda r: bool(r.summary.get("side_effects")))
        if self.overrides:
            tests.append(lambda r: bool(r.summary.get("overrides")))
        words = [word_test(w) for w in self.text.casefold().split()]
        if words:
            tests.append(lambda r: all(w(r) for w in words))
        if not tests:
            return lambda r: True
        if len(tests) == 1:
            return tests[0]
        return lambda r: all(t(r) for t in tests)
