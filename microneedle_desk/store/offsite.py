"""The encrypted copy of the backups in a second location (a USB drive, a network folder).

Everything written there is encrypted with age to the clinic's backup public key
(store/backup_keys.py), one file per stored file, so an admin can open any of them with the
standard tool (``age -d -i key.txt FILE``). Layout of the second location::

    README.txt                                  how to decrypt (no patient data)
    keys.json                                   the public keys used, with their short ids
    manifests/<key id>/<backup>.json.age        a backup's manifest (paths, hashes, sizes)
    manifests/<key id>/<backup>.json.objects    the hashes it names, for pruning without a key
    objects/<key id>/ab/<sha256>.gz.age         a data file, gzip-compressed, then encrypted

Names hold only dates, key ids and content hashes: no patient name or clinic ID. A file
already there for the same key is not written again, so a day's copy costs what changed.
Each file is written under a temporary name, synced and renamed; the manifest comes last,
so a copy stopped part-way (drive pulled out, disk full) leaves the earlier ones whole.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from microneedle_desk import paths
from microneedle_desk.core.record_types import JsonObject
from microneedle_desk.store import backup_repo as repo
from microneedle_desk.store.backup_keys import BackupKeyError, current_key, key_id_of, keys
from microneedle_desk.store.storage import write_atomic

SUFFIX = ".json.age"
README = """These are encrypted backups of a microneedle-desk data folder.

