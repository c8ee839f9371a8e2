"""The one way a sentence a person sees is made translatable: ``tr("...")``.

Qt-free, so the core's and the application layer's messages, the printed sheet and handout,
the command line and the screens all read the same catalogue. A language's catalogue is the
gettext file ``microneedle_desk/resources/locale/<language>/microneedle_desk.po``, read as it is (nothing is
compiled or generated; a ``fuzzy`` or empty entry counts as untranslated and shows English).
``tools/messages.py`` updates it from the source. The protocol's own texts (questions, step
titles, aftercare points) come from the protocol data in each language and are added with
:func:`add_data_texts` when the protocol is read.

The language follows the environment (``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``)
unless :func:`set_language` picks one (the language setting). English needs no catalogue.
Placeholders are named (``tr("{n} sessions").format(n=3)``) so a translation can move them.
"""

from __future__ import annotations

import gettext
import os
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from microneedle_desk import paths

DOMAIN = "microneedle_desk"
SOURCE_LANGUAGE = "en"
# The languages shipped, with their names in their own language (for the language setting).
LANGUAGE_NAMES = {"en": "English", "de": "Deutsch"}
# How each writes a decimal number, for what is printed without Qt (the screens ask QLocale).
DECIMAL_MARKS = {"en": ".", "de": ","}


def _one_other(n: int) -> int:
    return int(n != 1)


@dataclass
class Catalogue:
    """One language's finished entries: msgid -> text, and (singular, plural) -> forms."""

    language: str
    texts: dict[str, str] = field(default_factory=dict)
    plurals: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    plural_rule: Callable[[int], int] = _one_other


@dataclass
class PoEntry:
    """One entry of a .po file as written, for the reader and the extraction tool."""

    msgid: str
    msgid_plural: str | None = None
    msgstr: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)
    comments: list[str] = field(default_factory=list)  # "#." and "#:" lines, kept as written

    @property
    def finished(self) -> bool:
        return "fuzzy" not in self.flags and bool(self.msgstr) and all(s.strip() for s in self.msgstr)


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_ESCAPE = re.compile(r"\\(.)")


def _unquote(line: str) -> str:
    """The text of a quoted .po string (C escapes); most need no unescaping, which keeps start-up quick."""
    if len(line) < 2 or line[0] != '"' or line[-1] != '"':
        raise ValueError(f"not a quoted string: {line!r}")
    body = line[1:-1]
    return _ESCAPE.sub(lambda m: _ESCAPES.get(m.group(1), m.group(1)), body) if "\\" in body else body


def read_po(path: Path) -> list[PoEntry]:
    """The entries of a .po file (the header is the entry with the empty msgid)."""
    entries: list[PoEntry] = []
    current: PoEntry | None = None
    target: tuple[str, int] | None = None  # which string a continuation line extends
    pending_flags: set[str] = set()
    pending_comments: list[str] = []

    def finish() -> None:
        nonlocal current
        if current is not None:
            entries.append(current)
        current = None

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#,"):
            finish()
            pending_flags |= {f.strip() for f in line[2:].split(",") if f.strip()}
        elif line.startswith("#"):
            finish()
            if line.startswith(("#.", "#:")):
                pending_comments.append(line)
        elif line.startswith("msgid_plural ") and current is not None:
            current.msgid_plural = _unquote(line[len("msgid_plural "):])
            target = ("msgid_plural", 0)
        elif line.startswith("msgid "):
            finish()
            current = PoEntry(_unquote(line[len("msgid "):]), flags=pending_flags, comments=pending_comments)
            pending_flags, pending_comments = set(), []
            target = ("msgid", 0)
        elif line.startswith("msgstr") and current is not None:
            head, _, value = line.partition(" ")
            index = int(head[len("msgstr["):-1]) if head.startswith("msgstr[") else 0
            while len(current.msgstr) <= index:
                current.msgstr.append("")
            current.msgstr[index] = _unquote(value)
            target = ("msgstr", index)
        elif line.startswith('"') and current is not None and target is not None:
            text = _unquote(line)
            kind, index = target
            if kind == "msgid":
                current.msgid += text
            elif kind == "msgid_plural":
                current.msgid_plural = (current.msgid_plural or "") + text
            else:
                current.msgstr[index] += text
    finish()
    return entries


