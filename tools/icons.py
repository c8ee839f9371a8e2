"""Render the application icon (microneedle_desk/resources/icons/microneedle-desk.svg) to PNGs with Qt.

    .venv/bin/python tools/icons.py [--out build/icons]

Writes ``<out>/hicolor/<N>x<N>/apps/io.github.microneedle_desk.png`` for N in 16..512 (the
freedesktop icon-theme layout) and a multi-size ``microneedle-desk.ico`` for Windows. The
PNGs are generated at build time (packaging/build.py) and not kept in the repository.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
SVG = ROOT / "microneedle_desk" / "resources" / "icons" / "microneedle-desk.svg"
APP_ID = "io.github.microneedle_desk"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def render(out: Path) -> list[Path]:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        raise SystemExit(f"{SVG} is not a valid SVG file")
    written: list[Path] = []
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        target = out / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        if not image.save(str(target)):
            raise SystemExit(f"could not write {target}")
        written.append(target)
    scalable = out / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg"
    scalable.parent.mkdir(parents=True, exist_ok=True)
    scalable.write_bytes(SVG.read_bytes())
    ico = out / "microneedle-desk.ico"
    big = QImage(str(out / "hicolor" / "256x256" / "apps" / f"{APP_ID}.png"))
    big.save(str(ico))
    return [*written, scalable, ico]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(ROOT / "build" / "icons"))
    args = parser.parse_args()
    for path in render(Path(args.out)):
        print(f"{path} ({path.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
