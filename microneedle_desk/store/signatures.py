"""The account book's signatures: a PIN proved for a purpose leaves a one-use proof that
holds the signing key the PIN opened (:mod:`microneedle_desk.core.signing`); the guarded
sink saves a session start, a sign-off or an override only with such a proof, and signs it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from microneedle_desk.core.accounts import (
    Account,
    PermissionDenied,
    require,
)
from microneedle_desk.core.clock import Clock
from microneedle_desk.core.event_types import SessionEvent
from microneedle_desk.core.fold_common import is_override
from microneedle_desk.core.record_types import AccessSubject, AmendmentDoc, KeyDoc
from microneedle_desk.core.records import iso
from microneedle_desk.core.session_state import SessionState
from microneedle_desk.core.signing import (
    PrivateKey,
    SealedKeyError,
    cost_of,
    make_key_doc,
    new_private_key,
    open_key,
    sign_event,
)
from microneedle_desk.core.validation import ValidationError
from microneedle_desk.i18n import tr
from microneedle_desk.store.access_log import AccessLog
from microneedle_desk.store.store import Store

PROOF_SECONDS = 120  # a proof of PIN is good for one signature within this time


class SignInError(ValidationError):
    """A sign-in or PIN proof that failed. The message is safe to show (no PIN in it)."""

    def __init__(self, message: str, wait: float = 0.0) -> None:
        super().__init__("pin", message)
        self.wait = wait


class Signatures(AccessLog):
    """The proofs-of-PIN and signing part of :class:`~microneedle_desk.store.accounts.AccountBook`."""

    store: Store
    clock: Clock
    _proofs: dict[str, tuple[str, float, PrivateKey]]

    def account(self, account_id: str) -> Account | None:
        raise NotImplementedError

    def _get(self, account_id: str) -> Account:
        raise NotImplementedError

    def _check(self, account: Account, pin: str, purpose: str) -> Account:
        raise NotImplementedError

    def _save(self, account: Account) -> Account:
        raise NotImplementedError

    def _key_doc(self, account: Account, private: PrivateKey, pin: str, voucher_id: str,
                 voucher: PrivateKey) -> KeyDoc:
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

    def prove(self, account_id: str, pin: str, purpose: str, subject: AccessSubject | None = None) -> Account:
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

    def _sign(self, event: SessionEvent, who: str, private: PrivateKey) -> None:
        """Add the signer's signature over the session up to and including ``event``, as saved."""
        prior = self.store._active_state(str(event.get("session", ""))).events
        event["sig"] = sign_event(private, who, prior, event)

    def guarded_sink(self) -> Any:
        """A session sink that saves only starts and sign-offs by a person who just proved their PIN."""

        def sink(event: SessionEvent, state: SessionState) -> None:
            kind = event.get("type")
            if is_override(event):
                who = str(event.get("by", ""))
                require("run_sessions", self.account(who))
                self._sign(event, who, self._consume(who, "override"))
                self.store._append_proven(event, state)
                return
            if kind in ("session_started", "signed", "practitioner_changed"):
                who = str(event["data"].get("practitioner_id") or event.get("by", "")) \
                    if kind != "signed" else str(event.get("by", ""))
                account = self.account(who)
                require("run_sessions", account)
                purpose = {"session_started": "start", "signed": "sign"}.get(str(kind))
                if purpose is None:
                    reason = str(event["data"].get("reason", ""))
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

        def sink(event: SessionEvent, state: SessionState) -> None:
            purpose = "override" if is_override(event) else purposes.get(str(event.get("type")))
            if purpose is not None:
                who = event["data"].get("practitioner_id") if purpose == "start" else event.get("by")
                self.prove(str(who), pin, purpose)
            guarded(event, state)
            if then is not None:
                then(event)

        return sink

    def amend(self, account_id: str, pin: str, session_id: str, field: str, value: object,
              reason: str) -> AmendmentDoc:
        """An amendment by the person who proves their PIN now."""
        account = self.prove(account_id, pin, "amend", {"session_id": session_id})
        # the store's signature guard (_consume_signature) checks the role and uses up the proof
        sealed = self.store.amend(session_id, field, value, reason, by=account.id)
        self.log("amended", account.id, subject={"session_id": session_id})
        return sealed


