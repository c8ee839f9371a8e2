"""``microneedle-desk --self-check``: prove a build works, with no display and no real data.

Loads the shipped protocol, opens a temporary store, files one demo session through the
core, renders its session sheet to PDF offscreen and checks the PDF. Prints one line per
step; exit 0 when all pass, 1 with a message naming the failed step.
"""

from __future__ import annotations

import os
import sys
import tempfile
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from microneedle_desk import __version__, paths
from microneedle_desk.core.clock import SystemClock
from microneedle_desk.core.protocol import Protocol, load_protocol
from microneedle_desk.printing import jobs
from microneedle_desk.printing.content import ClinicInfo
from microneedle_desk.printing.render import ensure_app, write_pdf
from microneedle_desk.review.demo import generate
from microneedle_desk.store.store import Store


@dataclass
class _Made:
    """What each step makes for the next (a step runs only when the one before it passed)."""

    protocol: Protocol | None = None
    store: Store | None = None
    session_id: str = ""


def run() -> int:
    if sys.platform.startswith("linux"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    state = _Made()
    with tempfile.TemporaryDirectory(prefix="microneedle-desk-selfcheck-") as tmp:
        root = Path(tmp) / "data"
        steps: list[tuple[str, Callable[[], str]]] = [
            ("protocol", lambda: _protocol(state)),
            ("store", lambda: _store(state, root)),
            ("session", lambda: _session(state)),
            ("pdf", lambda: _pdf(state, Path(tmp) / "sheet.pdf")),
        ]
        print(f"microneedle-desk {__version__} self-check (resources: {paths.resources_dir()})")
        for name, step in steps:
            try:
                detail = step()
            except Exception as exc:  # any failure is the answer
                print(f"FAIL {name}: {type(exc).__name__}: {exc}", file=sys.stderr)
                if os.environ.get("MICRONEEDLE_DESK_DEBUG"):
                    traceback.print_exc()
                _close(state)
                return 1
            print(f"ok   {name}: {detail}")
        _close(state)
    print("self-check passed")
    return 0


def _protocol(state: _Made) -> str:
    state.protocol = protocol = load_protocol(paths.protocol_file())
    return f"{len(protocol.indications)} indications, {len(protocol.contraindications)} contraindications"


def _store(state: _Made, root: Path) -> str:
    assert state.protocol is not None
    root.mkdir(parents=True)
    state.store = store = Store(root, state.protocol, SystemClock())
    store.recover()
    return f"opened a temporary store in {root}"


def _session(state: _Made) -> str:
    assert state.store is not None
    result = generate(state.store, 1)
    rows = state.store.summaries()
    if len(rows) != 1:
        raise RuntimeError(f"expected one filed session, found {len(rows)}")
    state.session_id = str(rows[0]["id"])
    return f"filed {result.sessions} demo session ({rows[0]['status']})"


def _pdf(state: _Made, target: Path) -> str:
    ensure_app()
    store = state.store
    assert store is not None
    doc = jobs.sheet_for(store, state.session_id, ClinicInfo(name="Self-check clinic"), "self-check",
                         store.clock.now())
    pages = write_pdf([doc], target, "a4")
    data = target.read_bytes()
    if pages < 1 or not data.startswith(b"%PDF") or len(data) < 1000:
        raise RuntimeError(f"the PDF looks wrong ({pages} pages, {len(data)} bytes)")
    return f"session sheet rendered offscreen: {pages} page(s), {len(data)} bytes"


def _close(state: _Made) -> None:
    store, state.store = state.store, None
    if store is not None:
        store.close()