def _plural_rule(header: str) -> Callable[[int], int]:
    for line in header.splitlines():
        if line.lower().startswith("plural-forms:"):
            for part in line.split(":", 1)[1].split(";"):
                name, _, expr = part.strip().partition("=")
                if name.strip() == "plural":
                    return gettext.c2py(expr.strip())
    return _one_other


def catalogue_path(language: str, resources: Path | None = None) -> Path:
    if resources is None:
        resources = paths.resources_dir()
    return resources / "locale" / language / f"{DOMAIN}.po"


def load_catalogue(language: str, resources: Path | None = None) -> Catalogue:
    """The finished entries of ``language``'s catalogue (none for English or a missing file)."""
    catalogue = Catalogue(language)
    path = catalogue_path(language, resources)
    if language == SOURCE_LANGUAGE or not path.is_file():
        return catalogue
    for entry in read_po(path):
        if entry.msgid == "":
            catalogue.plural_rule = _plural_rule(entry.msgstr[0] if entry.msgstr else "")
        elif entry.finished:
            if entry.msgid_plural is None:
                catalogue.texts[entry.msgid] = entry.msgstr[0]
            else:
                catalogue.plurals[(entry.msgid, entry.msgid_plural)] = entry.msgstr
    return catalogue


def available_languages() -> tuple[str, ...]:
    """English and every language with a catalogue under ``microneedle_desk/resources/locale``."""
    return tuple(code for code in LANGUAGE_NAMES if code == SOURCE_LANGUAGE or catalogue_path(code).is_file())


def language_from_environment(environ: dict[str, str] | None = None) -> str:
    """The first shipped language the environment asks for, read as gettext reads it; else English."""
    env = dict(os.environ) if environ is None else environ
    shipped = available_languages()
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(variable, "")
        if not value:
            continue
        for wanted in value.split(":"):
            code = wanted.split(".")[0].split("@")[0].split("_")[0].lower()
            if code in shipped:
                return code
        if variable != "LANGUAGE":  # LANGUAGE lists wishes to try in turn; the others decide
            return SOURCE_LANGUAGE
    return SOURCE_LANGUAGE


_lock = threading.RLock()
_catalogues: dict[str, Catalogue] = {}
_data_texts: dict[str, dict[str, str]] = {}
_language: str | None = None
_override = threading.local()  # a handout printed in the patient's language, on this thread only


def _catalogue_for(language: str) -> Catalogue:
    with _lock:
        if language not in _catalogues:
            _catalogues[language] = load_catalogue(language)
        return _catalogues[language]


def set_language(language: str | None) -> None:
    """Use ``language`` (e.g. "de"), or the environment's when None or empty."""
    global _language  # noqa: PLW0603 - the one language of the running app
    with _lock:
        _language = language or language_from_environment()
        _catalogues.pop(_language, None)  # read again: the file may have been updated


def current_language() -> str:
    wanted = getattr(_override, "language", None)
    if wanted:
        return str(wanted)
    if _language is None:
        set_language(None)
    assert _language is not None
    return _language


@contextmanager
def language(code: str) -> Iterator[None]:
    """Texts made inside the block are in ``code`` (a handout in the patient's language)."""
    before = getattr(_override, "language", None)
    _override.language = code
    try:
        yield
    finally:
        _override.language = before


def add_data_texts(language_code: str, texts: dict[str, str]) -> None:
    """Texts of data read at run time (the protocol's), English -> ``language_code``."""
    with _lock:
        _data_texts.setdefault(language_code, {}).update(texts)


def tr(text: str) -> str:
    """``text`` in the person's language."""
    code = current_language()
    if code == SOURCE_LANGUAGE:
        return text
    found = _catalogue_for(code).texts.get(text)
    if found is None:
        found = _data_texts.get(code, {}).get(text)
    return found if found is not None else text


def trn(singular: str, plural: str, count: int) -> str:
    """The singular or plural form for ``count``, in the person's language."""
    code = current_language()
    if code != SOURCE_LANGUAGE:
        catalogue = _catalogue_for(code)
        forms = catalogue.plurals.get((singular, plural))
        if forms:
            index = catalogue.plural_rule(count)
            if 0 <= index < len(forms):
                return forms[index]
    return singular if count == 1 else plural


def N_(text: str) -> str:
    """Marks a text kept in a table for ``tools/messages.py``; ``tr()`` it where it is shown."""
    return text
