"""The app's language and number/date formats: the language setting, else the system's locale.

The texts of the app come from its own catalogue (:mod:`microneedle_desk.i18n`); the texts Qt
draws itself (the buttons of a standard dialog, a line edit's context menu, the file dialog) come
from Qt's own translations, shipped with PySide6. Numbers and dates on screen follow the
``QLocale`` made default here, so a German screen shows and reads ``1,2``.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QCoreApplication, QDate, QLibraryInfo, QLocale, QTranslator

from microneedle_desk import i18n
from microneedle_desk.i18n import N_, tr

_translators: list[QTranslator] = []


def locale_for(language: str) -> QLocale:
    """The system's locale when it speaks ``language`` (keeping its country's formats), else the language's own."""
    system = QLocale.system()
    if system.name().split("_")[0] == language:
        return system
    return QLocale(language)


def apply_language(setting: str | None) -> str:
    """Use the language setting ("" or None: the system's). Call before any window is built."""
    i18n.set_language(setting or None)
    language = i18n.current_language()
    QLocale.setDefault(locale_for(language))
    app = QCoreApplication.instance()
    for old in _translators:
        if app is not None:
            app.removeTranslator(old)
    _translators.clear()
    if language != i18n.SOURCE_LANGUAGE and app is not None:
        folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        translator = QTranslator(app)
        if translator.load(f"qtbase_{language}", folder):
            app.installTranslator(translator)
            _translators.append(translator)
    return language


def decimal_separator() -> str:
    """The separator numbers are shown and typed with on screen."""
    return QLocale().decimalPoint() or "."


def shown_number(value: object) -> str:
    """A recorded number as the locale writes it (1,2 under German), its decimals kept; "—" for none."""
    if value is None:
        return "—"
    text = str(value)
    decimals = len(text.split(".", 1)[1]) if "." in text else 0
    try:
        return QLocale().toString(float(text), "f", decimals)
    except ValueError:
        return text


ROLE_NAMES = {"practitioner": N_("practitioner"), "admin": N_("admin")}


def role_name(role: str) -> str:
    """An account's role as the person reads it."""
    return tr(ROLE_NAMES.get(role, role))


def _date_pattern() -> str:
    pattern = QLocale().dateFormat(QLocale.FormatType.ShortFormat)
    return pattern if "yyyy" in pattern else pattern.replace("yy", "yyyy")


def shown_date(day: date) -> str:
    """A date as the person's language writes it: the locale's order with the whole year
    (29.02.1980 under German); in English the app's unambiguous 1980-02-29."""
    if i18n.current_language() == i18n.SOURCE_LANGUAGE:
        return day.isoformat()
    return QLocale().toString(QDate(day.year, day.month, day.day), _date_pattern())


def typed_date(text: str) -> str:
    """A typed date for the core, which reads ISO 8601: the locale's own form (29.02.1980 under
    German) becomes 1980-02-29; anything else goes on as typed, for the core to accept or refuse."""
    text = text.strip()
    if i18n.current_language() != i18n.SOURCE_LANGUAGE and text:
        for pattern in (_date_pattern(), _date_pattern().replace("dd", "d").replace("MM", "M")):
            parsed = QLocale().toDate(text, pattern)
            if parsed.isValid():
                return parsed.toString("yyyy-MM-dd")
    return text
