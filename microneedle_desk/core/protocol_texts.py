"""The protocol's texts in other languages: ``protocol.<language>.json`` beside ``protocol.json``.

The protocol file holds the English texts (labels, screening questions, step titles and
instructions, aftercare points); a translation file holds, for each of those, the same text in
its language, by section, id and field. A translation is checked as strictly as the protocol:
every text translated, nothing left over, one translation per English text. The texts are then
given to :mod:`microneedle_desk.i18n`, so ``tr(step.title)`` reads them like any other text.
"""

from __future__ import annotations

import json
from pathlib import Path

from microneedle_desk.core.record_types import JsonObject

TRANSLATION_SCHEMA = "microneedle-desk/protocol-translation"
TEXT_FIELDS = ("label", "question", "text", "title", "instruction")


def english_texts(raw: JsonObject) -> dict[tuple[str, str, str], str]:
    """Every text of the protocol a person reads, by (section, id, field)."""
    found: dict[tuple[str, str, str], str] = {}
    for section, items in raw.items():
        if not isinstance(items, list):
            continue
        for item in items:
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                for name in TEXT_FIELDS:
                    if isinstance(item.get(name), str):
                        found[(section, item["id"], name)] = item[name]
    return found


def translation_files(protocol_path: Path) -> dict[str, Path]:
    """language -> its translation file, for the translations beside ``protocol_path``."""
    out = {}
    for path in sorted(protocol_path.parent.glob(f"{protocol_path.stem}.*.json")):
        out[path.name[len(protocol_path.stem) + 1:-len(".json")]] = path
    return out


def read_translation(path: Path, language: str, english: dict[tuple[str, str, str], str]) -> dict[str, str]:
    """English text -> translated text, or ValueError saying what is missing or wrong."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"it cannot be read as JSON ({exc}).") from None
    if not isinstance(raw, dict) or raw.get("schema") != TRANSLATION_SCHEMA:
        raise ValueError(f'"schema" must be "{TRANSLATION_SCHEMA}".')
    if raw.get("language") != language:
        raise ValueError(f'"language" must be "{language}", as the file name says.')
    texts = raw.get("texts")
    if not isinstance(texts, dict):
        raise ValueError('"texts" must be an object of sections.')
    given: dict[tuple[str, str, str], str] = {}
    for section, items in texts.items():
        for item_id, fields in (items.items() if isinstance(items, dict) else ()):
            for name, value in (fields.items() if isinstance(fields, dict) else ()):
                given[(section, item_id, name)] = value
    missing = [key for key in english if not (isinstance(given.get(key), str) and given[key].strip())]
    if missing:
        names = ", ".join("/".join(key) for key in missing[:5])
        raise ValueError(f"{len(missing)} text(s) of the protocol are not translated: {names}.")
    extra = [key for key in given if key not in english]
    if extra:
        names = ", ".join("/".join(key) for key in extra[:5])
        raise ValueError(f"it translates texts the protocol does not have: {names}.")
    mapping: dict[str, str] = {}
    for key, text in english.items():
        translated = given[key].strip()
        if mapping.setdefault(text, translated) != translated:
            raise ValueError(f"“{text}” is translated two ways; give it one translation.")
    return mapping
