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
from microneedle_desk.i18n import tr as translate

if TYPE_CHECKING:
    from microneedle_desk.core.session_state import SessionState

# Kinds, in the order a session meets them (also the order they are listed in).
KINDS = ("screening_override", "cartridge_expired", "cartridge_unconfirmed", "dwell_below_min",
         "dwell_above_max", "needling_below_min", "needling_above_max")



def tr(text: str) -> str:
    """``text`` in the person's language (imported when first needed: this module is read at start-up)."""
    return translate(text)


def title(kind: str) -> str:
    """A deviation's name, as the sign-off and the sheet show it."""
    return {
        "screening_override": tr("Screening override"),
        "cartridge_expired": tr("Expired cartridge used"),
        "cartridge_unconfirmed": tr("Cartridge not confirmed new and sealed"),
        "dwell_below_min": tr("Needling started before the minimum numbing time"),
        "dwell_above_max": tr("Numbing cream on longer than the maximum"),
        "needling_below_min": tr("Needling finished before the minimum time"),
        "needling_above_max": tr("Needling longer than the maximum time"),
    }[kind]


def no_justification() -> str:
    return tr("(no justification recorded)")


@dataclass(frozen=True)
class Deviation:
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
        why = self.justification if self.justified else no_justification()
        return f"{self.figures} — {why}"


def _whole(value: Decimal) -> str:
    return format(value.normalize(), "f")


def dwell_text(seconds: float) -> str:
    """Numbing time as a person reads it off a clock: whole minutes, or minutes and seconds."""
    whole = round(seconds)
    return tr("{minutes} min").format(minutes=whole // 60) if whole % 60 == 0 else format_duration(whole)


def needling_text(seconds: float) -> str:
    """Needling time as the countdown shows it (m:ss)."""
    whole = round(seconds)
    m, s = divmod(whole, 60)
    return f"{m}:{s:02d}"


def _outside(seconds: float, protocol: Protocol, name: str) -> str:
    """``<name>_below_min``, ``<name>_above_max`` or "" for ``seconds`` against the protocol's
    ``<name>_minutes`` bound."""
    bound = protocol.bounds[f"{name}_minutes"]
    if seconds < float(bound.min) * 60:
        return f"{name}_below_min"
    if seconds > float(bound.max) * 60:
        return f"{name}_above_max"
    return ""


def dwell_deviation(seconds: float, protocol: Protocol) -> str:
    """``dwell_below_min``, ``dwell_above_max`` or "" for a numbing time of ``seconds``."""
    return _outside(seconds, protocol, "dwell")


def needling_deviation(seconds: float, protocol: Protocol) -> str:
    """``needling_below_min``, ``needling_above_max`` or "" for ``seconds`` of needling."""
    return _outside(seconds, protocol, "needling")


def figures(kind: str, seconds: float, protocol: Protocol) -> str:
    """The figures of a timing deviation, e.g. "Dwell 57 min, above the 45-min maximum"."""
    dwell, needling = protocol.bounds["dwell_minutes"], protocol.bounds["needling_minutes"]
    if kind.startswith("dwell"):
        time, low, high = dwell_text(seconds), _whole(dwell.min), _whole(dwell.max)
    else:
        time, low, high = needling_text(seconds), _whole(needling.min), _whole(needling.max)
    return {
        "dwell_below_min": tr("Dwell {time}, below the {limit}-min minimum"),
        "dwell_above_max": tr("Dwell {time}, above the {limit}-min maximum"),
        "needling_below_min": tr("Needling {time}, below the {limit}-min minimum"),
        "needling_above_max": tr("Needling {time}, above the {limit}-min maximum"),
    }[kind].format(time=time, limit=low if kind.endswith("min") else high)


def deviations(state: SessionState, protocol: Protocol) -> list[Deviation]:
    """Every departure from the protocol recorded in ``state``, in the order of the session."""
    s = state
    out: list[Deviation] = []

    def add(kind: str, text: str, why: str) -> None:
        out.append(Deviation(kind, title(kind), text, why))

    if s.override_items:
        names = ", ".join(protocol.label("contraindications", i).rstrip("?") if i in protocol.ids("contraindications")
                          else i for i in s.override_items)
        add("screening_override", tr("Screening answered Yes and overridden: {items}").format(items=names),
            s.override_reason)
    if s.cartridge_expiry is not None and s.started is not None and s.cartridge_expired_reason:
        add("cartridge_expired", tr("Cartridge lot {lot} expired on {date}").format(
            lot=s.cartridge_lot, date=s.cartridge_expiry.isoformat()), s.cartridge_expired_reason)
    if s.cartridge_unsealed_reason and not s.cartridge_new_sealed:
        add("cartridge_unconfirmed", tr("Cartridge lot {lot} used without confirming it new and sealed").format(
            lot=s.cartridge_lot or "—"), s.cartridge_unsealed_reason)
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
