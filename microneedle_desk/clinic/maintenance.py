"""What the command-line tools change through the clinic: demo data filled in bulk, and the
access-log record of each command-line use (under the OS user's name: a command runs as the
user who owns the data folder, whose 0700/0600 permissions are its guard).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from microneedle_desk.review.demo import DemoResult, generate
from microneedle_desk.store.accounts import AccountBook
from microneedle_desk.store.folder import os_user
from microneedle_desk.store.store import Store


class Owner(Protocol):
    """What the tools need of the clinic that owns them."""

    @property
    def store(self) -> Store: ...

    @property
    def accounts(self) -> AccountBook: ...


class Maintenance:
    """The clinic's tools for the command line (``Clinic.maintenance``)."""

    def __init__(self, clinic: Owner) -> None:
        self.clinic = clinic

    def fill_demo(self, sessions: int, seed: int = 1,
                  progress: Callable[[int, int], None] | None = None) -> DemoResult:
        """Add ``sessions`` demo sessions and their patients (refused, DemoRefused, when the
        folder holds any real record)."""
        return generate(self.clinic.store, sessions, seed=seed, progress=progress)

    def record_command_line_use(self, action: str, command: str, code: int) -> None:
        """One access-log record of a command-line use, named by the OS user who ran it."""
        self.clinic.accounts.log(action, os_user_name=os_user(), detail=f"command-line {command}, exit {code}")
