"""Small helpers for pyqtgraph charts. pyqtgraph is imported inside these functions only,
when a chart first opens (the import is heavy and must not slow the app's start)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QFileDialog, QWidget

Plot = Any
"""A pyqtgraph PlotWidget (pyqtgraph comes without type information)."""


def pg() -> Any:
    """pyqtgraph, configured for print-like charts (imported on first use)."""
    import pyqtgraph  # noqa: PLC0415 (optional dependency, loaded when used)

    pyqtgraph.setConfigOptions(background="w", foreground="k", antialias=True)
    return pyqtgraph


def plot_widget(title: str, left: str, bottom: str, dates: bool = False) -> Plot:
    lib = pg()
    axes = {"bottom": lib.DateAxisItem(orientation="bottom")} if dates else {}
    widget = lib.PlotWidget(title=title, axisItems=axes)
    widget.setLabel("left", left)
    widget.setLabel("bottom", bottom)
    widget.showGrid(x=True, y=True, alpha=0.25)
    widget.setMinimumSize(360, 240)
    widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # a picture: Tab goes past it (its data is in the table)
    widget.setAccessibleName(title)
    return widget


def bars(widget: Any, labels: Sequence[str], values: Sequence[float], color: str = "#3b6ea5") -> None:
    """A bar chart with text labels on the x axis."""
    lib = pg()
    widget.clear()
    xs = list(range(len(values)))
    widget.addItem(lib.BarGraphItem(x=xs, height=list(values), width=0.7, brush=color))
    step = max(1, -(-len(labels) // 8))  # at most 8 labels, so they do not overlap
    limit = 11 if len(values) <= 6 else 8  # labels this long fit side by side
    widget.getAxis("bottom").setTicks([[(i, short(str(labels[i]), limit)) for i in range(0, len(labels), step)]])
    widget.setXRange(-0.6, max(0.6, len(values) - 0.4), padding=0)


def hbars(widget: Any, labels: Sequence[str], values: Sequence[float], color: str = "#3b6ea5",
          limit: int = 26) -> None:
    """A horizontal bar chart, first label on top: for named categories (side-effect types,
    override kinds), whose names do not fit side by side under vertical bars."""
    lib = pg()
    widget.clear()
    n = len(values)
    ys = [n - 1 - i for i in range(n)]
    widget.addItem(lib.BarGraphItem(x0=0, y=ys, height=0.7, width=list(values), brush=color))
    names = [short(str(label), limit) for label in labels]
    axis = widget.getAxis("left")
    axis.setTicks([[(ys[i], names[i]) for i in range(n)]])
    # a width for the longest name now: left to itself the axis widens only after a first paint,
    # so a chart saved or grabbed at once showed bars without their names
    metrics = QFontMetrics(axis.style.get("tickFont") or widget.font())
    axis.setWidth(max([metrics.horizontalAdvance(name) for name in names] or [0]) + 16)
    widget.setYRange(-0.6, max(0.6, n - 0.4), padding=0)
    widget.setXRange(0, max([*values, 1.0]) * 1.12, padding=0)  # room for the last tick's text


def short(label: str, limit: int = 11) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def save_png(widget: Any, path: str, width: int = 1000) -> None:
    """Save a chart as PNG through pyqtgraph's ImageExporter."""
    from pyqtgraph.exporters import ImageExporter  # noqa: PLC0415 (optional dependency, loaded when used)

    exporter = ImageExporter(widget.getPlotItem())
    exporter.parameters()["width"] = width
    exporter.export(path)


def ask_png(parent: QWidget, suggested: str) -> str:
    path, _ = QFileDialog.getSaveFileName(parent, "Save chart as PNG", suggested, "PNG images (*.png)")
    if path and not path.lower().endswith(".png"):
        path += ".png"
    return path
