"""How dates, times, durations and the record's marks are written on paper, in the language in use.

While a sheet whose times were taken at more than one UTC offset is built (``WITH_OFFSET``
set), every time printed carries its offset.
"""

from __future__ import annotations

from contextvars import ContextVar
from datetime import date, datetime

from microneedle_desk.core.session_state import SessionState
from microneedle_desk.core.signing import fingerprint
from microneedle_desk.dates import decimal, long_date, long_moment, short_date, short_moment
from microneedle_desk.i18n import tr


def fmt_date(day: date | None) -> str:
    return short_date(day) if day else ""


# Set while a sheet whose times were taken at more than one UTC offset is built: each time
# printed then carries its offset, so 10:05 before a clock change and 09:50 after it read right.
WITH_OFFSET: ContextVar[bool] = ContextVar("with_offset", default=False)


def _offset(moment: datetime) -> str:
    if not WITH_OFFSET.get() or moment.utcoffset() is None:
        return ""
    text = moment.strftime("%z")
    return f" (UTC{text[:3]}:{text[3:]})"


def fmt_dt(moment: datetime | None) -> str:
    return short_moment(moment) + _offset(moment) if moment else ""


def fmt_time(moment: datetime | None) -> str:
    return moment.strftime("%H:%M") + _offset(moment) if moment else ""


def fmt_long(moment: datetime) -> str:
    """``Wednesday 26 November 2026 at 09:45``: the handout's way of naming a moment."""
    return long_moment(moment)


def fmt_long_date(day: date) -> str:
    return long_date(day)


def fmt_iso_text(text: str) -> str:
    """A stored ISO timestamp as the sheet shows it; text that is not one passes through."""
    try:
        return fmt_dt(datetime.fromisoformat(text))
    except (TypeError, ValueError):
        return text


def fmt_duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    total = round(seconds)
    minutes, secs = divmod(total, 60)
    return tr("{minutes} min {secs:02d} s").format(minutes=minutes, secs=secs)


def signature_mark(state: SessionState) -> str:
    """The fingerprint of the session's sign-off signature: matches the paper to the person who
    signed the record, which a recomputed hash cannot fake (empty for a record without one)."""
    sig = next((e.get("sig") for e in reversed(state.events) if e.get("type") == "signed"), None)
    return fingerprint(sig if isinstance(sig, dict) else None)


def short_hash(record_hash: str) -> str:
    return record_hash[:12]


def mm(value: object) -> str:
    return tr("{value} mm").format(value=decimal(value)) if value is not None else ""


def yes(value: bool) -> str:
    return tr("Yes") if value else tr("No")


def printed_line(by: str, at: datetime | None) -> str:
    when = fmt_dt(at)
    if by and when:
        return tr("Printed by {by} on {when}").format(by=by, when=when)
    return tr("Printed on {when}").format(when=when) if when else ""
