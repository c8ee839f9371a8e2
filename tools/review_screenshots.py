"""Screenshots of the review windows with demo data (issue 5).

    .venv/bin/python tools/review_screenshots.py [--sessions 3000] [--out resources/screenshots]

Builds a throw-away demo store (``review.demo.generate``), then writes:
review-dashboard.png (the whole dashboard window), review-course.png (a patient's course
window with its charts), review-history.png, and each chart on its own through
pyqtgraph's ImageExporter (dashboard-*.png, course-*.png).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "resources" / "screenshots")
    args = parser.parse_args()

    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    from microneedle_desk import paths
    from microneedle_desk.core.clock import FakeClock
    from microneedle_desk.core.protocol import load_protocol
    from microneedle_desk.review.demo import generate
    from microneedle_desk.review.followup import add_followup
    from microneedle_desk.settings import Settings
    from microneedle_desk.store.store import Store
    from microneedle_desk.ui.context import UiContext
    from microneedle_desk.ui.controller import SessionController
    from microneedle_desk.ui.course_view import CourseWindow
    from microneedle_desk.ui.dashboard_view import DashboardWindow
    from microneedle_desk.ui.history_view import HistoryWindow

    args.out.mkdir(parents=True, exist_ok=True)
    protocol = load_protocol(paths.protocol_file())
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "data"
        clock = FakeClock()
        store = Store(root, protocol, clock)
        generate(store, args.sessions, seed=args.seed)
        rows = store.summaries()
        # a few follow-ups, as a phone check would record them
        for i, row in enumerate(r for r in rows if r["status"] == "signed"):
            if i % 40 == 0:
                add_followup(store, row["id"], on=row["started_at"][:10], none=i % 80 != 0,
                             what="" if i % 80 else "itching", severity="" if i % 80 else "mild",
                             note="48 h phone check", by="Demo Practitioner A")
        ctx = UiContext(protocol, clock, store, Settings(protocol, paths.settings_file(root)),
                        SessionController(protocol, clock, store))
        counts: dict[str, int] = {}
        for r in rows:
            counts[r["patient_id"]] = counts.get(r["patient_id"], 0) + 1
        # the longest course whose grade changed (a course that tells something)
        changed = {pid for pid in counts
                   if len({r["grade"] for r in rows if r["patient_id"] == pid}) > 1}
        pid = max(changed or counts, key=lambda p: counts[p])

        history = HistoryWindow(ctx)
        history.resize(1300, 700)
        history.show()
        app.processEvents()
        history.grab().save(str(args.out / "review-history.png"))

        dash = DashboardWindow(ctx)
        dash.resize(1500, 900)
        dash.show()
        app.processEvents()
        dash.grab().save(str(args.out / "review-dashboard.png"))
        written = dash.save_all(str(args.out))

        course = CourseWindow(ctx, pid)
        course.resize(1200, 900)
        course.show()
        course.show_charts()
        app.processEvents()
        course.grab().save(str(args.out / "review-course.png"))
        written += course.save_charts(str(args.out))
        store.close()
    for name in ("review-history.png", "review-dashboard.png", "review-course.png", *map(
            lambda p: Path(p).name, written)):
        print(args.out / name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
