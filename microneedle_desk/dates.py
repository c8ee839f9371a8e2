"""Dates, times and numbers in the language in use, without Qt (printouts, command line).

Month and weekday names and the order of a date's parts come from the catalogue like any other
text, so a language brings its own ("26. Nov. 2026", "Mittwoch, 26. November 2026 um 09:45 Uhr").
Files and exports keep ISO 8601; this is only for what a person reads.
"""

from __future__ import annotations

from datetime import date, datetime

from microneedle_desk.i18n import DECIMAL_MARKS, N_, current_language, tr

MONTHS = (N_("January"), N_("February"), N_("March"), N_("April"), N_("May"), N_("June"), N_("July"),
          N_("August"), N_("September"), N_("October"), N_("November"), N_("December"))
MONTHS_SHORT = (N_("Jan"), N_("Feb"), N_("Mar"), N_("Apr"), N_("May "), N_("Jun"), N_("Jul"), N_("Aug"),
                N_("Sep"), N_("Oct"), N_("Nov"), N_("Dec"))
WEEKDAYS = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"), N_("Saturday"),
            N_("Sunday"))


def short_date(day: date) -> str:
    """``26 Nov 2026``."""
    return tr("{day} {month} {year}").format(day=f"{day.day:02d}", month=tr(MONTHS_SHORT[day.month - 1]).strip(),
                                             year=day.year)


def long_date(day: date) -> str:
    """``Wednesday 26 November 2026``."""
    return tr("{weekday} {day} {month} {year}").format(weekday=tr(WEEKDAYS[day.weekday()]), day=day.day,
                                                       month=tr(MONTHS[day.month - 1]), year=day.year)


def long_moment(moment: datetime) -> str:
    """``Wednesday 26 November 2026 at 09:45``."""
    return tr("{date} at {time}").format(date=long_date(moment.date()), time=moment.strftime("%H:%M"))


def short_moment(moment: datetime) -> str:
    """``26 Nov 2026, 09:45``."""
    return tr("{date}, {time}").format(date=short_date(moment.date()), time=moment.strftime("%H:%M"))


def decimal(value: object) -> str:
    """A recorded number as the language in use writes it (``1,2`` in German); files keep ``1.2``."""
    text = str(value)
    return text.replace(".", DECIMAL_MARKS.get(current_language(), ".")) if value is not None else ""
