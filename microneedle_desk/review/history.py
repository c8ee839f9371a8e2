"""The history table: every session as one row, sortable and filterable at 150,000 rows.

:class:`HistoryModel` holds no session itself. It asks its :class:`RecordSource` for the
rows a filter lets through in the current sort order (a :class:`Selection`), and makes the
rows of a page (their cells' texts) when the table first paints one; a few pages are kept.
So the table costs the memory of what is on screen, whatever the history's size, and lets
it go when it closes. Filtering and sorting are the source's (history_catalogue.py for this
laptop's store); each ends in one model reset or layout change, and a keystroke that leaves
the same rows shown changes nothing.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Mapping
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from microneedle_desk.i18n import tr
from microneedle_desk.review.history_filter import HistoryFilter, id_like
from microneedle_desk.review.history_rows import (
    COLUMNS,
    ID_ROLE,
    NUMERIC,
    ROW_ROLE,
    Labels,
    Row,
    minutes_text,
    status_of,
)
from microneedle_desk.review.history_source import (
    PAGE_ROWS,
    LocalSource,
    RecordSource,
    Selection,
    active_summaries,
)
from microneedle_desk.store.store import Store

__all__ = ["COLUMNS", "ID_ROLE", "NUMERIC", "PAGE_ROWS", "ROW_ROLE", "HistoryFilter", "HistoryModel", "Labels",
           "LocalSource", "RecordSource", "Row", "Selection", "active_summaries", "id_like", "local_source",
           "minutes_text", "status_of"]

AnyIndex = QModelIndex | QPersistentModelIndex
_DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole.value)
_TIP = int(Qt.ItemDataRole.ToolTipRole.value)
_RIGHT = int((Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter).value)
PAGES_KEPT = 4  # a screenful may straddle two pages; scrolling back and forth keeps two more


def local_source(store: Store) -> LocalSource:
    """This laptop's every session, read in full (tests, a one-off walk)."""
    return LocalSource(store).loaded()


class HistoryModel(QAbstractTableModel):
    """The rows of ``source`` that ``current`` lets through, in ``sort_order``, a page at a time."""

    def __init__(self, source: RecordSource | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.source = source
        self.current = HistoryFilter()
        self.sort_order: tuple[int, Qt.SortOrder] = (0, Qt.SortOrder.DescendingOrder)
        self.selection: Selection | None = None
        self.pages: OrderedDict[int, list[Row]] = OrderedDict()
        if source is not None:
            self.set_source(source)

    # -- what is shown ---------------------------------------------------------------------
    def _select(self) -> Selection | None:
        if self.source is None:
            return None
        column, order = self.sort_order
        return self.source.select(self.current, column, order == Qt.SortOrder.DescendingOrder)

    def set_source(self, source: RecordSource) -> None:
        self.beginResetModel()
        self.source = source
        self.selection = self._select()
        self.pages.clear()
        self.endResetModel()

    def release(self) -> None:
        """Let go of the source and every row (the window closed): the memory they took comes back."""
        self.beginResetModel()
        self.source, self.selection = None, None
        self.pages.clear()
        self.endResetModel()

    def total(self) -> int:
        """How many sessions the source has so far, whatever the filter."""
        return self.source.total() if self.source is not None else 0

    def rows_held(self) -> int:
        """How many rows the model holds made (the pages painted lately)."""
        return sum(len(rows) for rows in self.pages.values())

    def row(self, at: int) -> Row:
        page, offset = divmod(at, PAGE_ROWS)
        rows = self.pages.pop(page, None)
        if rows is None:
            assert self.selection is not None
            rows = self.selection.page(page)
        self.pages[page] = rows
        while len(self.pages) > PAGES_KEPT:
            self.pages.popitem(last=False)
        return rows[offset]

    def refresh(self) -> None:
        """Select again (sessions came in, or the filter or sort changed). The same rows in
        another order keep what the view holds on to (the current row, the selection) on their
        sessions; other rows reset the table."""
        fresh = self._select()
        old = self.selection
        if fresh is None or old is None:
            self.beginResetModel()
            self.selection, self.pages = fresh, OrderedDict()
            self.endResetModel()
            return
        if fresh.same_rows(old):
            self.selection = fresh
            return
        held = self.persistentIndexList()
        if not held or len(fresh) != len(old):  # other rows: the view starts over (see the window)
            self.beginResetModel()
            self.selection, self.pages = fresh, OrderedDict()
            self.endResetModel()
            return
        self.layoutAboutToBeChanged.emit()
        ids = [self.row(i.row()).session_id if 0 <= i.row() < len(old) else None for i in held]
        self.selection, self.pages = fresh, OrderedDict()
        targets = []
        for index, sid in zip(held, ids, strict=True):
            at = fresh.row_of(sid) if sid is not None else None
            targets.append(self.index(at, index.column()) if at is not None else QModelIndex())
        self.changePersistentIndexList(held, targets)
        self.layoutChanged.emit()

    def set_filter(self, wanted: HistoryFilter) -> None:
        """Show the rows ``wanted`` lets through."""
        self.current = wanted
        self.refresh()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS):
            return
        self.sort_order = (column, order)
        self.refresh()

    def matching(self) -> Iterator[Mapping[str, Any]]:
        """The summaries of every row shown, in order (an export's)."""
        return self.selection.summaries() if self.selection is not None else iter(())

    # -- Qt's table interface --------------------------------------------------------------
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() or self.selection is None else len(self.selection)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Called for several roles per visible cell on every paint: plain int comparisons.
        if role == _DISPLAY:
            return self.row(index.row()).disp[index.column()]
        if role == _ALIGN:
            return _RIGHT if index.column() in NUMERIC else None
        if role == _TIP:  # asked on hover only: the whole text of a cut-off cell
            return self.row(index.row()).disp[index.column()] or None
        if role == ID_ROLE:
            return self.row(index.row()).session_id
        if role == ROW_ROLE:
            return self.row(index.row()).summary
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return tr(COLUMNS[section][1])
        return None
