"""Build the one-folder bundle into dist/microneedle-desk/ and verify it with --self-check.

    .venv/bin/python packaging/build.py          (or: make bundle)

Needs the "bundle" extra (pip install -e .[bundle], PyInstaller). Prints the bundle's size
and the start-up times of the built app against the app run from source; exit 0 when the
bundle's self-check passed.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "dist"
BUNDLE = DIST / "microneedle-desk"
BINARY = BUNDLE / ("microneedle-desk.exe" if sys.platform == "win32" else "microneedle-desk")


def _run(cmd: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    print("$", " ".join(cmd), flush=True)
    return subprocess.run(cmd, cwd=ROOT, text=True, capture_output=True, env=env, check=False)


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def _timed(cmd: list[str], env: dict[str, str], rounds: int = 5) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        result = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - start)
        if result.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed:\n{result.stderr[-2000:]}")
    return statistics.median(times)


def main() -> int:
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        print("PyInstaller is missing: .venv/bin/pip install -e '.[bundle]'", file=sys.stderr)
        return 2
    icons = _run([sys.executable, "tools/icons.py", "--out", "build/icons"])
    if icons.returncode != 0:
        print(icons.stderr, file=sys.stderr)
        return 1
    started = time.perf_counter()
    build = _run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--distpath", str(DIST),
                  "--workpath", str(ROOT / "build" / "pyinstaller"), "packaging/microneedle-desk.spec"])
    if build.returncode != 0:
        print(build.stderr[-4000:], file=sys.stderr)
        return 1
    print(f"built {BUNDLE} in {time.perf_counter() - started:.0f} s")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    check = _run([str(BINARY), "--self-check"], env)
    print(check.stdout, check.stderr, sep="")
    if check.returncode != 0:
        print(f"self-check of the bundle FAILED (exit {check.returncode})", file=sys.stderr)
        return 1
    version = _run([str(BINARY), "--version"], env)
    print(version.stdout.strip())
    size = _size(BUNDLE)
    print(f"bundle size: {size / 1e6:.1f} MB ({BUNDLE})")
    source = [sys.executable, "-m", "microneedle_desk"]
    for what, args in (("--version", ["--version"]), ("--self-check", ["--self-check"]),
                       ("app start-up to the first shown window", [])):
        run_env = dict(env)
        if not args:
            run_env["MICRONEEDLE_DESK_EXIT_AFTER_START"] = "1"
            run_env["MICRONEEDLE_DESK_DATA_DIR"] = str(ROOT / "build" / "startup-data")
            shutil.rmtree(ROOT / "build" / "startup-data", ignore_errors=True)
        bundle_s = _timed([str(BINARY), *args], run_env)
        source_s = _timed([*source, *args], run_env)
        print(f"{what}: bundle {bundle_s * 1000:.0f} ms, from source {source_s * 1000:.0f} ms (median of 5)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
