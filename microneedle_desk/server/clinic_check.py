"""``check --server``: verify everything the clinic server holds, without changing anything.

Each laptop's chain is walked in order as the laptops' own ``check`` walks theirs: every
kept record's seal, its link to the record before it (a quarantined record keeps its
place), its signatures against the accounts' vouched keys, a session's events under the
rules, an amendment against its session. Every quarantined record is a problem too, with
the reason it was refused. Open duplicate-ID and same-person findings are listed for the
admin without being problems of the record (both patients are kept as registered).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from microneedle_desk.core.protocol import Protocol
from microneedle_desk.core.record_types import JsonObject
from microneedle_desk.core.session_state import SessionState
from microneedle_desk.i18n import tr
from microneedle_desk.server.push import server_accounts
from microneedle_desk.server.verify import RecordVerifier


def check_server(conn: Any, protocol: Protocol, progress: Callable[[int, int], None] | None = None
                 ) -> tuple[list[str], list[str]]:
    """(problems, notes): problems make ``check`` exit 1; notes are conflicts for the admin."""
    accounts = server_accounts(conn)
    problems: list[str] = []
    devices = conn.execute("SELECT device::text, name, signed_from, demo FROM clinic.devices ORDER BY name").fetchall()
    amended = {str(r[0]) for r in conn.execute(
        "SELECT DISTINCT session_id FROM clinic.records WHERE kind = 'amendment'").fetchall()}
    total = int(conn.execute("SELECT count(*) FROM clinic.records").fetchone()[0])
    done = 0
    probe = RecordVerifier(protocol, accounts, signed_from=None, demo=False)
    problems += [tr("account: {what}").format(what=p) for p in probe.key_problems()]
    for device, name, signed_from, demo in devices:
        verifier = RecordVerifier(protocol, accounts, signed_from=signed_from, demo=bool(demo))
        prev: tuple[int, str] | None = None
        states: dict[str, SessionState] = {}
        earlier: dict[str, list[JsonObject]] = {}
        with conn.transaction(), conn.cursor(name="chain") as cur:
            cur.itersize = 500
            cur.execute(
                "SELECT kind, doc, seq, hash, NULL FROM clinic.records WHERE device = %s "
                "UNION ALL SELECT kind, doc, seq, hash, reason FROM clinic.quarantine WHERE device = %s "
                "ORDER BY 3", (device, device))
            for kind, doc, seq, digest, quarantined in cur:
                done += 0 if quarantined else 1
                if quarantined is not None:
                    problems.append(tr("{room}: {kind} {id} is in quarantine: {why}").format(
                        room=name, kind=kind, id=doc.get("id", "?"), why=quarantined))
                    if isinstance(seq, int):
                        prev = (seq, str(digest))
                    continue
                session = states.get(str(doc.get("session_id"))) if kind == "amendment" else None
                said, state = verifier.problems_of(kind, doc, prev, session,
                                                   earlier.get(str(doc.get("session_id")), []))
                problems += [f"{name}: {p}" for p in said]
                if state is not None and str(doc.get("id")) in amended:
                    states[str(doc["id"])] = state
                if kind == "amendment" and not said:
                    earlier.setdefault(str(doc.get("session_id")), []).append(dict(doc))
                prev = (int(seq), str(digest))
                if progress is not None and done % 500 == 0:
                    progress(done, total)
    notes = [tr("patients {a} and {b}: {what}").format(
        a=a, b=b, what=tr("the same clinic patient ID for two different people") if kind == "clinic_id"
        else tr("the same name and date of birth: perhaps one person registered twice"))
        for kind, a, b in conn.execute(
            "SELECT kind, patient_a::text, patient_b::text FROM clinic.conflicts c WHERE NOT EXISTS ("
            "SELECT 1 FROM clinic.merges m WHERE (m.kept, m.merged) IN ((c.patient_a, c.patient_b), "
            "(c.patient_b, c.patient_a))) ORDER BY cid").fetchall()]
    return problems, notes