Each file is encrypted with age (https://age-encryption.org) to the clinic's backup key.
To read one, with the recovery key file printed when the key was made (key.txt):

    age -d -i key.txt manifests/<key id>/<backup>.json.age          (a backup's list of files)
    age -d -i key.txt objects/<key id>/ab/<hash>.gz.age | gunzip    (one data file)

To put a backup back on a laptop with microneedle-desk installed:

    microneedle-desk restore --identity key.txt THIS_FOLDER
"""


class OffsiteError(OSError):
    """The second location cannot take the copy; ``str()`` is one sentence for a person."""


def _put(path: Path, write: Callable[[IO[bytes]], None]) -> None:
    """Write a file atomically at the second location (temporary name, sync, rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise


def _put_bytes(path: Path, data: bytes) -> None:
    _put(path, lambda out: out.write(data))  # type: ignore[arg-type]


def reachable(dest: Path) -> str | None:
    """None when ``dest`` can take a copy now; else why not, in a sentence."""
    if not dest.is_dir():
        return f"{dest} is not there (is the drive plugged in, the network folder connected?)."
    if not os.access(dest, os.W_OK | os.X_OK):
        return f"{dest} cannot be written by this user."
    return None


def copy_backup(root: Path, manifest: Path, dest: Path, keep: int,
                progress: repo.Progress | None = None) -> Path:
    """Encrypt the backup ``manifest`` (in ``root``'s backups) into ``dest``; the manifest written
    there. Raises BackupKeyError when the clinic has no backup key, OSError when ``dest``
    cannot take it (nothing written there before is changed)."""
    import pyrage  # noqa: PLC0415 (optional dependency, loaded when used)

    key = current_key(root)
    if key is None:
        raise BackupKeyError("There is no backup key yet, so nothing can be encrypted: an admin makes one "
                             "(Settings, Backups, or microneedle-desk backup-key -o FILE).")
    why = reachable(dest)
    if why is not None:
        raise OffsiteError(why)
    recipient = pyrage.x25519.Recipient.from_str(key.public)
    source = repo.LocalSource(manifest)
    entries = source.entries()
    shas = sorted({e.sha256 for e in entries})
    for n, sha in enumerate(shas):
        target = dest / "objects" / key.key_id / sha[:2] / f"{sha}.gz.age"
        if not target.exists():
            with open(repo.object_path(source.backups, sha), "rb") as plain:
                _put(target, lambda out, plain=plain: pyrage.encrypt_io(plain, out, [recipient]))  # type: ignore[misc]
        if progress is not None:
            progress(n + 1, len(shas))
    if not (dest / "README.txt").exists():
        _put_bytes(dest / "README.txt", README.encode("utf-8"))
    _put_bytes(dest / "keys.json", json.dumps({"keys": [{"key_id": k.key_id, "public": k.public, "made": k.made,
                                                          "replaced": k.replaced} for k in keys(root)]},
                                               indent=1).encode("utf-8"))
    folder = dest / "manifests" / key.key_id
    _put_bytes(folder / f"{manifest.name}.objects", ("\n".join(shas) + "\n").encode("ascii"))
    content = dict(source.manifest, key_id=key.key_id, public_key=key.public)
    sealed = pyrage.encrypt(json.dumps(content, separators=(",", ":")).encode("utf-8"), [recipient])
    written = folder / f"{manifest.name}.age"
    _put_bytes(written, sealed)
    prune(dest, keep)
    return written


def manifests(dest: Path) -> list[Path]:
    """The encrypted backups in ``dest``, newest first (over every key)."""
    found = list((dest / "manifests").glob(f"*/*{SUFFIX}")) if (dest / "manifests").is_dir() else []
    return sorted(found, key=lambda p: p.name, reverse=True)


def prune(dest: Path, keep: int) -> None:
    """Keep the newest ``keep`` backups there: manifests first, then unnamed objects."""
    for old in manifests(dest)[max(1, keep):]:
        old.unlink()
        with contextlib.suppress(FileNotFoundError):
            old.with_name(old.name.removesuffix(".age") + ".objects").unlink()
    named: set[str] = set()
    for kept in manifests(dest):
        try:
            listed = kept.with_name(kept.name.removesuffix(".age") + ".objects").read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError):
            return  # a list that cannot be read: nothing is removed rather than something needed
        named.update(f"{kept.parent.name}/{sha}" for sha in listed.split())
    objects = dest / "objects"
    if not objects.is_dir():
        return
    for path in objects.glob("*/*/*"):
        if path.name.startswith(".tmp-") or f"{path.parent.parent.name}/{path.name.removesuffix('.gz.age')}" \
                not in named:
            path.unlink()


class EncryptedSource:
    """A backup in a second location, opened with the recovery key (age identities)."""

    def __init__(self, manifest: Path, identities: list[Any]) -> None:
        import pyrage  # noqa: PLC0415 (optional dependency, loaded when used)

        self.path = manifest
        self.name = manifest.name
        self.dest = manifest.parent.parent.parent
        self.key_id = manifest.parent.name
        self.identities = identities
        try:
            raw = pyrage.decrypt(manifest.read_bytes(), identities)
        except pyrage.DecryptError:
            raise BackupKeyError(f"The recovery key given does not open {manifest.name}: it was encrypted to "
                                 f"the backup key {self.key_id}{self._made()}. Use the recovery key printed "
                                 "when that key was made.") from None
        except OSError as exc:
            raise repo.ManifestError(f"{manifest.name} cannot be read ({exc.strerror or exc}).") from None
        self.manifest = repo.parse_manifest(raw, manifest.name)

    def _made(self) -> str:
        try:
            listed = json.loads((self.dest / "keys.json").read_text(encoding="utf-8"))["keys"]
            made = next(str(k["made"]) for k in listed if k.get("key_id") == self.key_id)
            return f" (made {made[:10]})"
        except (OSError, ValueError, KeyError, TypeError, StopIteration):
            return ""

    def entries(self) -> list[repo.Entry]:
        return repo.entries_of(self.manifest)

    def where(self, entry: repo.Entry) -> str:
        return f"objects/{self.key_id}/{entry.sha256[:2]}/{entry.sha256}.gz.age"

    def open_entry(self, entry: repo.Entry) -> IO[bytes]:
        import pyrage  # noqa: PLC0415 (optional dependency, loaded when used)

        plain = tempfile.SpooledTemporaryFile(max_size=4 << 20)  # noqa: SIM115 - handed to the caller
        try:
            with open(self.dest / self.where(entry), "rb") as sealed:
                pyrage.decrypt_io(sealed, plain, self.identities)
        except pyrage.DecryptError as exc:
            plain.close()
            raise OSError(f"it does not decrypt ({exc})") from None
        plain.seek(0)
        stream = gzip.GzipFile(fileobj=plain, mode="rb")
        stream.myfileobj = plain  # type: ignore[assignment]  # closed with the stream
        return stream  # type: ignore[return-value]


def open_encrypted(where: Path, identities: list[Any]) -> EncryptedSource:
    """The backup ``where`` names: a ``.json.age`` manifest, or, in a second location, the newest
    one the recovery key given opens (an old key still opens the backups made before a new one)."""
    if where.is_dir():
        found = manifests(where)
        if not found:
            raise repo.ManifestError(f"{where} holds no encrypted microneedle-desk backup "
                                     "(no manifests/<key id>/*.json.age).")
        mine = {key_id_of(str(identity.to_public())) for identity in identities}
        where = next((m for m in found if m.parent.name in mine), found[0])
    return EncryptedSource(where, identities)


def is_encrypted(where: Path) -> bool:
    return where.name.endswith(SUFFIX) or (where.is_dir() and (where / "manifests").is_dir())


def record_copy(root: Path, now: datetime, dest: Path, why: str | None) -> None:
    """Note the outcome of a copy to the second location (for the status bar)."""
    status = {"at": now.isoformat(), "dest": str(dest), "ok": why is None, "why": why or ""}
    last = last_copy(root)
    if why is not None and last is not None and last.get("ok"):
        status["last_ok"] = last["at"]
    elif why is not None and last is not None and last.get("last_ok"):
        status["last_ok"] = last["last_ok"]
    with contextlib.suppress(OSError):
        write_atomic(paths.offsite_status_file(root), json.dumps(status).encode("utf-8"))


def last_copy(root: Path) -> JsonObject | None:
    """The last attempt's outcome: at, dest, ok, why, and last_ok (when the last good one was), as
    read (a status file is a note for the status bar: each key is checked where it is used)."""
    try:
        data = json.loads(paths.offsite_status_file(root).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def copied_today(root: Path, now: datetime, dest: Path) -> bool:
    last = last_copy(root)
    return bool(last and last.get("ok") and last.get("dest") == str(dest)
                and str(last.get("at", ""))[:10] == now.isoformat()[:10])


def copy_and_note(root: Path, now: datetime, newest: Path, dest: Path, keep: int,
                  progress: repo.Progress | None = None) -> bool:
    """Copy the backup ``newest`` to ``dest`` and note how it went; never raises for a missing,
    full or unwritable location (that is noted, and tried again later). True when copied."""
    try:
        copy_backup(root, newest, dest, keep, progress)
    except (OSError, BackupKeyError, repo.ManifestError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        record_copy(root, now, dest, why)
        return False
    record_copy(root, now, dest, None)
    return True
