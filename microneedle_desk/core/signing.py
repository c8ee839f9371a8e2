"""Signatures that only the PIN holder can make. Qt-free, storage-free.

Each account has an Ed25519 key pair. The public key is kept in the clear; the private key
is kept only encrypted (ChaCha20-Poly1305, random nonce) under a key derived from the
account's PIN with scrypt, so signing needs the PIN and a wrong PIN cannot sign. The scrypt
cost is the account's PIN hash's (:func:`microneedle_desk.core.accounts.hash_secret`): the
sealed key is then exactly as hard to attack offline as the hash kept beside it.

A public key is vouched for by a certificate: an admin's signature over the account's id,
the public key, when and by whom (the first admin vouches for their own key, as do the
accounts from before signatures at their first PIN entry).

What is signed (each message starts with a tag naming its kind, so a signature of one kind
can never be passed off as another):

- a session event (start, take-over, override, sign-off): the SHA-256 of the canonical JSON
  of the session's events up to and including that event, the event itself without its
  ``sig`` (earlier events keep theirs). A sign-off is the last event, so its signature
  covers the whole session as filed: every figure, every earlier signature.
- an amendment: the canonical JSON of the amendment document without ``sig``, ``chain``
  and ``hash`` (the chain fields are added after signing; the content is what was said).
- a key certificate: the canonical JSON of ``{account_id, public, at, by}``.

A signature block is ``{"v": 1, "by": account id, "key": public key hex, "value": hex}``;
``v`` is the version of this scheme, so records from before signatures (no block) are told
from records whose block was removed by what the store says about when signing began.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from microneedle_desk.core.fold_common import is_override
from microneedle_desk.core.record_types import KeyDoc, ScryptCost, SealedKey, SignatureBlock
from microneedle_desk.core.records import canonical_json

SIGNATURE_VERSION = 1
_SESSION_TAG = b"microneedle-desk session signature v1\n"
_AMENDMENT_TAG = b"microneedle-desk amendment signature v1\n"
_KEY_TAG = b"microneedle-desk key certificate v1\n"
NONCE_BYTES, SALT_BYTES, KEY_BYTES = 12, 16, 32
# cost of the key-wrapping scrypt when no PIN hash gives one
DEFAULT_COST: ScryptCost = {"n": 2**14, "r": 8, "p": 1}


class SealedKeyError(Exception):
    """A sealed key that does not open with this PIN (wrong PIN, or the key was altered)."""


PrivateKey = Any  # cryptography's Ed25519PrivateKey (imported when first needed, off the start-up path)


def _kdf(pin: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(pin.encode(), salt=salt, n=n, r=r, p=p, maxmem=256 * 1024 * 1024, dklen=KEY_BYTES)


def cost_of(pin_hash: object) -> ScryptCost:
    """The scrypt cost of a stored PIN hash (the default when it names none)."""
    if isinstance(pin_hash, dict):
        try:
            return {"n": int(pin_hash["n"]), "r": int(pin_hash["r"]), "p": int(pin_hash["p"])}
        except (KeyError, TypeError, ValueError):
            pass
    return DEFAULT_COST.copy()


def new_private_key() -> PrivateKey:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: PLC0415 (kept off the start-up path until first used)

    return Ed25519PrivateKey.generate()


def public_hex(private: PrivateKey) -> str:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat  # noqa: PLC0415 (kept off the start-up path until first used)

    return str(private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex())


def seal_key(private: PrivateKey, pin: str, cost: ScryptCost) -> SealedKey:
    """The private key encrypted under ``pin`` (with the parameters needed to open it)."""
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305  # noqa: PLC0415 (kept off the start-up path until first used)
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat  # noqa: PLC0415 (kept off the start-up path until first used)

    raw = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    salt, nonce = secrets.token_bytes(SALT_BYTES), secrets.token_bytes(NONCE_BYTES)
    public = public_hex(private)
    wrapped = ChaCha20Poly1305(_kdf(pin, salt, cost["n"], cost["r"], cost["p"])).encrypt(
        nonce, raw, public.encode())  # the public key is bound in: a sealed key moved to another fails
    return {"kdf": "scrypt", "n": cost["n"], "r": cost["r"], "p": cost["p"], "salt": salt.hex(),
            "cipher": "chacha20-poly1305", "nonce": nonce.hex(), "data": wrapped.hex()}


def open_key(key_doc: Mapping[str, Any], pin: str) -> PrivateKey:
    """The private key of ``key_doc`` (an account's ``key``); SealedKeyError when ``pin`` does not open it."""
    from cryptography.exceptions import InvalidTag  # noqa: PLC0415 (kept off the start-up path until first used)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: PLC0415 (kept off the start-up path until first used)
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305  # noqa: PLC0415 (kept off the start-up path until first used)

    try:
        sealed, public = key_doc["sealed"], str(key_doc["public"])
        if sealed.get("kdf") != "scrypt" or sealed.get("cipher") != "chacha20-poly1305":
            raise SealedKeyError("the key is sealed in a way this app does not know")
        secret = _kdf(pin, bytes.fromhex(sealed["salt"]), int(sealed["n"]), int(sealed["r"]), int(sealed["p"]))
        raw = ChaCha20Poly1305(secret).decrypt(bytes.fromhex(sealed["nonce"]), bytes.fromhex(sealed["data"]),
                                               public.encode())
        private = Ed25519PrivateKey.from_private_bytes(raw)
    except (InvalidTag, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise SealedKeyError("the key does not open with this PIN") from exc
    if public_hex(private) != public:
        raise SealedKeyError("the sealed key is not the account's public key")
    return private


def _sign(private: PrivateKey, by: str, message: bytes) -> SignatureBlock:
    return {"v": SIGNATURE_VERSION, "by": by, "key": public_hex(private), "value": private.sign(message).hex()}


def verify(public: str, message: bytes, value: str) -> bool:
    from cryptography.exceptions import InvalidSignature  # noqa: PLC0415 (kept off the start-up path until first used)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey  # noqa: PLC0415 (kept off the start-up path until first used)

    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public)).verify(bytes.fromhex(value), message)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


