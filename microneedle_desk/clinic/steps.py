"""Each step's entries, as commands of the open session.

A mixin of :class:`~microneedle_desk.clinic.clinic.Clinic`: every entry goes to the session
the clinic has open (refused when none is, or when the screen is locked), and an entry that
departs from the protocol is saved only with the acting practitioner's PIN, given here as
``pin`` or asked for by the clinic.
"""

from __future__ import annotations

from contextlib import AbstractContextManager

from microneedle_desk.core.session import Session


class StepEntries:
    """The commands a person gives while a session runs, from screening to aftercare."""

    def _open_session(self) -> Session:
        raise NotImplementedError

    def _override_with(self, pin: str | None) -> AbstractContextManager[None]:
        raise NotImplementedError

    # -- screening ------------------------------------------------------------------------
    def record_grade(self, scale: str, grade: object) -> None:
        self._open_session().record_grade(scale, grade)

    def answer(self, item: str, yes: bool) -> None:
        self._open_session().answer(item, yes)

    def set_isotretinoin_last_dose(self, day: object) -> None:
        self._open_session().set_isotretinoin_last_dose(day)

    def override_screening(self, justification: str, pin: str | None = None) -> None:
        """Go on despite a contraindication, for the reason given (an override: the practitioner's PIN)."""
        with self._override_with(pin):
            self._open_session().override_screening(justification)

    def confirm_consent(self, given_by: str) -> None:
        self._open_session().confirm_consent(given_by)

    # -- preparation ----------------------------------------------------------------------
    def set_anesthetic_product(self, product: str) -> None:
        self._open_session().set_anesthetic_product(product)

    def apply_anesthetic(self, planned_minutes: object) -> None:
        self._open_session().apply_anesthetic(planned_minutes)

    def change_dwell_plan(self, planned_minutes: object) -> None:
        self._open_session().change_dwell_plan(planned_minutes)

    def set_needle_length(self, mm: object) -> None:
        self._open_session().set_needle_length(mm)

    def set_cartridge(self, lot: str, expiry: object, justification: str = "", pin: str | None = None) -> None:
        with self._override_with(pin):
            self._open_session().set_cartridge(lot, expiry, justification)

    def set_cartridge_lot(self, lot: str) -> None:
        self._open_session().set_cartridge_lot(lot)

    def set_cartridge_expiry(self, expiry: object) -> None:
        self._open_session().set_cartridge_expiry(expiry)

    def confirm_cartridge_new(self, value: bool = True) -> None:
        self._open_session().confirm_cartridge_new(value)

    def override_cartridge(self, lot: str, expiry: object, justification: str, pin: str | None = None) -> str:
        with self._override_with(pin):
            return self._open_session().override_cartridge(lot, expiry, justification)

    def use_unconfirmed_cartridge(self, justification: str, pin: str | None = None) -> None:
        with self._override_with(pin):
            self._open_session().use_unconfirmed_cartridge(justification)

    def set_handpiece_serial(self, serial: str) -> None:
        self._open_session().set_handpiece_serial(serial)

    def set_antiseptic(self, kind: str) -> None:
        self._open_session().set_antiseptic(kind)

    # -- needling and its timer -----------------------------------------------------------
    def plan_needling(self, minutes: object) -> None:
        self._open_session().plan_needling(minutes)

    def start_needling(self, reason: str = "", pin: str | None = None) -> None:
        """Start needling; a ``reason`` justifies a start outside the numbing time (an override)."""
        with self._override_with(pin):
            self._open_session().start_needling(reason)

    def pause_needling(self) -> None:
        self._open_session().pause_needling()

    def resume_needling(self) -> None:
        self._open_session().resume_needling()

    def finish_needling(self, reason: str = "", pin: str | None = None) -> None:
        """Finish needling; a ``reason`` justifies a needling time outside the protocol (an override)."""
        with self._override_with(pin):
            self._open_session().finish_needling(reason)

    def toggle_needling(self) -> str:
        """Start, pause or resume, whatever applies; returns what it did."""
        return self._open_session().toggle_needling()

    def set_zone(self, zone: str, treated: bool = True) -> None:
        self._open_session().set_zone(zone, treated)

    def set_passes(self, count: int, directions: list[str]) -> None:
        self._open_session().set_passes(count, directions)

    # -- closing --------------------------------------------------------------------------
    def set_endpoint(self, kinds: str | list[str] | tuple[str, ...], note: str = "") -> None:
        self._open_session().set_endpoint(kinds, note)

    def set_endpoint_note(self, note: str) -> None:
        self._open_session().set_endpoint_note(note)

    def confirm_blood_washed(self, value: bool = True) -> None:
        self._open_session().confirm_blood_washed(value)

    def apply_antibiotic(self, product: str) -> None:
        self._open_session().apply_antibiotic(product)

    def no_antibiotic(self) -> None:
        self._open_session().no_antibiotic()

    def set_adjunct(self, kind: str, prp_ml: object = None, *, product: str = "", strength: str = "",
                    form: str = "", kit_lot: str = "") -> None:
        self._open_session().set_adjunct(kind, prp_ml, product=product, strength=strength, form=form,
                                         kit_lot=kit_lot)

    def set_home_roller(self, uses: bool, needle_mm: object = None) -> None:
        self._open_session().set_home_roller(uses, needle_mm)

    def add_side_effect(self, kind: str, severity: str, note: str = "") -> str:
        return self._open_session().add_side_effect(kind, severity, note)

    def remove_side_effect(self, entry_id: str) -> None:
        self._open_session().remove_side_effect(entry_id)

    def declare_none_observed(self, value: bool = True) -> None:
        self._open_session().declare_none_observed(value)

    def confirm_aftercare(self, value: bool = True) -> None:
        self._open_session().confirm_aftercare(value)

    def set_next_session(self, day: object) -> None:
        self._open_session().set_next_session(day)

