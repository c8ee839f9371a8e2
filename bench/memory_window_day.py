"""A day of sessions through the real main window, for bench_memory.py (run in a child process).

The window is built as ``microneedle-desk`` builds it (tests/e2e/driver.py's ``open_app``: Qt
offscreen, the parts attached after the first frame, the real refresh timer, a fake clock), the
practitioner signs in through the sign-in dialog, and each session is what a person does by keys
and clicks with the end-to-end driver of the code measured: register a new patient, start the
session (PIN), walk every step inside the protocol (the countdowns run on the fake clock), sign
(PIN); the patient page is back for the next one. Memory is read after ``warm`` sessions (caches
warm) and after ``sessions`` more: the resident set trimmed (``gc.collect()`` and glibc's
``malloc_trim(0)``) and the count of objects the collector tracks, with the types that grew most.

The driver wants pytest-qt's ``qtbot``; :class:`Bot` is the few of its calls the driver makes.
"""

from __future__ import annotations

import gc
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any


class Bot:
    """pytest-qt's QtBot, as far as tests/e2e/driver.py uses it."""

    def __init__(self) -> None:
        from PySide6.QtTest import QTest
        from PySide6.QtWidgets import QApplication

        self.app, self.test = QApplication.instance(), QTest

    def addWidget(self, widget: Any) -> None:
        pass

    def wait(self, ms: int) -> None:
        self.test.qWait(ms)

    def waitUntil(self, check: Callable[[], Any], timeout: int = 5000) -> None:
        deadline = time.monotonic() + timeout / 1000
        while True:
            try:
                if check() is not False:
                    return
            except AssertionError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError("waited in vain")
            self.test.qWait(10)

    def waitExposed(self, widget: Any, timeout: int = 5000) -> None:
        self.waitUntil(widget.isVisible, timeout)

    @contextmanager
    def waitSignal(self, signal: Any, timeout: int = 5000) -> Iterator[None]:
        fired: list[bool] = []

        def note(*_args: Any) -> None:
            fired.append(True)

        signal.connect(note)
        try:
            yield
            self.waitUntil(lambda: bool(fired), timeout)
        finally:
            signal.disconnect(note)

    def keyClick(self, widget: Any, key: Any, modifier: Any = None) -> None:
        if modifier is None:
            self.test.keyClick(widget, key)
        else:
            self.test.keyClick(widget, key, modifier)

    def keyClicks(self, widget: Any, text: str) -> None:
        self.test.keyClicks(widget, text)

    def mouseClick(self, widget: Any, button: Any, modifier: Any = None, pos: Any = None) -> None:
        from PySide6.QtCore import Qt

        self.test.mouseClick(widget, button, modifier or Qt.KeyboardModifier.NoModifier, pos or widget.rect().center())


def _after_first_check(bot: Bot, window: Any) -> None:
    """The store's check after the first frame (a copy opened here for the first time reads every
    file in the background) is over before anything is measured: it is the start's, not the day's."""
    try:
        from microneedle_desk.ui.first_check import FirstCheck
    except ImportError:
        return
    for check in window.findChildren(FirstCheck):
        bot.waitUntil(lambda c=check: c.worker is not None and not c.worker.is_alive() and not c.poll.isActive(),
                      timeout=900_000)


def run(store_dir: str, code: Path, sessions: int, warm: int,
        figures: Callable[[], dict[str, float]]) -> dict[str, Any]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import microneedle_desk  # noqa: F401 - the code measured (PYTHONPATH), bound before bench/run.py puts this tree first

    sys.path.insert(0, str(code / "tests"))  # the driver of the code measured
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from e2e import driver
    from run import BENCH_PIN, demo_practitioner

    from microneedle_desk import paths
    from microneedle_desk.app import greet, make_app
    from microneedle_desk.clinic.clinic import Clinic
    from microneedle_desk.core.clock import FakeClock
    from microneedle_desk.core.protocol import load_protocol
    from microneedle_desk.review.demo import END_DATE, TZ

    root = Path(store_dir)
    paths.set_data_dir(root)
    clock = FakeClock(start=datetime(END_DATE.year, END_DATE.month, END_DATE.day, 7, 0, tzinfo=TZ))
    setup = Clinic.open(root, load_protocol(paths.protocol_file()), clock)  # the practitioner's PIN, once
    who = demo_practitioner(setup.store)
    account = setup.accounts.account(who)
    if account is not None and account.pin_hash is None:
        setup.accounts.change_pin(who, None, BENCH_PIN)
    name = account.name if account is not None else "Demo Practitioner A"
    # the window locks itself after minutes without input (real time): the wait for the start's
    # check below has none, where a day at the clinic would have a person at the keyboard
    assert setup.settings is not None
    setup.settings.set("security/idle_minutes", 240)
    setup.store.close()
    del setup, account

    app = make_app()
    bot = Bot()
    window, lock = driver.open_app(bot, clock)

    def sign_in(dialog: Any) -> None:
        combo = dialog.who
        combo.setCurrentIndex(combo.findText(name))
        edit = dialog.pin
        edit.setFocus()
        driver.QTest_keyClicks(edit, BENCH_PIN)
        driver.QTest_keyClick(edit, driver.Qt.Key.Key_Return)

    driver.answer_next_dialog(bot, sign_in)
    if not greet(window):
        raise RuntimeError("the sign-in did not go through")
    _after_first_check(bot, window)

    def one(i: int) -> None:
        person = f"Bench Walker {i:03d}"
        driver.register_patient(bot, window, name=person, clinic_id=f"BENCH-W{i:03d}")
        driver.start_session(bot, window, BENCH_PIN)
        driver.walk_session(bot, window, clock, consent_by=person)
        driver.sign(bot, window, BENCH_PIN)
        if window.stack.currentIndex() != 0:
            raise RuntimeError("the session was not signed")
        clock.advance(120)
        bot.wait(50)

    for i in range(warm):
        one(i)
    gc.collect()
    warm_figures = figures()
    kinds = Counter(type(o).__name__ for o in gc.get_objects())
    objects = sum(kinds.values())
    t0, c0 = time.perf_counter(), time.process_time()
    curve = []
    for i in range(warm, warm + sessions):
        one(i)
        if (i - warm + 1) % 10 == 0:
            now = figures()
            curve.append({"sessions": i - warm + 1,
                          "trimmed_above_mb": round(now["trimmed_mb"] - warm_figures["trimmed_mb"], 2),
                          "objects_above": len(gc.get_objects()) - objects})
    end = figures()
    after = Counter(type(o).__name__ for o in gc.get_objects())
    grew = (after - kinds).most_common(12)
    out = {"warm": warm_figures, "end": end, "grew_mb": round(end["trimmed_mb"] - warm_figures["trimmed_mb"], 2),
           "grew_raw_mb": round(end["raw_mb"] - warm_figures["raw_mb"], 2),
           "objects_per_session": round((sum(after.values()) - objects) / sessions, 1),
           "types_grown": [[k, v] for k, v in grew], "curve": curve,
           "day_cpu_s": round(time.process_time() - c0, 1), "day_wall_s": round(time.perf_counter() - t0, 1),
           "cpu_s": round(time.process_time(), 1)}
    window.ctx.controller.close()
    lock.release()
    del app
    return out
