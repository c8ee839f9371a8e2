"""One start-up measurement, run by bench/run.py in a fresh process per sample.

    python bench/startup_child.py bare -
    python bench/startup_child.py minimal -
    python bench/startup_child.py app DATA_DIR
    python bench/startup_child.py usable DATA_DIR

Imports nothing but what the window itself needs (no benchmark machinery), so the bare
window and the app each pay only for their own imports. Prints one JSON line with
``time.monotonic()`` stamps (comparable with the parent's, same machine):

- ``ready``: a zero-timer queued right after ``show()`` ran in the event loop (the
  definition the benchmark used until 2026-11-26, kept for comparison);
- ``painted``: a zero-timer queued from the window's first Paint event ran, i.e. the
  whole first frame (the window and its children) has been drawn. This is the figure
  compared against the target.
- the ``minimal`` variant is the bare window plus what any window that shows text and uses
  Qt's enums pays: the ``Qt`` namespace, a label with text and an alignment flag, a line
  edit, a menu bar with one menu (and its action); a floor for the app's ratio;
- ``qt-namespace`` is no window: it times ``from PySide6.QtCore import Qt`` alone, once
  QtWidgets is imported and the QApplication made (the enums' set-up every real window pays);
- ``parts`` (the app only): the menus' parts (accounts, printing, review, room view,
  settings, notifications) are attached, right after the first frame, as in run_app().
- ``usable`` is the app started as run_app() starts it, up to what a person first meets:
  ``usable`` is when a zero-timer queued from the first paint of the sign-in dialog (or of
  the first-start screen on a folder nobody has an account in) ran; the dialog is then
  closed and the process ends, as when the person closes the sign-in.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any


def _own_peak_mb() -> float:
    """This process's own peak RSS (VmHWM; ru_maxrss would count the parent's peak)."""
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _enum_count(namespace: Any) -> list[int]:
    """How many enums the namespace holds, and their members in all."""
    import enum

    enums = [v for v in vars(namespace).values() if isinstance(v, type) and issubclass(v, enum.Enum)]
    return [len(enums), sum(len(e.__members__) for e in enums)]


def main(kind: str, data_dir: str) -> int:
    from PySide6.QtCore import QTimer

    times: dict[str, float] = {}

    def first_paint() -> None:  # the window's first paint is under way: its frame ends with this turn
        if "paint_seen" not in times:
            times["paint_seen"] = time.monotonic()
            if kind == "usable":
                QTimer.singleShot(0, lambda: times.setdefault("painted", time.monotonic()))
            else:
                QTimer.singleShot(0, report)

    # The first paint is seen from the window's own paintEvent, not through an event filter:
    # a Python filter on the window would hand every event it gets to Python, and PySide sets
    # up each event class the first time (until 2026-11-26 the child did that, a few ms more
    # for each variant; the app itself has no such filter).
    lock = None
    if kind == "qt-namespace":  # not a window: the `Qt` namespace's set-up alone, after QtWidgets
        from PySide6.QtWidgets import QApplication

        app = QApplication(sys.argv[:1])
        t0 = time.perf_counter()
        from PySide6.QtCore import Qt

        took = time.perf_counter() - t0
        print(json.dumps({"qt_namespace_ms": round(took * 1000, 2), "enums": _enum_count(Qt)}), flush=True)
        return 0
    if kind == "bare":
        from PySide6.QtGui import QPaintEvent
        from PySide6.QtWidgets import QApplication, QMainWindow

        class BareWindow(QMainWindow):  # a bare QMainWindow that says when it is first painted
            def paintEvent(self, event: QPaintEvent) -> None:
                super().paintEvent(event)
                first_paint()

        app = QApplication(sys.argv[:1])
        window: Any = BareWindow()
        window.show()
    elif kind == "minimal":
        from PySide6.QtCore import Qt
        from PySide6.QtGui import QPaintEvent
        from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QMainWindow, QVBoxLayout, QWidget

        class MinimalWindow(QMainWindow):  # the same, with text, a line edit and a menu
            def paintEvent(self, event: QPaintEvent) -> None:
                super().paintEvent(event)
                first_paint()

        app = QApplication(sys.argv[:1])
        window = MinimalWindow()
        window.setWindowTitle("minimal")
        central = QWidget()
        layout = QVBoxLayout(central)
        label = QLabel("Find a patient by name, clinic ID or date of birth")
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(label)
        layout.addWidget(QLineEdit())
        window.setCentralWidget(central)
        menu = window.menuBar().addMenu("&Session")
        menu.addAction("&New session")
        window.resize(1280, 720)
        window.show()
    else:
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
        from microneedle_desk import paths

        paths.set_data_dir(data_dir)
        from microneedle_desk.app import build_window, make_app
        from microneedle_desk.ui import desktop

        # As run_app() does, up to the first frame: the app icon and colours, the window with
        # its menus' parts attached right after the first frame. interactive=False: the same
        # window, but no modal question (sign-in, first start) can block an unattended run.
        app = make_app()
        desktop.setup_app(app)
        window, lock = build_window(interactive=False, background_backup=True, parts_after_first_frame=True)
        window.first_frame.connect(first_paint)
        if kind == "usable":
            return _usable(app, window, lock, times)
        window.show()

    def report() -> None:
        times.setdefault("painted", time.monotonic())
        if kind == "app" and "parts" not in times:
            return  # reported when the parts are attached too
        print(json.dumps(times | {"pyqtgraph": "pyqtgraph" in sys.modules, "rss_mb": _own_peak_mb(),
                                  "cpu": time.process_time()}), flush=True)
        app.quit()

    if kind == "app":
        def parts_attached() -> None:
            times["parts"] = time.monotonic()
            if "painted" in times:
                report()

        window.parts_attached.connect(parts_attached)

    QTimer.singleShot(0, lambda: times.setdefault("ready", time.monotonic()))
    QTimer.singleShot(10_000, app.quit)  # never hang: no paint means no report, and the parent says so
    app.exec()
    if lock is not None:
        lock.release()
    return 0 if "painted" in times else 3


def _usable(app: Any, window: Any, lock: Any, times: dict[str, float]) -> int:
    """As run_app(): the window placed, its parts in, then the first dialog a person meets."""
    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QPaintEvent

    from microneedle_desk.app import greet
    from microneedle_desk.ui.first_start import FirstStartDialog
    from microneedle_desk.ui.sign_in import SignInDialog

    def seen(dialog: Any) -> None:
        if "usable" in times:
            return
        times["dialog"] = time.monotonic()

        def usable() -> None:
            times["usable"] = time.monotonic()
            times["cpu"] = time.process_time()  # the process's own CPU time so far, all its threads
            times["dialog_kind"] = type(dialog).__name__  # type: ignore[assignment]
            dialog.reject()  # as when the person closes it: greet() returns False

        QTimer.singleShot(0, usable)

    for cls in (SignInDialog, FirstStartDialog):  # only the dialog's own paints reach Python
        original = cls.paintEvent

        def paint(self: Any, event: QPaintEvent, original: Any = original) -> None:
            original(self, event)
            seen(self)

        cls.paintEvent = paint  # type: ignore[method-assign]

    window.parts_attached.connect(lambda: times.setdefault("parts", time.monotonic()))
    QTimer.singleShot(20_000, app.quit)
    window.show_placed()
    window.wait_for_parts()
    greet(window)
    lock.release()
    deferred = "microneedle_desk.ui.first_check" in sys.modules  # the check runs after the first frame
    print(json.dumps(times | {"pyqtgraph": "pyqtgraph" in sys.modules, "rss_mb": _own_peak_mb(),
                              "deferred_check": deferred}), flush=True)
    return 0 if "usable" in times else 3


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
