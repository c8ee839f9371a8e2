"""The hash chain over signed sessions, amendments and access records: each sealed record's
hash recomputes from its content and the previous hash, the sequence has no gaps or
duplicates, the head in ``meta.json`` names the last entry, and the chain reaches the head
held in the newest backup (``anchor.json`` in the zip): a chain shorter than that, or one
that differs at that place, was rolled back or rewritten.
"""

from __future__ import annotations

import json
import os
import zipfile
from operator import itemgetter
from pathlib import Path

from microneedle_desk import paths
from microneedle_desk.core.record_types import JsonObject
from microneedle_desk.core.records import content_hash
from microneedle_desk.store.backup import BACKUP_NAME
from microneedle_desk.store.check_state import HEX64, CheckState, Entry

GENESIS = "0" * 64
ANCHOR_MEMBER = "anchor.json"  # in a backup zip: the chain head when it was taken
RESTORED = "restored"  # meta: the backup last restored and when ({"backup": name, "at": YYYYmmdd-HHMMSS})


class ChainChecks(CheckState):
    """The store check's part that follows the record chain."""

    def sealed_ok(self, path: Path, label: str, doc: JsonObject, keys: tuple[str, ...]) -> bool:
        """Shape, version and seal of a signed record; adds it to the chain when whole."""
        if self.missing(path, label, doc, keys) or not self.schema_ok(path, label, doc):
            return False
        chain = doc["chain"]
        if not isinstance(chain, dict) or isinstance(chain.get("seq"), bool) \
                or not isinstance(chain.get("seq"), int) or not isinstance(chain.get("prev"), str):
            self.add(path, label, "its place in the record chain (seq, prev) is damaged.")
            return False
        if not isinstance(doc["hash"], str):
            self.add(path, label, "the record has no seal (hash).")
            return False
        # its stored place in the chain still counts, so only the altered record is named
        self.chain.append((chain["seq"], chain["prev"], doc["hash"], self.rel(path), label))
        if content_hash(doc, chain["prev"]) != doc["hash"]:
            self.add(path, label, "the record was changed after it was signed: its content no longer "
                                  "matches its seal (hash). Restore it from a backup; corrections are "
                                  "made as amendments.")
            return False
        return True

    def check_anchor(self, entries: list[Entry]) -> None:
        """The chain must reach the head the newest backup holds, and agree with it there."""
        found = newest_anchor(self.root, self.restored)
        if found is None:
            return
        name, seq, digest = found
        meta = paths.meta_file(self.root)
        hashes = {entry[0]: entry[2] for entry in entries}
        last = max(hashes, default=0)
        if seq > last:
            self.add(meta, "record chain", f"the record chain ends at record {last}, but the backup {name} "
                     f"holds {seq}: signed records were removed, or the folder was replaced by an older copy.")
        elif seq and hashes.get(seq) != digest:
            self.add(meta, "record chain", f"record {seq} differs from the one the backup {name} holds: the "
                     "record chain was rewritten after that backup.")

    def check_chain(self, head: JsonObject | None) -> None:
        if self.months_unreadable:
            return
        meta = paths.meta_file(self.root)
        entries = sorted(self.chain, key=itemgetter(0))
        prev_hash, expected = GENESIS, 1
        for seq, prev, digest, file, label in entries:
            if seq < expected:
                self.add(self.root / file, label, f"two records claim place {seq} in the record chain.")
                continue
            if seq > expected:
                self.add(self.root / file, label,
                         f"records {expected}–{seq - 1} of the record chain are missing before this one.")
            elif prev != prev_hash:
                self.add(self.root / file, label,
                         "the record does not link to the one before it: a record before it was "
                         "altered, removed or replaced.")
            prev_hash, expected = digest, seq + 1
        self.check_anchor(entries)
        if head is None:
            return
        last = (entries[-1][0], entries[-1][2]) if entries else None
        intent = head.get("intent") or {}
        if last is None:
            if head["seq"] != 0:
                self.add(meta, "record-chain head", f"the head names {head['seq']} records but none are on file.")
        elif (head["seq"], head["hash"]) != last and not (
                isinstance(intent, dict) and (intent.get("seq"), intent.get("hash")) == last):
            self.add(meta, "record-chain head",
                     f"the head names record {head['seq']} but the last record on file is {last[0]}: "
                     "signed records were removed or added by hand.")


def newest_anchor(root: Path, restored: JsonObject | None = None) -> tuple[str, int, str] | None:
    """(backup name, chain seq, chain hash) held by the newest backup that holds one.

    After a restore (``restored``: the backup and when), the backups taken after the restored
    one and before the restore hold the history that was replaced on purpose: they are skipped."""
    folder = paths.backups_dir(root)
    try:
        names = sorted((n for n in os.listdir(folder) if BACKUP_NAME.match(n)), reverse=True)
    except OSError:
        return None
    if restored is not None:
        chosen = BACKUP_NAME.match(str(restored.get("backup", "")))
        since, until = (chosen.group(1) if chosen else ""), str(restored.get("at", ""))
        names = [n for n in names if not since < _stamp(n) <= until]
    for name in names:
        try:
            if name.endswith(".json"):  # a manifest holds the head it was taken at
                anchor = json.loads((folder / name).read_bytes()).get("anchor")
            else:
                with zipfile.ZipFile(folder / name) as zf:
                    anchor = json.loads(zf.read(ANCHOR_MEMBER))
        except (OSError, KeyError, ValueError, AttributeError, zipfile.BadZipFile):
            continue  # an older backup without one, or unreadable: the next one may tell
        if not isinstance(anchor, dict):
            continue
        seq, digest = anchor.get("seq"), anchor.get("hash")
        if isinstance(seq, int) and not isinstance(seq, bool) and isinstance(digest, str) and HEX64.match(digest):
            return name, seq, digest
    return None


def _stamp(name: str) -> str:
    found = BACKUP_NAME.match(name)
    return found.group(1) if found else ""
