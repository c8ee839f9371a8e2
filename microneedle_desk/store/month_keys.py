"""Which month of the history index holds a session, and which months hold a patient's sessions.

The history index is one file per month. A reader that knows a session id but not its month
(opening a session's detail, its sheet, a patient's course) would otherwise read every month
and keep them all in memory. Here each month is reduced to two byte strings: an 8-byte
digest of each of its rows' session ids, and of its rows' patient ids. At 150,000 sessions
that is ~2.4 MB, where the rows themselves take hundreds.

A digest that matches is a candidate only: the month is read and its rows compared with the id
itself, so a collision costs one month read, never a wrong row. Derived from the index files,
month by month when first needed, and dropped for a month whenever that month's file is written.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import Any

DIGEST = 8


def digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=DIGEST).digest()


def holds(blob: bytes, key: bytes) -> bool:
    """Whether ``key`` is one of the DIGEST-byte items of ``blob`` (not a run across two)."""
    at = blob.find(key)
    while at != -1:
        if at % DIGEST == 0:
            return True
        at = blob.find(key, at + 1)
    return False


class MonthKeys:
    """Session-id and patient-id digests of each month's history rows."""

    def __init__(self, months: Callable[[], list[str]],
                 read_once: Callable[[str], list[dict[str, Any]]]) -> None:
        self._months, self._read_once = months, read_once
        self._keys: dict[str, tuple[bytes, bytes]] = {}

    def _of(self, month: str) -> tuple[bytes, bytes]:
        keys = self._keys.get(month)
        if keys is None:
            rows = self._read_once(month)
            keys = self._keys[month] = (
                b"".join(digest(str(r.get("id") or "")) for r in rows),
                b"".join({digest(str(r.get("patient_id") or "")): None for r in rows}))
        return keys

    def months_of_session(self, session_id: str) -> Iterable[str]:
        """The months that may hold ``session_id``'s row, newest first (usually one)."""
        key = digest(session_id)
        return (m for m in self._months() if holds(self._of(m)[0], key))

    def months_of_patients(self, patient_ids: Iterable[str]) -> list[str]:
        """The months that may hold rows of any of ``patient_ids``, newest first."""
        keys = [digest(p) for p in patient_ids]
        return [m for m in self._months() if any(holds(self._of(m)[1], k) for k in keys)]

    def drop(self, month: str | None = None) -> None:
        if month is None:
            self._keys.clear()
        else:
            self._keys.pop(month, None)
