"""Shared test set-up. Qt runs without a display: the offscreen platform, set before any Qt import."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

os.environ["QT_QPA_PLATFORM"] = "offscreen"
# The tests read the English texts; a test of another language asks for it (and is put back).
os.environ["LANGUAGE"] = os.environ["LC_ALL"] = os.environ["LC_MESSAGES"] = ""
os.environ["LANG"] = "C.UTF-8"
if not os.environ.get("XDG_RUNTIME_DIR"):  # unset in CI; Qt would warn, and qt_log_level_fail fails on that
    _runtime_dir = tempfile.mkdtemp(prefix="microneedle-desk-runtime-")  # mode 0700, as Qt wants
    atexit.register(shutil.rmtree, _runtime_dir, ignore_errors=True)
    os.environ["XDG_RUNTIME_DIR"] = _runtime_dir

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from microneedle_desk import paths
from microneedle_desk.core.clock import FakeClock
from microneedle_desk.core.protocol import Protocol, load_protocol


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Every test starts and ends in English, whatever language a test before it chose."""
    from microneedle_desk import i18n

    i18n.set_language("en")
    yield
    i18n.set_language("en")


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def protocol() -> Protocol:
    return load_protocol(paths.protocol_file())


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    """The app's data folder for this test: ``tmp_path / "data"``, not yet created (as on a first start)."""
    root = tmp_path / "data"
    paths.set_data_dir(root)
    try:
        yield root
    finally:
        paths.set_data_dir(None)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Callable[[int, int], Path]:
    """A demo store of ``sessions`` sessions made by ``demo-data``'s generator from ``seed``, made
    once per run for every module that asks for the same one; never written: a test opens its own
    copy (:func:`store_copy`)."""
    from helpers import build_demo_store

    made: dict[tuple[int, int], Path] = {}

    def template(sessions: int, seed: int) -> Path:
        if (sessions, seed) not in made:
            folder = tmp_path_factory.mktemp(f"demo-{sessions}-{seed}") / "data"
            made[(sessions, seed)] = build_demo_store(folder, sessions, seed=seed)
        return made[(sessions, seed)]

    return template


@pytest.fixture
def store_copy(data_dir: Path, protocol: Protocol) -> Iterator[Callable[[Path], Any]]:
    """Opens a Store on this test's own copy of a template at ``data_dir``; closed after the test."""
    from helpers import open_copy

    opened: list[Any] = []

    def open_on_copy(template: Path) -> Any:
        opened.append(open_copy(template, data_dir, protocol))
        return opened[-1]

    yield open_on_copy
    for store in opened:
        store.close()


@pytest.fixture
def ctx(store: Any, data_dir: Path) -> Any:
    """The review windows' context over the module's own ``store`` fixture."""
    from microneedle_desk.settings import Settings
    from microneedle_desk.ui.context import UiContext
    from microneedle_desk.ui.controller import SessionController

    settings = Settings(store.protocol, paths.settings_file(data_dir))
    return UiContext(store.protocol, store.clock, store, settings,
                     SessionController(store.protocol, store.clock, store))


WINDOW_PRACTITIONER = "Dr Demo"
WINDOW_PIN = "246810"


@pytest.fixture
def window(qtbot: Any, data_dir: Path, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The real main window on a fresh data folder and a fake clock, shown offscreen, sound off,
    with the first account (WINDOW_PRACTITIONER) made and signed in; PIN prompts answer WINDOW_PIN.
    (tests/e2e does the same by keys, from the first-start screen.)"""
    from microneedle_desk.app import build_window
    from microneedle_desk.ui import pin_prompt

    win, lock = build_window(fake_clock, interactive=False)
    win.ctx.settings.set("alerts/sound", False)
    account = win.security.book.create_first_admin(WINDOW_PRACTITIONER, WINDOW_PIN)
    win.security.set_current(account)
    monkeypatch.setattr(pin_prompt, "ask_pin", lambda _parent, _name, _purpose: WINDOW_PIN)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.ctx.controller.close()
    lock.release()


@pytest.fixture(scope="session")
def cluster() -> Iterator[Any]:
    """A throwaway PostgreSQL cluster for the clinic-server tests (tests/pg_cluster.py), started
    once: if it cannot start, each test that needs it fails with the reason (never skipped)."""
    from pg_cluster import Cluster

    made = Cluster()
    made.start()
    try:
        yield made
    finally:
        made.remove()


@pytest.fixture
def dsn(cluster: Any) -> str:
    """A fresh clinic database (schema in place) in the test cluster: its libpq connection string."""
    from pg_cluster import fresh_clinic

    return str(fresh_clinic(cluster))
