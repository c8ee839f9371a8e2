"""The accounts' own file, ``accounts.json``, and the move of the accounts out of ``patients.json``.

The sign-in dialog lists the accounts before anyone is signed in. Stores written before this
layout kept the accounts in ``patients.json`` (table ``accounts``) beside every patient, so
the start had to parse every patient to draw that dialog. The accounts now live in
``accounts.json`` (the same TinyDB table and documents); the practitioner records that old
sessions name stay in ``patients.json``.

:func:`move_accounts` moves them, once, when a store without the meta flag :data:`MOVED` is
opened to write; the flag is set after it. It is safe to stop at any file operation: the
accounts are first written to ``accounts.json`` (merged with those already there), then
``patients.json`` is rewritten without them, then the flag is set. A stop before the flag
leaves a store that the next opening moves again, where both files may hold the same accounts.
Where both hold an account, the copy in ``patients.json`` wins: it is there only when a move
was stopped (then the two are the same) or when ``patients.json`` and ``meta.json`` were put
back from a backup of the earlier layout (a restore moves the live accounts.json aside with
the other files), and then it is the one meant. With the flag set, the start reads nothing of
``patients.json``.

Readers that never write (the store check, the push to the clinic server) take the accounts
the same way (:func:`stored_accounts`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from microneedle_desk import paths
from microneedle_desk.core.accounts import Account
from microneedle_desk.core.record_types import JsonObject
from microneedle_desk.core.records import Practitioner
from microneedle_desk.store.storage import WRITE_GATE, BadFileError, dumps, read_json_file, write_atomic

TABLE = "accounts"
MOVED = "accounts_file"
"""Meta-record flag: the accounts live in accounts.json (set by the move, or when the store is made)."""

# A non-empty accounts table as the store's JSON writer (and TinyDB's default one) writes it.
# Inside a JSON string every quote is escaped, so these bytes can only be a table's key.
_MARKS = (b'"accounts":{"', b'"accounts": {"')


def holds_accounts(path: Path) -> bool:
    """Whether the file at ``path`` holds a non-empty accounts table, found without parsing it
    (a byte search: far cheaper than parsing every patient)."""
    try:
        raw = path.read_bytes()
    except OSError:
        return False
    return any(mark in raw for mark in _MARKS)


def _table(data: Any) -> dict[str, JsonObject]:
    table = data.get(TABLE) if isinstance(data, dict) else None
    return {str(k): v for k, v in table.items() if isinstance(v, dict)} if isinstance(table, dict) else {}


def moved(root: Path) -> bool:
    """Whether the store's meta record says its accounts live in accounts.json."""
    try:
        meta = read_json_file(paths.meta_file(root))
    except BadFileError:
        return False
    records = meta.get("meta") if isinstance(meta, dict) else None
    first = next(iter(records.values()), None) if isinstance(records, dict) and records else None
    return isinstance(first, dict) and bool(first.get(MOVED))


def stored_accounts(root: Path) -> dict[str, JsonObject]:
    """Every account document of the store at ``root`` by account id, as the app reads them:
    ``accounts.json``'s, and, in a store not yet moved, those still in ``patients.json`` in
    their place (as the move will leave them). A file that cannot be read adds nothing (the
    check reports it on its own)."""
    found: dict[str, JsonObject] = {}
    later = [] if moved(root) else [paths.patients_file(root)]
    for path in [paths.accounts_file(root), *later]:
        if path in later and not holds_accounts(path):
            continue
        try:
            data = read_json_file(path) if path.exists() else {}
        except BadFileError:
            continue
        found.update((str(doc["id"]), doc) for doc in _table(data).values() if "id" in doc)
    return found


def account_from_practitioner(person: Practitioner) -> Account:
    """The account a practitioner record from before accounts becomes: same UUID and name, no
    PIN yet (the person chooses one at their first sign-in)."""
    return Account(id=person.id, name=person.name, role="practitioner", active=person.active,
                   pin_hash=None, must_change_pin=True, failures=0, locked_until=None,
                   device=person.device, created_at=person.created_at)


def move_accounts(root: Path) -> int:
    """Move the accounts out of ``patients.json`` into ``accounts.json`` (see the module's
    docstring for the order that makes a stop anywhere safe). Practitioner records from before
    accounts that have none get one, as the app has always given them at its start.

    Returns how many accounts ``accounts.json`` holds after the move; 0 (and no file touched)
    when ``patients.json`` holds no accounts. The caller sets the flag :data:`MOVED` after it.
    """
    people = paths.patients_file(root)
    if not holds_accounts(people):
        return 0
    with WRITE_GATE:
        data = read_json_file(people)
        moving = _table(data)
        if not moving:
            return 0
        target = paths.accounts_file(root)
        kept = read_json_file(target) if target.exists() else {}
        table = _table(kept)
        where = {str(doc.get("id")): key for key, doc in table.items()}
        next_key = max((int(k) for k in table if k.isdigit()), default=0) + 1
        for doc in moving.values():
            key = where.get(str(doc.get("id")))
            if key is None:
                key = where[str(doc.get("id"))] = str(next_key)
                next_key += 1
            table[key] = doc
        for person in _table({TABLE: data.get("practitioners")}).values():  # the same shape of table
            if str(person.get("id")) not in where and all(k in person for k in ("id", "name", "device",
                                                                                 "created_at")):
                where[str(person.get("id"))] = str(next_key)
                table[str(next_key)] = dict(account_from_practitioner(Practitioner.from_doc(person)).to_doc())
                next_key += 1
        # accounts.json first: a stop before patients.json is rewritten leaves both holding them
        write_atomic(target, dumps({**(kept if isinstance(kept, dict) else {}), TABLE: table}))
        rest = {name: records for name, records in data.items() if name != TABLE}
        write_atomic(people, dumps(rest))
    return len(table)
