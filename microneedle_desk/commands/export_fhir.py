"""``export --format fhir`` for a data folder: the signed sessions of the chosen rows as one
FHIR R4B bundle (review/fhir.py), with a progress line on a terminal."""

from __future__ import annotations

import sys
from datetime import date

from microneedle_desk import paths
from microneedle_desk.core.clock import Clock
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.i18n import tr
from microneedle_desk.review import fhir, fhir_source
from microneedle_desk.settings import Settings
from microneedle_desk.store.store import Store


def clinic_name(store: Store, protocol: Protocol) -> str:
    """The clinic's name as the app shows it (its settings in the data folder), "" if unset."""
    file = paths.settings_file(store.root)
    if not file.exists():  # an export only reads: it makes no settings file
        return ""
    return str(Settings(protocol, file).get("clinic/name") or "").strip()


def write_fhir(store: Store, protocol: Protocol, chosen: tuple[date | None, date | None, str | None], output: str,
               deidentify: bool, clock: Clock) -> int:
    """Write the signed sessions from ``chosen`` = (first day, last day, patient id; None: any) to
    ``output``; returns how many were written."""
    setup = fhir_source.store_setup(store, protocol, clock.now().isoformat(timespec="seconds"), deidentify,
                                    clinic_name(store, protocol))
    shown = sys.stderr.isatty()

    def progress(done: int) -> None:
        if shown and done % 250 == 0:
            print("\r" + tr("  {done} sessions written").format(done=f"{done:,}"), end="", file=sys.stderr, flush=True)

    written = fhir.write_bundle(output, fhir_source.month_records(store, *chosen), setup, progress)
    if shown and written.sessions >= 250:
        print(file=sys.stderr)
    return written.sessions
