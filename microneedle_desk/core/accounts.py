"""Who is at the keyboard: accounts, roles, PINs and what each role may do. Qt-free.

An account is a person (practitioner or admin; an admin may also practise), active or
retired. A secret is a PIN of at least 6 digits (not all one digit) or a passphrase of at
least 12 characters. Only a salted scrypt hash is ever kept, with its parameters, so the
cost can be raised later without breaking old hashes. Wrong secrets are counted: after
:data:`FREE_TRIES` in a row the account waits before each next try, the wait doubling each
time, computed from the clock (nothing here sleeps).

Nothing in this module knows about storage or Qt; :mod:`microneedle_desk.store.accounts`
keeps accounts and the access log in the store.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, cast

from microneedle_desk.core.record_types import AccountDoc, KeyDoc, PinHash
from microneedle_desk.core.records import SCHEMA_VERSION, is_uuid
from microneedle_desk.core.validation import ValidationError

ROLES = ("practitioner", "admin")

# permission -> roles that have it
PERMISSIONS: dict[str, tuple[str, ...]] = {
    "run_sessions": ("practitioner", "admin"),
    "review_history": ("practitioner", "admin"),
    "print": ("practitioner", "admin"),
    "amend": ("practitioner", "admin"),
    "manage_accounts": ("admin",),
    "change_settings": ("admin",),
    "restore_backups": ("admin",),
    "export": ("admin",),
    "see_access_log": ("admin",),
    "see_all_sessions": ("admin",),
}

# what the access log records (never a PIN, never a patient's name: UUIDs only)
ACCESS_ACTIONS = (
    "sign-in", "sign-in failed", "sign-out", "lock", "unlock", "take-over", "pin proved",
    "opened patient record", "opened session", "printed", "exported", "backup", "restore",
    "check", "sheet", "demo-data", "settings changed", "account changed", "amended", "photo",
    "course changed", "course plan added", "recall", "sync",
)

PIN_MIN_DIGITS = 6
PASSPHRASE_MIN_CHARS = 12
FREE_TRIES = 5
FIRST_WAIT_SECONDS = 30
MAX_WAIT_SECONDS = 3600

# scrypt: memory-hard; n=2**14, r=8 uses 16 MiB per check, slow enough to make guessing dear
SCRYPT_N, SCRYPT_R, SCRYPT_P, SALT_BYTES, KEY_BYTES = 2**14, 8, 1, 16, 32


class PermissionDenied(ValidationError):
    """The signed-in account may not do this. The message says what and who may.

    A ValidationError, so every view that shows the core's refusals shows this one too."""

    def __init__(self, message: str) -> None:
        super().__init__("permission", message)


class SecretError(ValidationError):
    """A PIN or passphrase that is refused. The message says what is allowed (never the secret)."""

    def __init__(self, message: str) -> None:
        super().__init__("pin", message)


# -- secrets --------------------------------------------------------------------------
def check_secret(secret: str) -> str:
    """The secret if it is acceptable; raises SecretError saying what is allowed."""
    if not isinstance(secret, str):
        raise SecretError("A PIN must be text.")
    if secret.isdigit():
        if len(secret) < PIN_MIN_DIGITS:
            raise SecretError(f"A PIN needs at least {PIN_MIN_DIGITS} digits (or use a passphrase of "
                              f"at least {PASSPHRASE_MIN_CHARS} characters).")
        if len(set(secret)) == 1:
            raise SecretError("A PIN may not be one digit repeated; choose a PIN that is harder to guess.")
        return secret
    if len(secret) < PASSPHRASE_MIN_CHARS:
        raise SecretError(f"Use a PIN of at least {PIN_MIN_DIGITS} digits, or a passphrase of at least "
                          f"{PASSPHRASE_MIN_CHARS} characters.")
    if len(set(secret)) == 1:
        raise SecretError("A passphrase may not be one character repeated.")
    return secret


def hash_secret(secret: str) -> PinHash:
    """A salted scrypt hash of an acceptable secret, with the parameters needed to check it."""
    check_secret(secret)
    salt = secrets.token_bytes(SALT_BYTES)
    digest = hashlib.scrypt(secret.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P,
                            maxmem=64 * 1024 * 1024, dklen=KEY_BYTES)
    return {"alg": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P,
            "salt": salt.hex(), "hash": digest.hex()}