# -- what is signed ---------------------------------------------------------------------
def events_digest(prior: Sequence[Mapping[str, object]], event: Mapping[str, object]) -> str:
    """SHA-256 over the session's events up to and including ``event`` (``event`` without its ``sig``)."""
    body = {k: v for k, v in event.items() if k != "sig"}
    return hashlib.sha256(canonical_json([*prior, body])).hexdigest()


def event_message(session_id: str, prior: Sequence[Mapping[str, object]], event: Mapping[str, object]) -> bytes:
    return _SESSION_TAG + session_id.encode() + b"\n" + events_digest(prior, event).encode()


def sign_event(private: PrivateKey, by: str, prior: Sequence[Mapping[str, object]],
               event: Mapping[str, object]) -> SignatureBlock:
    return _sign(private, by, event_message(str(event.get("session", "")), prior, event))


def amendment_message(amendment: Mapping[str, object]) -> bytes:
    body = {k: v for k, v in amendment.items() if k not in ("sig", "chain", "hash")}
    return _AMENDMENT_TAG + canonical_json(body)


def sign_amendment(private: PrivateKey, by: str, amendment: Mapping[str, object]) -> SignatureBlock:
    return _sign(private, by, amendment_message(amendment))


def cert_message(account_id: str, public: str, at: str, by: str) -> bytes:
    return _KEY_TAG + canonical_json({"account_id": account_id, "public": public, "at": at, "by": by})


def make_key_doc(account_id: str, private: PrivateKey, pin: str, cost: ScryptCost, at: str,
                 voucher_id: str, voucher: PrivateKey) -> KeyDoc:
    """An account's ``key``: public key, the private key sealed under ``pin``, and the
    certificate signed by ``voucher`` (an admin, or the account itself where allowed)."""
    public = public_hex(private)
    signature = voucher.sign(cert_message(account_id, public, at, voucher_id)).hex()
    return {"v": SIGNATURE_VERSION, "public": public, "sealed": seal_key(private, pin, cost),
            "cert": {"by": voucher_id, "at": at, "value": signature}}


def cert_ok(account_id: str, key_doc: Mapping[str, object], voucher_public: str) -> bool:
    cert = key_doc.get("cert")
    if not isinstance(cert, dict):
        return False
    return verify(voucher_public, cert_message(account_id, str(key_doc.get("public")), str(cert.get("at")),
                                               str(cert.get("by"))), str(cert.get("value")))


def fingerprint(signature: Mapping[str, object] | None) -> str:
    """A short, readable fingerprint of a signature, to match a printed sheet to its record."""
    value = signature.get("value") if signature else None
    if not isinstance(value, str):
        return ""
    digest = hashlib.sha256(bytes.fromhex(value)).hexdigest()[:16].upper()
    return "-".join(digest[i:i + 4] for i in range(0, 16, 4))


def needs_signature(event: Mapping[str, object]) -> bool:
    """Whether a saved event is one a person signs (a start, a take-over, an override, a sign-off)."""
    return event.get("type") in ("session_started", "signed", "practitioner_changed") or is_override(event)
