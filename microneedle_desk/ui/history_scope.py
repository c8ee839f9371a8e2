"""The History window's "This laptop" / "Whole clinic" switch.

The whole clinic's sessions are the whole-clinic history (ui/clinic_history.py: every room's
sessions a page at a time from the server, the room a column and a filter), shown in place of
this laptop's table inside the same window. The switch first makes sure the server answers (in
a worker); one that cannot be read is said in the bar, and the window stays on this laptop.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QBoxLayout, QLayout, QWidget

from microneedle_desk.ui.clinic_history import ClinicHistoryWindow
from microneedle_desk.ui.clinic_scope import ScopeBar

if TYPE_CHECKING:
    from microneedle_desk.ui.clinic_history import ClinicHistoryWindow
    from microneedle_desk.ui.context import UiContext


def _widgets(layout: QLayout) -> list[QWidget]:
    """Every widget the layout holds, nested layouts included."""
    found: list[QWidget] = []
    for i in range(layout.count()):
        item = layout.itemAt(i)
        if item is None:
            continue
        widget, inner = item.widget(), item.layout()
        if widget is not None:
            found.append(widget)
        elif inner is not None:
            found += _widgets(inner)
    return found


class HistorySwitch(ScopeBar):
    """Put at the top of ``layout`` (the History window's own): choosing the whole clinic shows the
    whole-clinic history there instead of this laptop's table and filters, and back."""

    def __init__(self, ctx: UiContext, window: QWidget, layout: QBoxLayout) -> None:
        super().__init__(ctx, lambda records: True, window)  # the server answers: its rooms are read too
        self.window_, self.layout_ = window, layout
        self.clinic_view: ClinicHistoryWindow | None = None
        self._hidden: list[QWidget] = []
        layout.insertWidget(0, self)
        self.changed.connect(self._switch)

    def _show_room(self, shown: bool) -> None:
        super()._show_room(False)  # the whole-clinic history has its own room filter, beside its search

    def _switch(self) -> None:
        if self.whole_clinic():
            if self.clinic_view is None:
                self.clinic_view = ClinicHistoryWindow(self.ctx, self.window_)
                self.clinic_view.setWindowFlags(Qt.WindowType.Widget)
                self.layout_.addWidget(self.clinic_view, 1)
            if not self._hidden:
                self._hidden = [w for w in _widgets(self.layout_)
                                if w is not self and w is not self.clinic_view and w.isVisibleTo(self.window_)]
                for widget in self._hidden:
                    widget.hide()
            self.clinic_view.show()
            return
        if self.clinic_view is not None:
            self.clinic_view.hide()
        for widget in self._hidden:
            widget.show()
        self._hidden = []
