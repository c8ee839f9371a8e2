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
    """Answer every contraindication asked of the patient No and confirm consent."""
    for item in session.protocol.contraindications:
        if item.id not in session.state.not_applicable:  # not asked of this patient's sex
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


MINOXIDIL = {"product": "Regaine for Men Extra Strength", "strength": "5pct", "form": "foam"}
"""The scripted minoxidil: product, strength and form as :meth:`Session.set_adjunct` takes them."""


def close_out(session: Session, *, endpoint: str | Iterable[str] = "pinpoint_bleeding",
              antibiotic: str = "Fucidin", adjunct: str = "minoxidil", prp_ml: object = None,
              prp_kit_lot: str = "PRP-KIT-7", minoxidil: dict[str, str] | None = None,
              side_effects: Iterable[SideEffect] = (), home_roller_mm: object = None,
              next_session: object = None) -> None:
    """Endpoint, clean-up, adjunct, side effects, aftercare, home roller and the next date.

    ``antibiotic`` empty: none used. No ``side_effects``: 'none observed' is declared.
    ``home_roller_mm`` None: the patient uses no roller at home. ``next_session`` defaults
    to the date the session suggests.
    """
    session.set_endpoint(endpoint if isinstance(endpoint, str) else list(endpoint))
    session.confirm_blood_washed()
    if antibiotic:
        session.apply_antibiotic(antibiotic)
    else:
        session.no_antibiotic()
    if adjunct == "minoxidil":
        session.set_adjunct(adjunct, **(minoxidil or MINOXIDIL))
    else:
        session.set_adjunct(adjunct, prp_ml, kit_lot=prp_kit_lot)
    effects = list(side_effects)
    for kind, severity, note in effects:
        session.add_side_effect(kind, severity, note)
    if not effects:
        session.declare_none_observed()
    session.confirm_aftercare()
    session.set_home_roller(home_roller_mm is not None, home_roller_mm)
    session.set_next_session(session.state.suggested_next_session() if next_session is None
                             else next_session)


def run_complete_session(session: Session, advance: Advance, *, sign: bool = True,
                         consent_by: str = "Alex Demo", dwell_minutes: int = 30,
                         anesthetic: str = "EMLA 5%", needle_mm: str = "1.5", lot: str = "LOT-1",
                         expiry: object = None, handpiece: str = "HP-9", antiseptic: str = "alcohol",
                         needling_minutes: int = 15, zones: Iterable[str] = ("frontal", "vertex"),
                         passes: int = 4, directions: Iterable[str] = ("longitudinal", "diagonal"),
                         endpoint: str | Iterable[str] = "pinpoint_bleeding", antibiotic: str = "Fucidin",
                         adjunct: str = "minoxidil", prp_ml: object = None,
                         side_effects: Iterable[SideEffect] = (), home_roller_mm: object = None,
                         next_session: object = None) -> Session:
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
              side_effects=side_effects, home_roller_mm=home_roller_mm, next_session=next_session)
    if sign:
        session.sign()
    return session
