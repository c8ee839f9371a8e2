"""What the admin asked the history to show, and the words of a search. Qt-free."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

_ID_CHARS = frozenset("0123456789abcdef-")
ID_WORD_MIN = 8


def id_like(word: str) -> bool:
    """A typed word that may be (a piece of) a session id: 8+ hex digits and dashes."""
    return len(word) >= ID_WORD_MIN and set(word) <= _ID_CHARS


@dataclass(frozen=True)
class HistoryFilter:
    """What the admin asked to see. Empty fields filter nothing.

    ``text`` is searched word by word (case-folded): a row matches when each word is in one
    of its shown texts or its cartridge lot, or, for a word that looks like a session id, in
    its session id. Not every short number in the ids: 36 characters of digits that every
    short number typed would match ("0042" found other patients' sessions).
    """

    date_from: date | None = None
    date_to: date | None = None
    patient_id: str = ""
    practitioner_id: str = ""
    indication: str = ""
    needle_min: float | None = None
    needle_max: float | None = None
    side_effects: bool = False
    overrides: bool = False
    text: str = ""

    def words(self) -> list[str]:
        return self.text.casefold().split()
