"""Accounts and the access log, kept in the store.

Accounts are records in ``accounts.json`` (table ``accounts``; see
:mod:`microneedle_desk.store.accounts_file`, which also moves them there from the
``patients.json`` of older stores). The practitioner records that old sessions name stay in
``patients.json``: every account has a practitioner record with the same UUID, so a retired
account's name still shows on the sessions it signed. A PIN is kept
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

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from tinydb import Query

from microneedle_desk import paths
from microneedle_desk.core.accounts import (
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
from microneedle_desk.core.records import Practitioner, iso, new_id
from microneedle_desk.core.signing import (
    PrivateKey,
    cost_of,
    new_private_key,
    seal_key,
)
from microneedle_desk.core.validation import require_text
from microneedle_desk.i18n import tr
from microneedle_desk.store.accounts_file import account_from_practitioner
from microneedle_desk.store.signatures import Signatures, SignInError
from microneedle_desk.store.store import Store, StoreError


class AccountBook(Signatures):
    def __init__(self, store: Store) -> None:
        self.store = store
        self.clock = store.clock
        # account id -> (purpose, monotonic, the signing key the PIN opened)
        self._proofs: dict[str, tuple[str, float, PrivateKey]] = {}
        store.signature_guard = self._consume_signature  # Store.amend asks it once accounts exist

    # -- reading --------------------------------------------------------------------
    def _table(self) -> Any:
        return self.store.accounts_table()

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
        before = table.get(Query().id == account.id)
        if before is None:
            table.insert(account.to_doc())
        else:
            table.update(account.to_doc(), Query().id == account.id)
        # patients.json is rewritten only when the name or the state the practitioner record
        # keeps changed, not for every wrong PIN or new PIN
        if before is None or before.get("name") != account.name or before.get("active") != account.active:
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
            raise StoreError(tr("There is already an account named “{clean}”.").format(clean=clean))
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
            self._table().insert(account_from_practitioner(person).to_doc())
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


def _acceptable(pin: str) -> bool:
    try:
        check_secret(pin)
    except SecretError:
        return False
    return True


def session_people(store: Store) -> list[Account]:
    """The accounts that may run and sign sessions now (active, with the permission), by name:
    the only people a session can be started for."""
    table = store.accounts_table()
    people = [Account.from_doc(d) for d in table.all()]
    return sorted((a for a in people if a.active and permitted("run_sessions", a)), key=lambda a: a.name.casefold())
