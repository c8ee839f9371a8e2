"""A column of short texts (session ids, patient ids) kept as bytes of one width, one row after
another in one buffer, instead of a Python object a row.

Objects the history makes while it fills and keeps until it closes (a bytes object or a string
a session, an entry of a dict a patient) take the allocator's small blocks; memory those take
goes back to the system only when every block around them is free again, so whatever else the
process made meanwhile and keeps holds it after the window closed. A buffer and an array are
each one block of their own, given back whole.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


class ByteColumn:
    """Texts added one at a time (:meth:`append`), then taken as one array (:meth:`take`)."""

    def __init__(self, width: int) -> None:
        self.width = width
        self._buffer = bytearray()

    def append(self, raw: bytes) -> None:
        if len(raw) > self.width:
            self._widen(len(raw))
        self._buffer += raw.ljust(self.width, b"\0")

    def _widen(self, width: int) -> None:
        """Wider than the texts so far: those are made as wide."""
        old, self.width = self.width, width
        held, self._buffer = self._buffer, bytearray()
        for at in range(0, len(held), old):
            self._buffer += held[at:at + old].ljust(width, b"\0")

    def take(self) -> npt.NDArray[np.bytes_]:
        """The texts added since the last take, as an array (numpy drops the padding when one
        is read or compared); the column starts empty again."""
        out = np.frombuffer(self._buffer, dtype=f"S{self.width}").copy() if self._buffer else \
            np.array([], dtype=f"S{self.width}")
        self._buffer = bytearray()
        return out


def joined(held: npt.NDArray[np.bytes_], fresh: npt.NDArray[np.bytes_]) -> npt.NDArray[np.bytes_]:
    """``held`` and then ``fresh``, as wide as the wider of the two."""
    return np.concatenate([held, fresh]) if len(held) else fresh


class PackedTable:
    """One column's distinct texts (a patient's name, a day) in the order rows brought them,
    as UTF-8 bytes of one width: a row's code is its text's place. Rows give their text as
    they are added (:meth:`add`); their codes are found for a batch at once (:meth:`codes`)."""

    def __init__(self) -> None:
        self._fresh = ByteColumn(8)
        self.distinct: npt.NDArray[np.bytes_] = np.array([], dtype="S1")
        self._folded: npt.NDArray[np.str_] | None = None

    def __len__(self) -> int:
        return len(self.distinct)

    def add(self, text: str) -> None:
        raw, fresh = text.encode(), self._fresh  # ByteColumn.append, without a call more a row
        if len(raw) > fresh.width:
            fresh._widen(len(raw))
        fresh._buffer += raw.ljust(fresh.width, b"\0")

    def codes(self) -> npt.NDArray[np.intp]:
        """The codes of the texts added since the last call, in their order; texts not seen
        before join the table in the order they first came."""
        fresh = self._fresh.take()
        values, first, inverse = np.unique(fresh, return_index=True, return_inverse=True)
        codes = np.empty(len(values), dtype=np.intp)
        known = np.zeros(len(values), dtype=np.bool_)
        if len(self.distinct) and len(values):
            order = np.argsort(self.distinct, kind="stable")
            ordered = self.distinct[order]
            at = np.minimum(np.searchsorted(ordered, values), len(ordered) - 1)
            known = ordered[at] == values
            codes[known] = order[at[known]]
        new = np.flatnonzero(~known)
        new = new[np.argsort(first[new], kind="stable")]
        codes[new] = len(self.distinct) + np.arange(len(new))
        if len(new):
            self.distinct = joined(self.distinct, values[new])
            self._folded = None
        out: npt.NDArray[np.intp] = codes[inverse.reshape(-1)]
        return out

    def text(self, code: int) -> str:
        return bytes(self.distinct[code]).decode()

    def folded(self) -> npt.NDArray[np.str_]:
        """Each text case-folded, as one array (made when first searched or sorted by)."""
        if self._folded is None:
            self._folded = np.array([bytes(t).decode().casefold() for t in self.distinct], dtype=np.str_)
        return self._folded

    def matching(self, word: str) -> npt.NDArray[np.bool_]:
        found: npt.NDArray[np.bool_] = np.char.find(self.folded(), word) >= 0
        return found

    def folded_ranks(self) -> npt.NDArray[np.int32]:
        """Each text's place among the texts case-folded (equal ones in the order they came)."""
        order = np.argsort(self.folded(), kind="stable")
        ranks = np.empty(len(order), dtype=np.int32)
        ranks[order] = np.arange(len(order), dtype=np.int32)
        return ranks
