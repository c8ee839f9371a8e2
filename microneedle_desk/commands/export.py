"""``microneedle-desk export``: session summaries as CSV or JSON, signed sessions as a FHIR R4B
bundle, and cartridge-lot recall.

    microneedle-desk export --format csv|json|fhir [--from DATE] [--to DATE] [--deidentify]
                            [--patient PATIENT_ID] -o FILE
    microneedle-desk export --lot LOT [-o FILE]
    microneedle-desk export --server DSN ...   (the same, over the whole clinic on its server)

Session ids in the export are the ones ``microneedle-desk sheet --session ID`` prints.
Exit codes: 0 written (or listed); 1 the records cannot be read or the file not written;
2 a usage mistake (bad date, missing option).
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import TYPE_CHECKING, Any

from microneedle_desk import paths
from microneedle_desk.commands.export_fhir import write_fhir
from microneedle_desk.core.clock import SystemClock
from microneedle_desk.core.protocol import ProtocolError, load_protocol
from microneedle_desk.i18n import tr
from microneedle_desk.review import export
from microneedle_desk.review.fhir_source import find_patient
from microneedle_desk.server import schema
from microneedle_desk.server.connection import ServerError, connect, reason
from microneedle_desk.server.reading import ClinicRecords
from microneedle_desk.store.folder import output_problem
from microneedle_desk.store.lock import StoreLock
from microneedle_desk.store.storage import BadFileError
from microneedle_desk.store.store import Store, StoreError

if TYPE_CHECKING:
    from microneedle_desk.core.clock import Clock
    from microneedle_desk.core.protocol import Protocol
    from microneedle_desk.core.summary import SessionRow
    from microneedle_desk.review.export_record import ExportRecord

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def add_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("csv", "json", "fhir"),
                        help=tr("file format (sessions: required); fhir: one FHIR R4B Bundle of the signed sessions"))
    parser.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", help=tr("first day included"))
    parser.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help=tr("last day included"))
    parser.add_argument("--deidentify", action="store_true",
                        help=tr("drop names, dates of birth and clinic IDs; patients become stable pseudonyms"))
    parser.add_argument("--patient", metavar="PATIENT_ID",
                        help=tr("only this patient's sessions (the clinic patient ID, or the patient's UUID)"))
    parser.add_argument("--lot", metavar="LOT",
                        help=tr("cartridge lot recall: list the patients and sessions that got this lot"))
    parser.add_argument("-o", "--output", metavar="FILE", help=tr("the file to write"))
    parser.add_argument("--server", metavar="DSN",
                        help=tr("export the whole clinic from its server (libpq string or URI) instead of this laptop; "
                                "a server that cannot be reached or read exits 1, as a data folder that cannot "
                                "be read does"))


def _fail(message: str, code: int = EXIT_FAILED) -> int:
    print(tr("microneedle-desk export: {message}").format(message=message), file=sys.stderr)
    return code


def _day(text: str | None, option: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(tr("{option} “{text}” is not a date; write it as YYYY-MM-DD, e.g. 2026-11-25.").format(
            option=option, text=text)) from None


def run(args: argparse.Namespace) -> int:
    if args.lot is None and (not args.format or not args.output):
        return _fail(tr("give --format csv|json|fhir and -o FILE (or --lot LOT for a recall list)."), EXIT_USAGE)
    if args.lot is not None and args.deidentify:
        return _fail(tr("a recall list names the patients to contact: --deidentify does not apply."), EXIT_USAGE)
    try:
        date_from, date_to = _day(args.date_from, "--from"), _day(args.date_to, "--to")
    except ValueError as exc:
        return _fail(str(exc), EXIT_USAGE)
    if date_from and date_to and date_from > date_to:
        return _fail(tr("--from is after --to."), EXIT_USAGE)
    if args.output:
        unsafe = output_problem(args.output)  # said before the records are read, not after
        if unsafe is not None:
            return _fail(str(unsafe))

    if getattr(args, "server", None):
        return _from_server(args, date_from, date_to)
    root = paths.data_dir()
    if not paths.meta_file(root).exists():
        return _fail(tr("there is no store in {root}.").format(root=root))
    try:
        protocol = load_protocol(paths.protocol_file())
    except ProtocolError as exc:
        return _fail(str(exc))
    clock = SystemClock()
    lock = StoreLock(root) if args.deidentify else None
    writable = lock is not None and lock.acquire() is None  # the secret may need to be made
    try:
        store = Store(root, protocol, clock, read_only=not writable)
        try:
            return _export(args, store, protocol, date_from, date_to, clock)
        finally:
            store.close()
    except export.ExportError as exc:
        return _fail(str(exc))
    except (StoreError, BadFileError) as exc:
        return _fail(tr("the records cannot be read: {exc}").format(exc=exc))
    except OSError as exc:
        return _fail(tr("the file could not be written: {value}").format(value=exc.strerror or exc))
    finally:
        if writable and lock is not None:
            lock.release()


def _export(args: argparse.Namespace, records: Any, protocol: Protocol, date_from: date | None,
            date_to: date | None, clock: Clock) -> int:
    """The export itself, from a data folder's store or from the clinic server's records (which
    answer as a store does): the patient asked for, then a FHIR bundle, a recall list or rows."""
    patient_id = None
    if args.patient is not None:
        patient = find_patient(records, args.patient)
        if patient is None:
            return _fail(tr("there is no patient with that clinic patient ID or UUID (--patient)."), EXIT_USAGE)
        patient_id = patient.id
    kind = tr("de-identified ") if args.deidentify else ""
    if args.format == "fhir" and args.lot is None:  # reads the history a month at a time
        count = write_fhir(records, protocol, (date_from, date_to, patient_id), args.output, args.deidentify, clock)
        print(tr("Wrote {n} {kind}signed session(s) as a FHIR R4B bundle to {path}").format(
            n=count, kind=kind, path=args.output))
        return EXIT_OK
    rows = export.in_range(records.summaries(), date_from, date_to)
    if patient_id is not None:
        rows = [r for r in rows if r.get("patient_id") == patient_id]
    if args.lot is not None:
        return _recall(args, rows)
    recs = export.records(records, rows, args.deidentify)
    _write_rows(args, recs, clock.now().isoformat(timespec="seconds"))
    print(tr("Wrote {len} {kind}session(s) as {upper} to {output}").format(
        len=len(recs), kind=kind, upper=args.format.upper(), output=args.output))
    return EXIT_OK


def _recall(args: argparse.Namespace, rows: list[SessionRow]) -> int:
    hits = export.lot_recall(rows, args.lot)
    if args.output:
        text = (export.recall_csv(hits) if (args.format == "csv" or args.output.endswith(".csv"))
                else export.recall_text(hits, args.lot))
        export.write_private(args.output, text)
        print(tr("Lot {lot}: {len} patient(s), {len2} session(s); written to {output}").format(
            lot=args.lot, len=len({h['patient_id'] for h in hits}), len2=len(hits), output=args.output))
    else:
        sys.stdout.write(export.recall_text(hits, args.lot))
    return EXIT_OK


def _write_rows(args: argparse.Namespace, recs: list[ExportRecord], now: str) -> None:
    text = export.to_csv(recs, args.deidentify) if args.format == "csv" else export.to_json(recs, args.deidentify, now)
    export.write_private(args.output, text)


def _from_server(args: argparse.Namespace, date_from: date | None, date_to: date | None) -> int:
    """The same export of the whole clinic, read from its server (server/reading.py answers what a
    data folder's store would); exit 1 when it cannot be read, as for a data folder."""
    import psycopg  # noqa: PLC0415 (optional dependency, loaded when used)

    clock = SystemClock()
    try:
        protocol = load_protocol(paths.protocol_file())
        with connect(args.server) as conn:
            schema.require_current(conn)
            records = ClinicRecords(conn, protocol, paths.data_dir())  # answers as a Store does
            return _export(args, records, protocol, date_from, date_to, clock)
    except ServerError as exc:
        return _fail(tr("the clinic's records cannot be read: {why}").format(why=exc))
    except psycopg.Error as exc:  # the connection lost while reading, or a role that may not read
        return _fail(tr("the clinic's records cannot be read: {why}").format(why=reason(exc)))
    except (ProtocolError, export.ExportError) as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(tr("the file could not be written: {value}").format(value=exc.strerror or exc))
