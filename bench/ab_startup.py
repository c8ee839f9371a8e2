"""Start-up of two or more versions of the app, interleaved: what a change to start-up gains.

    .venv/bin/python bench/ab_startup.py --rounds 9 [--store DIR ...] COMMIT_OR_TREE ...

Each version (a commit, exported with ``git archive`` under bench/.work/ab/, or a folder holding a
tree) runs its own bench/startup_child.py ``usable`` (the first usable frame, see there) on its
own hard-link copy of each store ("empty": a fresh store with one account), every version once a
round, so the shared machine's load falls on all of them alike. Prints, per version and store,
the median and min of the wall time to the first usable frame and of the process's CPU time then.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

from first_frame import _prepare, link_copy

ROOT = Path(__file__).resolve().parent.parent
AB = ROOT / "bench" / ".work" / "ab"


def _tree(version: str) -> Path:
    if Path(version).is_dir():
        return Path(version).resolve()
    commit = subprocess.run(["git", "rev-parse", "--short", version], cwd=ROOT, capture_output=True, text=True,
                            check=True).stdout.strip()
    tree = AB / commit
    if not tree.exists():
        tree.mkdir(parents=True)
        archive = subprocess.run(["git", "archive", commit], cwd=ROOT, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    return tree


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("versions", nargs="+")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--store", action="append", default=None, help="'empty' or a demo store's folder")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "bench"))
    from run import _env

    env = _env()
    stores = args.store or ["empty"]
    trees = {v: _tree(v) for v in args.versions}
    runs: dict[tuple[str, str], list[str]] = {}
    for v, tree in trees.items():
        for store in stores:
            data = AB / "stores" / f"{tree.name}-{Path(store).name}"
            shutil.rmtree(data, ignore_errors=True)
            cmd = [sys.executable, str(tree / "bench" / "startup_child.py"), "usable", str(data)]
            if store == "empty":
                subprocess.run(cmd, env=env, capture_output=True, check=False)
                _prepare(data, "account", env, tree)
            else:
                link_copy(Path(store), data)
                _prepare(data, "cache", env, tree)
            subprocess.run(cmd, env=env, capture_output=True, check=False)  # bytecode cached
            runs[(v, store)] = cmd
    wall: dict[tuple[str, str], list[float]] = {k: [] for k in runs}
    cpu: dict[tuple[str, str], list[float]] = {k: [] for k in runs}
    loads = []
    for _ in range(args.rounds):
        for key, cmd in runs.items():
            import time

            t0 = time.monotonic()
            out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
            if out.returncode != 0:
                raise SystemExit(f"{key} failed: {out.stderr[-1500:]}")
            info = json.loads(out.stdout.strip().splitlines()[-1])
            wall[key].append((info["usable"] - t0) * 1000)
            cpu[key].append(info["cpu"] * 1000)
        loads.append(os.getloadavg()[0])
    print(f"{args.rounds} rounds, load average {min(loads):.2f}-{max(loads):.2f}")
    print("| version | store | usable median ms | min | CPU at usable median ms | min |")
    print("|---|---|---:|---:|---:|---:|")
    for key in runs:
        w, c = wall[key], cpu[key]
        print(f"| {key[0]} | {Path(key[1]).name} | {statistics.median(w):.1f} | {min(w):.1f} "
              f"| {statistics.median(c):.1f} | {min(c):.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
