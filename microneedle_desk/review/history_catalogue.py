"""Every session of the history as a few small numbers: what filtering and sorting need, without
holding the sessions' summary rows.

A summary row as read from the index is a dict of ~35 entries (~3 kB in memory); ten years of a
clinic are 150,000 of them. The catalogue keeps, per session, one code per shown column into a
table of that column's distinct texts (a patient's name appears once however many sessions they
had; a day once however many sessions it saw), the numbers the table sorts by, two flags, the
session's and the patient's id: ~160 bytes a session, in numpy arrays. The columns with many
distinct texts keep them packed in arrays too (history_bytes.py), not as a string and a dict
entry each: what the history keeps while it is open goes back whole when it closes.

A search word is tested against each table's distinct texts once, and the rows follow by their
codes; a sort ranks a table's texts once and orders the rows by rank. The rows' summaries are
read from the index month by month when a page asks for them (history_source.py).
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from microneedle_desk.review.history_bytes import ByteColumn, PackedTable, joined
from microneedle_desk.review.history_filter import HistoryFilter, id_like
from microneedle_desk.review.history_rows import Labels, minutes_text, status_of

Mask = npt.NDArray[np.bool_]
Positions = npt.NDArray[np.intp]

# The searched texts, in the order of the table's columns (date = day and time), and the lot.
TEXT = ("day", "time", "patient", "practitioner", "indication", "needle_text", "dwell_text", "needling_text",
        "adjunct", "effects", "status", "lot")
# The columns with many distinct texts (a patient, a day) keep them packed (history_bytes.py);
# the others, a few each, in a Table.
PACKED = ("day", "time", "patient", "dwell_text", "needling_text")
TABLED = tuple(name for name in TEXT if name not in PACKED)
NUMBERS = {"needle": "d", "dwell": "f", "needling": "f"}  # float, NaN for none (times: only sorted by)
INTS = {"started": "q", "month": "h", "flags": "B"}
EFFECTS, OVERRIDES = 1, 2
ID_WIDTH = 36  # a session's or a patient's id: a UUID's text
_DIGITS = str.maketrans("", "", "-T:. ")


def started_key(started_at: str) -> int:
    """"2025-09-01T08:10:16+01:00" -> 20250901081016: ordered as the text's date and time."""
    digits = started_at[:19].translate(_DIGITS)
    return int(digits.ljust(14, "0")) if digits.isdigit() else 0


@dataclass
class Table:
    """One column's distinct values: a row holds its value's code."""

    codes: dict[Hashable, int] = field(default_factory=dict)
    texts: list[str] = field(default_factory=list)
    keys: list[Any] = field(default_factory=list)
    _folded: list[str] | None = None

    def code(self, key: Hashable, text: Callable[[], str]) -> int:
        found = self.codes.get(key)
        if found is None:
            found = self.codes[key] = len(self.texts)
            self.texts.append(text())
            self.keys.append(key)
            self._folded = None
        return found

    def __len__(self) -> int:
        return len(self.texts)

    def text(self, code: int) -> str:
        return self.texts[code]

    def matching(self, word: str) -> Mask:
        if self._folded is None:
            self._folded = [t.casefold() for t in self.texts]
        return np.fromiter((word in t for t in self._folded), dtype=np.bool_, count=len(self._folded))

    def rank(self, key: Callable[[int], Any]) -> npt.NDArray[np.int32]:
        order = sorted(range(len(self.texts)), key=key)
        ranks = np.empty(len(order), dtype=np.int32)
        ranks[order] = np.arange(len(order), dtype=np.int32)
        return ranks


