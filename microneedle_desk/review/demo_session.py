"""One demo session, step by step: every command a practitioner would give, with the fake clock
advanced as the treatment room would (answers a few seconds apart, the anesthetic dwelling
while the device is prepared, alerts recorded at their deadlines, needling with pauses), so
every event passes the same rules as a live one.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from microneedle_desk.core.clock import FakeClock
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.core.session import Session
from microneedle_desk.core.session_state import SessionConfig, SessionState
from microneedle_desk.review.demo_plan import Course, DemoPlanner, weighted
from microneedle_desk.review.demo_values import (
    ANESTHETICS,
    ANTIBIOTICS,
    DEMO_MINOXIDIL,
    EARLY_REASONS,
    LATE_REASON,
    LONG_REASON,
    OVERRIDES,
    SHORT_REASON,
    SIDE_EFFECT_NOTES,
    SIDE_EFFECT_WEIGHTS,
    TZ,
    ZONES,
)


def better_grade(rng: random.Random, protocol: Protocol, scale: str, grade: str) -> str:
    """Courses help a little: now and then a grade one step lower (SALT a few points)."""
    grades = protocol.scale(scale).grades
    if not grades:
        return str(max(0, int(grade) - rng.choice((0, 0, 2, 3, 5, 8))))
    i = grades.index(grade)
    return grades[i - 1] if i > 0 and rng.random() < 0.15 else grade


class DemoGenerator(DemoPlanner):
    """Plans a demo clinic's visits and runs each session through the core."""

    # -- one session, step by step -----------------------------------------------------
    @staticmethod
    def _wait(session: Session, clock: FakeClock, seconds: float) -> None:
        """Let time pass, recording each alert at its deadline as the app's timer would."""
        left = max(0.0, seconds)
        for _ in range(20):
            due = session.seconds_to_next_alert()
            if due is None or due + 0.001 > left:
                break
            clock.advance(due + 0.001)  # a real timer fires a hair after the deadline
            left -= due + 0.001
            session.poll()
        clock.advance(left)

    def run_session(self, course: Course, start: datetime) -> SessionState:
        rng, protocol, store = self.rng, self.protocol, self.store
        patient = course.patient
        day_start = datetime.combine(start.date(), time(6, 0), TZ)
        clock = FakeClock(start=start, monotonic_start=1000.0 + (start - day_start).total_seconds(),
                          boot=f"demo-boot-{start.date().isoformat()}")
        who = course.practitioner if rng.random() < 0.85 else rng.choice(self.practitioners)
        config = SessionConfig(interval_days=protocol.indication(patient.indication).interval_days)
        s = Session.start(protocol, clock, store.device, patient, who, config)  # no sink: filed in bulk
        wait = self._wait
        if course.done > 0:
            course.grade = better_grade(rng, protocol, patient.scale, course.grade)
            s.record_grade(patient.scale, course.grade)
        # screening
        roll = rng.random()
        override = rng.choice(sorted(OVERRIDES)) if roll < 0.04 else None
        blocked = 0.04 <= roll < 0.05
        for item in protocol.contraindications:
            wait(s, clock, rng.uniform(4, 20))
            if item.id in s.state.not_applicable:  # not asked of this patient's sex
                continue
            s.answer(item.id, item.id == override or (blocked and item.id == "isotretinoin"))
            if item.id == "isotretinoin" and not blocked and rng.random() < 0.03:
                s.set_isotretinoin_last_dose(start.date() - timedelta(days=rng.randint(200, 900)))
        if blocked:
            wait(s, clock, rng.uniform(60, 180))
            s.abandon("Screening: isotretinoin within the washout period; rebooked after the washout.")
            return s.state
        if override:
            s.override_screening(OVERRIDES[override])
        s.confirm_consent(patient.name)
        # anesthetic, and the device while it dwells
        s.set_anesthetic_product(rng.choice(ANESTHETICS))
        dwell = rng.choice((15, 20, 20, 25, 30, 30, 30, 30, 35, 40, 45))
        s.apply_anesthetic(dwell)
        assert s.state.applied is not None
        applied = s.state.applied.mono
        wait(s, clock, rng.uniform(60, 240))
        s.set_needle_length(f"{course.needle_tenths / 10:.1f}")
        lot_month = (start.year * 12 + start.month - 1) // 2 * 2
        lot = f"DEMO-CT-{lot_month // 12}{lot_month % 12 + 1:02d}"
        s.set_cartridge(lot, date(lot_month // 12 + 2, lot_month % 12 + 1, 1).isoformat())
        s.confirm_cartridge_new()
        s.set_handpiece_serial(f"DEMO-HP-0{rng.randint(1, 3)}")
        wait(s, clock, rng.uniform(60, 180))
        s.set_antiseptic(rng.choice(("alcohol", "alcohol", "povidone_iodine")))
        s.plan_needling(rng.choice((15, 15, 15, 16, 18, 20)))
        roll = rng.random()
        early, over = roll < 0.02, 0.02 <= roll < 0.035
        target = (rng.uniform(11, 14.5) if early else 45 + rng.uniform(0.5, 5) if over
                  else dwell + rng.uniform(0, 4)) * 60
        wait(s, clock, max(10.0, target - (clock.monotonic() - applied)))
        if rng.random() < 0.008:
            s.abandon("Patient felt light-headed during the numbing time; session stopped and rebooked.")
            return s.state
        s.start_needling(rng.choice(EARLY_REASONS) if early else LATE_REASON if s.start_deviation() else "")
        # needling: zones ticked as they are done, sometimes a pause
        zones = list(ZONES[patient.indication])
        if patient.indication == "alopecia_areata":
            zones = rng.sample(zones, rng.randint(1, 3))
        active = (s.state.needling_planned_min or 15) * 60 + rng.uniform(-30, 60)
        parts = [rng.uniform(1, 2) for _ in zones]
        pauses = set(rng.sample(range(len(zones) - 1), min(len(zones) - 1, rng.choice((0, 0, 0, 1, 1, 2)))))
        for i, zone in enumerate(zones):
            wait(s, clock, active * parts[i] / sum(parts))
            s.set_zone(zone)
            if i in pauses:
                s.pause_needling()
                wait(s, clock, rng.uniform(20, 180))
                s.resume_needling()
        deviation = s.finish_deviation()
        s.finish_needling("" if not deviation else SHORT_REASON if "below" in deviation else LONG_REASON)
        directions = rng.sample(protocol.ids("pass_directions"), rng.randint(2, 3))
        s.set_passes(rng.randint(2, 6), directions)
        # closing
        wait(s, clock, rng.uniform(30, 90))
        endpoint = weighted(rng, (("pinpoint_bleeding", 60), ("redness", 36), ("neither", 4)))
        s.set_endpoint(endpoint, "Only faint erythema; depth kept conservative." if endpoint == "neither" else "")
        wait(s, clock, rng.uniform(60, 180))
        s.confirm_blood_washed()
        s.apply_antibiotic(rng.choice(ANTIBIOTICS))
        if course.adjunct == "minoxidil":  # details fixed per course: no draw, the stream stays as it was
            s.set_adjunct("minoxidil", **DEMO_MINOXIDIL[int(patient.sex == "female")])
        else:
            s.set_adjunct(course.adjunct, course.prp_ml if course.adjunct == "prp" else None,
                          kit_lot=f"PRP-{patient.clinic_id[-4:]}" if course.adjunct == "prp" else "")
        wait(s, clock, rng.uniform(30, 120))
        worst = self._side_effects(s, course.needle_tenths)
        s.confirm_aftercare()
        s.set_home_roller(False)
        s.set_next_session(s.state.suggested_next_session())
        wait(s, clock, rng.uniform(30, 120))
        s.sign(acknowledge=True)  # the generator stands in for the signer reviewing the deviations
        # the next visit: a little deeper if tolerated, shallower after a reaction
        default = int(protocol.indication(patient.indication).default_needle_mm * 10)
        if worst in ("moderate", "severe"):
            course.needle_tenths = max(5, course.needle_tenths - 2)
        elif course.needle_tenths < default and rng.random() < 0.4:
            course.needle_tenths += 1
        return s.state

    def _side_effects(self, s: Session, needle_tenths: int) -> str:
        rng = self.rng
        if rng.random() >= 0.09 + 0.08 * (needle_tenths - 5) / 10:  # ~10-17 %, more with depth
            s.declare_none_observed()
            return ""
        worst = ""
        kinds = rng.sample(list(SIDE_EFFECT_WEIGHTS), 1) if rng.random() < 0.5 else [
            weighted(rng, tuple(SIDE_EFFECT_WEIGHTS.items()))]
        if rng.random() < 0.2:
            kinds.append(weighted(rng, tuple(SIDE_EFFECT_WEIGHTS.items())))
        for kind in dict.fromkeys(kinds):
            severity = weighted(rng, (("mild", 80), ("moderate", 18), ("severe", 2)))
            if kind == "allergic_reaction" and severity == "mild":
                severity = "moderate"
            s.add_side_effect(kind, severity, SIDE_EFFECT_NOTES[kind])
            worst = max(worst, severity, key=("", "mild", "moderate", "severe").index)
        return worst
