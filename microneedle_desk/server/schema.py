"""The clinic schema on the server, as numbered migrations.

``server init`` applies the ones a database lacks, in order, each in its own transaction
with its version number, so an upgrade stopped half-way leaves the previous version whole.
A database whose version is newer than this app knows is refused, never touched.

Everything lives in the ``clinic`` schema. Signed sessions, amendments and the access log
are the laptops' hash-chained records (``records``: one row per chain place and laptop);
patients, follow-ups, merges and every record are append-only: a trigger refuses UPDATE,
DELETE and TRUNCATE, so a correction is always a new record, as on the laptop. ``received_at``
is the server's time of arrival; each record keeps its own device, author and local time.
``xid`` (the inserting transaction) lets a pull fetch what arrived since its last snapshot,
including rows of transactions that were still open then.
"""

from __future__ import annotations

from typing import Any

from microneedle_desk.i18n import tr
from microneedle_desk.server.connection import Refused

SCHEMA = "clinic"

_APPEND_ONLY = """
CREATE FUNCTION clinic.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'clinic.% is append-only: records are never changed or removed on the server', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END $$;
"""


def _append_only(table: str) -> str:
    return (f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON clinic.{table} "
            f"FOR EACH ROW EXECUTE FUNCTION clinic.refuse_change();\n"
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON clinic.{table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION clinic.refuse_change();\n")


_V1 = """
CREATE SCHEMA IF NOT EXISTS clinic;
CREATE TABLE clinic.meta (key text PRIMARY KEY, value text NOT NULL);
INSERT INTO clinic.meta (key, value) VALUES ('clinic', gen_random_uuid()::text);
CREATE TABLE clinic.devices (
    device uuid PRIMARY KEY, name text NOT NULL, signed_from integer, demo boolean NOT NULL DEFAULT false,
    first_seen timestamptz NOT NULL DEFAULT now(), last_seen timestamptz NOT NULL DEFAULT now());
CREATE TABLE clinic.patients (
    id uuid PRIMARY KEY, device uuid NOT NULL, clinic_id text NOT NULL, name text NOT NULL, dob date NOT NULL,
    created_at text NOT NULL, doc jsonb NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(), xid xid8 NOT NULL DEFAULT pg_current_xact_id());
CREATE INDEX patients_clinic_id ON clinic.patients (lower(clinic_id));
CREATE INDEX patients_person ON clinic.patients (lower(name), dob);
CREATE INDEX patients_xid ON clinic.patients (xid);
CREATE TABLE clinic.practitioners (
    id uuid PRIMARY KEY, device uuid NOT NULL, name text NOT NULL, doc jsonb NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE clinic.accounts (
    id uuid NOT NULL, digest text NOT NULL, device uuid NOT NULL, doc jsonb NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (id, digest));
CREATE TABLE clinic.records (
    id uuid PRIMARY KEY, device uuid NOT NULL, seq integer NOT NULL, kind text NOT NULL,
    session_id uuid, patient_id uuid, status text, author text, local_time text,
    started_at timestamptz, prev text NOT NULL, hash text NOT NULL, doc jsonb NOT NULL, summary jsonb,
    received_at timestamptz NOT NULL DEFAULT now(), xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    UNIQUE (device, seq));
CREATE INDEX records_xid ON clinic.records (xid);
CREATE INDEX records_session ON clinic.records (session_id);
CREATE TABLE clinic.followups (
    id uuid PRIMARY KEY, session_id uuid NOT NULL, device uuid NOT NULL, author text, local_time text,
    doc jsonb NOT NULL, received_at timestamptz NOT NULL DEFAULT now(),
    xid xid8 NOT NULL DEFAULT pg_current_xact_id());
CREATE INDEX followups_xid ON clinic.followups (xid);
CREATE TABLE clinic.quarantine (
    qid bigserial PRIMARY KEY, device uuid NOT NULL, kind text NOT NULL, record_id text NOT NULL,
    seq integer, hash text NOT NULL DEFAULT '', reason text NOT NULL, doc jsonb NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(), UNIQUE (record_id, hash));
CREATE TABLE clinic.conflicts (
    cid bigserial PRIMARY KEY, kind text NOT NULL, patient_a uuid NOT NULL, patient_b uuid NOT NULL,
    found_at timestamptz NOT NULL DEFAULT now(), UNIQUE (kind, patient_a, patient_b));
""" + _APPEND_ONLY + "".join(_append_only(t) for t in ("patients", "records", "followups"))

# Version 2: merges of one person registered twice (each a recorded, append-only event), and
# the index the clinic-wide history reads its newest rows by.
_V2 = """
CREATE TABLE clinic.merges (
    id uuid PRIMARY KEY, kept uuid NOT NULL, merged uuid NOT NULL, author text NOT NULL, device uuid NOT NULL,
    local_time text NOT NULL, received_at timestamptz NOT NULL DEFAULT now(),
    xid xid8 NOT NULL DEFAULT pg_current_xact_id());
CREATE INDEX records_history ON clinic.records (started_at DESC) WHERE kind = 'session';
""" + _append_only("merges")

MIGRATIONS: tuple[str, ...] = (_V1, _V2)
VERSION = len(MIGRATIONS)


def schema_version(conn: Any) -> int:
    """The clinic schema's version in this database (0 when it has none yet)."""
    found = conn.execute("SELECT to_regclass('clinic.meta')").fetchone()
    if not found or found[0] is None:
        return 0
    row = conn.execute("SELECT value FROM clinic.meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0


def clinic_identity(conn: Any) -> str:
    """This clinic database's own id (made by the first migration): a laptop's cursor belongs to one."""
    row = conn.execute("SELECT value FROM clinic.meta WHERE key = 'clinic'").fetchone()
    return str(row[0]) if row else ""


def newer_problem(version: int) -> str:
    return tr("The clinic server holds records in schema version {found}, newer than this app knows "
              "({known}): update the app on this laptop first; nothing was changed.").format(
        found=version, known=VERSION)


def require_current(conn: Any) -> None:
    """Raise :class:`Refused` unless the database has exactly the schema this app writes."""
    version = schema_version(conn)
    if version > VERSION:
        raise Refused(newer_problem(version))
    if version < VERSION:
        raise Refused(tr("The clinic server is not set up for this app yet (schema version {found}, this app "
                         "needs {known}): an admin runs `microneedle-desk server init --server DSN`.").format(
            found=version, known=VERSION))
    conn.rollback()


def migrate(conn: Any, upto: int = VERSION) -> tuple[int, int]:
    """Apply the migrations the database lacks, up to ``upto``. Returns (before, after).

    A transaction-level advisory lock keeps two laptops' ``server init`` from running the
    same migration at once."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext('microneedle-desk clinic schema'))")
        before = schema_version(conn)
    if before > VERSION:
        raise Refused(newer_problem(before))
    for number in range(before + 1, upto + 1):
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(hashtext('microneedle-desk clinic schema'))")
            if schema_version(conn) >= number:
                continue  # another laptop applied it meanwhile
            conn.execute(MIGRATIONS[number - 1])
            conn.execute("INSERT INTO clinic.meta (key, value) VALUES ('schema_version', %s) "
                         "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value", (str(number),))
    return before, max(before, upto)
