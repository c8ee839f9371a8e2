"""Accounts and the access log, kept in the store.

Accounts are records in ``patients.json`` (table ``accounts``), next to the practitioner
records that old sessions name: every account has a practitioner record with the same
UUID, so a retired account's name still shows on the sessions it signed. A PIN is kept
only as a salted scrypt hash (:mod:`microneedle_desk.core.accounts`).

The access log is append-only: one record per sign-in, failure, unlock, take-over,
opened record, print, export, backup, restore, settings or account change, in
``access/YYYY-MM.json``, each sealed into the same hash chain as signed sessions (so
``check`` names a record removed or edited by hand). It names accounts or the OS user
and patients or sessions by UUID only: never a PIN, never a patient's name.

Signatures: :meth:`AccountBook.prove` checks a PIN and leaves a one-use proof; the sink
from :meth:`AccountBook.guarded_sink` refuses to save a session start, a sign-off or an
override whose practitioner did not just prove their PIN, whichever view asked. It is the
one way a sign-off or an override reaches the store (``Store.append_event`` refuses both).
The PIN also opens the person's signing key (:mod:`microneedle_desk.core.signing`), kept in
their account sealed under that PIN: the proof holds the opened key for its one signature,
and the sink signs the event with it (an amendment is signed in ``Store.amend``). A new key
is vouched for by the admin who adds or resets the account, with their own key and PIN.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from tinydb import Query

from microneedle_desk import paths
from microneedle_desk.core.accounts import (
    ACCESS_ACTIONS,
    ROLES,
    Account,
    PermissionDenied,
    SecretError,
    after_failure,
    after_success,
    check_secret,
    hash_secret,
    permitted,
    require,
    seconds_to_wait,
    verify_secret,
)
from microneedle_desk.core.fold_common import is_override
from microneedle_desk.core.records import SCHEMA_VERSION, Practitioner, iso, new_id
from microneedle_desk.core.session_state import SessionState
from microneedle_desk.core.signing import (
    PrivateKey,
    SealedKeyError,
    cost_of,
    make_key_doc,
    new_private_key,
    open_key,
    seal_key,
    sign_event,
)
from microneedle_desk.core.validation import ValidationError, require_text
from microneedle_desk.i18n import tr
from microneedle_desk.store.folder import os_user
from microneedle_desk.store.store import Store, StoreError

PROOF_SECONDS = 120  # a proof of PIN is good for one signature within this time

# The CLI commands that are logged with the OS user's name (demo-data too: its access
# record is sealed into the same chain as the demo sessions it wrote).
# ``check`` is not among them: it only verifies, and leaves the folder exactly as it found it
# (logging it would rewrite the access log and the chain head in meta.json).
CLI_ACTIONS = {"export": "exported", "sheet": "sheet", "backup": "backup",
               "restore": "restore", "demo-data": "demo-data"}


class SignInError(ValidationError):
    """A sign-in or PIN proof that failed. The message is safe to show (no PIN in it)."""

    def __init__(self, message: str, wait: float = 0.0) -> None:
        super().__init__("pin", message)
        self.wait = wait


class AccountBook:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.clock = store.clock
        # account id -> (purpose, monotonic, the signing key the PIN opened)
        self._proofs: dict[str, tuple[str, float, PrivateKey]] = {}
        store.signature_guard = self._consume_signature  # Store.amend asks it once accounts exist

    # -- reading --------------------------------------------------------------------
    def _table(self) -> Any:
        return self.store._db_for(paths.patients_file(self.store.root)).table("accounts")

    def accounts(self, include_retired: bool = True) -> list[Account]:
        people = [Account.from_doc(d) for d in self._table().all()]
        return sorted((a for a in people if include_retired or a.active), key=lambda a: a.name.casefold())

    def has_accounts(self) -> bool:
        return self.store.has_accounts()

    def account(self, account_id: str) -> Account | None:
        doc = self._table().get(Query().id == account_id)
        return Account.from_doc(doc) if doc else None

    def _get(self, account_id: str) -> Account:
        account = self.account(account_id)
        if account is None:
            raise SignInError("There is no such account.")
        return account

    def needs_first_admin(self) -> bool:
        return not any(a.is_admin and a.active for a in self.accounts())

    def name(self, account_id: str) -> str:
        account = self.account(account_id)
        return account.name if account else self.store.practitioner_name(account_id)

    # -- writing --------------------------------------------------------------------
    def _save(self, account: Account) -> Account:
        self.store._guard()
        table = self._table()
        if table.get(Query().id == account.id) is None:
            table.insert(account.to_doc())
        else:
            table.update(account.to_doc(), Query().id == account.id)
        self._sync_practitioner(account)
        return account

    def _sync_practitioner(self, account: Account) -> None:
        """Old and new records name people by this UUID; keep the practitioner record in step."""
        table = self.store._db_for(paths.patients_file(self.store.root)).table("practitioners")
        doc = Practitioner(account.id, account.name, account.device, account.created_at, account.active).to_doc()
        if table.get(Query().id == account.id) is None:
            table.insert(doc)
        else:
            table.update({"name": account.name, "active": account.active}, Query().id == account.id)

    def _new(self, name: str, role: str, pin: str | None, must_change: bool,
             account_id: str | None = None) -> Account:
        clean = require_text(name, "name", "The person's name", 200)
        if role not in ROLES:
            raise ValueError(f"The role must be one of {', '.join(ROLES)}.")
        if any(a.name.casefold() == clean.casefold() for a in self.accounts()):
            raise StoreError(f"There is already an account named “{clean}”.")
        return Account(id=account_id or new_id(), name=clean, role=role, active=True,
                       pin_hash=hash_secret(pin) if pin is not None else None,
                       must_change_pin=must_change, failures=0, locked_until=None,
                       device=self.store.device, created_at=iso(self.clock.now()))

    def create_first_admin(self, name: str, pin: str) -> Account:
        """The first start: the first admin sets their own PIN. Refused once an admin exists."""
        if not self.needs_first_admin():
            raise PermissionDenied("There is already an admin: ask them to add your account.")
        clean = require_text(name, "name", "The person's name", 200)
        same = [a for a in self.accounts() if a.name.casefold() == clean.casefold() and a.pin_hash is None]
        if same:  # a practitioner from before accounts (or the first-start screen) becomes the admin
            account = replace(same[0], role="admin", active=True, pin_hash=hash_secret(pin), must_change_pin=False)
        else:
            account = self._new(clean, "admin", pin, must_change=False)
        # nobody is there to vouch for the first admin's key: it is self-signed
        private = new_private_key()
        account = self._save(replace(account, key=self._key_doc(account, private, pin, account.id, private)))
        self.log("account changed", account.id, detail="first admin created")
        return account

    def add_demo_account(self, name: str, role: str = "practitioner") -> Account:
        """A made-up person in a demo data folder, with no PIN yet (chosen at first sign-in).

        Only a store marked as demo data takes one: in a real store every person is added by
        an admin (or is the first admin), so nobody signs without an account someone vouched for."""
        if not self.store.is_demo():
            raise PermissionDenied("Accounts without an admin are only made in a demo data folder.")
        existing = next((a for a in self.accounts() if a.name.casefold() == name.casefold()), None)
        if existing is not None:
            return existing
        return self._save(self._new(name, role, None, must_change=True))

    def add(self, actor: Account, name: str, role: str, temporary_pin: str | None = None, *,
            actor_pin: str | Callable[[], str | None] | None = None) -> Account:
        """An admin adds a person; with a temporary PIN they must change it at first sign-in.

        The new person's signing key is sealed under the temporary PIN and vouched for by the
        admin, who gives their own PIN (``actor_pin``) to sign it."""
        require("manage_accounts", actor)
        account = self._new(name, role, temporary_pin, must_change=True)
        if temporary_pin is not None:
            voucher = self._voucher(actor, actor_pin)
            account = replace(account, key=self._key_doc(account, new_private_key(), temporary_pin, actor.id,
                                                          voucher))
        account = self._save(account)
        self.log("account changed", actor.id, detail=f"added account {account.id} ({role})")
        return account

    def retire(self, actor: Account, account_id: str) -> Account:
        require("manage_accounts", actor)
        account = self._get(account_id)
        if account.is_admin and account.active and sum(
                1 for a in self.accounts() if a.is_admin and a.active) <= 1:
            raise PermissionDenied("This is the last admin: add another admin before retiring or removing this one.")
        retired = self._save(replace(account, active=False))
        self._proofs.pop(account_id, None)
        self.log("account changed", actor.id, detail=f"retired account {account_id}")
        return retired

    def remove(self, actor: Account, account_id: str) -> None:
        """Accounts are never deleted (old records name them): removing means retiring."""
        self.retire(actor, account_id)

    def reset(self, actor: Account, account_id: str, temporary_pin: str, *,
              actor_pin: str | Callable[[], str | None] | None = None) -> Account:
        """Give a forgotten-PIN account a temporary PIN that must be changed at next sign-in.

        The old signing key cannot be opened without the forgotten PIN: the account gets a new
        key, vouched for by the admin (who gives their PIN, ``actor_pin``). The old public key
        is kept, so what was signed with it still verifies."""
        require("manage_accounts", actor)
        check_secret(temporary_pin)
        account = self._get(account_id)
        voucher = self._voucher(actor, actor_pin)
        account = self._get(account_id)
        pin_hash = hash_secret(temporary_pin)
        past = account.past_keys
        if account.key is not None:
            past = (*past, {k: v for k, v in account.key.items() if k != "sealed"})
        key = self._key_doc(replace(account, pin_hash=pin_hash), new_private_key(), temporary_pin, actor.id, voucher)
        done = self._save(replace(after_success(account), pin_hash=pin_hash, must_change_pin=True, key=key,
                                  past_keys=past))
        self.log("account changed", actor.id, detail=f"reset the PIN of account {account_id}")
        return done

    def set_role(self, actor: Account, account_id: str, role: str) -> Account:
        require("manage_accounts", actor)
        account = self._get(account_id)
        if role not in ROLES:
            raise ValueError(f"The role must be one of {', '.join(ROLES)}.")
        if account.is_admin and role != "admin" and sum(
                1 for a in self.accounts() if a.is_admin and a.active) <= 1:
            raise PermissionDenied("This is the last admin: add another admin first.")
        done = self._save(replace(account, role=role))
        self.log("account changed", actor.id, detail=f"account {account_id} is now {role}")
        return done

    def change_pin(self, account_id: str, old_pin: str | None, new_pin: str) -> Account:
        """Set a new PIN. The old one is needed, except for an account that has none yet."""
        check_secret(new_pin)
        account = self._get(account_id)
        if not account.active:
            raise SignInError(f"{account.name}'s account is retired and can no longer sign in.")
        private: PrivateKey | None = None
        if account.pin_hash is not None:
            self._check(account, old_pin or "", "pin changed")
            private = self._open(account_id, old_pin or "")
        if account.pin_hash is not None and verify_secret(new_pin, account.pin_hash):
            raise SecretError("The new PIN must differ from the old one.")
        account = self._get(account_id)
        pin_hash = hash_secret(new_pin)
        if private is None or account.key is None:  # a first PIN: the person's first key, their own
            private = new_private_key()
            key = self._key_doc(replace(account, pin_hash=pin_hash), private, new_pin, account.id, private)
        else:  # the same key (an admin vouched for it), sealed under the new PIN
            key = {**account.key, "sealed": seal_key(private, new_pin, cost_of(pin_hash))}
        done = self._save(replace(after_success(account), pin_hash=pin_hash, must_change_pin=False, key=key))
        self.log("account changed", account_id, detail="changed own PIN")
        return done

    def migrate_practitioners(self) -> int:
        """Practitioner records from before accounts become accounts with no PIN (set at first sign-in)."""
        if self.store.read_only:
            return 0
        known = {a.id for a in self.accounts()}
        count = 0
        for person in self.store.practitioners(include_inactive=True):
            if person.id in known:
                continue
            account = Account(id=person.id, name=person.name, role="practitioner", active=person.active,
                              pin_hash=None, must_change_pin=True, failures=0, locked_until=None,
                              device=person.device, created_at=person.created_at)
            self._table().insert(account.to_doc())
            count += 1
        return count

    # -- proving who you are --------------------------------------------------------
    def _check(self, account: Account, pin: str, purpose: str) -> Account:
        now = self.clock.now()
        if not account.active:
            self.log("sign-in failed", account.id, detail=f"{purpose}: retired account")
            raise SignInError(f"{account.name}'s account is retired and can no longer sign in or sign.")
        wait = seconds_to_wait(account, now, self.clock.monotonic(), self.clock.boot_id())
        if wait > 0:
            self.log("sign-in failed", account.id, detail=f"{purpose}: tried while waiting")
            raise SignInError(f"Too many wrong PINs: wait {int(wait + 0.999)} s before the next try.", wait)
        if account.pin_hash is None:
            raise SignInError(f"{account.name} has no PIN yet: set one first.")
        if not verify_secret(pin, account.pin_hash):
            failed = self._save(after_failure(account, now, self.clock.monotonic(), self.clock.boot_id()))
            self.log("sign-in failed", account.id, detail=f"{purpose}: wrong PIN")
            wait = seconds_to_wait(failed, now, self.clock.monotonic(), self.clock.boot_id())
            extra = f" Wait {int(wait + 0.999)} s before the next try." if wait else ""
            raise SignInError("That PIN is not right." + extra, wait)
        if account.failures or account.locked_until:
            account = self._save(after_success(account))
        return account

    def sign_in(self, account_id: str, pin: str) -> Account:
        """Check the PIN; the account (which may have to change its PIN next) or SignInError.

        A PIN shorter than today's rule still signs in, once: the account must choose a new
        one now (a sealed key is only as strong as its PIN)."""
        account = self._check(self._get(account_id), pin, "sign-in")
        if account.key is None:
            self._open(account.id, pin)
            account = self._get(account.id)
        if not account.must_change_pin and not _acceptable(pin):
            account = self._save(replace(account, must_change_pin=True))
        self.log("sign-in", account.id)
        return account

    def unlock(self, account_id: str, pin: str) -> Account:
        account = self._check(self._get(account_id), pin, "unlock")
        self.log("unlock", account.id)
        return account

    # -- signing keys (core/signing.py) ---------------------------------------------------
    def _key_doc(self, account: Account, private: PrivateKey, pin: str, voucher_id: str,
                 voucher: PrivateKey) -> dict[str, Any]:
        return make_key_doc(account.id, private, pin, cost_of(account.pin_hash), iso(self.clock.now()),
                            voucher_id, voucher)

    def _open(self, account_id: str, pin: str) -> PrivateKey:
        """The account's signing key, opened with a PIN just checked. An account from before
        signatures gets its key now, at its first PIN entry (vouched for by itself: no admin
        is at hand; its records from then on are signed)."""
        account = self._get(account_id)
        if account.key is None:
            private = new_private_key()
            self._save(replace(account, key=self._key_doc(account, private, pin, account.id, private)))
            self.log("account changed", account.id, detail="signing key made at PIN entry")
            return private
        try:
            return open_key(account.key, pin)
        except SealedKeyError:
            raise SignInError(tr("{name}'s signing key does not open with this PIN (the account was changed "
                                 "outside the app): ask an admin to reset the PIN.").format(name=account.name)) \
                from None

    def _voucher(self, actor: Account, actor_pin: str | Callable[[], str | None] | None) -> PrivateKey:
        """The admin's own signing key, to vouch for another account's new key. ``actor_pin`` is
        the admin's PIN, or a function that asks for it (called once the rest was accepted)."""
        if callable(actor_pin):
            actor_pin = actor_pin()
        if actor_pin is None:
            raise PermissionDenied(tr("A new signing key is vouched for by the admin: give your PIN to add or "
                                      "reset an account."))
        self._check(self._get(actor.id), actor_pin, "account change")
        return self._open(actor.id, actor_pin)

    def prove(self, account_id: str, pin: str, purpose: str, subject: dict[str, str] | None = None) -> Account:
        """Check a PIN for one signature (``start``, ``sign``, ``override``, ``amend``, ``unlock``,
        ``take-over``)."""
        account = self._check(self._get(account_id), pin, purpose)
        require("run_sessions", account)
        private = self._open(account.id, pin)
        self._proofs[account.id] = (purpose, self.clock.monotonic(), private)
        self.log("pin proved", account.id, subject=subject, detail=purpose)
        return account

    def _consume(self, account_id: str, purpose: str) -> PrivateKey:
        """Use up a proof: the signing key it opened, for this one signature."""
        proof = self._proofs.get(account_id)
        if proof is None or proof[0] != purpose or self.clock.monotonic() - proof[1] > PROOF_SECONDS:
            if purpose == "override":
                raise PermissionDenied(tr("Not recorded: a departure from the protocol is confirmed with the "
                                          "acting practitioner's PIN."))
            raise PermissionDenied("This needs the practitioner's PIN: the person who starts or signs a "
                                   "session must prove who they are.")
        del self._proofs[account_id]
        return proof[2]

    def _consume_signature(self, purpose: str, account_id: str) -> PrivateKey:
        require(purpose, self.account(account_id))
        return self._consume(account_id, purpose)

    def _sign(self, event: dict[str, Any], who: str, private: PrivateKey) -> None:
        """Add the signer's signature over the session up to and including ``event``, as saved."""
        prior = self.store._active_state(str(event.get("session", ""))).events
        event["sig"] = sign_event(private, who, prior, event)

    def guarded_sink(self) -> Any:
        """A session sink that saves only starts and sign-offs by a person who just proved their PIN."""

        def sink(event: dict[str, Any], state: SessionState) -> None:
            kind = event.get("type")
            if is_override(event):
                who = str(event.get("by", ""))
                require("run_sessions", self.account(who))
                self._sign(event, who, self._consume(who, "override"))
                self.store._append_proven(event, state)
                return
            if kind in ("session_started", "signed", "practitioner_changed"):
                who = str(event.get("data", {}).get("practitioner_id") or event.get("by", "")) \
                    if kind != "signed" else str(event.get("by", ""))
                account = self.account(who)
                require("run_sessions", account)
                purpose = {"session_started": "start", "signed": "sign"}.get(str(kind))
                if purpose is None:
                    reason = str(event.get("data", {}).get("reason", ""))
                    purpose = "take-over" if reason == "taken_over" else "start"
                self._sign(event, who, self._consume(who, purpose))
                self.store._append_proven(event, state)
            else:
                self.store.append_event(event, state)

        return sink

    def pin_sink(self, pin: str, then: Any = None) -> Any:
        """The guarded sink for a scripted session (bench, fault injection, tests): before each
        event that needs a signature (start, sign-off, override) the practitioner named on it
        proves ``pin``, as a person does at the PIN prompt. A wrong PIN is refused as there.
        ``then(event)`` runs after each saved event."""
        guarded = self.guarded_sink()
        purposes = {"session_started": "start", "signed": "sign"}

        def sink(event: dict[str, Any], state: SessionState) -> None:
            purpose = "override" if is_override(event) else purposes.get(str(event.get("type")))
            if purpose is not None:
                who = event.get("data", {}).get("practitioner_id") if purpose == "start" else event.get("by")
                self.prove(str(who), pin, purpose)
            guarded(event, state)
            if then is not None:
                then(event)

        return sink

    def amend(self, account_id: str, pin: str, session_id: str, field: str, value: object,
              reason: str) -> dict[str, Any]:
        """An amendment by the person who proves their PIN now."""
        account = self.prove(account_id, pin, "amend", {"session_id": session_id})
        # the store's signature guard (_consume_signature) checks the role and uses up the proof
        sealed = self.store.amend(session_id, field, value, reason, by=account.id)
        self.log("amended", account.id, subject={"session_id": session_id})
        return sealed

    # -- the access log ---------------------------------------------------------------
    def log(self, action: str, account_id: str | None = None, *, os_user_name: str | None = None,
            subject: dict[str, str] | None = None, detail: str = "") -> dict[str, Any] | None:
        """Append one sealed access record; None when the store is read-only (nothing written)."""
        if action not in ACCESS_ACTIONS:
            raise ValueError(f"unknown access action {action!r}")
        if self.store.read_only:
            return None
        now = self.clock.now()
        doc = {"schema": SCHEMA_VERSION, "kind": "access", "id": new_id(), "at": iso(now),
               "device": self.store.device, "account_id": account_id, "os_user": os_user_name,
               "action": action, "subject": dict(subject or {}), "detail": detail}
        table = self.store._db_for(paths.access_file(self.store.root, now.strftime("%Y-%m"))).table("access")
        return self.store._chain_append(doc, table)

    def entries(self, actor: Account | None, *, patient_id: str | None = None, session_id: str | None = None,
                account_id: str | None = None, action: str | None = None, since: str | None = None,
                until: str | None = None) -> list[dict[str, Any]]:
        """The access log, oldest first, filtered; admins only."""
        require("see_access_log", actor)
        return filter_entries(read_access_log(self.store), patient_id=patient_id, session_id=session_id,
                              account_id=account_id, action=action, since=since, until=until)

    def who(self, entry: dict[str, Any]) -> str:
        """Who an access record names: the account's name, or the OS user of a command-line use."""
        if entry.get("account_id"):
            return self.name(str(entry["account_id"]))
        return f"OS user {entry.get('os_user') or '(unknown)'}"

    def export_csv(self, actor: Account | None, entries: list[dict[str, Any]]) -> str:
        """The given access records as CSV (admins only). Log the export once it is written."""
        require("see_access_log", actor)
        require("export", actor)
        return access_csv(entries, self.who)


