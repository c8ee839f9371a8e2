"""What a session's own times say about the computer's clock: whether it was set back during
the session, and whether its times were taken at more than one UTC offset (a trip, a daylight
saving change). Derived from the recorded events, so the record itself is the evidence."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class ClockStepBack:
    """Between the events numbered ``after_event`` and ``after_event + 1`` the wall clock went back."""

    after_event: int
    before: datetime
    after: datetime

    @property
    def seconds(self) -> float:
        return (self.before - self.after).total_seconds()


def _times(events: Sequence[Mapping[str, Any]]) -> list[datetime | None]:
    out: list[datetime | None] = []
    for event in events:
        try:
            out.append(datetime.fromisoformat(str(event.get("at", ""))))
        except ValueError:
            out.append(None)
    return out


def clock_set_back(events: Sequence[Mapping[str, Any]]) -> list[ClockStepBack]:
    """Every place where an event's wall time is earlier than the one before it."""
    found: list[ClockStepBack] = []
    times = _times(events)
    for n in range(1, len(times)):
        before, after = times[n - 1], times[n]
        if before is not None and after is not None and after < before:
            found.append(ClockStepBack(n - 1, before, after))
    return found


def utc_offsets(events: Sequence[Mapping[str, Any]]) -> list[str]:
    """The distinct UTC offsets of the session's times, in the order first seen (``+01:00``)."""
    seen: list[str] = []
    for moment in _times(events):
        if moment is None or moment.utcoffset() is None:
            continue
        text = moment.strftime("%z")
        text = f"{text[:3]}:{text[3:]}"
        if text not in seen:
            seen.append(text)
    return seen
