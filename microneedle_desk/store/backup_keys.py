"""The clinic's backup key: an age X25519 key pair.

Only the public key (the *recipient*) is kept in the data folder (``backup-keys.json``), so
the laptop can encrypt backups unattended but cannot read them. The private key (the
*identity*) is given to the admin once, as a file in the format ``age-keygen`` writes, to
print or keep on a separate medium. Every key ever used stays listed: a backup names the key
it was encrypted to, and one made before a replacement still opens with the old identity.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypedDict

from microneedle_desk import paths
from microneedle_desk.store.storage import dumps, write_atomic


class BackupKeyError(Exception):
    """A key that cannot be made, read or used; ``str()`` is one sentence for a person."""


class BackupKeyDoc(TypedDict):
    """A backup key as ``backup_keys.json`` lists it (the public half only)."""

    id: str
    key_id: str
    public: str
    device: str
    made: str
    replaced: str | None


@dataclass(frozen=True)
class BackupKey:
    id: str          # UUID of this key record
    key_id: str      # short name of the public key, used in file names of encrypted backups
    public: str      # the age recipient, "age1..."
    device: str
    made: str        # ISO time with UTC offset
    replaced: str | None

    def as_doc(self) -> BackupKeyDoc:
        return {"id": self.id, "key_id": self.key_id, "public": self.public, "device": self.device,
                "made": self.made, "replaced": self.replaced}


def key_id_of(public: str) -> str:
    return hashlib.sha256(public.encode("ascii")).hexdigest()[:16]


def keys(root: Path) -> list[BackupKey]:
    """Every backup key the clinic has had, oldest first."""
    path = paths.backup_keys_file(root)
    if not path.exists():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return [BackupKey(str(d["id"]), str(d["key_id"]), str(d["public"]), str(d.get("device", "")),
                          str(d["made"]), d.get("replaced")) for d in data["keys"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BackupKeyError(f"{path.name} cannot be read ({exc}); make the backup key again "
                             "(microneedle-desk backup-key --replace -o FILE).") from None


def current_key(root: Path) -> BackupKey | None:
    found = [k for k in keys(root) if k.replaced is None]
    return found[-1] if found else None


def make_key(root: Path, now: datetime, device: str, replace: bool = False) -> tuple[BackupKey, str]:
    """A new key pair; the public key is kept, the identity text (age-keygen's format) is
    returned for the admin and kept nowhere. Refused when a key exists and not ``replace``."""
    import pyrage  # noqa: PLC0415 (optional dependency, loaded when used)

    existing = keys(root)
    if any(k.replaced is None for k in existing) and not replace:
        raise BackupKeyError("A backup key already exists. Replacing it means later backups need the new "
                             "recovery key; older ones still open with the old one. Give --replace to do so.")
    identity = pyrage.x25519.Identity.generate()
    public = str(identity.to_public())
    made = now.isoformat()
    key = BackupKey(str(uuid.uuid4()), key_id_of(public), public, device, made, None)
    kept = [BackupKey(k.id, k.key_id, k.public, k.device, k.made, k.replaced or made) for k in existing]
    write_atomic(paths.backup_keys_file(root), dumps({"version": 1, "keys": [k.as_doc() for k in [*kept, key]]}))
    text = f"# created: {made}\n# public key: {public}\n{identity}\n"
    return key, text


def read_identities(text: str) -> list[Any]:
    """The age identities in ``text`` (an identity file's content, or the key pasted alone)."""
    import pyrage  # noqa: PLC0415 (optional dependency, loaded when used)

    found = []
    for raw in text.splitlines():
        line = raw.strip().upper()
        if line.startswith("AGE-SECRET-KEY-"):
            try:
                found.append(pyrage.x25519.Identity.from_str(line))
            except Exception:  # pyrage raises its own unexported error type
                raise BackupKeyError("The recovery key is not a valid age key (it should start with "
                                     "AGE-SECRET-KEY-1 and be copied whole).") from None
    if not found:
        raise BackupKeyError("No recovery key found: the text should hold a line that starts with "
                             "AGE-SECRET-KEY-1, as printed when the backup key was made.")
    return found
