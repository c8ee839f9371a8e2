"""The access log: one sealed record per sign-in, failure, unlock, take-over, opened record,
export, print and command-line use, in the same hash chain as the sessions. Appending is the
accounts' business (:class:`~microneedle_desk.store.accounts.AccountBook` is an
:class:`AccessLog`); reading, filtering and exporting it are for admins only.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import cast

from microneedle_desk import paths
from microneedle_desk.core.accounts import (
    ACCESS_ACTIONS,
    Account,
    require,
)
from microneedle_desk.core.clock import Clock
from microneedle_desk.core.record_types import AccessDoc, AccessSubject
from microneedle_desk.core.records import SCHEMA_VERSION, iso, new_id
from microneedle_desk.store.store import Store

# The CLI commands that are logged with the OS user's name (demo-data too: its access
# record is sealed into the same chain as the demo sessions it wrote).
# ``check`` is not among them: it only verifies, and leaves the folder exactly as it found it
# (logging it would rewrite the access log and the chain head in meta.json).
CLI_ACTIONS = {"export": "exported", "sheet": "sheet", "backup": "backup",
               "restore": "restore", "demo-data": "demo-data", "photo": "photo", "backup-key": "settings changed",
               "sync": "sync"}


class AccessLog:
    """The access log's part of the account book."""

    store: Store
    clock: Clock

    def name(self, account_id: str) -> str:
        raise NotImplementedError

    def log(self, action: str, account_id: str | None = None, *, os_user_name: str | None = None,
            subject: AccessSubject | None = None, detail: str = "") -> AccessDoc | None:
        """Append one sealed access record; None when the store is read-only (nothing written)."""
        if action not in ACCESS_ACTIONS:
            raise ValueError(f"unknown access action {action!r}")
        if self.store.read_only:
            return None
        now = self.clock.now()
        doc: AccessDoc = {"schema": SCHEMA_VERSION, "kind": "access", "id": new_id(), "at": iso(now),
               "device": self.store.device, "account_id": account_id, "os_user": os_user_name,
               "action": action, "subject": subject.copy() if subject else {}, "detail": detail}
        table = self.store._db_for(paths.access_file(self.store.root, now.strftime("%Y-%m"))).table("access")
        return self.store._chain_append(doc, table)

    def entries(self, actor: Account | None, *, patient_id: str | None = None, session_id: str | None = None,
                account_id: str | None = None, action: str | None = None, since: str | None = None,
                until: str | None = None) -> list[AccessDoc]:
        """The access log, oldest first, filtered; admins only."""
        require("see_access_log", actor)
        return filter_entries(read_access_log(self.store), patient_id=patient_id, session_id=session_id,
                              account_id=account_id, action=action, since=since, until=until)

    def who(self, entry: AccessDoc) -> str:
        """Who an access record names: the account's name, or the OS user of a command-line use."""
        if entry.get("account_id"):
            return self.name(str(entry["account_id"]))
        return f"OS user {entry.get('os_user') or '(unknown)'}"

    def export_csv(self, actor: Account | None, entries: list[AccessDoc]) -> str:
        """The given access records as CSV (admins only). Log the export once it is written."""
        require("see_access_log", actor)
        require("export", actor)
        return access_csv(entries, self.who)


def read_access_log(store: Store) -> list[AccessDoc]:
    folder = paths.access_dir(store.root)
    out: list[AccessDoc] = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        # the store's own sealed records (the store's check holds them to ACCESS_KEYS and the chain)
        out.extend(cast(AccessDoc, dict(d)) for d in store._db_for(path).table("access").all())
    return sorted(out, key=lambda d: int(d["chain"]["seq"]))


def filter_entries(entries: list[AccessDoc], *, patient_id: str | None = None, session_id: str | None = None,
                   account_id: str | None = None, action: str | None = None, since: str | None = None,
                   until: str | None = None) -> list[AccessDoc]:
    """Keep the records that match every filter given. ``since`` and ``until`` are days
    (``YYYY-MM-DD``, both included), compared with the day of the record's local time."""

    def keep(d: AccessDoc) -> bool:
        subject = d.get("subject") or {}
        day = str(d.get("at", ""))[:10]
        return ((patient_id is None or subject.get("patient_id") == patient_id)
                and (session_id is None or subject.get("session_id") == session_id)
                and (account_id is None or d.get("account_id") == account_id)
                and (action is None or d.get("action") == action)
                and (since is None or day >= since)
                and (until is None or day <= until))

    return [d for d in entries if keep(d)]


ACCESS_CSV_COLUMNS = ("at", "who", "account_id", "os_user", "action", "patient_id", "session_id", "detail",
                      "seq", "hash")


def access_csv(entries: list[AccessDoc], who: Callable[[AccessDoc], str]) -> str:
    """Access records as CSV: UUIDs for patients and sessions (never a name), the person's name."""
    import csv  # noqa: PLC0415 (kept off the start-up path until first used)

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ACCESS_CSV_COLUMNS)
    for e in entries:
        subject = e.get("subject") or {}
        chain = e.get("chain")
        writer.writerow([e.get("at", ""), _cell(who(e)), e.get("account_id") or "", _cell(e.get("os_user") or ""),
                         e.get("action", ""), subject.get("patient_id", ""), subject.get("session_id", ""),
                         _cell(e.get("detail", "")), chain.get("seq", "") if chain else "", e.get("hash", "")])
    return out.getvalue()


def _cell(text: object) -> str:
    """Typed text (a name, a lot number) that a spreadsheet would run as a formula is quoted."""
    value = str(text)
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value
