"""Child process of test_layout_scaled.py: one screen size and scale factor per process, since
Qt reads QT_SCALE_FACTOR when the application starts.

    python tests/layout_probe.py WIDTH HEIGHT DATA_DIR [--language de] [--shots DIR]

Shows every step of a session in progress (both countdowns running, an alert acknowledged) in a
window the size a maximized one has on a WIDTHxHEIGHT screen (pixels, less a task bar and title
bar), and prints one line per fault as JSON: a sideways scroll bar, a main action not wholly in
view, a window that needs more room than the screen has.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DECORATION_PX = 70  # a task bar and the window's title bar, in screen pixels


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("width", type=int)
    parser.add_argument("height", type=int)
    parser.add_argument("data")
    parser.add_argument("--language")
    parser.add_argument("--shots")
    parser.add_argument("--reachable", action="store_true",
                        help="only check that the window fits: what does not show is reached by scrolling")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(ROOT))
    from PySide6.QtWidgets import QAbstractScrollArea, QWidget

    from microneedle_desk import i18n, paths
    from microneedle_desk.core.clock import FakeClock

    paths.set_data_dir(Path(args.data))
    if args.language:
        i18n.set_language(args.language)
    from microneedle_desk.app import make_app
    from tools import demo_window

    app = make_app()
    scale = float(os.environ.get("QT_SCALE_FACTOR", "1"))
    size = (int(args.width / scale), int((args.height - DECORATION_PX) / scale))
    clock = FakeClock()
    window, lock = demo_window.open_window(clock)
    ctx = window.ctx
    demo_window.sign_in_doctor(window)
    demo_window.add_patient(window, clock)
    window.resize(*size)
    window.show()
    faults: list[dict[str, object]] = []

    def check(where: str, actions: list[QWidget]) -> None:
        app.processEvents()
        if window.width() > size[0] or window.height() > size[1]:
            faults.append({"where": where, "fault": f"window needs {window.width()}x{window.height()}, "
                                                    f"the screen gives {size[0]}x{size[1]}"})
        if args.reachable:
            actions = []
        for area in window.findChildren(QAbstractScrollArea) if not args.reachable else []:
            if area.isVisible() and area.horizontalScrollBar().isVisible():
                name = area.objectName() or type(area).__name__
                faults.append({"where": where, "fault": f"sideways scroll bar in {name}"})
        for widget in actions:
            shown = widget.visibleRegion().boundingRect()
            if not widget.isVisible() or shown.size() != widget.size():
                faults.append({"where": where, "fault": f"{widget.text().replace('&', '')!r} shows {shown.width()}x"
                                                        f"{shown.height()} of {widget.width()}x{widget.height()}"})
        if args.shots:
            window.grab().save(str(Path(args.shots) / f"{where}.png"))

    check("patient", [window.patient_page.start_button])
    window.start_session()
    c = ctx.controller
    demo_window.answer_screening(window)
    demo_window.consent_and_numbing(window, apply=False)
    window.go_to(2)
    check("anesthetic-before", [window.next, window.current_page().apply_button])  # type: ignore[attr-defined]
    c.act(lambda k: k.apply_anesthetic(30))
    demo_window.prepare_device(window)
    demo_window.start_needling(window, clock)
    clock.advance(5 * 60)
    c.poll()
    window.acknowledge_alert()
    for index, step in enumerate(ctx.protocol.steps):
        if index == 0:
            continue
        window.go_to(index)
        page = window.current_page()
        actions = [window.next] if index < len(ctx.protocol.steps) - 1 else []
        actions += [getattr(page, name) for name in ("apply_button", "toggle", "record", "sign") if hasattr(page, name)]
        check(f"{index:02d}-{step.id}", actions)
    print(json.dumps(faults))
    c.close()
    window.close()
    lock.release()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
