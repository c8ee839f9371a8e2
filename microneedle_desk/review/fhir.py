"""The FHIR R4B export: one ``Bundle`` (type ``collection``) written entry by entry.

The bundle opens with the local ``CodeSystem`` (review/fhir_codes.py), then each signed
session's resources (review/fhir_map.py) in the order the sessions started. Every entry's
``fullUrl`` is ``urn:uuid:`` + the resource's id, and every reference inside the bundle is
such a URN of an entry in it. Entries are written as they are made, so an export of a whole
history holds one session in memory at a time; the file appears under its name only when it
is complete (written beside it, then renamed), readable by its owner only.

Sessions come from any iterable of :class:`~microneedle_desk.review.fhir_source.SessionRecord`
(:func:`~microneedle_desk.review.fhir_source.store_records` reads a data folder). The export
itself does not run the fhir.resources models over what it writes: the tests do, for every
bundle they write (``tests/fhir_check.py``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import IO

from microneedle_desk.core.record_types import JsonObject
from microneedle_desk.review import fhir_codes
from microneedle_desk.review.export import write_private_with
from microneedle_desk.review.fhir_map import SessionMapper
from microneedle_desk.review.fhir_source import ExportSetup, SessionRecord


@dataclass
class Written:
    sessions: int = 0
    resources: int = 0


_COMPACT = json.JSONEncoder(ensure_ascii=False)


def _entry(resource: JsonObject, indent: int | None) -> str:
    entry = {"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource}
    if not indent:
        return _COMPACT.encode(entry)
    return json.dumps(entry, ensure_ascii=False, indent=indent).replace("\n", "\n  ")


def write_stream(out: IO[str], records: Iterable[SessionRecord], setup: ExportSetup,
                 progress: Callable[[int], None] | None = None, indent: int | None = None) -> Written:
    """Write the bundle to ``out``, one entry at a time. ``progress(sessions done)`` is called
    after every session. ``indent`` pretty-prints each entry (the README's example)."""
    done = Written()
    head = {"resourceType": "Bundle", "id": setup.bundle_id, "type": "collection", "timestamp": setup.generated_at}
    out.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "entry": [\n  ')
    out.write(_entry(fhir_codes.code_system(setup.protocol), indent))
    done.resources += 1
    mapper = SessionMapper(setup)
    for record in records:
        made = mapper.resources(record)
        out.write("".join(",\n  " + _entry(resource, indent) for resource in made))
        done.resources += len(made)
        done.sessions += 1
        if progress is not None:
            progress(done.sessions)
    out.write("\n]}\n")
    return done


def write_bundle(path: str | os.PathLike[str], records: Iterable[SessionRecord], setup: ExportSetup,
                 progress: Callable[[int], None] | None = None, indent: int | None = None) -> Written:
    """Write the bundle to ``path``, readable by its owner only, replacing it whole or not at all.

    Raises UnsafeOutput (an OSError) when ``path`` is a device, a pipe, a link or a folder."""
    return write_private_with(path, lambda f: write_stream(f, records, setup, progress, indent))
