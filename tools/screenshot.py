"""Screenshots of the real session screen with demo data, for the README.

    .venv/bin/python tools/screenshot.py [--out resources/screenshots] [--size 1366x768]

Runs offscreen against a throw-away data folder and a fake clock, drives a demo
session through the real main window, and saves PNGs of the steps named below.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from microneedle_desk import paths
from microneedle_desk.core.clock import FakeClock
from tools import demo_window


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="resources/screenshots")
    parser.add_argument("--size", default="1366x768")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["XDG_CONFIG_HOME"] = tmp  # keep the user's settings out of it
        paths.set_data_dir(Path(tmp) / "data")
        from microneedle_desk.app import make_app

        app = make_app()
        clock = FakeClock()
        window, lock = demo_window.open_window(clock)
        ctx = window.ctx
        demo_window.sign_in_doctor(window, SHOT_PIN)
        demo_window.add_patient(window, clock)
        window.resize(width, height)
        window.show()

        def shot(name: str) -> None:
            app.processEvents()
            window.grab().save(str(out / f"{name}.png"))
            print(out / f"{name}.png")

        shot("patient")
        window.start_session()
        c = ctx.controller
        demo_window.answer_screening(window, yes=("blood_thinners",))
        shot("screening-blocked")
        c.act(lambda k: k.override_screening("Low-dose aspirin only; haemostasis discussed, shorter needle chosen."))
        demo_window.consent_and_numbing(window)
        demo_window.prepare_device(window)
        clock.advance(12 * 60)
        window.go_to(3)
        shot("device-during-dwell")
        clock.advance(19 * 60)
        c.act(lambda k: k.set_antiseptic("povidone_iodine"))
        c.act(lambda k: k.plan_needling(18))
        c.act(lambda k: k.start_needling())
        clock.advance(7 * 60 + 25)
        c.act(lambda k: k.set_zone("frontal", True))
        c.act(lambda k: k.set_zone("mid_scalp", True))
        c.act(lambda k: k.set_zone("vertex", True))
        window.go_to(5)
        c.poll()
        window.acknowledge_alert()
        shot("session")
        c.act(lambda k: k.finish_needling("Patient found the scalp too tender to go on; stopped after the vertex."))
        window.go_to(11)
        shot("signoff-missing")
        c.close()  # the session stays in progress in the throw-away folder
        window.close()
        lock.release()
    return 0


SHOT_PIN = "582039"


if __name__ == "__main__":
    raise SystemExit(main())
