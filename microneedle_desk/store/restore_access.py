"""The access log across a restore: never rolled back.

Entries made after the restored backup are sealed again into the restored chain (same ids,
marked as carried over), and the restore itself is logged.
"""

from __future__ import annotations

import json
from pathlib import Path

from microneedle_desk import paths
from microneedle_desk.core.clock import SystemClock
from microneedle_desk.core.protocol import load_protocol
from microneedle_desk.core.record_types import JsonObject
from microneedle_desk.store.accounts import AccountBook
from microneedle_desk.store.check_chain import RESTORED
from microneedle_desk.store.storage import json_file_names
from microneedle_desk.store.store import Store


def _access_docs(folder: Path) -> list[JsonObject]:
    docs: list[JsonObject] = []
    for name in json_file_names(folder):
        try:
            data = json.loads((folder / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # an unreadable old file stays in quarantine as it is, for inspection
        table = data.get("access", {}) if isinstance(data, dict) else {}
        docs.extend(d for d in table.values() if isinstance(d, dict))
    return docs


CARRIED = " (carried over at the restore of {backup})"


def carry_over_access_log(root: Path, aside: Path, backup_name: str) -> None:
    """Seal the access entries made after the backup into the restored chain, then log the
    restore. Entries are matched by id, so running it again adds nothing twice."""
    access = paths.access_dir(root).name
    present = _access_docs(root / access)
    known = {d.get("id") for d in present}
    later = sorted((d for d in _access_docs(aside / access) if d.get("id") not in known),
                   key=lambda d: (d.get("chain", {}).get("seq", 0), str(d.get("at", ""))))
    note = CARRIED.format(backup=backup_name)
    logged = any(d.get("action") == "restore" and note in str(d.get("detail", "")) for d in present)
    if not later and logged:
        return
    store = Store(root, load_protocol(paths.protocol_file()), SystemClock())
    try:
        store.recover()
        # The backups taken between this one and now hold a history given up on purpose: `check`
        # compares the chain with the backups outside that span only.
        store.set_meta_value(RESTORED, {"backup": backup_name, "at": aside.name[:15]})
        for doc in later:
            carried = {k: v for k, v in doc.items() if k not in ("chain", "hash")}
            carried["detail"] = str(carried.get("detail", "")) + note
            month = str(doc.get("at", ""))[:7]
            store._chain_append(carried, store._db_for(paths.access_file(root, month)).table("access"))
        if not logged:
            AccountBook(store).log("restore", None, detail=f"restored {backup_name}{note}")
    finally:
        store.close()
