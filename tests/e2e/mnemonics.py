"""What Alt+letter does in a window: every mnemonic a person can press at one time.

A mnemonic is the underlined letter of a menu title, a button, a check box, a group box, a
tab, or a label that leads to its field. Within one window, the ones showing together must
differ, else Alt+that letter cycles between them instead of acting. Showing together means:
the menu bar with whatever the window shows under it, where a stacked widget (the main
window's step pages, a dialog's tabs) shows one page at a time. A widget hidden right under
the window is another view of it (the lock screen, the treatment-room view, a central widget
they cover): it is scanned when it shows. Widgets hidden deeper down are counted, as they
show and hide with what is recorded. Each open menu's entries have their own letters.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractButton,
    QGroupBox,
    QLabel,
    QMainWindow,
    QMenu,
    QMenuBar,
    QStackedWidget,
    QTabBar,
    QWidget,
)

Found = tuple[str, str]  # (key such as "Alt+S", where: what reads what)


def key_of(text: str) -> str:
    """The Alt+letter of ``text`` ("&Save" → "Alt+S"), or "" when it has none ("&&" is a plain "&")."""
    return QKeySequence.mnemonic(text).toString().upper()


def _name(widget: QWidget) -> str:
    path = []
    node: QWidget | None = widget
    while node is not None and not node.isWindow():
        label = node.objectName() or type(node).__name__
        path.append(label)
        node = node.parentWidget()
    return "/".join(reversed(path[:3]))


def own_mnemonics(widget: QWidget) -> list[Found]:
    """The mnemonics ``widget`` itself carries (not its children's)."""
    found: list[tuple[str, str]] = []

    def add(text: str, what: str) -> None:
        key = key_of(text)
        if key:
            found.append((key, f"{what} {text!r} ({_name(widget)})"))

    if isinstance(widget, QAbstractButton):
        add(widget.text(), type(widget).__name__)
    elif isinstance(widget, QLabel) and widget.buddy() is not None:
        add(widget.text(), "label")
    elif isinstance(widget, QGroupBox):
        add(widget.title(), "group")
    elif isinstance(widget, QTabBar):
        for i in range(widget.count()):
            if widget.isTabVisible(i):
                add(widget.tabText(i), "tab")
    elif isinstance(widget, QMenuBar) and widget.isEnabled() and not widget.isHidden():
        for action in widget.actions():
            if action.isVisible():
                add(action.text(), "menu")
    return found


def _children(widget: QWidget) -> list[QWidget]:
    return [c for c in widget.children() if isinstance(c, QWidget) and not c.isWindow()]


def views(widget: QWidget) -> list[list[Found]]:
    """Each set of mnemonics that can show at one time under ``widget``."""
    own = own_mnemonics(widget)
    if isinstance(widget, QStackedWidget):  # one page at a time
        pages = [view for i in range(widget.count()) for view in views(widget.widget(i))]
        return [own + page for page in pages] or [own]
    combined = [own]
    for child in _children(widget):
        if widget.isWindow() and child.isHidden():
            continue  # another view of the window (scanned when it shows)
        combined = [before + view for before in combined for view in views(child)]
    return combined


def clashes_in(found: Iterable[Found]) -> dict[str, list[str]]:
    by_key: dict[str, list[str]] = defaultdict(list)
    for key, where in found:
        by_key[key].append(where)
    return {key: sorted(set(places)) for key, places in by_key.items() if len(places) > 1}


def menu_clashes(bar: QMenuBar) -> list[str]:
    """Clashes among the entries of each menu (and submenu) of ``bar``."""
    problems: list[str] = []

    def scan(menu: QMenu, path: str) -> None:
        found = [(key_of(a.text()), f"{path} › {a.text()!r}") for a in menu.actions()
                 if a.isVisible() and not a.isSeparator() and key_of(a.text())]
        problems.extend(f"{key} in menu {path}: {places}" for key, places in clashes_in(found).items())
        for action in menu.actions():
            sub = action.menu()
            if isinstance(sub, QMenu) and action.isVisible():
                scan(sub, f"{path} › {action.text()}")

    for action in bar.actions():
        menu = action.menu()
        if isinstance(menu, QMenu) and action.isVisible():
            scan(menu, action.text())
    return problems


def window_clashes(window: QWidget, title: str) -> list[str]:
    """Every duplicated mnemonic of ``window`` as it shows now (each page of its stacks),
    and of its menus, each as one readable line."""
    problems: list[str] = []
    seen: set[tuple[str, tuple[str, ...]]] = set()
    for view in views(window):
        for key, places in clashes_in(view).items():
            if (key, tuple(places)) not in seen:
                seen.add((key, tuple(places)))
                problems.append(f"{title}: {key} is used by {len(places)}: " + "; ".join(places))
    bar = window.menuBar() if isinstance(window, QMainWindow) else None
    if bar is not None and bar.isEnabled() and not bar.isHidden():  # (locked, or the room view: no menus)
        problems.extend(f"{title}: {line}" for line in menu_clashes(bar))
    return problems
