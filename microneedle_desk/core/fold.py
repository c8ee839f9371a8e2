"""The session's reducer: ``apply_event`` checks one event against the protocol and the state
so far and folds it in; the same function serves live commands and the replay of a stored
session, so a record that bypassed the screens is checked by the same rules.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import cast

from microneedle_desk.core.event_types import SessionEvent
from microneedle_desk.core.fold_common import EventError, Handler, anchor_of
from microneedle_desk.core.fold_preparation import PREPARATION_HANDLERS
from microneedle_desk.core.fold_treatment import TREATMENT_HANDLERS
from microneedle_desk.core.photos import HANDLERS as PHOTO_HANDLERS
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.core.records import (
    is_uuid,
)
from microneedle_desk.core.session_state import SUPERSEDED_DRAFTS, SessionState
from microneedle_desk.i18n import tr


def apply_event(state: SessionState, event: Mapping[str, object], protocol: Protocol) -> None:
    """Check ``event`` (any stored JSON object) and fold it into ``state``, where it is kept as the
    :class:`SessionEvent` it proved to be. Raises before changing anything."""
    for key in ("id", "session", "n", "type", "at", "mono", "boot", "by", "device", "data"):
        if key not in event:
            raise EventError(key, tr("An event lacks “{key}”.").format(key=key))
    kind, data = event["type"], event["data"]
    if not isinstance(kind, str):
        raise EventError("type", tr("An event's type must be text."))
    if not isinstance(data, dict):
        raise EventError("data", tr("An event's data must be an object."))
    if isinstance(event["n"], bool) or event["n"] != len(state.events):
        raise EventError("n", tr("Event number {value} is out of order (expected {len}).").format(
                                 value=event['n'], len=len(state.events)))
    mono = event["mono"]
    if isinstance(mono, bool) or not isinstance(mono, (int, float)) or not math.isfinite(mono):
        raise EventError("mono", tr("An event's monotonic reading must be a finite number."))
    if not is_uuid(event["id"]):
        raise EventError("id", tr("An event id must be a UUID."))
    for key, who in (("by", "the practitioner"), ("device", "the device"), ("boot", "the clock's boot id")):
        value = event[key]
        if not isinstance(value, str) or not value.strip():
            raise EventError(key, tr("An event must name {who} in “{key}”.").format(who=who, key=key))
    checked = cast(SessionEvent, event)  # every key is there, of the type the reducer needs
    anchor = anchor_of(checked)
    if state.status in ("signed", "abandoned"):
        raise EventError("status", tr("This session is {status}: it cannot change any more.").format(
                                      status=state.status))
    if kind != "session_started" and state.status == "new":
        raise EventError("type", tr("A session must begin with its start event."))
    if kind != "session_started" and event["session"] != state.id:
        raise EventError("session", tr("The event belongs to another session."))
    handler = HANDLERS.get(kind)
    if handler is None:
        raise EventError("type", tr("Unknown event type “{kind}”.").format(kind=kind))
    handler(state, data, anchor, checked, protocol)
    for superseded in SUPERSEDED_DRAFTS.get(kind, ()):
        state.drafts.pop(superseded, None)
    state.events.append(checked)




HANDLERS: dict[str, Handler] = {**PREPARATION_HANDLERS, **TREATMENT_HANDLERS, **PHOTO_HANDLERS}
EVENT_TYPES = tuple(HANDLERS)


def replay(events: Sequence[Mapping[str, object]], protocol: Protocol) -> SessionState:
    state = SessionState()
    for event in events:
        apply_event(state, event, protocol)
    return state
