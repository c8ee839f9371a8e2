"""The dashboard's figures, computed from summary rows and follow-ups. Qt-free.

Each function takes rows already limited to the chosen date range and returns plain
lists the charts draw; the tests can check the arithmetic without a window.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any


@dataclass
class DashboardData:
    periods: list[str] = field(default_factory=list)           # "2026-W14" or "2026-04"
    sessions_per_period: list[int] = field(default_factory=list)
    needle_lengths: list[float] = field(default_factory=list)  # distinct lengths, ascending
    needle_counts: list[int] = field(default_factory=list)
    dwell_planned_min: list[float] = field(default_factory=list)
    dwell_actual_min: list[float] = field(default_factory=list)
    needling_planned_min: list[float] = field(default_factory=list)
    needling_actual_min: list[float] = field(default_factory=list)
    se_rate_by_needle: list[float] = field(default_factory=list)  # per 100 signed sessions
    se_types: list[str] = field(default_factory=list)
    se_rate_by_type: list[float] = field(default_factory=list)
    override_kinds: list[str] = field(default_factory=list)
    override_counts: list[int] = field(default_factory=list)
    signed: int = 0
    total: int = 0


def period_of(day: date, by: str) -> str:
    if by == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return day.strftime("%Y-%m")


def _periods(first: date, last: date, by: str) -> list[str]:
    out: list[str] = []
    day = first
    while day <= last:
        key = period_of(day, by)
        if not out or out[-1] != key:
            out.append(key)
        day += timedelta(days=7 if by == "week" else 1)
    if period_of(last, by) not in out:
        out.append(period_of(last, by))
    return out


def compute(rows: Iterable[Mapping[str, Any]], followups: Iterable[Mapping[str, Any]], by: str = "week"
            ) -> DashboardData:
    """Figures over ``rows`` (summary rows) and the follow-ups of those sessions (follow-ups of
    other sessions may be among them: only a shown session's are looked up).

    Side-effect rates count a signed session once per type seen during the session or at a
    follow-up, per 100 signed sessions (of that needle length, for the by-length chart).
    ``rows`` is gone through once, so it can be read one row at a time.
    """
    late: dict[str, set[str]] = {}
    for f in followups:
        if not f.get("none"):
            late.setdefault(str(f.get("session_id")), set()).add(str(f.get("what")))
    data = DashboardData()
    per_day: Counter[str] = Counter()  # a few hundred days, not rows
    overrides: Counter[str] = Counter()
    lengths: Counter[float] = Counter()
    with_se: Counter[float] = Counter()
    by_type: Counter[str] = Counter()
    dwell_p, dwell_a = data.dwell_planned_min, data.dwell_actual_min
    needling_p, needling_a = data.needling_planned_min, data.needling_actual_min
    for r in rows:  # one plain pass: this runs over every session in the range
        data.total += 1
        per_day[str(r["started_at"])[:10]] += 1
        for o in r.get("overrides") or ():
            overrides[str(o)] += 1
        if r.get("status") != "signed":
            continue
        data.signed += 1
        mm = r.get("needle_mm")
        if mm is not None:
            mm = round(float(mm), 1)
            lengths[mm] += 1
        kinds = r.get("side_effects")
        extra = late.get(str(r["id"])) if late else None
        if kinds or extra:
            found = set(kinds or ()) | (extra or set())
            if mm is not None:
                with_se[mm] += 1
            for kind in found:
                by_type[kind] += 1
        dwell, planned = r.get("dwell_actual_s"), r.get("dwell_planned_min")
        if dwell is not None and planned is not None:
            dwell_p.append(float(planned))
            dwell_a.append(float(dwell) / 60)
        needling, planned = r.get("needling_actual_s"), r.get("needling_planned_min")
        if needling is not None and planned is not None:
            needling_p.append(float(planned))
            needling_a.append(float(needling) / 60)
    if not data.total:
        return data
    counts: Counter[str] = Counter()
    for day, n in per_day.items():
        counts[period_of(date.fromisoformat(day), by)] += n
    data.periods = _periods(date.fromisoformat(min(per_day)), date.fromisoformat(max(per_day)), by)
    data.sessions_per_period = [counts.get(p, 0) for p in data.periods]
    data.needle_lengths = sorted(lengths)
    data.needle_counts = [lengths[mm] for mm in data.needle_lengths]
    data.se_rate_by_needle = [100.0 * with_se[mm] / lengths[mm] for mm in data.needle_lengths]
    data.se_types = [k for k, _ in by_type.most_common()]
    data.se_rate_by_type = [100.0 * by_type[k] / data.signed for k in data.se_types] if data.signed else []
    data.override_kinds = [k for k, _ in overrides.most_common()]
    data.override_counts = [overrides[k] for k in data.override_kinds]
    return data


def spread(planned: list[float], actual: list[float]) -> tuple[list[float], list[float], list[float], list[float]]:
    """Per planned value: (planned values, median actual, 10th and 90th percentile), ascending."""
    groups: dict[float, list[float]] = {}
    for p, a in zip(planned, actual, strict=True):
        groups.setdefault(p, []).append(a)
    xs = sorted(groups)
    out: tuple[list[float], list[float], list[float], list[float]] = (xs, [], [], [])
    for x in xs:
        values = sorted(groups[x])
        n = len(values)
        out[1].append(values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2)
        out[2].append(values[int(0.1 * (n - 1))])
        out[3].append(values[round(0.9 * (n - 1))])
    return out
