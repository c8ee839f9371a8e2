"""Realistic demo data: made-up patients on courses of sessions, generated through the core.

Every session is run command by command through :class:`~microneedle_desk.core.session.Session`
with a :class:`~microneedle_desk.core.clock.FakeClock` that is advanced the way the treatment
room would (answers a few seconds apart, the anesthetic dwelling while the device is prepared,
alerts recorded at their deadlines, needling with pauses), so every event passes the same
rules as a live one. The finished sessions of each month are then filed with
:meth:`Store.import_finished`, which replays them once more and writes each month file in
one go: saving 50,000 sessions event by event would rewrite files millions of times.

Everything made here is obviously fake: patients are "Demo Patient 0042" with clinic IDs
"DEMO-0042" and ``demo=True``, lots and serials start with "DEMO-", and the store is marked
as demo data. :func:`generate` refuses a store that holds any real patient or session.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from microneedle_desk.core.clock import FakeClock
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.core.records import Patient, make_patient
from microneedle_desk.core.session import Session
from microneedle_desk.core.session_state import SessionConfig, SessionState
from microneedle_desk.i18n import tr
from microneedle_desk.store.store import Store

END_DATE = date(2026, 10, 30)
"""The last possible day of generated history (fixed, so a seed always gives the same data)."""
TZ = timezone(timedelta(hours=1))
SESSIONS_PER_DAY = 20  # on average while the history is shorter than MAX_YEARS; a day's count varies
MAX_YEARS = 10  # the longest history made: 150,000 sessions are a ten-year clinic of ~57 a day
COURSE_MIN, COURSE_MAX = 4, 12  # visits in a patient's course
OPEN_MIN, LAST_START_MIN = 8 * 60, 17 * 60

PRACTITIONERS = ("Demo Practitioner A", "Demo Practitioner B", "Demo Practitioner C")
ANESTHETICS = ("EMLA 5% cream", "LMX4 lidocaine 4% cream", "Pliaglis 7%/7% cream")
DEMO_MINOXIDIL = (
    {"product": "Regaine for Men Extra Strength", "strength": "5pct", "form": "foam"},
    {"product": "Regaine for Women", "strength": "2pct", "form": "solution"},
)
ANTIBIOTICS = ("Fucidin cream", "Bactroban ointment", "Polysporin ointment")
OVERRIDES = {
    "eczema_or_psoriasis": "Mild psoriasis plaques behind the ears only, away from the treated "
                           "zones; dermatologist examined and cleared.",
    "raised_lesions": "Small flat naevus on the vertex, mapped and avoided during needling.",
    "blood_thinners": "Low-dose aspirin for primary prevention; GP agreed it need not stop; "
                      "needle depth kept shallow.",
}
EARLY_REASONS = ("Patient has a fixed appointment after; numbness tested and adequate.",
                 "Second session of the day for the room running late; numbness confirmed by "
                 "pinprick.")
# Reasons for needling started after the maximum numbing time, or finished outside the
# protocol's needling minutes: fixed texts, so the seeded random stream (and with it every
# other generated value) is the same as before they were asked for.
LATE_REASON = "Patient was called away from the chair; numbness rechecked and adequate before starting."
SHORT_REASON = "Patient found the scalp too tender to go on; stopped once the zones were covered."
LONG_REASON = "Zones took longer to cover evenly after the pauses; endpoint reached at the end."
SIDE_EFFECT_NOTES = {
    "redness": "Redness beyond the usual, settling before discharge.",
    "bleeding": "Bleeding slow to stop on the vertex; pressure applied.",
    "itching": "Patient reported itching during clean-up.",
    "tightness": "Scalp felt tight after needling.",
    "bruising": "Small bruise at the left temporal zone.",
    "dryness_peeling": "Dry patches on the frontal zone.",
    "allergic_reaction": "Hives around the numbed area; antihistamine given, resolved.",
    "lymph_nodes": "Tender occipital node on palpation; advised to call if it grows.",
}
SIDE_EFFECT_WEIGHTS = {"redness": 40, "bleeding": 20, "itching": 12, "tightness": 10, "bruising": 8,
                       "dryness_peeling": 6, "lymph_nodes": 2, "allergic_reaction": 2}
ZONES = {
    "aga_male": ("frontal", "mid_scalp", "vertex", "temporal_left", "temporal_right"),
    "aga_female": ("frontal", "mid_scalp", "vertex"),
    "alopecia_areata": ("vertex", "occipital", "temporal_left", "temporal_right", "mid_scalp"),
    "other": ("frontal", "mid_scalp", "vertex", "occipital"),
}
INDICATIONS = (("aga_male", 45), ("aga_female", 30), ("alopecia_areata", 15), ("other", 10))


class DemoRefused(Exception):
    """The store holds real records (or cannot be written): demo data would mix with them."""


@dataclass
class DemoResult:
    patients: int = 0
    sessions: int = 0
    signed: int = 0
    abandoned: int = 0
    first_day: date | None = None
    last_day: date | None = None


@dataclass
class _Course:
    patient: Patient
    practitioner: str
    adjunct: str
    prp_ml: str
    needle_tenths: int
    grade: str
    days: list[date] = field(default_factory=list)
    done: int = 0


def _weighted(rng: random.Random, pairs: tuple[tuple[str, int], ...] | list[tuple[str, int]]) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _clinic_days(end: date, count: int) -> list[date]:
    """``count`` weekdays ending at ``end`` (or the weekday before it), oldest first."""
    days: list[date] = []
    day = end
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day -= timedelta(days=1)
    return days[::-1]


def _to_weekday(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _first_grade(rng: random.Random, protocol: Protocol, indication: str) -> tuple[str, str]:
    scales = protocol.indication(indication).scales
    scale = rng.choice(scales)
    grades = protocol.scale(scale).grades
    if not grades:
        return scale, str(rng.randint(10, 80))
    if scale == "norwood_hamilton":
        return scale, rng.choice(grades[2:10])
    return scale, rng.choice(grades[: max(1, len(grades) - 1)])


def _better_grade(rng: random.Random, protocol: Protocol, scale: str, grade: str) -> str:
    """Courses help a little: now and then a grade one step lower (SALT a few points)."""
    grades = protocol.scale(scale).grades
    if not grades:
        return str(max(0, int(grade) - rng.choice((0, 0, 2, 3, 5, 8))))
    i = grades.index(grade)
    return grades[i - 1] if i > 0 and rng.random() < 0.15 else grade


class _Generator:
    def __init__(self, store: Store, seed: int, end: date) -> None:
        self.store, self.protocol = store, store.protocol
        self.rng = random.Random(seed)
        self.end = end
        from microneedle_desk.store.accounts import AccountBook

        book = AccountBook(store)
        roles = ["admin"] + ["practitioner"] * (len(PRACTITIONERS) - 1)
        self.practitioners = [book.add_demo_account(name, role).id for name, role in zip(PRACTITIONERS, roles,
                                                                                           strict=True)]

    # -- the plan: who comes on which day ---------------------------------------------
    def plan(self, sessions: int, first_number: int) -> list[tuple[date, _Course]]:
        """Who comes on which weekday: exactly ``sessions`` visits, in courses of 4-12 at the
        protocol interval (fewer only when ``sessions`` itself is below 4).

        The history is long enough for the longest course and for about
        ``SESSIONS_PER_DAY`` visits a day, but never longer than ``MAX_YEARS``: a bigger
        clinic is a busier one. Each day takes about its share of visits; new patients
        start on days with room (the best of a few random picks, early enough for the
        whole course), and a visit that would overfill its day moves to the next day with
        room, as a receptionist would.
        """
        rng = self.rng
        longest = max(ind.interval_days for ind in self.protocol.indications)
        course_weekdays = -(-(COURSE_MAX - 1) * (longest + 4) * 5 // 7)
        count = min(max(-(-sessions // SESSIONS_PER_DAY), course_weekdays + 5), MAX_YEARS * 261)
        days = _clinic_days(self.end, count)
        share = sessions / len(days)
        low, high = max(1, round(share * 0.7)), max(2, round(share * 1.6) + 1)
        room = {day: rng.randint(low, high) for day in days}
        position = {day: i for i, day in enumerate(days)}
        visits: list[tuple[date, float, _Course]] = []
        number, left = first_number, sessions
        while left > 0:
            length = self._course_length(left)
            course_days = -(-(length - 1) * ((longest + 4) * 5) // 7) + 2
            latest = max(0, len(days) - course_days)
            picks = rng.sample(days[: latest + 1], min(latest + 1, 6))
            first = max(picks, key=lambda d: (room[d], d))
            course = self._new_course(number, first)
            number += 1
            room[first] -= 1
            interval = self.protocol.indication(course.patient.indication).interval_days
            while len(course.days) < length:
                jitter = rng.choice((0, 0, 0, 0, 1, 1, 2, 3, 7, -1))
                day = _to_weekday(course.days[-1] + timedelta(days=interval + jitter))
                while day < days[-1] and room.get(day, 0) <= 0:
                    day = _to_weekday(day + timedelta(days=1))
                if day > days[-1] or day not in position:
                    break  # the history ends here: the course is cut short, the next one fills up
                room[day] -= 1
                course.days.append(day)
            visits.extend((d, rng.random(), course) for d in course.days)
            left -= len(course.days)
        visits.sort(key=lambda v: (v[0], v[1]))
        return [(d, c) for d, _, c in visits]

    def _course_length(self, left: int) -> int:
        """4-12 visits, chosen so that what is left after it is 0 or at least 4."""
        if left <= COURSE_MAX:
            return left
        length = self.rng.randint(COURSE_MIN, COURSE_MAX)
        if left - length < COURSE_MIN:
            length = left - COURSE_MIN
        return length

    def _new_course(self, number: int, first_day: date) -> _Course:
        rng, protocol = self.rng, self.protocol
        indication = _weighted(rng, INDICATIONS)
        sex = {"aga_male": "male", "aga_female": "female"}.get(indication) or rng.choice(
            ("female", "male", "male", "female", "other"))
        scale, grade = _first_grade(rng, protocol, indication)
        # 18 to 75 years old at the first visit, however far back the history goes
        dob = date(first_day.year - rng.randint(18, 75), rng.randint(1, 12), rng.randint(1, 28))
        created = datetime.combine(first_day, time(7, 45), TZ)
        patient = make_patient(protocol, name=f"Demo Patient {number:04d}", dob=dob.isoformat(),
                               clinic_id=f"DEMO-{number:04d}", sex=sex, indication=indication,
                               scale=scale, grade=grade, device=self.store.device, now=created,
                               demo=True)
        default = int(protocol.indication(indication).default_needle_mm * 10)
        adjunct = _weighted(rng, (("minoxidil", 45), ("none", 35), ("prp", 20)))
        return _Course(patient, rng.choice(self.practitioners), adjunct,
                       f"{rng.choice((2, 3, 4, 5, 6))}.{rng.choice((0, 5))}",
                       max(5, default - rng.choice((0, 0, 1, 2, 3, 5))), grade, [first_day])

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

    def run_session(self, course: _Course, start: datetime) -> SessionState:
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
            course.grade = _better_grade(rng, protocol, patient.scale, course.grade)
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
        endpoint = _weighted(rng, (("pinpoint_bleeding", 60), ("redness", 36), ("neither", 4)))
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
            _weighted(rng, tuple(SIDE_EFFECT_WEIGHTS.items()))]
        if rng.random() < 0.2:
            kinds.append(_weighted(rng, tuple(SIDE_EFFECT_WEIGHTS.items())))
        for kind in dict.fromkeys(kinds):
            severity = _weighted(rng, (("mild", 80), ("moderate", 18), ("severe", 2)))
            if kind == "allergic_reaction" and severity == "mild":
                severity = "moderate"
            s.add_side_effect(kind, severity, SIDE_EFFECT_NOTES[kind])
            worst = max(worst, severity, key=("", "mild", "moderate", "severe").index)
        return worst


def generate(store: Store, sessions: int, seed: int = 1, end: date = END_DATE,
             progress: Callable[[int, int], None] | None = None) -> DemoResult:
    """Add ``sessions`` demo sessions (and their patients) to ``store``; see the module docstring.

    Raises DemoRefused when the store holds any real patient or session.
    """
    if sessions < 1:
        raise ValueError("sessions must be at least 1")
    if store.holds_real_records():
        raise DemoRefused(tr("This data folder holds real patients or sessions: demo data is only written to "
                             "an empty folder or one that holds demo data alone."))
    store.mark_demo()
    gen = _Generator(store, seed, end)
    taken = [int(p.clinic_id[5:]) for p in store.patients()
             if p.clinic_id.startswith("DEMO-") and p.clinic_id[5:].isdigit()]
    first_number = max(taken, default=0) + 1
    visits = gen.plan(sessions, first_number)
    patients = {id(c): c.patient for _, c in visits}
    store.import_patients(sorted(patients.values(), key=lambda p: p.clinic_id))
    result = DemoResult(patients=len(patients), first_day=visits[0][0], last_day=visits[-1][0])
    by_day: dict[date, list[_Course]] = {}
    for day, course in visits:
        by_day.setdefault(day, []).append(course)
    month, batch = "", list[SessionState]()
    for day in sorted(by_day):
        if day.strftime("%Y-%m") != month:
            _file(store, batch, result, progress, sessions)
            month, batch = day.strftime("%Y-%m"), []
        todays = by_day[day]
        slots = (LAST_START_MIN - OPEN_MIN) // 5
        picks = sorted(gen.rng.sample(range(slots), len(todays)) if len(todays) <= slots
                       else gen.rng.choices(range(slots), k=len(todays)))
        for course, slot in zip(todays, picks, strict=True):
            start = datetime.combine(day, time(0, 0), TZ) + timedelta(minutes=OPEN_MIN + 5 * slot,
                                                                      seconds=gen.rng.randint(0, 240))
            batch.append(gen.run_session(course, start))
            course.done += 1
    _file(store, batch, result, progress, sessions)
    from microneedle_desk.review.demo_courses import add_demo_courses

    seen: dict[str, tuple[Patient, list[date]]] = {}
    for day, course in visits:
        seen.setdefault(course.patient.id, (course.patient, []))[1].append(day)
    add_demo_courses(store, seen, gen.practitioners[0], TZ)
    return result


def _file(store: Store, batch: list[SessionState], result: DemoResult,
          progress: Callable[[int, int], None] | None, total: int) -> None:
    if not batch:
        return
    batch.sort(key=lambda st: datetime.fromisoformat(st.events[-1]["at"]))  # the order they finished
    result.sessions += store.import_finished(batch)
    result.signed += sum(1 for st in batch if st.status == "signed")
    result.abandoned += sum(1 for st in batch if st.status == "abandoned")
    if progress is not None:
        progress(result.sessions, total)
