"""Where each patient's course events lie in ``courses.json``, so one patient's course is read
without parsing, or keeping, every course event of the clinic.

``courses.json`` holds ten years of every patient's course events, each with its own copy of its
plan: parsed whole it takes several times its size in memory, and a session start, the patient
page or a Course window needs one patient's events only. This index keeps, per event, the byte
span of its JSON object in the file and an 8-byte digest of its patient id (a few dozen bytes an
event, where the parsed events take kilobytes), and the span of the ``presets`` table.

It is derived from the file it was made from (its inode, size and modification time: the store
replaces the file whole, by renaming a new one over it, so every write gives a new inode) and
made again whenever that changes. Nothing it says is trusted: every span is read from the same
open file it was checked against and parsed, and an event whose object is not a patient's event
with that very id makes the index be made again from the file; a file this scan cannot follow
is parsed whole, as before, with the same errors for a damaged file.

The index is made in one pass that parses one event at a time and lets it go: the file's
bytes and that one event are all it holds at once.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from array import array
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from microneedle_desk.core.record_types import CourseEventDoc, JsonObject
from microneedle_desk.store.storage import BadFileError, read_json_file

_KEY = re.compile(r'\s*"((?:[^"\\]|\\.)*)"\s*:\s*')
_SPACE = re.compile(r"\s*")
_DECODER = json.JSONDecoder()
DIGEST = 8


class Unreadable(ValueError):
    """The file is not laid out as a table of records this scan follows."""


def _identity(st: os.stat_result) -> tuple[int, int, int]:
    return st.st_ino, st.st_size, st.st_mtime_ns


def _skip(text: str, at: int) -> int:
    found = _SPACE.match(text, at)
    return found.end() if found else at


def _walk(text: str, at: int, visit: Callable[[str, int], int]) -> int:
    """Go through the JSON object starting at ``at``: ``visit(key, value_start)`` returns where
    that value ends. Returns where the object ends."""
    if text[at:at + 1] != "{":
        raise Unreadable("a table is not a JSON object")
    at = _skip(text, at + 1)
    if text[at:at + 1] == "}":
        return at + 1
    while True:
        key = _KEY.match(text, at)
        if key is None:
            raise Unreadable("a record's key is missing")
        at = _skip(text, visit(key.group(1), key.end()))
        mark = text[at:at + 1]
        if mark == "}":
            return at + 1
        if mark != ",":
            raise Unreadable("records are not separated by commas")
        at = _skip(text, at + 1)


def _key(text: bytes) -> bytes:
    return hashlib.blake2b(text, digest_size=DIGEST).digest()


class CourseSpans:
    """The byte spans of ``courses.json``'s events by patient, and of its presets table."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._source: tuple[int, int, int] | None = None
        self._keys = b""  # DIGEST bytes per event, in the file's order
        self._spans = array("q")  # start, end per event
        self._presets: tuple[int, int] | None = None
        self._whole = False  # the file could not be scanned: it is parsed whole when read

    def drop(self) -> None:
        self._source, self._keys, self._spans, self._presets, self._whole = None, b"", array("q"), None, False

    def _build(self, raw: bytes, source: tuple[int, int, int]) -> None:
        self.drop()
        self._source = source
        # latin-1 keeps one character per byte, so the offsets found are the file's byte offsets;
        # JSON's own marks are ASCII and a UTF-8 sequence never holds one
        text = raw.decode("latin-1")
        keys, spans = bytearray(), array("q")

        def event(_key_text: str, start: int) -> int:
            value, end = _DECODER.raw_decode(text, start)
            pid = value.get("patient_id") if isinstance(value, dict) else None
            if isinstance(pid, str) and not pid.isascii():  # read as latin-1: parsed again as the file means it
                pid = json.loads(raw[start:end]).get("patient_id")
            keys.extend(_key(pid.encode("utf-8") if isinstance(pid, str) else b""))
            spans.extend((start, end))
            return end  # the event itself is let go here

        def table(name: str, start: int) -> int:
            if name == "events":
                return _walk(text, start, event)
            value, end = _DECODER.raw_decode(text, start)
            if not isinstance(value, dict):
                raise Unreadable("a table is not a JSON object")
            if name == "presets":
                self._presets = (start, end)
            return end

        try:
            if _walk(text, _skip(text, 0), table) != len(text.rstrip()):
                raise Unreadable("more follows the tables")
        except (Unreadable, ValueError, RecursionError):
            self._whole = True
            return
        self._keys, self._spans = bytes(keys), spans

    def _current(self, fd: int) -> None:
        source = _identity(os.fstat(fd))
        if source != self._source:
            self._build(_read_all(fd, source[1]), source)

    def _whole_file(self) -> dict[str, Any]:
        data = read_json_file(self.path)
        if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
            raise BadFileError(self.path, "the file is JSON but not shaped as a table of "
                                          "records (wrong top-level shape).")
        return data

    def events_of(self, patient_id: str) -> list[CourseEventDoc]:
        """The patient's course events, in the order they were filed."""
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return []
        try:
            for attempt in range(2):
                self._current(fd)
                if self._whole:
                    break
                found = self._read_events(fd, patient_id)
                if found is not None:
                    return found
                if attempt == 0:
                    self._source = None  # the index disagrees with the file: made again from it
        finally:
            os.close(fd)
        events = self._whole_file().get("events") or {}
        return [cast(CourseEventDoc, e) for e in events.values()
                if isinstance(e, dict) and e.get("patient_id") == patient_id]

    def _read_events(self, fd: int, patient_id: str) -> list[CourseEventDoc] | None:
        key, out = _key(patient_id.encode("utf-8")), []
        at = self._keys.find(key)
        while at != -1:
            if at % DIGEST == 0:
                i = at // DIGEST * 2
                start, end = self._spans[i], self._spans[i + 1]
                try:
                    event = json.loads(os.pread(fd, end - start, start))
                except ValueError:
                    return None
                if not isinstance(event, dict):
                    return None
                if event.get("patient_id") == patient_id:
                    out.append(cast(CourseEventDoc, event))
                # else: another patient's id with the same digest; skipped
            at = self._keys.find(key, at + 1)
        return out

    def presets(self) -> list[JsonObject]:
        """The presets table's records, in the order they were filed."""
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return []
        try:
            self._current(fd)
            if not self._whole:
                if self._presets is None:
                    return []
                start, end = self._presets
                try:
                    table = json.loads(os.pread(fd, end - start, start))
                except ValueError:
                    table = None
                if isinstance(table, dict):
                    return [dict(r) for r in table.values() if isinstance(r, dict)]
        finally:
            os.close(fd)
        return [dict(r) for r in (self._whole_file().get("presets") or {}).values() if isinstance(r, dict)]


def _read_all(fd: int, size: int) -> bytes:
    chunks: list[bytes] = []
    at = 0
    while True:
        chunk = os.pread(fd, max(size - at, 1 << 16), at)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        at += len(chunk)
