"""What the store check finds: one problem per (file, record, what), in words an admin can act on."""

from __future__ import annotations

from dataclasses import dataclass


class StoreUnreadable(Exception):
    """The folder cannot be checked at all (missing, not a store, not readable)."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the store: file, record and what."""

    file: str      # relative to the data folder
    record: str    # e.g. "session 1f0c…", or "" for the whole file
    what: str
    # Derived data (the history index) that disagrees with the records: nothing recorded is
    # wrong, and the app derives it again from them (Store.rebuild_derived) instead of
    # offering a backup.
    derived: bool = False

    def __str__(self) -> str:
        return f"{self.file}: {self.record}: {self.what}" if self.record else f"{self.file}: {self.what}"


def bad_files(problems: list[Problem]) -> list[str]:
    return sorted({p.file for p in problems})
