"""A month's history rows parsed one at a time, in the order a reader sorts them.

Parsing a month's index file whole makes every row of the month at once (about a thousand
dicts of ~35 entries each in a busy month). A reader that only passes each row on (the history
window's fill) then frees them all together; objects made meanwhile that live on (a window's
signal connections, a library's first-use caches) are left among the freed rows and keep
Python's allocator from giving that memory back. Here the file's text is walked once to find
where each row lies and what it sorts by (each row parsed and let go), then the rows are parsed
again one at a time in the order asked: what lives at once is the file's text and one row.

Only the plain layout the store writes is followed (a TinyDB file: an object of tables, each an
object of records under rising numeric doc ids). Anything else (whitespace anywhere JSON allows
it is followed too) makes :func:`scan` answer None, and the caller reads the file whole as
before, so a damaged file raises the same :class:`~microneedle_desk.store.storage.BadFileError`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, cast

from microneedle_desk.core.record_types import JsonObject
from microneedle_desk.store import index_parts

_SPACE = re.compile(r"[ \t\n\r]*")
_DOC = re.compile(r'"([0-9]+)"[ \t\n\r]*:[ \t\n\r]*')
_DECODER = json.JSONDecoder()


class _Unusual(Exception):
    """The text is not the plain layout: the caller reads it whole."""


@dataclass(slots=True)
class _Row:
    start: int
    id: Any
    key: Any


def _skip(text: str, at: int) -> int:
    found = _SPACE.match(text, at)
    return found.end() if found else at


def _expect(text: str, at: int, char: str) -> int:
    if at >= len(text) or text[at] != char:
        raise _Unusual
    return _skip(text, at + 1)


def _name(text: str, at: int) -> tuple[str, int]:
    if at >= len(text) or text[at] != '"':
        raise _Unusual
    name, at = _DECODER.raw_decode(text, at)
    return name, _expect(text, _skip(text, at), ":")


def _records(text: str, at: int, key: Callable[[Any], Any] | None) -> tuple[list[_Row], int]:
    """The records of the table whose ``{`` is at ``at``; the position after its ``}``."""
    rows: list[_Row] = []
    at = _expect(text, at, "{")
    last_doc = 0
    while at < len(text) and text[at] != "}":
        if rows:
            at = _expect(text, at, ",")
        found = _DOC.match(text, at)  # a doc id of ASCII digits (another key: read the file whole)
        if found is None:
            raise _Unusual
        # rising doc ids: no id repeats (parsed whole, a repeated id keeps the last record only)
        doc = int(found.group(1))
        if doc <= last_doc:
            raise _Unusual
        last_doc, at = doc, found.end()
        row, end = _DECODER.raw_decode(text, at)
        if not isinstance(row, dict):
            raise _Unusual
        rows.append(_Row(at, row.get("id"), key(row) if key is not None else None))
        at = end if end < len(text) and text[end] in ",}" else _skip(text, end)
    return rows, _expect(text, at, "}")


def scan(text: str, table: str, key: Callable[[Any], Any] | None) -> list[_Row] | None:
    """Where each record of ``table`` lies in ``text`` and its ``key`` (None: not sorted), in the file's order;
    None when the text is not the plain layout (read it whole: that says what is wrong)."""
    try:
        found: list[_Row] = []
        names: set[str] = set()
        at = _expect(text, _skip(text, 0), "{")
        while at < len(text) and text[at] != "}":
            if names:
                at = _expect(text, at, ",")
            name, at = _name(text, at)
            if name in names or at >= len(text) or text[at] != "{":
                raise _Unusual  # a repeated table, or a table that is not an object
            names.add(name)
            if name == table:
                found, at = _records(text, at, key)
            else:
                at = _skip(text, _DECODER.raw_decode(text, at)[1])
        if _expect(text, at, "}") != len(text):
            raise _Unusual
        return found
    except (_Unusual, ValueError, RecursionError):  # json.JSONDecodeError is a ValueError
        return None


def rows_in_order(text: str, rows: list[_Row], recent: Mapping[str, Mapping[str, Any]] | None, table: str,
                  key: Callable[[Any], Any] | None, reverse: bool) -> Iterator[JsonObject]:
    """The month's records as ``sorted(index_parts.fold(base, recent)[table], key=key,
    reverse=reverse)`` gives them (``key`` None: in the folded order, as they are filed), the base
    file's parsed one at a time from ``text``."""
    if recent and recent.get(table):
        stand_ins = [{"id": row.id} for row in rows]  # what the fold looks at of a record
        base = cast(index_parts.Tables, {table: dict(enumerate(stand_ins))})
        folded: list[Any] = index_parts.fold(base, recent)[table]
        at_of = {id(s): i for i, s in enumerate(stand_ins)}
        # each place: the base file's record (its row) or the recent part's (the record itself)
        places: list[_Row | JsonObject] = [rows[at_of[id(r)]] if id(r) in at_of else r for r in folded]
        del stand_ins, base, folded, at_of
    else:
        places = list(rows)
    order: Iterable[int] = range(len(places))
    if key is not None:
        keys = [p.key if isinstance(p, _Row) else key(p) for p in places]
        order = sorted(order, key=keys.__getitem__, reverse=reverse)
        del keys
    for position in order:
        place = places[position]
        if isinstance(place, _Row):
            parsed: JsonObject = _DECODER.raw_decode(text, place.start)[0]
            yield parsed
        else:
            yield place
