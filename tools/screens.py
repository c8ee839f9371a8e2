"""Screenshots of the main screens in light and dark mode, demo data only.

    .venv/bin/python tools/screens.py [--out resources/screenshots]

Each colour scheme runs in its own process (offscreen, a throw-away data folder and
settings, a fake clock): the first-start screen, the patient list, a session during
needling, the treatment-room view and the settings dialog, as ``<screen>-<scheme>.png``;
plus ``session-200pct.png`` at QT_SCALE_FACTOR=2 and the German screens at 150 % of a 1366×768
screen (``*-de-150pct.png``). Look at them before committing.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZE = (1366, 768)


def shoot(out: Path, scheme: str, suffix: str) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(ROOT))
    from PySide6.QtCore import Qt

    from microneedle_desk import paths
    from microneedle_desk.core.clock import FakeClock

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["XDG_CONFIG_HOME"] = tmp
        paths.set_data_dir(Path(tmp) / "data")
        from microneedle_desk.app import make_app
        from microneedle_desk.ui import desktop
        from microneedle_desk.ui.first_start import FirstStartDialog
        from microneedle_desk.ui.settings_dialog import SettingsDialog
        from tools import demo_window

        app = make_app()
        wanted = Qt.ColorScheme.Dark if scheme == "dark" else Qt.ColorScheme.Light
        app.styleHints().setColorScheme(wanted)
        desktop.setup_app(app)
        desktop.apply_colour_scheme(app, wanted)
        clock = FakeClock()
        window, lock = demo_window.open_window(clock)
        ctx = window.ctx

        def grab(widget: object, name: str) -> None:
            app.processEvents()
            target = out / f"{name}-{suffix}.png"
            widget.grab().save(str(target))  # type: ignore[attr-defined]
            print(target)

        # a 1366×768 screen at a scale factor shows fewer (device-independent) pixels
        scale = float(os.environ.get("QT_SCALE_FACTOR", "1") or 1)
        size = (round(SIZE[0] / scale), round(SIZE[1] / scale)) if suffix.endswith("150pct") else SIZE
        window.resize(*size)
        window.show()
        first = FirstStartDialog(window)
        first.show()
        grab(first, "first-start")
        first.close()
        ctx.settings.set("clinic/name", "Demo Dermatology Clinic (sample)")
        demo_window.sign_in_doctor(window)
        demo_window.add_patient(window, clock)
        grab(window, "patient")
        window.start_session()
        c = ctx.controller
        demo_window.answer_screening(window)
        demo_window.consent_and_numbing(window)
        demo_window.prepare_device(window)
        demo_window.start_needling(window, clock)
        clock.advance(7 * 60 + 25)
        c.act(lambda k: k.set_zone("frontal", True))
        window.go_to(5)
        c.poll()
        window.acknowledge_alert()
        grab(window, "session")
        window.room_view.set_room_mode(True)
        window.showNormal()  # the offscreen "screen" is 800×800; show a 1080p screen's worth
        window.resize(1920, 1080)
        c.poll()
        grab(window, "room")
        window.room_view.set_room_mode(False)
        window.resize(*size)
        dialog = SettingsDialog(ctx.settings, ctx.store, window)
        dialog.show()
        grab(dialog, "settings")
        dialog.close()
        c.close()
        window.close()
        lock.release()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(ROOT / "resources" / "screenshots"))
    parser.add_argument("--scheme", choices=("light", "dark"), help=argparse.SUPPRESS)
    parser.add_argument("--suffix", help=argparse.SUPPRESS)
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.scheme:
        shoot(out, args.scheme, args.suffix or args.scheme)
        return 0
    runs = [("light", "light", {}), ("dark", "dark", {}), ("light", "200pct", {"QT_SCALE_FACTOR": "2"}),
            # German at 150 % on a 1366×768 screen: the README's "session-de-150pct.png"
            ("light", "de-150pct", {"QT_SCALE_FACTOR": "1.5", "LANGUAGE": "de", "LANG": "de_DE.UTF-8"})]
    for scheme, suffix, extra in runs:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", **extra)
        result = subprocess.run([sys.executable, __file__, "--out", str(out), "--scheme", scheme,
                                 "--suffix", suffix], env=env, check=False)
        if result.returncode != 0:
            return result.returncode
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