class Catalogue:
    """The sessions added so far (:meth:`add`), filtered and sorted by :meth:`select`."""

    def __init__(self, labels: Labels) -> None:
        self.labels = labels
        self.tables = {name: Table() for name in TABLED}
        self.packed = {name: PackedTable() for name in PACKED}
        self._growing: dict[str, array[Any]] = {}
        self._ids_growing, self._patients_growing = ByteColumn(ID_WIDTH), ByteColumn(ID_WIDTH)
        self.columns: dict[str, npt.NDArray[Any]] = {}
        self.ids: npt.NDArray[np.bytes_] = np.array([], dtype="S36")
        self.patient_ids: npt.NDArray[np.bytes_] = np.array([], dtype="S36")  # a filter, never searched
        self._start()
        self._frozen = 0
        self.count = 0

    def _start(self) -> None:
        self._growing = {name: array("i") for name in TABLED}
        self._growing |= {name: array(kind) for name, kind in (NUMBERS | INTS).items()}

    def add(self, summary: Mapping[str, Any], month: int) -> None:
        """One session's row (``month``: its place in the source's list of months, -1 for none)."""
        g, t, p, labels = self._growing, self.tables, self.packed, self.labels
        started = str(summary.get("started_at") or "")
        needle = summary.get("needle_mm")
        mm = float(needle) if isinstance(needle, (int, float)) else None
        p["day"].add(started[:10])
        p["time"].add(started[11:16])
        p["patient"].add(f"{summary.get('patient_name', '')} ({summary.get('clinic_id', '')})")
        self._patients_growing.append(str(summary.get("patient_id") or "").encode())
        who = str(summary.get("practitioner_id") or "")
        g["practitioner"].append(t["practitioner"].code(who, lambda: labels.practitioner(who)))
        ind = str(summary.get("indication"))
        g["indication"].append(t["indication"].code(ind, lambda: labels.indications.get(ind, "")))
        g["needle"].append(mm if mm is not None else np.nan)
        g["needle_text"].append(t["needle_text"].code(mm, lambda: labels.needle(mm)))
        for name, key in (("dwell", "dwell_actual_s"), ("needling", "needling_actual_s")):
            seconds = summary.get(key)
            number = float(seconds) if isinstance(seconds, (int, float)) else None
            g[name].append(number if number is not None else np.nan)
            p[f"{name}_text"].add(minutes_text(number))
        adjunct = str(summary.get("adjunct"))
        g["adjunct"].append(t["adjunct"].code(adjunct, lambda: labels.adjuncts.get(adjunct, "")))
        effects = tuple(summary.get("side_effects") or ())
        g["effects"].append(t["effects"].code((effects, bool(summary.get("none_observed"))),
                                              lambda: labels.effects(summary)))
        status = status_of(summary)
        g["status"].append(t["status"].code(status, lambda: status))
        lot = str(summary.get("cartridge_lot") or "")
        g["lot"].append(t["lot"].code(lot, lambda: lot))
        g["started"].append(started_key(started))
        g["month"].append(month)
        g["flags"].append((EFFECTS if effects else 0) | (OVERRIDES if summary.get("overrides") else 0))
        self._ids_growing.append(str(summary.get("id") or "").encode("ascii", "replace"))
        self.count += 1

    def _freeze(self) -> None:
        """The rows added since the last freeze joined to the arrays (one copy per batch, so a
        history read month by month is not copied once per month)."""
        if self._frozen == self.count and self.columns:
            return
        fresh = {name: np.frombuffer(arr.tobytes(), dtype=arr.typecode) if len(arr) else np.array([], arr.typecode)
                 for name, arr in self._growing.items()}
        fresh |= {name: table.codes() for name, table in self.packed.items()}
        for name in TEXT:  # a code in as few bytes as the column's table needs (most: 2)
            fresh[name] = fresh[name].astype(np.min_scalar_type(max(len(self._table(name)) - 1, 0)))
        self.columns = {name: np.concatenate([self.columns[name], fresh[name]]) if name in self.columns
                        else fresh[name] for name in fresh}
        self.ids = joined(self.ids, self._ids_growing.take())
        self.patient_ids = joined(self.patient_ids, self._patients_growing.take())
        self._start()
        self._frozen = self.count

    def _table(self, name: str) -> Table | PackedTable:
        return self.packed[name] if name in self.packed else self.tables[name]

    # -- reading -----------------------------------------------------------------------------
    def disp(self, at: int) -> tuple[str, ...]:
        """The cells' texts of the row at ``at``."""
        self._freeze()
        text = [self._table(name).text(int(self.columns[name][at])) for name in TEXT]
        return (f"{text[0]} {text[1]}".rstrip(), *text[2:-1])

    def session_id(self, at: int) -> str:
        self._freeze()
        return bytes(self.ids[at]).decode("ascii")

    def month(self, at: int) -> int:
        self._freeze()
        return int(self.columns["month"][at])

    def find(self, session_id: str) -> int | None:
        self._freeze()
        hits = np.flatnonzero(self.ids == session_id.encode("ascii", "replace"))
        return int(hits[0]) if len(hits) else None

    # -- filtering and sorting ---------------------------------------------------------------
    def mask(self, wanted: HistoryFilter) -> Mask:
        self._freeze()
        c, n = self.columns, self.count
        keep = np.ones(n, dtype=np.bool_)
        if wanted.date_from is not None:
            keep &= c["started"] >= int(wanted.date_from.strftime("%Y%m%d")) * 1_000_000
        if wanted.date_to is not None:
            keep &= c["started"] < (int(wanted.date_to.strftime("%Y%m%d")) + 1) * 1_000_000
        if wanted.patient_id:
            keep &= self.patient_ids == wanted.patient_id.encode()
        for name, value in (("practitioner", wanted.practitioner_id), ("indication", wanted.indication)):
            if value:
                code = self.tables[name].codes.get(value)
                keep &= (c[name] == code) if code is not None else np.zeros(n, dtype=np.bool_)
        with np.errstate(invalid="ignore"):
            if wanted.needle_min is not None:
                keep &= c["needle"] >= wanted.needle_min - 1e-9
            if wanted.needle_max is not None:
                keep &= c["needle"] <= wanted.needle_max + 1e-9
        if wanted.side_effects:
            keep &= (c["flags"] & EFFECTS) != 0
        if wanted.overrides:
            keep &= (c["flags"] & OVERRIDES) != 0
        for word in wanted.words():
            if not keep.any():
                break
            keep &= self._word(word)
        return keep

    def _word(self, word: str) -> Mask:
        found = np.zeros(self.count, dtype=np.bool_)
        for name in TEXT:
            hits = self._table(name).matching(word)
            if hits.any():
                found |= hits[self.columns[name]]
        if id_like(word):
            found |= np.char.find(self.ids, word.encode("ascii", "replace")) >= 0
        return found

    def sort_key(self, column: int) -> npt.NDArray[Any]:
        """Each row's key for sorting by ``column``: the date and time, a rank of the column's
        texts (case-folded where a person's name is), or the number (-1 for none)."""
        self._freeze()
        c, t = self.columns, self.tables
        if column == 0:
            return c["started"]
        if column in (4, 5, 6):
            values = c[("needle", "dwell", "needling")[column - 4]].astype(np.float64)
            return np.where(np.isnan(values), -1.0, values)
        name = {1: "patient", 2: "practitioner", 3: "indication", 7: "adjunct", 8: "effects", 9: "status"}[column]
        if column == 1:
            by_patient: npt.NDArray[Any] = self.packed[name].folded_ranks()[c[name]]
            return by_patient
        table = t[name]
        if column == 2:
            ranks = table.rank(lambda i: table.texts[i].casefold())
        elif column == 8:  # by how many side effects, then their names
            ranks = table.rank(lambda i: (len(table.keys[i][0]), table.texts[i]))
        else:
            ranks = table.rank(lambda i: table.texts[i])
        keys: npt.NDArray[Any] = ranks[c[name]]
        return keys

    def select(self, wanted: HistoryFilter, column: int, descending: bool) -> Positions:
        """The positions of the rows ``wanted`` lets through, in the order asked (rows that
        sort equal keep the order in which they were added: newest first)."""
        keep = np.flatnonzero(self.mask(wanted))
        key = self.sort_key(column)[keep]
        order = np.argsort(-key.astype(np.int64 if key.dtype.kind in "iu" else np.float64) if descending else key,
                           kind="stable")
        return keep[order]

