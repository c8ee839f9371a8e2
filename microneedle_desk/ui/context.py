"""What every view needs, handed down from the entry point in one object."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from microneedle_desk.core.clock import Clock
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.settings import Settings
from microneedle_desk.store.store import Store
from microneedle_desk.ui.controller import SessionController


@dataclass
class UiContext:
    """What every view needs: protocol, clock, store, settings, controller."""

    protocol: Protocol
    clock: Clock
    store: Store
    settings: Settings
    controller: SessionController
    # Who signs corrections: set by the accounts part of the window (ui/sign_in.Security);
    # None until it is attached.
    signer: Any = None

    def may(self, permission: str) -> bool:
        """Whether the signed-in person may do this (everyone, before the accounts part is attached
        or anyone has an account): the one question views ask to show or hide an action."""
        return self.signer is None or bool(self.signer.may(permission))


def who_is_working(ctx: UiContext) -> str:
    """The name a correction or follow-up made in a review window is recorded under."""
    from microneedle_desk.printing import jobs  # noqa: PLC0415 (kept off the start-up path until first used)

    return str(ctx.settings.get("ui/last_practitioner")) or jobs.os_user() or "admin"
