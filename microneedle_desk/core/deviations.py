"""Departures from the protocol in one session, with their figures and justifications.

A session may leave the protocol's path (a blocking screening answer overridden, a
cartridge used although expired or not confirmed new, numbing or needling outside the
protocol's minutes), but never silently: each departure is listed here from the session's
state and the protocol's own limits, for the sign-off summary, the acknowledgement the
signer gives and the printed sheet. The limits are read from the protocol, never written
here.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from microneedle_desk.core.countdown import format_duration
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.core.record_base import FrozenRecord

if TYPE_CHECKING:
    from microneedle_desk.core.session import SessionState

# Kinds, in the order a session meets them (also the order they are listed in).
KINDS = ("screening_override", "cartridge_expired", "cartridge_unconfirmed", "dwell_below_min",
         "dwell_above_max", "needling_below_min", "needling_above_max")

TITLES = {
    "screening_override": "Screening override",
    "cartridge_expired": "Expired cartridge used",
    "cartridge_unconfirmed": "Cartridge not confirmed new and sealed",
    "dwell_below_min": "Needling started before the minimum numbing time",
    "dwell_above_max": "Numbing cream on longer than the maximum",
    "needling_below_min": "Needling finished before the minimum time",
    "needling_above_max": "Needling longer than the maximum time",
}
NO_JUSTIFICATION = "(no justification recorded)"


@dataclass(frozen=True, eq=False, repr=False)
class Deviation(FrozenRecord):
    """One departure from the protocol: what, its figures, and the reason written for it."""

    kind: str
    title: str
    figures: str
    justification: str

    @property
    def justified(self) -> bool:
        return bool(self.justification.strip())

    def line(self) -> str:
        """One line for a summary: figures, then the justification (or that there is none)."""
        why = self.justification if self.justified else NO_JUSTIFICATION
        return f"{self.figures} — {why}"


def _whole(value: Decimal) -> str:
    return format(value.normalize(), "f")


def dwell_text(seconds: float) -> str:
    """Numbing time as a person reads it off a clock: whole minutes, or minutes and seconds."""
    whole = round(seconds)
    return f"{whole // 60} min" if whole % 60 == 0 else format_duration(whole)


def needling_text(seconds: float) -> str:
    """Needling time as the countdown shows it (m:ss)."""
    whole = round(seconds)
    m, s = divmod(whole, 60)
    return f"{m}:{s:02d}"


def dwell_deviation(seconds: float, protocol: Protocol) -> str:
    """``dwell_below_min``, ``dwell_above_max`` or "" for a numbing time of ``seconds``."""
    bound = protocol.bounds["dwell_minutes"]
    if seconds < float(bound.min) * 60:
        return "dwell_below_min"
    if seconds > float(bound.max) * 60:
        return "dwell_above_max"
    return ""


def needling_deviation(seconds: float, protocol: Protocol) -> str:
    """``needling_below_min``, ``needling_above_max`` or "" for ``seconds`` of needling."""
    bound = protocol.bounds["needling_minutes"]
    if seconds < float(bound.min) * 60:
        return "needling_below_min"
    if seconds > float(bound.max) * 60:
        return "needling_above_max"
    return ""


def figures(kind: str, seconds: float, protocol: Protocol) -> str:
    """The figures of a timing deviation, e.g. "Dwell 57 min, above the 45-min maximum"."""
    dwell, needling = protocol.bounds["dwell_minutes"], protocol.bounds["needling_minutes"]
    return {
        "dwell_below_min": f"Dwell {dwell_text(seconds)}, below the {_whole(dwell.min)}-min minimum",
        "dwell_above_max": f"Dwell {dwell_text(seconds)}, above the {_whole(dwell.max)}-min maximum",
        "needling_below_min": f"Needling {needling_text(seconds)}, below the {_whole(needling.min)}-min minimum",
        "needling_above_max": f"Needling {needling_text(seconds)}, above the {_whole(needling.max)}-min maximum",
    }[kind]


def deviations(state: SessionState, protocol: Protocol) -> list[Deviation]:
    """Every departure from the protocol recorded in ``state``, in the order of the session."""
    s = state
    out: list[Deviation] = []

    def add(kind: str, text: str, why: str) -> None:
        out.append(Deviation(kind, TITLES[kind], text, why))

    if s.override_items:
        names = ", ".join(protocol.label("contraindications", i).rstrip("?") if i in protocol.ids("contraindications")
                          else i for i in s.override_items)
        add("screening_override", f"Screening answered Yes and overridden: {names}", s.override_reason)
    if s.cartridge_expiry is not None and s.started is not None and s.cartridge_expired_reason:
        add("cartridge_expired", f"Cartridge lot {s.cartridge_lot} expired on {s.cartridge_expiry.isoformat()}",
            s.cartridge_expired_reason)
    if s.cartridge_unsealed_reason and not s.cartridge_new_sealed:
        add("cartridge_unconfirmed", f"Cartridge lot {s.cartridge_lot or '—'} used without confirming it new "
                                     "and sealed", s.cartridge_unsealed_reason)
    dwell = s.actual_dwell_seconds()
    if dwell is not None:
        kind = dwell_deviation(dwell, protocol)
        if kind:
            add(kind, figures(kind, dwell, protocol),
                s.early_start_reason if kind == "dwell_below_min" else s.late_start_reason)
    if s.needling_finished_at() is not None:
        needling = s.actual_needling_seconds()
        assert needling is not None
        kind = needling_deviation(needling, protocol)
        if kind:
            add(kind, figures(kind, needling, protocol), s.finish_reason)
    return out


def kinds(found: list[Deviation]) -> list[str]:
    return [d.kind for d in found]
