"""The one way a sentence a person sees is made translatable: ``tr("...")``.

Qt-free (gettext), so the core's messages and the screens' texts go through the same
catalogue. A catalogue is ``resources/locale/<language>/LC_MESSAGES/microneedle_desk.mo``;
the language follows the environment (``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``)
unless :func:`set_language` picks one. Without a catalogue the English text is shown.
Placeholders are named (``tr("{n} sessions").format(n=3)``) so a translation can move them.
"""

from __future__ import annotations

import gettext

DOMAIN = "microneedle_desk"

_translation: gettext.NullTranslations | None = None


def _catalogue() -> gettext.NullTranslations:
    if _translation is None:
        set_language(None)
    assert _translation is not None
    return _translation


def set_language(language: str | None) -> None:
    """Use ``language`` (e.g. "de"), or the environment's when None; English when none is shipped."""
    global _translation  # noqa: PLW0603
    from microneedle_desk import paths

    _translation = gettext.translation(DOMAIN, localedir=str(paths.resources_dir() / "locale"),
                                       languages=[language] if language else None, fallback=True)


def tr(text: str) -> str:
    """``text`` in the person's language."""
    return _catalogue().gettext(text)


def trn(singular: str, plural: str, count: int) -> str:
    """The singular or plural form for ``count``, in the person's language."""
    return _catalogue().ngettext(singular, plural, count)
