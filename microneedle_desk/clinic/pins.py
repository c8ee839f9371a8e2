"""The PINs the clinic asks for: before a start, a sign-off, a take-over and each departure from
the protocol, the person acting proves who they are (once anyone has an account).

A mixin of :class:`~microneedle_desk.clinic.clinic.Clinic`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from microneedle_desk.core.accounts import Account, PermissionDenied
from microneedle_desk.core.event_types import SessionEvent
from microneedle_desk.i18n import tr
from microneedle_desk.store.accounts import AccountBook

PinPrompt = Callable[[Account, str], "str | None"]
"""Ask ``account`` for their PIN for ``purpose`` ("start", "sign", "override"...); None when they cancel."""

# the purposes a PIN is proved for (the access log names them)
START, SIGN, OVERRIDE, TAKE_OVER = "start", "sign", "override", "take-over"


class Cancelled(Exception):
    """The person cancelled the PIN prompt of a start or a sign-off: nothing was done."""


class Pins:
    """Asking for a PIN and proving it, for the clinic's commands."""

    ask_pin: PinPrompt | None
    _override_pin: str | None

    @property
    def accounts(self) -> AccountBook:
        raise NotImplementedError

    @property
    def enforcing(self) -> bool:
        raise NotImplementedError

    def _pin(self, account: Account, purpose: str, pin: str | None, cancelled: str | None = None) -> str:
        """The PIN given, else the one the prompt gets. Without either: refused with ``cancelled``
        (or the general message); a prompt the person cancelled with no ``cancelled`` message
        raises Cancelled (they changed their mind: nothing to report)."""
        if pin is not None:
            return pin
        if self.ask_pin is not None:
            asked = self.ask_pin(account, purpose)
            if asked is not None:
                return asked
            if cancelled is None:
                raise Cancelled
        raise PermissionDenied(cancelled or tr(
            "This needs the practitioner's PIN: the person who starts or signs a session must prove who they are."))

    def _signatory(self, practitioner_id: str, refusal: str) -> Account:
        account = self.accounts.account(practitioner_id)
        if account is None:
            raise PermissionDenied(refusal)
        return account

    def _prove(self, practitioner_id: str, purpose: str, pin: str | None) -> None:
        """Before a start or a sign-off: the practitioner proves their PIN (nothing when no accounts)."""
        if not self.enforcing:
            return
        account = self._signatory(practitioner_id, tr(
            "Only a person with an account can start or sign a session: pick your own name (an admin adds "
            "accounts)."))
        self.accounts.prove(account.id, self._pin(account, purpose, pin), purpose)

    def _confirm_override(self, event: SessionEvent) -> None:
        """Before an override is saved: the acting practitioner gives their PIN, once for it."""
        if not self.enforcing:
            return  # nobody to confirm it: the store's plain path refuses the override itself
        account = self._signatory(str(event.get("by", "")), tr(
            "Only a person with an account can record a departure from the protocol: pick your own name."))
        pin = self._pin(account, OVERRIDE, self._override_pin, cancelled=tr(
            "Not recorded: a departure from the protocol is confirmed with your PIN."))
        self.accounts.prove(account.id, pin, OVERRIDE)

    @contextmanager
    def _override_with(self, pin: str | None) -> Iterator[None]:
        self._override_pin = pin
        try:
            yield
        finally:
            self._override_pin = None