def _acceptable(pin: str) -> bool:
    try:
        check_secret(pin)
    except SecretError:
        return False
    return True


def session_people(store: Store) -> list[Account]:
    """The accounts that may run and sign sessions now (active, with the permission), by name:
    the only people a session can be started for."""
    table = store._db_for(paths.patients_file(store.root)).table("accounts")
    people = [Account.from_doc(d) for d in table.all()]
    return sorted((a for a in people if a.active and permitted("run_sessions", a)), key=lambda a: a.name.casefold())


def read_access_log(store: Store) -> list[dict[str, Any]]:
    folder = paths.access_dir(store.root)
    out: list[dict[str, Any]] = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        out.extend(dict(d) for d in store._db_for(path).table("access").all())
    return sorted(out, key=lambda d: int(d["chain"]["seq"]))


def filter_entries(entries: list[dict[str, Any]], *, patient_id: str | None = None, session_id: str | None = None,
                   account_id: str | None = None, action: str | None = None, since: str | None = None,
                   until: str | None = None) -> list[dict[str, Any]]:
    """Keep the records that match every filter given. ``since`` and ``until`` are days
    (``YYYY-MM-DD``, both included), compared with the day of the record's local time."""

    def keep(d: dict[str, Any]) -> bool:
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


def access_csv(entries: list[dict[str, Any]], who: Any) -> str:
    """Access records as CSV: UUIDs for patients and sessions (never a name), the person's name."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ACCESS_CSV_COLUMNS)
    for e in entries:
        subject = e.get("subject") or {}
        writer.writerow([e.get("at", ""), _cell(who(e)), e.get("account_id") or "", _cell(e.get("os_user") or ""),
                         e.get("action", ""), subject.get("patient_id", ""), subject.get("session_id", ""),
                         _cell(e.get("detail", "")), (e.get("chain") or {}).get("seq", ""), e.get("hash", "")])
    return out.getvalue()


def _cell(text: object) -> str:
    """Typed text (a name, a lot number) that a spreadsheet would run as a formula is quoted."""
    value = str(text)
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def log_cli_use(command: str, code: int) -> str:
    """Log one use of a command-line tool with the OS user's name; returns a note ("" when logged).

    The tools run as the OS user who owns the data folder. When the app holds the data
    (its lock), or there is no store, nothing is written and the note says so.
    """
    action = CLI_ACTIONS.get(command)
    if action is None:
        return ""
    root = paths.data_dir()
    if not paths.meta_file(root).is_file():
        return ""
    from microneedle_desk.core.clock import SystemClock
    from microneedle_desk.core.protocol import load_protocol
    from microneedle_desk.store.lock import StoreLock

    lock = StoreLock(root)
    holder = lock.acquire()
    if holder is not None:
        from microneedle_desk.i18n import tr

        if holder.read_only:  # a command refused for it has said so already
            return "" if code else tr("Note: the data folder is read-only, so this use was not written to the "
                                      "access log.")
        return "Note: the app holds the data, so this use was not written to the access log."
    try:
        store = Store(root, load_protocol(paths.protocol_file()), SystemClock())
        try:
            AccountBook(store).log(action, os_user_name=os_user(), detail=f"command-line {command}, exit {code}")
        finally:
            store.close()
    except Exception as exc:  # logging must not turn a finished command into a failure
        return f"Note: this use could not be written to the access log ({type(exc).__name__})."
    finally:
        lock.release()
    return ""


def print_note(note: str) -> None:
    if note:
        print(note, file=sys.stderr)
