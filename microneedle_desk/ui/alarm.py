"""The alerts' alarm: one wake-up at a deadline on the session's clock, never before it.

A QTimer counts whole milliseconds on the system's monotonic clock, which on Linux stops while
the laptop sleeps: an alarm set for fourteen minutes before a suspend of an hour would ring
fourteen minutes after the lid opens. The system clock's countdowns read ``CLOCK_BOOTTIME``
(core/clock.py), so on Linux the alarm is a kernel timer on that same clock, set for the
deadline itself (absolute, to the nanosecond): the kernel wakes the app at the deadline, and
at once on resume when the deadline passed during the sleep. Elsewhere, and with a test's fake
clock, it is a precise QTimer set for the time left, rounded up to the millisecond. Either way
a wake only tells that the deadline may have come: whoever listens reads the clock again and
sets the alarm again when it has not (see SessionController.poll).
"""

from __future__ import annotations

import contextlib
import ctypes
import math
import os
import sys
import time

from PySide6.QtCore import QObject, QSocketNotifier, Qt, QTimer, Signal

from microneedle_desk.core.clock import Clock, SystemClock

_TFD_CLOEXEC = 0o2000000
_TFD_NONBLOCK = 0o4000
_TFD_TIMER_ABSTIME = 1


class _Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


class _Itimerspec(ctypes.Structure):
    _fields_ = [("it_interval", _Timespec), ("it_value", _Timespec)]


class _TimerFd:
    """A Linux timerfd on CLOCK_BOOTTIME (counts during suspend), set to absolute deadlines."""

    def __init__(self) -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        self._settime = libc.timerfd_settime
        self._settime.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.POINTER(_Itimerspec),
                                  ctypes.POINTER(_Itimerspec)]
        fd = libc.timerfd_create(time.CLOCK_BOOTTIME, _TFD_CLOEXEC | _TFD_NONBLOCK)
        if fd < 0:
            raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
        self.fd = int(fd)

    def set(self, deadline: float | None) -> None:
        """Ring at ``deadline`` (seconds on CLOCK_BOOTTIME); None disarms."""
        spec = _Itimerspec()
        if deadline is not None:
            # A zero it_value disarms: a deadline at or before the epoch is one nanosecond after it.
            ns = max(1, math.ceil(deadline * 1e9))
            spec.it_value.tv_sec, spec.it_value.tv_nsec = divmod(ns, 1_000_000_000)
        if self._settime(self.fd, _TFD_TIMER_ABSTIME, ctypes.byref(spec), None) != 0:
            raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))

    def drain(self) -> None:
        with contextlib.suppress(BlockingIOError, InterruptedError):
            os.read(self.fd, 8)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self.fd)


def _kernel_timer(clock: Clock) -> _TimerFd | None:
    """The boot-time kernel timer when ``clock`` reads that clock (the system clock on Linux)."""
    if not (sys.platform.startswith("linux") and isinstance(clock, SystemClock) and clock.source == "boottime"):
        return None
    try:
        return _TimerFd()
    except (OSError, AttributeError):  # no timerfd (an old or unusual libc): the Qt timer does
        return None


class DeadlineAlarm(QObject):
    """Wakes once (``rang``) when ``clock.monotonic()`` reaches the deadline set by ``set_for``."""

    rang = Signal()

    def __init__(self, clock: Clock, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.clock = clock
        self.deadline: float | None = None
        self._timer = QTimer(self)  # the alarm where the kernel's is not there (or fails)
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._rang)
        self._kernel = _kernel_timer(clock)
        if self._kernel is not None:
            notifier = QSocketNotifier(self._kernel.fd, QSocketNotifier.Type.Read, self)
            notifier.activated.connect(self._kernel_rang)
            self.destroyed.connect(self._kernel.close)

    @property
    def kernel_fd(self) -> int | None:
        """The kernel timer's file descriptor (Linux with the system clock), else None."""
        return None if self._kernel is None else self._kernel.fd

    def isActive(self) -> bool:
        return self.deadline is not None

    def remaining_ms(self) -> float | None:
        """Milliseconds from now to the deadline on the clock (None when not set)."""
        return None if self.deadline is None else (self.deadline - self.clock.monotonic()) * 1000

    def set_for(self, deadline: float) -> None:
        """Ring when the clock reaches ``deadline`` (a reading of ``clock.monotonic()``); a
        deadline already passed rings on the next turn of the event loop."""
        if self._kernel is not None and deadline != self.deadline:
            try:
                self._kernel.set(deadline)
            except OSError:  # the kernel refused the time: the Qt timer rings instead
                self._kernel = None
        if self._kernel is None:
            self._timer.start(math.ceil(max(0.0, deadline - self.clock.monotonic()) * 1000))
        self.deadline = deadline

    def stop(self) -> None:
        if self.deadline is None:
            return
        self.deadline = None
        self._timer.stop()
        if self._kernel is not None:
            with contextlib.suppress(OSError):  # not disarmed: its ring then finds nothing due
                self._kernel.set(None)

    def _kernel_rang(self) -> None:
        if self._kernel is not None:
            self._kernel.drain()
        self._rang()

    def _rang(self) -> None:
        self.deadline = None
        self.rang.emit()
