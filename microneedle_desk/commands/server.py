"""``microneedle-desk server init --server DSN``: create or upgrade the clinic schema.

Exit 0 done (or already current), 1 refused (the database holds a schema newer than this
app knows; nothing is changed), 2 the server cannot be reached.
"""

from __future__ import annotations

import argparse
import sys

from microneedle_desk.i18n import tr
from microneedle_desk.server import schema
from microneedle_desk.server.connection import Refused, Unreachable, connect, reason

EXIT_DONE, EXIT_REFUSED, EXIT_UNREACHABLE = 0, 1, 2


def add_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("init",), help="init: create or upgrade the clinic's schema")
    parser.add_argument("--server", metavar="DSN", required=True,
                        help="libpq connection string or URI (postgresql://role@host/db, service=clinic); "
                             "the password comes from ~/.pgpass or the service file, never from here")


def run(args: argparse.Namespace) -> int:
    import psycopg  # noqa: PLC0415 (optional dependency, loaded when used)

    try:
        with connect(args.server) as conn:
            before, after = schema.migrate(conn)
    except Unreachable as exc:
        print(tr("microneedle-desk server: {why}").format(why=exc), file=sys.stderr)
        return EXIT_UNREACHABLE
    except Refused as exc:
        print(tr("microneedle-desk server: {why}").format(why=exc), file=sys.stderr)
        return EXIT_REFUSED
    except psycopg.errors.InsufficientPrivilege:
        print(tr("microneedle-desk server: this role may not create the clinic schema: run `server init` as "
                 "the database's owner."), file=sys.stderr)
        return EXIT_REFUSED
    except psycopg.OperationalError as exc:
        print(tr("microneedle-desk server: {why}").format(why=reason(exc)), file=sys.stderr)
        return EXIT_UNREACHABLE
    if before == after:
        print(tr("The clinic schema is current (version {n}); nothing to do.").format(n=after))
    elif before == 0:
        print(tr("Created the clinic schema (version {n}).").format(n=after))
    else:
        print(tr("Upgraded the clinic schema from version {old} to {new}.").format(old=before, new=after))
    return EXIT_DONE
