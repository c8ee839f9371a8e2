"""The translation catalogues: extract every text from the source, and check a language is finished.

    .venv/bin/python tools/messages.py update [--language de]   # add new texts, drop gone ones
    .venv/bin/python tools/messages.py check [--language de]    # list what is unfinished; exit 1 if any

A text is extracted from every ``tr("...")``, ``trn("...", "...", n)`` and ``N_("...")`` call whose
texts are literals (``_tr`` too, the core's late import of ``tr``). ``update`` keeps every translation
already written, marks nothing fuzzy on its own, and writes the catalogue sorted by where a text
first occurs, each entry with the places it comes from. The protocol's texts are not in the
catalogue: they are translated in ``microneedle_desk/resources/protocol.<language>.json``, checked when it is read.
"""

from __future__ import annotations

import argparse
import ast
import string
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from microneedle_desk.i18n import DOMAIN, PoEntry, read_po  # noqa: E402

PACKAGE = ROOT / "microneedle_desk"
CALLS = {"tr": 1, "_tr": 1, "N_": 1, "trn": 2}
PLURAL_FORMS = {"de": "nplurals=2; plural=(n != 1);"}


@dataclass
class Found:
    msgid: str
    plural: str | None = None
    places: list[str] = field(default_factory=list)


def extract(package: Path = PACKAGE) -> tuple[dict[tuple[str, str | None], Found], list[str]]:
    """Every literal text in a translation call, and the calls whose text is not a literal."""
    found: dict[tuple[str, str | None], Found] = {}
    not_literal: list[str] = []
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=rel)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in CALLS):
                continue
            texts = node.args[: CALLS[node.func.id]]
            if len(texts) < CALLS[node.func.id] or not all(
                    isinstance(a, ast.Constant) and isinstance(a.value, str) for a in texts):
                not_literal.append(f"{rel}:{node.lineno}: {ast.unparse(node)[:100]}")
                continue
            msgid = texts[0].value  # type: ignore[attr-defined]
            plural = texts[1].value if len(texts) > 1 else None  # type: ignore[attr-defined]
            entry = found.setdefault((msgid, plural), Found(msgid, plural))
            entry.places.append(f"{rel}:{node.lineno}")
    return found, not_literal


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{escaped}"'


def _field(name: str, text: str) -> str:
    if "\n" not in text.rstrip("\n") and len(text) < 70:
        return f"{name} {_quote(text)}"
    lines = text.splitlines(keepends=True)
    return "\n".join([f'{name} ""', *(_quote(line) for line in lines)])


def write_po(path: Path, header: str, entries: list[PoEntry]) -> None:
    out = [_field("msgid", ""), _field("msgstr", header), ""]
    for entry in entries:
        out.extend(entry.comments)
        if entry.flags:
            out.append("#, " + ", ".join(sorted(entry.flags)))
        out.append(_field("msgid", entry.msgid))
        if entry.msgid_plural is not None:
            out.append(_field("msgid_plural", entry.msgid_plural))
            forms = entry.msgstr or ["", ""]
            out.extend(_field(f"msgstr[{i}]", s) for i, s in enumerate(forms))
        else:
            out.append(_field("msgstr", entry.msgstr[0] if entry.msgstr else ""))
        out.append("")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(out), encoding="utf-8")


def po_path(language: str) -> Path:
    return ROOT / "microneedle_desk" / "resources" / "locale" / language / f"{DOMAIN}.po"


def update(language: str) -> tuple[int, int]:
    """Bring ``language``'s catalogue in line with the source: (new entries, entries dropped)."""
    path = po_path(language)
    old = {(e.msgid, e.msgid_plural): e for e in read_po(path)} if path.is_file() else {}
    header_entry = old.pop(("", None), None)
    header = header_entry.msgstr[0] if header_entry and header_entry.msgstr else (
        f"Project-Id-Version: {DOMAIN}\nLanguage: {language}\nMIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n"
        f"Plural-Forms: {PLURAL_FORMS.get(language, 'nplurals=2; plural=(n != 1);')}\n")
    found, _ = extract()
    entries = []
    for key, item in found.items():
        before = old.get(key)
        comments = [f"#: {place}" for place in item.places]
        entries.append(PoEntry(item.msgid, item.plural, list(before.msgstr) if before else [],
                               set(before.flags) if before else set(), comments))
    write_po(path, header, entries)
    return sum(1 for key in found if key not in old), sum(1 for key in old if key not in found)


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def problems(language: str) -> list[str]:
    """Everything that keeps ``language`` from being finished, one line each."""
    path = po_path(language)
    if not path.is_file():
        return [f"{path.relative_to(ROOT)} is missing: run tools/messages.py update --language {language}"]
    entries = {(e.msgid, e.msgid_plural): e for e in read_po(path) if e.msgid}
    found, _ = extract()
    out: list[str] = []  # a call with a text from data or a table (N_) is checked on the screens
    for key, item in found.items():
        entry = entries.get(key)
        where = item.places[0]
        if entry is None:
            out.append(f"{where}: not in the catalogue (run tools/messages.py update): {item.msgid!r}")
        elif "fuzzy" in entry.flags:
            out.append(f"{where}: marked fuzzy: {item.msgid!r}")
        elif not entry.finished:
            out.append(f"{where}: not translated: {item.msgid!r}")
        else:
            try:
                wanted = _fields(item.msgid) | (_fields(item.plural) if item.plural else set())
                for text in entry.msgstr:
                    if _fields(text) - wanted or (item.plural is None and _fields(text) != wanted):
                        out.append(f"{where}: placeholders differ from {sorted(wanted)}: {text!r}")
            except ValueError as exc:
                out.append(f"{where}: broken placeholder ({exc}): {entry.msgstr!r}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=("update", "check", "untranslated"))
    parser.add_argument("--language", default="de")
    args = parser.parse_args(argv)
    if args.action == "update":
        new, dropped = update(args.language)
        print(f"{po_path(args.language).relative_to(ROOT)}: {new} new, {dropped} dropped")
        left = problems(args.language)
        print(f"{len(left)} left to do (tools/messages.py check --language {args.language})")
        return 0
    if args.action == "untranslated":  # the English of every unfinished entry, one per line, for translating
        for entry in read_po(po_path(args.language)):
            if entry.msgid and not entry.finished:
                print(repr(entry.msgid) if entry.msgid_plural is None else repr((entry.msgid, entry.msgid_plural)))
        return 0
    left = problems(args.language)
    print("\n".join(left) or f"{args.language}: every entry is finished")
    return 1 if left else 0


if __name__ == "__main__":
    raise SystemExit(main())