def verify_secret(secret: str, stored: object) -> bool:
    """True when ``secret`` matches ``stored`` (a :func:`hash_secret` result); constant-time compare."""
    if not isinstance(stored, dict) or stored.get("alg") != "scrypt" or not isinstance(secret, str):
        return False
    try:
        n, r, p = int(stored["n"]), int(stored["r"]), int(stored["p"])
        salt, expected = bytes.fromhex(stored["salt"]), bytes.fromhex(stored["hash"])
        digest = hashlib.scrypt(secret.encode(), salt=salt, n=n, r=r, p=p,
                                maxmem=256 * 1024 * 1024, dklen=len(expected))
    except (KeyError, TypeError, ValueError):
        return False
    return hmac.compare_digest(digest, expected)


def is_hash_doc(stored: object) -> bool:
    """Shape of a stored hash (no clear secret can pass: the fields are hex of fixed use)."""
    if not isinstance(stored, dict) or set(stored) != {"alg", "n", "r", "p", "salt", "hash"}:
        return False
    try:
        bytes.fromhex(str(stored["salt"]))
        bytes.fromhex(str(stored["hash"]))
    except ValueError:
        return False
    return bool(stored["alg"] == "scrypt")


# -- accounts -------------------------------------------------------------------------
@dataclass(frozen=True)
class Account:
    """A person who signs in, with role, PIN proof and lock-out state."""

    id: str
    name: str
    role: str
    active: bool
    pin_hash: PinHash | None
    must_change_pin: bool
    failures: int
    locked_until: str | None
    device: str
    created_at: str
    lockouts: int = 0  # how many waits so far in the current run of failures
    # Where the current wait started on the clock that setting the time does not move (see
    # seconds_to_wait): its monotonic reading and the boot it belongs to.
    wait_mono: float | None = None
    wait_boot: str | None = None
    # The signing key (core/signing.py): public key, private key sealed under the PIN, and
    # an admin's certificate; None for an account from before signatures until its next PIN.
    key: KeyDoc | None = None
    # Keys it had before a PIN reset (public key and certificate only): what it signed then
    # is verified with them.
    past_keys: tuple[Mapping[str, object], ...] = ()

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def to_doc(self) -> AccountDoc:
        return {"schema": SCHEMA_VERSION, "kind": "account", "id": self.id, "name": self.name,
                "role": self.role, "active": self.active, "pin_hash": self.pin_hash,
                "must_change_pin": self.must_change_pin, "failures": self.failures,
                "lockouts": self.lockouts, "locked_until": self.locked_until,
                "wait_mono": self.wait_mono, "wait_boot": self.wait_boot,
                "device": self.device, "created_at": self.created_at, "key": self.key,
                "past_keys": list(self.past_keys)}

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> Account:
        return cls(id=str(doc["id"]), name=str(doc["name"]), role=str(doc["role"]),
                   active=bool(doc.get("active", True)), pin_hash=doc.get("pin_hash"),
                   must_change_pin=bool(doc.get("must_change_pin", False)),
                   failures=int(doc.get("failures", 0)), locked_until=doc.get("locked_until"),
                   device=str(doc.get("device", "")), created_at=str(doc.get("created_at", "")),
                   lockouts=int(doc.get("lockouts", 0)),
                   wait_mono=float(doc["wait_mono"]) if isinstance(doc.get("wait_mono"), (int, float)) else None,
                   wait_boot=str(doc["wait_boot"]) if doc.get("wait_boot") else None,
                   key=cast(KeyDoc, dict(doc["key"])) if isinstance(doc.get("key"), dict) else None,
                   past_keys=tuple(dict(k) for k in doc.get("past_keys") or () if isinstance(k, dict)))

    def public_keys(self) -> list[Mapping[str, object]]:
        """Every key it has signed with: the current one and those before a PIN reset."""
        return ([self.key] if self.key else []) + list(self.past_keys)


