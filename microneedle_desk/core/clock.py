"""One small clock interface for everything that measures time.

Countdowns read ``monotonic()``; records read ``now()``. The system clock picks, per
operating system, a monotonic source that keeps counting while the laptop sleeps and does
not move when someone sets the wall clock or the time zone:

* Linux: ``CLOCK_BOOTTIME`` (``CLOCK_MONOTONIC`` stops during suspend).
* macOS: ``CLOCK_MONOTONIC`` (backed by ``mach_continuous_time``, counts during sleep).
* Windows: ``time.monotonic`` (QueryPerformanceCounter, counts during sleep).

``boot_id()`` names the monotonic clock's epoch: a monotonic reading persisted before a
restart of the app is still valid after it when the boot id is unchanged (same boot);
after a reboot only the wall-clock anchor is left.
"""

from __future__ import annotations

import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Protocol


class Clock(Protocol):
    def monotonic(self) -> float:
        """Seconds on a clock that counts during suspend and ignores wall-clock changes."""

    def now(self) -> datetime:
        """The wall-clock time, aware, in the local UTC offset."""

    def boot_id(self) -> str:
        """An identifier of the current epoch of ``monotonic()``."""


def _pick_monotonic() -> tuple[str, int | None]:
    if sys.platform.startswith("linux") and hasattr(time, "CLOCK_BOOTTIME"):
        return "boottime", time.CLOCK_BOOTTIME
    if sys.platform == "darwin" and hasattr(time, "CLOCK_MONOTONIC"):
        return "monotonic", time.CLOCK_MONOTONIC
    return "time.monotonic", None


_fallback_boot_id: list[str] = []  # made on first need


def _process_boot_id() -> str:
    """One id per process, for systems that say nothing about the boot."""
    if not _fallback_boot_id:
        _fallback_boot_id.append(f"process-{uuid.uuid4()}")
    return _fallback_boot_id[0]


class SystemClock:
    """The real clock. See the module docstring for the choice of source."""

    def __init__(self) -> None:
        self.source, self._clock_id = _pick_monotonic()
        self._boot_id = self._read_boot_id()

    def monotonic(self) -> float:
        if self._clock_id is not None:
            return time.clock_gettime(self._clock_id)
        return time.monotonic()

    def now(self) -> datetime:
        return datetime.now().astimezone()

    def boot_id(self) -> str:
        return self._boot_id

    @staticmethod
    def _read_boot_id() -> str:
        path = Path("/proc/sys/kernel/random/boot_id")
        try:
            return path.read_text(encoding="ascii").strip()
        except OSError:
            # No boot id: treat every process start as a new epoch, so anchors fall back
            # to wall-clock time, which is the safe direction.
            return _process_boot_id()


class FakeClock:
    """A clock that tests drive by hand.

    ``advance`` moves both clocks (real time passing); ``suspend`` moves both too (the
    boot-time clock counts during sleep); ``jump_wall`` moves only the wall clock (someone
    set the time); ``reboot`` starts a new monotonic epoch.
    """

    def __init__(
        self,
        start: datetime | None = None,
        monotonic_start: float = 1000.0,
        boot: str = "boot-1",
    ) -> None:
        self._wall = start or datetime(2026, 11, 25, 9, 0, tzinfo=timezone(timedelta(hours=1)))
        if self._wall.tzinfo is None:
            raise ValueError("FakeClock needs an aware start time")
        self._mono = monotonic_start
        self._boot = boot

    def monotonic(self) -> float:
        return self._mono

    def now(self) -> datetime:
        return self._wall

    def boot_id(self) -> str:
        return self._boot

    def advance(self, seconds: float) -> None:
        self._mono += seconds
        self._wall += timedelta(seconds=seconds)

    def suspend(self, seconds: float) -> None:
        self.advance(seconds)

    def jump_wall(self, seconds: float) -> None:
        self._wall += timedelta(seconds=seconds)

    def set_utc_offset(self, hours: float) -> None:
        self._wall = self._wall.astimezone(timezone(timedelta(hours=hours)))

    def reboot(self, boot: str, monotonic_start: float = 50.0) -> None:
        self._boot = boot
        self._mono = monotonic_start
