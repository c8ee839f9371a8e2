"""One scripted complete session: every step of the workflow done in order, with made-up values.

Used wherever a whole session has to be run without a person at the screen: the tests
(``tests/helpers.py`` re-exports these stages), the session benchmark (``bench/run.py``) and
the kill-and-check tool (``tools/fault_injection.py``). The stage functions can be called in
order to stop part-way: :func:`clear_screening`, :func:`apply_anesthetic`,
:func:`prepare_device`, :func:`wait_dwell`, :func:`do_needling`, :func:`close_out`; or
:func:`run_complete_session` does them all and signs.

The values a caller may want to vary are keyword arguments (their defaults are the test
helpers' demo values). Time passes only through the ``advance`` callable given to the
waiting stages, usually a :class:`~microneedle_desk.core.clock.FakeClock`'s ``advance``;
the time already gone is read from the session's own clock.

The demo-data generator (``review/demo.py``) does not use this: its sessions wait a random
time between nearly every step, branch (overrides, blocked screening, early starts,
pauses, abandoned sessions) and draw each value from a seeded random stream whose order
fixes the generated data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta

from microneedle_desk.core.session import Session

Advance = Callable[[float], None]
"""Lets that many seconds pass (``FakeClock.advance``)."""

SideEffect = tuple[str, str, str]
"""(kind, severity, note) as :meth:`Session.add_side_effect` takes them."""


def clear_screening(session: Session, *, consent_by: str = "Alex Demo") -> None:
    """Answer every contraindication No and confirm consent."""
    for item in session.protocol.contraindications:
        session.answer(item.id, False)
    session.confirm_consent(consent_by)


def apply_anesthetic(session: Session, *, dwell_minutes: int = 30, product: str = "EMLA 5%") -> None:
    """Name the cream and apply it now: the dwell countdown starts."""
    session.set_anesthetic_product(product)
    session.apply_anesthetic(dwell_minutes)


def prepare_device(session: Session, *, needle_mm: str = "1.5", lot: str = "LOT-1",
                   expiry: object = None, handpiece: str = "HP-9", antiseptic: str = "alcohol",
                   needling_minutes: int = 15) -> None:
    """Needle, sealed cartridge, handpiece, antiseptic and the needling plan (no time passes).

    ``expiry`` defaults to a year from the session clock's today.
    """
    session.set_needle_length(needle_mm)
    if expiry is None:
        expiry = (session.clock.now().date() + timedelta(days=365)).isoformat()
    session.set_cartridge(lot, expiry)
    session.confirm_cartridge_new()
    session.set_handpiece_serial(handpiece)
    session.set_antiseptic(antiseptic)
    session.plan_needling(needling_minutes)


def wait_dwell(session: Session, advance: Advance) -> None:
    """Let what is left of the planned dwell time pass, then poll alerts as the app would."""
    clock = session.clock
    planned = session.state.dwell_planned_min or 0
    if session.state.applied is None:
        raise ValueError("apply the anesthetic first")
    elapsed = clock.monotonic() - session.state.applied.to_mono(clock)
    advance(max(0.0, planned * 60 - elapsed))
    session.poll()


def do_needling(session: Session, advance: Advance, *, minutes: float | None = None,
                zones: Iterable[str] = ("frontal", "vertex"), passes: int = 4,
                directions: Iterable[str] = ("longitudinal", "diagonal")) -> None:
    """Start needling, let ``minutes`` (default: the plan) pass, finish, tick zones and passes."""
    session.start_needling()
    advance(60 * (minutes if minutes is not None else session.state.needling_planned_min or 15))
    session.poll()
    session.finish_needling()
    for zone in zones:
        session.set_zone(zone)
    session.set_passes(passes, list(directions))


def close_out(session: Session, *, endpoint: str = "pinpoint_bleeding", antibiotic: str = "Fucidin",
              adjunct: str = "minoxidil", prp_ml: object = None,
              side_effects: Iterable[SideEffect] = (), next_session: object = None) -> None:
    """Endpoint, clean-up, adjunct, side effects, aftercare and the next date.

    No ``side_effects``: 'none observed' is declared. ``next_session`` defaults to the
    date the session suggests.
    """
    session.set_endpoint(endpoint)
    session.confirm_blood_washed()
    session.apply_antibiotic(antibiotic)
    session.set_adjunct(adjunct, prp_ml)
    effects = list(side_effects)
    for kind, severity, note in effects:
        session.add_side_effect(kind, severity, note)
    if not effects:
        session.declare_none_observed()
    session.confirm_aftercare()
    session.set_next_session(session.state.suggested_next_session() if next_session is None
                             else next_session)


def run_complete_session(session: Session, advance: Advance, *, sign: bool = True,
                         consent_by: str = "Alex Demo", dwell_minutes: int = 30,
                         anesthetic: str = "EMLA 5%", needle_mm: str = "1.5", lot: str = "LOT-1",
                         expiry: object = None, handpiece: str = "HP-9", antiseptic: str = "alcohol",
                         needling_minutes: int = 15, zones: Iterable[str] = ("frontal", "vertex"),
                         passes: int = 4, directions: Iterable[str] = ("longitudinal", "diagonal"),
                         endpoint: str = "pinpoint_bleeding", antibiotic: str = "Fucidin",
                         adjunct: str = "minoxidil", prp_ml: object = None,
                         side_effects: Iterable[SideEffect] = (), next_session: object = None) -> Session:
    """Take a freshly started session through every step: dwell and needling as planned.

    Signs it unless ``sign=False`` (then signing is the one thing left). Returns the session.
    """
    clear_screening(session, consent_by=consent_by)
    apply_anesthetic(session, dwell_minutes=dwell_minutes, product=anesthetic)
    prepare_device(session, needle_mm=needle_mm, lot=lot, expiry=expiry, handpiece=handpiece,
                   antiseptic=antiseptic, needling_minutes=needling_minutes)
    wait_dwell(session, advance)
    do_needling(session, advance, zones=zones, passes=passes, directions=directions)
    close_out(session, endpoint=endpoint, antibiotic=antibiotic, adjunct=adjunct, prp_ml=prp_ml,
              side_effects=side_effects, next_session=next_session)
    if sign:
        session.sign()
    return session
