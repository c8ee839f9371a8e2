"""Photo import: a phone's 12-megapixel JPEG (4000x3000, EXIF with GPS, orientation, profile)
read, checked, turned upright, stripped, made 3000 px on its long side, thumbnailed and written
to a throw-away data folder's photos/ (what ``photo add`` does before the record is saved).

    .venv/bin/python bench/bench_photos.py

Median of 7 after one warm-up; the peak memory of the process is reported beside it.
Writes bench/results/photos.json.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

RUNS = 7


def main() -> int:
    from microneedle_desk.store import photos
    from tests.photo_helpers import camera_jpeg

    with tempfile.TemporaryDirectory() as tmp:
        source = camera_jpeg(Path(tmp) / "IMG_4000x3000.jpg", size=(4000, 3000), orientation=6)
        root = Path(tmp) / "data"

        def once() -> None:
            prepared = photos.prepare(source)
            photos.write(root, prepared)

        once()
        samples = []
        for _ in range(RUNS):
            start = time.perf_counter()
            once()
            samples.append((time.perf_counter() - start) * 1000)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {"what": "import one 12 MP JPEG (prepare + write)", "runs": RUNS,
              "median_ms": round(statistics.median(samples), 1), "max_ms": round(max(samples), 1),
              "peak_rss_mb": round(peak_mb, 1), "python": platform.python_version(),
              "machine": platform.machine()}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "photos.json").write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
