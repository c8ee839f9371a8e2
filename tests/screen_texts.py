"""What a screen shows, as text, and whether each text came from the translation catalogue.

Used by the translation test: every label, button, box title, tab, list item, menu entry,
combo item and placeholder a visible window shows is collected; a text passes when it is a
translation in the catalogue (its placeholders filled by anything), a protocol text in the
language, or data (names, numbers, dates: no word of its own).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QMenu,
    QMenuBar,
    QTabBar,
    QWidget,
)

from microneedle_desk import i18n

_TAG = re.compile(r"<[^>]+>")
_SEPARATORS = re.compile(r"\s*(?:\n|\s—\s|;\s|:\s|\.\s|\s·\s|,\s|\(|\)|✓|•|→)\s*")


def plain(text: str) -> str:
    return html.unescape(_TAG.sub(" ", text)).replace("&&", "\0").replace("&", "").replace("\0", "&").strip()


def visible_texts(root: QWidget) -> set[str]:
    """Every text ``root`` and its visible children show a person."""
    found: set[str] = set()
    widgets: Iterable[QWidget] = [root, *root.findChildren(QWidget)]
    for w in widgets:
        if not w.isVisibleTo(root) and w is not root:
            continue
        if w.isWindow() and w.windowTitle():
            found.add(w.windowTitle())
        if isinstance(w, (QLabel, QAbstractButton)):
            found.add(w.text())
        elif isinstance(w, QGroupBox):
            found.add(w.title())
        elif isinstance(w, QComboBox):
            found.update(w.itemText(i) for i in range(w.count()))
        elif isinstance(w, QLineEdit):
            found.add(w.placeholderText())
        elif isinstance(w, QTabBar):
            found.update(w.tabText(i) for i in range(w.count()))
        elif isinstance(w, QHeaderView) and w.model() is not None:
            found.update(str(w.model().headerData(i, w.orientation()) or "") for i in range(w.count()))
        elif isinstance(w, QAbstractItemView) and not isinstance(w, QListWidget) and w.model() is not None:
            model = w.model()
            for row in range(min(model.rowCount(), 50)):
                found.update(str(model.data(model.index(row, col)) or "") for col in range(model.columnCount()))
        elif isinstance(w, QListWidget):
            found.update(w.item(i).text() for i in range(w.count()))
        elif isinstance(w, QMenuBar):
            for action in w.actions():
                found.add(action.text())
                menu = action.menu()
                if isinstance(menu, QMenu):
                    found.update(a.text() for a in menu.actions() if not a.isSeparator())
    return {t for t in (plain(x) for x in found) if t}


# Texts Qt draws itself (a standard dialog's buttons), translated by Qt's own catalogue.
QT_STANDARD = ("OK", "&OK", "Save", "&Save", "Cancel", "&Cancel", "Close", "&Close", "Apply", "&Yes", "&No",
               "Open", "&Open", "Discard", "Reset", "Help", "Abort", "Retry", "Ignore", "Restore Defaults")


def qt_texts() -> list[str]:
    from PySide6.QtCore import QCoreApplication

    return [QCoreApplication.translate("QPlatformTheme", text) for text in QT_STANDARD]


class Catalogue:
    """The translated texts of ``language`` as patterns a shown text is matched against."""

    def __init__(self, language: str, data_values: Iterable[str] = ()) -> None:
        entries = i18n.load_catalogue(language)
        texts = list(entries.texts.values()) + [f for forms in entries.plurals.values() for f in forms]
        texts += list(i18n._data_texts.get(language, {}).values())
        texts += qt_texts()
        self.data = sorted((v for v in data_values if v), key=len, reverse=True)
        # a template that is nothing but placeholders ("{label}:") would match any text at all
        self.patterns = [self._pattern(plain(t)) for t in texts
                         if re.search(r"[^\W\d_]{2,}", re.sub(r"\{[^{}]*\}", "", plain(t)))]

    @staticmethod
    def _pattern(text: str) -> re.Pattern[str]:
        parts = re.split(r"\{[^{}]*\}", text.replace("{{", "\1").replace("}}", "\2"))
        body = "(?:.+?)".join(re.escape(p.replace("\1", "{").replace("\2", "}")) for p in parts)
        body = re.sub(r"(\\ )+", r"\\s+", body)
        return re.compile(r"\s*" + (body + "?" if body.endswith(":") else body) + r"\s*", re.S)

    def is_data(self, text: str) -> bool:
        for value in self.data:
            text = text.replace(value, " ")
        return not re.search(r"[^\W\d_]{2,}", text)

    def known(self, text: str) -> bool:
        if self.is_data(text) or any(p.fullmatch(text) for p in self.patterns):
            return True
        lines = [line for line in text.splitlines() if line.strip()]
        if len(lines) > 1:
            return all(self.known(line) for line in lines)
        bare = text.strip().lstrip("•✓⚠→ ").rstrip(":").strip()
        if bare != text.strip():
            return self.known(bare)
        parts = [p for p in _SEPARATORS.split(text) if p and p.strip()]
        return parts != [text] and all(self.known(p) for p in parts)

    def unknown(self, texts: Iterable[str]) -> set[str]:
        return {t for t in texts if not self.known(t)}