def validate_account_doc(doc: object) -> list[str]:
    """What is wrong with a stored account, in words (empty when it is sound)."""
    if not isinstance(doc, dict):
        return ["the account is not a JSON object."]
    lacking = [k for k in ("id", "name", "role", "active", "pin_hash", "device", "created_at") if k not in doc]
    if lacking:
        return ["the account lacks " + ", ".join(f"“{k}”" for k in lacking) + "."]
    out = []
    if not is_uuid(doc["id"]):
        out.append("an account id must be a UUID.")
    if doc["role"] not in ROLES:
        out.append(f"the role must be one of {', '.join(ROLES)}.")
    if doc["pin_hash"] is not None and not is_hash_doc(doc["pin_hash"]):
        out.append("the PIN is not stored as a salted hash.")
    if not isinstance(doc["name"], str) or not doc["name"].strip():
        out.append("the account has no name.")
    key = doc.get("key")
    if key is not None and not (isinstance(key, dict) and isinstance(key.get("public"), str)
                                and isinstance(key.get("sealed"), dict) and isinstance(key.get("cert"), dict)):
        out.append("the signing key is damaged (public key, sealed key or certificate missing).")
    past = doc.get("past_keys", [])
    if not isinstance(past, list) or not all(isinstance(k, dict) and isinstance(k.get("public"), str)
                                             and isinstance(k.get("cert"), dict) for k in past):
        out.append("the account's earlier signing keys are damaged.")
    return out


def permitted(permission: str, account: Account | None) -> bool:
    if account is None or not account.active:
        return False
    if permission in ROLES:
        return permission == account.role or account.is_admin
    return account.role in PERMISSIONS.get(permission, ())


def require(role_or_permission: str, account: Account | None) -> Account:
    """Return the account when it may do this; raise PermissionDenied with a clear message."""
    if role_or_permission not in PERMISSIONS and role_or_permission not in ROLES:
        raise ValueError(f"unknown permission {role_or_permission!r}")
    if account is None:
        raise PermissionDenied("Sign in first: this needs a signed-in account.")
    if not account.active:
        raise PermissionDenied(f"{account.name}'s account is retired and can no longer sign in or sign.")
    if not permitted(role_or_permission, account):
        what = role_or_permission.replace("_", " ")
        raise PermissionDenied(f"Only an admin may {what}; {account.name} is signed in as a {account.role}.")
    return account


def may_see_session(account: Account | None, practitioner_id: str, own_only: bool) -> bool:
    """Detail of a session: anyone who reviews history, unless the clinic limits practitioners to their own."""
    if not permitted("review_history", account):
        return False
    assert account is not None
    return not own_only or account.is_admin or practitioner_id == account.id


# -- wrong secrets --------------------------------------------------------------------
def wait_seconds(lockouts: int) -> int:
    """The wait imposed at the ``lockouts``-th lockout (1 -> 30 s, 2 -> 60 s, 3 -> 120 s ...)."""
    return int(min(MAX_WAIT_SECONDS, FIRST_WAIT_SECONDS * 2 ** max(0, lockouts - 1)))


def seconds_to_wait(account: Account, now: datetime, mono: float | None = None, boot: str | None = None) -> float:
    """What is left of the account's wait. Measured on the monotonic clock while the computer
    has not restarted, so setting the time forward does not skip it; after a restart on the
    wall clock, never longer than the wait itself, so setting the time back cannot stretch it."""
    if not account.locked_until:
        return 0.0
    length = float(wait_seconds(account.lockouts))
    if mono is not None and boot is not None and account.wait_boot == boot and account.wait_mono is not None:
        return min(length, max(0.0, length - (mono - account.wait_mono)))
    until = datetime.fromisoformat(account.locked_until)
    return min(length, max(0.0, (until - now).total_seconds()))


def after_failure(account: Account, now: datetime, mono: float | None = None, boot: str | None = None) -> Account:
    """The account after one more wrong secret: from the FREE_TRIES-th in a row on, each one
    starts a wait, longer each time (30 s, 60 s, 120 s ... up to an hour)."""
    failures = account.failures + 1
    if failures < FREE_TRIES:
        return replace(account, failures=failures)
    lockouts = account.lockouts + 1
    until = now + timedelta(seconds=wait_seconds(lockouts))
    return replace(account, failures=failures, lockouts=lockouts,
                   locked_until=until.isoformat(timespec="milliseconds"), wait_mono=mono, wait_boot=boot)


def after_success(account: Account) -> Account:
    return replace(account, failures=0, lockouts=0, locked_until=None, wait_mono=None, wait_boot=None)
