"""Connecting to the clinic server, and the few ways that can fail, in an admin's words.

The DSN is a libpq connection string or URI (``postgresql://desk1@clinic-server/clinic``,
``service=clinic``). A password never travels in it: libpq finds it in ``~/.pgpass`` (0600),
``PGPASSFILE`` or the service file, as for ``psql``; TLS is ``sslmode`` as libpq has it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from microneedle_desk.i18n import tr

if TYPE_CHECKING:
    import psycopg

CONNECT_TIMEOUT_S = 5
APPLICATION_NAME = "microneedle-desk"


class ServerError(Exception):
    """The server cannot be used now. The message says why, without the DSN's secrets."""


class Unreachable(ServerError):
    """No connection: the server is away, refuses the password, or the DSN is wrong."""


class Refused(ServerError):
    """Connected, but the server's content refuses the work (a schema newer than this app knows)."""


def dsn_problem(dsn: object) -> str | None:
    """What is wrong with a DSN as given (None when it can be tried)."""
    from psycopg import conninfo  # noqa: PLC0415 (optional dependency, loaded when used)

    if not isinstance(dsn, str) or not dsn.strip():
        return tr("Give the clinic server as a libpq connection string or URI, e.g. "
                  "postgresql://desk1@clinic-server/clinic or service=clinic.")
    try:
        parts = conninfo.conninfo_to_dict(dsn)
    except Exception:
        return tr("The clinic server's address is not a libpq connection string or URI, e.g. "
                  "postgresql://desk1@clinic-server/clinic or service=clinic.")
    if parts.get("password"):
        return tr("Leave the password out of the server's address: put it in ~/.pgpass (readable by you "
                  "only) or in a libpq service file, where PostgreSQL's own tools find it too.")
    return None


def connect(dsn: str, *, timeout: float = CONNECT_TIMEOUT_S) -> psycopg.Connection[Any]:
    """An open connection; raises :class:`Unreachable` saying why not."""
    import psycopg  # noqa: PLC0415 (optional dependency, loaded when used)

    problem = dsn_problem(dsn)
    if problem is not None:
        raise Unreachable(problem)
    try:
        # autocommit: every unit of work is an explicit transaction block (conn.transaction())
        return psycopg.connect(dsn, connect_timeout=max(1, int(timeout)), application_name=APPLICATION_NAME,
                               autocommit=True)
    except psycopg.OperationalError as exc:
        raise Unreachable(reason(exc)) from None


def reason(exc: BaseException) -> str:
    """A failure from psycopg in a sentence an admin can act on (no password, no patient data)."""
    text = str(exc).lower()
    if "password" in text or "authentication" in text:
        return tr("The clinic server refused this laptop's sign-in (role or password): check ~/.pgpass "
                  "or the service file.")
    if "does not exist" in text and "database" in text:
        return tr("The clinic server has no such database: check the database name in the address.")
    if "no space" in text or "disk full" in text:
        return tr("The clinic server's disk is full: nothing was lost here; it is sent when there is room.")
    if "timeout" in text or "timed out" in text:
        return tr("The clinic server did not answer in time.")
    return tr("The clinic server cannot be reached now (it may be off, or the network away).")
