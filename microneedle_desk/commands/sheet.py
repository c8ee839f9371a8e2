"""``microneedle-desk sheet``: session sheets, a day's sheets, blank sheets and handouts as PDF.

Exit codes: 0 written; 1 nothing to print or it could not be read or written (unknown
session id, no session that day, unreadable records, folder missing); 2 a usage mistake
(bad date, conflicting options).
"""

from __future__ import annotations

import argparse
import sys
from datetime import date

from microneedle_desk import paths
from microneedle_desk.core.clock import SystemClock
from microneedle_desk.core.protocol import ProtocolError, load_protocol
from microneedle_desk.core.validation import ValidationError
from microneedle_desk.i18n import set_language, tr
from microneedle_desk.printing import blank, handout, jobs
from microneedle_desk.printing.photos import course_report
from microneedle_desk.printing.render import PAPERS, RenderError, ensure_app, write_pdf
from microneedle_desk.settings import Settings
from microneedle_desk.store.folder import output_problem
from microneedle_desk.store.storage import BadFileError
from microneedle_desk.store.store import Store, StoreError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def add_parser(parser: argparse.ArgumentParser) -> None:
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--session", metavar="ID", help=tr("the session to print (ids as `export` lists them)"))
    what.add_argument("--day", metavar="YYYY-MM-DD", help=tr("every session started on this day, in one PDF"))
    what.add_argument("--blank", action="store_true", help=tr("a blank sheet to fill in by hand"))
    what.add_argument("--course", metavar="PATIENT_ID",
                      help=tr("a patient's course report: before/after photos of each view, grade trend, sessions"))
    parser.add_argument("--handout", action="store_true",
                        help=tr("the patient's aftercare handout instead of the session sheet (without --session "
                                "or --day: a handout with the dates left blank)"))
    parser.add_argument("--paper", choices=sorted(PAPERS), help=tr("paper size (default: the clinic setting)"))
    parser.add_argument("-o", "--output", metavar="FILE.pdf", required=True, help=tr("the PDF file to write"))


def _fail(message: str, code: int = EXIT_FAILED) -> int:
    print(tr("microneedle-desk sheet: {message}").format(message=message), file=sys.stderr)
    return code


def run(args: argparse.Namespace) -> int:
    if args.blank and args.handout:
        return _fail(tr("--blank and --handout cannot be combined: choose one."), EXIT_USAGE)
    if args.course and args.handout:
        return _fail(tr("--course and --handout cannot be combined: choose one."), EXIT_USAGE)
    if not (args.session or args.day or args.blank or args.handout or args.course):
        return _fail(tr("say what to print: --session ID, --day YYYY-MM-DD, --course PATIENT_ID, --blank or "
                        "--handout."), EXIT_USAGE)
    day = None
    if args.day:
        try:
            day = date.fromisoformat(args.day)
        except ValueError:
            return _fail(tr("“{day}” is not a date; write it as YYYY-MM-DD, e.g. 2026-11-25.").format(
                day=args.day), EXIT_USAGE)

    unsafe = output_problem(args.output)  # said before anything is read or laid out
    if unsafe is not None:
        return _fail(str(unsafe))

    ensure_app()
    clock = SystemClock()
    try:
        protocol = load_protocol(paths.protocol_file())
    except ProtocolError as exc:
        return _fail(str(exc))
    settings = Settings(protocol, paths.settings_file(paths.data_dir()))  # the clinic's own, as the app reads it
    set_language(settings.get("clinic/language") or None)  # the sheet in the clinic's language, as in the app
    clinic = jobs.clinic_info(settings)
    paper = args.paper or jobs.default_paper(settings)
    now = clock.now()
    by = jobs.os_user()
    try:
        if args.blank or (args.handout and not (args.session or day)):
            docs = [blank.blank_sheet(protocol, clinic, by, now) if args.blank
                    else handout.handout(None, clinic, now, protocol=protocol)]
        else:
            store = Store(paths.data_dir(), protocol, clock, read_only=True)
            try:
                if args.course:
                    if store.patient(args.course) is None:
                        return _fail(f"there is no patient with id {args.course}.")
                    try:
                        docs = [course_report(store, args.course, clinic, by, now)]
                    except LookupError as exc:
                        return _fail(str(exc))
                    pages = write_pdf(docs, args.output, paper)
                    print(f"Wrote the course report, {pages} page(s), {paper.upper()}, to {args.output}")
                    return EXIT_OK
                ids = [args.session] if args.session else jobs.sessions_of_day(store, day)  # type: ignore[arg-type]
                if not ids:
                    return _fail(tr("no session was started on {day}.").format(day=args.day))
                docs = [jobs.handout_for(store, sid, clinic, now) if args.handout
                        else jobs.sheet_for(store, sid, clinic, by, now) for sid in ids]
            finally:
                store.close()
        pages = write_pdf(docs, args.output, paper)
    except jobs.NotFoundError as exc:
        return _fail(tr("{exc} `microneedle-desk export` lists the session ids.").format(exc=exc))
    except (StoreError, BadFileError) as exc:
        return _fail(tr("the records cannot be read: {exc}").format(exc=exc))
    except ValidationError as exc:
        return _fail(tr("a stored session does not pass its checks and was not printed: {exc}").format(exc=exc))
    except RenderError as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(tr("the PDF could not be written: {value}").format(value=exc.strerror or exc))
    print(tr("Wrote {len} document(s), {pages} page(s), {upper}, to {output}").format(
        len=len(docs), pages=pages, upper=paper.upper(), output=args.output))
    return EXIT_OK
