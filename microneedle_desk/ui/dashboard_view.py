"""The dashboard: how the clinic is doing, over a chosen date range.

Six pyqtgraph charts drawn from :func:`microneedle_desk.review.stats.compute`: sessions
per week or month, needle-length distribution, planned vs actual dwell and needling
times, side-effect rate per 100 sessions by needle length and by type, and overrides by
kind. The date range drives every chart. pyqtgraph is imported when the window opens.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING

import numpy as np  # comes with pyqtgraph; ErrorBarItem needs arrays
from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QCloseEvent, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from microneedle_desk.i18n import N_, tr
from microneedle_desk.review import dashboard_rows, stats
from microneedle_desk.review.dashboard_rows import Rows
from microneedle_desk.ui import charts
from microneedle_desk.ui.a11y import DateField, SecondaryWindow, labelled
from microneedle_desk.ui.clinic_scope import ScopeBar, in_room

if TYPE_CHECKING:
    from microneedle_desk.core.record_types import FollowupIndexRow
    from microneedle_desk.core.summary import SessionRow
    from microneedle_desk.ui.context import UiContext

CHARTS: tuple[tuple[str, str, str, str], ...] = (
    ("sessions", N_("Sessions per period"), N_("sessions"), N_("period")),
    ("needle", N_("Needle-length distribution (signed)"), N_("sessions"), N_("needle length (mm)")),
    ("times", N_("Planned vs actual time (min)"), N_("actual (min)"), N_("planned (min)")),
    ("se_needle", N_("Side effects per 100 sessions, by needle length"), N_("per 100"), N_("needle length (mm)")),
    ("se_type", N_("Side effects per 100 sessions, by type"), "", N_("per 100")),
    ("overrides", N_("Overrides by kind"), "", N_("count")),
)


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


class DashboardWindow(SecondaryWindow):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None, *, rows: Sequence[SessionRow] | None = None,
                 followups: Sequence[FollowupIndexRow] | None = None, window_title: str = "") -> None:
        """This laptop's sessions, or the ``rows`` and ``followups`` given (the whole clinic's)."""
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(window_title or tr("Dashboard"))
        self.resize(1300, 860)
        # this laptop's sessions are read for the range drawn when it draws, not held; the whole
        # clinic's are the rows given (or the server's answer, see show_scope)
        self._given: Rows | None = rows
        store = ctx.store
        self._local_span: Callable[[], tuple[date, date] | None] = lambda: dashboard_rows.day_span(store)
        self._local_read: Callable[[date, date], tuple[Rows, Rows]] = (
            lambda low, high: dashboard_rows.between(store, low, high))
        self._read: Callable[[date, date], tuple[Rows, Rows]]
        if rows is None:
            span, self._read = self._local_span(), self._local_read
        else:
            given_span, self._read = dashboard_rows.given(rows, followups or [])
            span = given_span()
        last = span[1] if span else ctx.clock.now().date()
        first = max(span[0] if span else last, last - timedelta(days=365))
        self.date_from = DateField(_qdate(first))
        self.date_to = DateField(_qdate(last))
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.dateChanged.connect(self.redraw)
        self.period = QComboBox()
        self.period.addItem(tr("per week"), "week")
        self.period.addItem(tr("per month"), "month")
        self.period.currentIndexChanged.connect(self.redraw)
        self.summary = QLabel()
        top = QHBoxLayout()
        for w in (labelled(self.date_from, tr("From")), self.date_from, labelled(self.date_to, tr("to")),
                  self.date_to, labelled(self.period, tr("Counted")), self.period):
            top.addWidget(w)
        top.addWidget(self.summary, 1)
        grid = QGridLayout()
        self.plots: dict[str, charts.Plot] = {}
        for i, (key, title, left, bottom) in enumerate(CHARTS):
            plot = charts.plot_widget(tr(title), tr(left), tr(bottom))
            save = QPushButton(tr("Save PNG…"))
            save.setToolTip(tr("Save “{title}” as a PNG image").format(title=tr(title)))
            save.clicked.connect(lambda _=False, k=key: self.save_one(k))
            cell = QVBoxLayout()
            cell.addWidget(plot, 1)
            cell.addWidget(save, 0, Qt.AlignmentFlag.AlignRight)
            grid.addLayout(cell, i // 3, i % 3)
            self.plots[key] = plot
        layout = QVBoxLayout(self)
        self.scope: ScopeBar | None = None
        if rows is None:  # this laptop's; the whole clinic's too when a server is set
            self.scope = ScopeBar(ctx, lambda records: (records.summaries(), records.followups()), self)
            self.scope.changed.connect(self.show_scope)
            layout.addWidget(self.scope)
        layout.addLayout(top)
        layout.addLayout(grid, 1)
        self.data = stats.DashboardData()
        self._drawn = False
        self.redraw()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Closed, the charts let go of what they draw (opened again, they are drawn anew)."""
        super().closeEvent(event)
        if event.isAccepted():
            for plot in self.plots.values():
                plot.clear()
            self.data = stats.DashboardData()
            self._drawn = False

    def showEvent(self, event: QShowEvent) -> None:
        if not self._drawn:
            self.redraw()
        super().showEvent(event)

    @property
    def rows(self) -> Rows:
        """The sessions of the range drawn: the whole clinic's as given, or this laptop's, read now."""
        if self._given is not None:
            return self._given
        return self._read(*self.selected_range())[0]

    def show_scope(self) -> None:
        """Draw this laptop's sessions, or the whole clinic's (of the room chosen) as the server gave them."""
        assert self.scope is not None
        if self.scope.whole_clinic():
            rows, followups = self.scope.answer
            self._given = in_room(rows, self.scope.chosen_room())
            ids = {r["id"] for r in self._given}
            shown = [f for f in followups if f.get("session_id") in ids]
            span_of, self._read = dashboard_rows.given(self._given, shown)
            span = span_of()
        else:
            self._given, self._read = None, self._local_read
            span = self._local_span()
        if span:  # the range follows the records shown: the year up to the newest session
            last = span[1]
            for edit, day in ((self.date_from, max(span[0], last - timedelta(days=365))), (self.date_to, last)):
                edit.blockSignals(True)
                edit.setDate(_qdate(day))
                edit.blockSignals(False)
        self.redraw()

    def selected_range(self) -> tuple[date, date]:
        return (date.fromisoformat(self.date_from.date().toString("yyyy-MM-dd")),
                date.fromisoformat(self.date_to.date().toString("yyyy-MM-dd")))

    def redraw(self) -> None:
        lib = charts.pg()
        low, high = self.selected_range()
        self._drawn = True
        # this laptop's rows are read one at a time as the figures take them in: what the
        # figures keep is not made among a year of rows let go together
        rows, followups = (dashboard_rows.each_between(self.ctx.store, low, high) if self._read is self._local_read
                           else self._read(low, high))
        data = self.data = stats.compute(rows, followups, str(self.period.currentData()))
        del rows, followups
        self.summary.setText(tr("  {total:,} sessions, {signed:,} signed").format(
                                total=data.total, signed=data.signed))
        charts.bars(self.plots["sessions"], [p[2:] for p in data.periods],
                    data.sessions_per_period)
        charts.bars(self.plots["needle"], [f"{mm:.1f}" for mm in data.needle_lengths], data.needle_counts)
        times = self.plots["times"]
        times.clear()
        times.addLegend(offset=(10, 10))
        for planned, actual, colour, name in (
                (data.dwell_planned_min, data.dwell_actual_min, "#3b6ea5", "numbing (dwell)"),
                (data.needling_planned_min, data.needling_actual_min, "#a53b3b", "needling")):
            xs, means, lows, highs = stats.spread(planned, actual)
            if not xs:
                continue
            times.addItem(lib.ErrorBarItem(x=np.array(xs), y=np.array(means),
                                           top=np.array([h - m for h, m in zip(highs, means, strict=True)]),
                                           bottom=np.array([m - lo for m, lo in zip(means, lows, strict=True)]),
                                           beam=0.4, pen=lib.mkPen(colour)))
            times.plot(xs, means, pen=None, symbol="o", symbolSize=8,
                       symbolBrush=colour, name=f"{name}: median, 10–90 %")
        if data.dwell_planned_min or data.needling_planned_min:
            top = max([*data.dwell_actual_min, *data.needling_actual_min, 45.0])
            times.plot([10, top], [10, top], pen=lib.mkPen("#888", style=Qt.PenStyle.DashLine),
                       name="actual = planned")
        charts.bars(self.plots["se_needle"], [f"{mm:.1f}" for mm in data.needle_lengths],
                    data.se_rate_by_needle, "#c47a1f")
        labels = [self.ctx.protocol.label("side_effects", k).split(" (")[0] for k in data.se_types]
        labels = [{"Scaly patches, inflammation, dandruff": "Seb. derm."}.get(x, x) for x in labels]
        charts.hbars(self.plots["se_type"], labels, data.se_rate_by_type, "#c47a1f")
        kinds = [k.replace("screening:", "").replace("_", " ").capitalize() for k in data.override_kinds]
        charts.hbars(self.plots["overrides"], kinds, data.override_counts, "#7a3ba5")

    def save_one(self, key: str, path: str | None = None) -> str:
        path = path or charts.ask_png(self, f"dashboard-{key}.png")
        if path:
            charts.save_png(self.plots[key], path)
        return path or ""

    def save_all(self, folder: str) -> list[str]:
        return [self.save_one(key, f"{folder}/dashboard-{key}.png") for key, *_ in CHARTS]
