"""What every event handler of the reducer shares: its error type, the event's anchor in time,
and the checks of text, justifications, flags and a cleared screening.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from microneedle_desk.core.event_types import SessionEvent
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.core.records import (
    parse_iso,
)
from microneedle_desk.core.session_state import Anchor, SessionState
from microneedle_desk.core.validation import (
    ValidationError,
    require_justification,
    require_text,
)
from microneedle_desk.i18n import tr


# -- the reducer ---------------------------------------------------------------------
class EventError(ValidationError):
    pass


Data = Mapping[str, object]
"""An event's payload as the reducer reads it: any stored JSON object, checked key by key
(core/event_types.py has the payloads the app writes)."""


def anchor_of(event: SessionEvent) -> Anchor:
    return Anchor(float(event["mono"]), str(event["boot"]), parse_iso(event["at"], "at"))


def text_of(data: Data, key: str, what: str, max_len: int = 2000) -> str:
    return require_text(data.get(key), key, what, max_len)


def reason_of(s: SessionState, data: Data, key: str, what: str) -> str:
    """A justification: clinical text under the current rules, any text under the first."""
    if s.rules >= 2:
        return require_justification(data.get(key), key, what)
    return text_of(data, key, what)


def is_override(event: Mapping[str, object]) -> bool:
    """Whether ``event`` records a departure from the protocol with its justification: such an
    event is saved only with the acting practitioner's fresh PIN proof."""
    kind, data = event.get("type"), event.get("data")
    if not isinstance(data, dict):
        return False
    keys = {"screening_override": ("justification",), "cartridge_set": ("justification",),
            "cartridge_new_sealed": ("justification",), "needling_started": ("early_reason", "late_reason"),
            "needling_finished": ("reason",)}.get(str(kind), ())
    if kind == "screening_override":
        return True
    return any(str(data.get(key) or "").strip() for key in keys)


def flag_of(data: Data, key: str = "value") -> bool:
    value = data.get(key)
    if not isinstance(value, bool):
        raise EventError(key, tr("“{key}” must be true or false.").format(key=key))
    return value



def require_cleared(s: SessionState, p: Protocol, what: str) -> None:
    if not s.screening_cleared(p):
        raise EventError("screening", tr("{what} is not possible until every screening question is answered "
                                         "and nothing is left blocking.").format(what=what))
    if not s.consent_by:
        raise EventError("consent", tr("{what} is not possible before consent is confirmed.").format(what=what))


Handler = Callable[[SessionState, Data, Anchor, SessionEvent, Protocol], None]
"""One event type's check-and-fold: raises before changing the state."""
