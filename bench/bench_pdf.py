"""Session sheet to PDF, warm (issue 4): target ≤ 150 ms, median of 20.

    .venv/bin/python bench/bench_pdf.py

One signed demo session is filed in a throw-away store; each timed run does what
``microneedle-desk sheet --session ID`` does after start-up: read the record from the
store, replay it, count the course, build the sheet and write the PDF. Three untimed runs
warm the font caches first. A two-page sheet (many side effects and amendments) is timed
the same way. Writes bench/results/pdf.json.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

RUNS, WARMUP, TARGET_MS = 20, 3, 150.0


def _time(fn: Any) -> dict[str, float]:
    for _ in range(WARMUP):
        fn()
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {"median_ms": round(statistics.median(samples), 1), "min_ms": round(samples[0], 1),
            "max_ms": round(samples[-1], 1), "runs": RUNS}


def main() -> int:
    from helpers import pin_sink, run_complete_session, start_session  # the tests' demo-session builder

    from microneedle_desk.core.clock import FakeClock
    from microneedle_desk.core.protocol import load_protocol
    from microneedle_desk.printing import content, jobs, session_sheet
    from microneedle_desk.printing.render import ensure_app, write_pdf
    from microneedle_desk.store.store import Store

    ensure_app()
    protocol = load_protocol(ROOT / "microneedle_desk" / "resources" / "protocol.json")
    clinic = content.ClinicInfo("Demo Hair Clinic", "12 Example Street\nSampletown", "+44 20 7946 0000")
    with tempfile.TemporaryDirectory(prefix="microneedle-bench-pdf-") as tmp:
        clock = FakeClock()
        store = Store(Path(tmp) / "data", protocol, clock)
        session = start_session(protocol, clock, sink=pin_sink(store), device=store.device)
        run_complete_session(session, clock)
        out = Path(tmp) / "sheet.pdf"

        def one_sheet() -> None:
            write_pdf([jobs.sheet_for(store, session.id, clinic, "bench", clock.now())], out, "a4")

        long_session = start_session(protocol, clock)
        run_complete_session(long_session, clock, sign=False)
        kinds = protocol.ids("side_effects")
        for i in range(24):
            long_session.add_side_effect(kinds[i % len(kinds)], "mild", f"Observation {i} at the vertex")
        long_session.sign()
        amendments = tuple({"field": "cartridge_lot", "old": f"LOT-{i}", "new": f"LOT-{i + 1}",
                            "reason": f"Transcription error {i}", "by": "Dr Demo",
                            "at": "2026-11-26T10:00:00+01:00"} for i in range(12))
        info = content.SheetInfo(2, "f" * 64, amendments, "bench", clock.now())

        def long_sheet() -> None:
            doc = session_sheet.session_sheet(long_session.state, protocol, clinic, info)
            write_pdf([doc], out, "a4")

        sheet = _time(one_sheet)
        long = _time(long_sheet)
        store.close()
    result = {
        "benchmark": "session sheet to PDF (store read + replay + layout + write), warm",
        "target_ms": TARGET_MS,
        "session_sheet_1_page": sheet,
        "session_sheet_2_pages": long,
        "passed": sheet["median_ms"] <= TARGET_MS,
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cpus": os.cpu_count()},
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "pdf.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
