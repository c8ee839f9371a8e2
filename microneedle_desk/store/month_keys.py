"""Which month of the history index holds a session, and which months hold a patient's sessions.

The history index is one file per month. A reader that knows a session id but not its month
(opening a session's detail, its sheet, a patient's course) would otherwise read every month
and keep them all in memory. Here each month is reduced to two byte strings: an 8-byte
digest of each of its rows' session ids, and of its rows' patient ids. At 150,000 sessions
that is ~2.4 MB, where the rows themselves take hundreds.

A digest that matches is a candidate only: the month is read and its rows compared with the id
itself, so a collision (or an id found elsewhere in the file, a follow-up's say) costs one month
read, never a wrong row. Derived from the index files' text, month by month when first needed,
without making the rows (the ids are found by pattern: making ten years of rows to read two
fields of each would cost the time and leave the memory this is here to spare), and dropped for a
month whenever that month's file is written.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable

DIGEST = 8
_VALUE = rb'\s*:\s*"((?:[^"\\]|\\.)*)"'  # a JSON string value, escapes and all
_SESSION = re.compile(rb'"id"' + _VALUE)
_PATIENT = re.compile(rb'"patient_id"' + _VALUE)


def digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=DIGEST).digest()


def _texts(pattern: re.Pattern[bytes], raw: bytes) -> Iterable[str]:
    for found in pattern.finditer(raw):
        value = found.group(1)
        yield json.loads(b'"' + value + b'"') if b"\\" in value else value.decode("utf-8", "replace")


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

    def __init__(self, months: Callable[[], list[str]], read_raw: Callable[[str], bytes]) -> None:
        self._months, self._read_raw = months, read_raw
        self._keys: dict[str, tuple[bytes, bytes]] = {}

    def _of(self, month: str) -> tuple[bytes, bytes]:
        keys = self._keys.get(month)
        if keys is None:
            raw = self._read_raw(month)
            keys = self._keys[month] = (b"".join(digest(t) for t in _texts(_SESSION, raw)),
                                        b"".join(dict.fromkeys(digest(t) for t in _texts(_PATIENT, raw))))
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
