"""The store check's part that reads signatures: every sign-off and amendment sealed after the
store began signing carries its signer's Ed25519 signature, made with a key an admin vouched
for (the first admin's own key excepted); a demo store's bulk-filed sessions are never signed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from microneedle_desk.core.record_types import JsonObject
from microneedle_desk.core.signing import amendment_message, cert_ok, event_message, verify
from microneedle_desk.store.accounts_file import stored_accounts
from microneedle_desk.store.check_state import CheckState


class SignatureChecks(CheckState):
    """The store check's part that verifies signatures and the keys that made them."""

    # -- signatures (core/signing.py) ---------------------------------------------------------
    def accounts(self) -> dict[str, JsonObject]:
        """The accounts as stored, by id (read once; damage is reported by check_accounts)."""
        if self._accounts is None:
            self._accounts = stored_accounts(self.root)
        return self._accounts

    def keys_of(self, account_id: str) -> list[JsonObject]:
        """An account's keys, oldest first (earlier keys, then the current one)."""
        doc = self.accounts().get(account_id) or {}
        stored = doc.get("past_keys")
        past: list[Any] = stored if isinstance(stored, list) else []
        current = [doc["key"]] if isinstance(doc.get("key"), dict) else []
        return [k for k in [*past, *current] if isinstance(k, dict)]

    def key_vouched(self, account_id: str, key: JsonObject, first: bool) -> bool:
        """Whether an admin's signature vouches for ``key`` (or, for an account's first key, its own)."""
        cert = key.get("cert")
        voucher = str(cert.get("by", "")) if isinstance(cert, dict) else ""
        if voucher == account_id:
            return first and cert_ok(account_id, key, str(key.get("public")))
        if (self.accounts().get(voucher) or {}).get("role") != "admin":
            return False
        return any(cert_ok(account_id, key, str(k.get("public"))) for k in self.keys_of(voucher))

    def check_keys(self, path: Path) -> None:
        """Every account's keys vouched for; problems are told against ``path``, the accounts' file."""
        for account_id in sorted(self.accounts()):
            for n, key in enumerate(self.keys_of(account_id)):
                if not self.key_vouched(account_id, key, first=n == 0):
                    self.add(path, f"account {account_id}", "a signing key of this account is not vouched for "
                             "by an admin's signature: it was put in outside the app. Records signed with it "
                             f"cannot be trusted; restore {path.name} from a backup.")

    def signature_problem(self, signature: object, signer: str, message: bytes) -> str:
        """What is wrong with one signature ("" when it verifies with a vouched key of ``signer``)."""
        if not isinstance(signature, dict) or signature.get("v") != 1:
            return "its signature is damaged or of an unknown kind."
        if signature.get("by") != signer:
            return "it is signed by someone other than the person it names."
        keys = [k for k in self.keys_of(signer) if k.get("public") == signature.get("key")]
        if not keys:
            return "it is signed with a key its signer's account does not hold."
        if not verify(str(signature["key"]), message, str(signature.get("value", ""))):
            return ("its signature does not match its content: the record was changed after it was signed "
                    "(even if its seal was recomputed). Restore it from a backup; corrections are made as "
                    "amendments.")
        return ""

    def must_be_signed(self, seq: object, signer: str, at: object) -> bool:
        """Whether a sign-off or amendment sealed at chain place ``seq`` at time ``at`` was signed."""
        if self.demo or not self.accounts():  # nobody has a PIN to sign with
            return False
        if self.signed_from is not None and isinstance(seq, int) and seq >= self.signed_from:
            return True
        return any(str((k.get("cert") or {}).get("at", "~")) <= str(at) for k in self.keys_of(signer))

    def check_session_signatures(self, path: Path, label: str, doc: JsonObject) -> None:
        events = doc["events"] if isinstance(doc["events"], list) else []
        prior: list[JsonObject] = []
        signed_off: JsonObject | None = None
        for event in events:
            if not isinstance(event, dict):
                return  # reported by the replay
            kind = event.get("type")
            if kind == "signed":
                signed_off = event
            if "sig" in event:
                data = event.get("data")
                named = data.get("practitioner_id") if isinstance(data, dict) else None
                signer = str(named if kind in ("session_started", "practitioner_changed")
                             else event.get("by"))
                problem = self.signature_problem(event["sig"], signer,
                                                 event_message(str(doc["id"]), prior, event))
                if problem:
                    self.add(path, f"{label}, event {event.get('n', '?')} ({kind})", problem)
            prior.append(event)
        if signed_off is not None and "sig" not in signed_off and self.must_be_signed(
                doc["chain"].get("seq"), str(signed_off.get("by")), signed_off.get("at")):
            self.add(path, label, "the sign-off carries no signature, though it was sealed when sign-offs were "
                                  "signed: the signature was removed. Restore the record from a backup.")

    def check_amendment_signature(self, path: Path, label: str, doc: JsonObject) -> None:
        if "sig" in doc:
            problem = self.signature_problem(doc["sig"], str(doc.get("by")), amendment_message(doc))
            if problem:
                self.add(path, label, problem)
        elif self.must_be_signed(doc["chain"].get("seq"), str(doc.get("by")), doc.get("at")):
            self.add(path, label, "the amendment carries no signature, though it was sealed when amendments "
                                  "were signed: the signature was removed. Restore it from a backup.")
