"""Who comes on which day: demo patients on courses of 4-12 visits at the protocol's interval,
spread over weekdays the way a receptionist books them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from microneedle_desk.core.protocol import Protocol
from microneedle_desk.core.records import Patient, make_patient
from microneedle_desk.review.demo_values import (
    COURSE_MAX,
    COURSE_MIN,
    INDICATIONS,
    MAX_YEARS,
    PRACTITIONERS,
    SESSIONS_PER_DAY,
    TZ,
)
from microneedle_desk.store.accounts import AccountBook
from microneedle_desk.store.store import Store


@dataclass
class Course:
    patient: Patient
    practitioner: str
    adjunct: str
    prp_ml: str
    needle_tenths: int
    grade: str
    days: list[date] = field(default_factory=list)
    done: int = 0


def weighted(rng: random.Random, pairs: tuple[tuple[str, int], ...] | list[tuple[str, int]]) -> str:
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


class DemoPlanner:
    """Plans the visits of a demo clinic, with its practitioners' demo accounts, from one seeded stream."""

    def __init__(self, store: Store, seed: int, end: date) -> None:
        self.store, self.protocol = store, store.protocol
        self.rng = random.Random(seed)
        self.end = end
        book = AccountBook(store)
        roles = ["admin"] + ["practitioner"] * (len(PRACTITIONERS) - 1)
        self.practitioners = [book.add_demo_account(name, role).id for name, role in zip(PRACTITIONERS, roles,
                                                                                           strict=True)]

    # -- the plan: who comes on which day ---------------------------------------------
    def plan(self, sessions: int, first_number: int) -> list[tuple[date, Course]]:
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
        visits: list[tuple[date, float, Course]] = []
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

    def _new_course(self, number: int, first_day: date) -> Course:
        rng, protocol = self.rng, self.protocol
        indication = weighted(rng, INDICATIONS)
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
        adjunct = weighted(rng, (("minoxidil", 45), ("none", 35), ("prp", 20)))
        return Course(patient, rng.choice(self.practitioners), adjunct,
                       f"{rng.choice((2, 3, 4, 5, 6))}.{rng.choice((0, 5))}",
                       max(5, default - rng.choice((0, 0, 1, 2, 3, 5))), grade, [first_day])
