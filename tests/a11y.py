"""What a screen reader gets from the app, read through Qt's accessibility interface.

:func:`walk` reads the accessibility tree of a window from QAccessible.queryAccessibleInterface
down, the tree the platform bridge (AT-SPI on Linux) hands to Orca. :class:`EventRecorder`
receives every accessibility event Qt sends while it is installed: PySide does not bind
QAccessible::installUpdateHandler, so it is called in Qt's own library through ctypes.
"""

from __future__ import annotations

import ctypes
import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import PySide6
import shiboken6
from PySide6.QtGui import (
    QAccessible,
    QAccessibleAnnouncementEvent,
    QAccessibleEvent,
    QAccessibleInterface,
    QAccessibleTextInsertEvent,
    QAccessibleTextRemoveEvent,
    QAccessibleTextUpdateEvent,
    QAccessibleValueChangeEvent,
)
from PySide6.QtWidgets import QAbstractItemView, QAbstractScrollArea, QLabel, QPlainTextEdit, QTextEdit, QWidget

Role = QAccessible.Role
INTERACTIVE = {Role.PushButton, Role.CheckBox, Role.RadioButton, Role.ComboBox, Role.EditableText, Role.SpinBox,
               Role.List, Role.Table, Role.Tree, Role.Slider, Role.ButtonMenu, Role.ButtonDropDown, Role.PageTabList,
               Role.Dial, Role.ToolBar}
_SYMBOL = "_ZN11QAccessible20installUpdateHandlerEPFvP16QAccessibleEventE"
_HANDLER = ctypes.CFUNCTYPE(None, ctypes.c_void_p)


@dataclass
class Node:
    role: QAccessible.Role
    name: str
    value: str
    description: str
    widget: Any
    path: str
    labels: list[str]  # the names of the labels it is "labelled by" (a label's buddy)


def _texts(iface: QAccessibleInterface) -> tuple[str, str, str]:
    return (iface.text(QAccessible.Text.Name), iface.text(QAccessible.Text.Value),
            iface.text(QAccessible.Text.Description))


def walk(top: QWidget) -> list[Node]:
    """Every node of ``top``'s accessibility tree that is not invisible."""
    nodes: list[Node] = []

    def visit(iface: QAccessibleInterface, path: str, depth: int) -> None:
        if iface is None or not iface.isValid() or iface.state().invisible or depth > 60:
            return
        name, value, description = _texts(iface)
        role = iface.role()
        here = f"{path} > {role.name}:{name!r}"
        labels = [other.text(QAccessible.Text.Name) for other, relation in iface.relations()
                  if relation & QAccessible.RelationFlag.Label]
        nodes.append(Node(role, name, value, description, iface.object(), here, labels))
        for i in range(iface.childCount()):
            visit(iface.child(i), here, depth + 1)

    visit(QAccessible.queryAccessibleInterface(top), "", 0)
    return nodes


def plain(text: str) -> str:
    """A label's text as read: no markup, no mnemonic ampersand, spaces folded."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", text)).replace("&&", "\0").replace("&", "").replace("\0", "&")
    return " ".join(text.split())


def problems(top: QWidget) -> list[str]:
    """What a screen reader user would miss in ``top``: unnamed controls, combo boxes named by their
    value, labels whose accessible name hides what they show, unnamed tables, a scroll area
    that takes the focus of its own, a window without the window role."""
    found: list[str] = []
    top_role = QAccessible.queryAccessibleInterface(top).role()
    if top.isWindow() and top_role not in (Role.Window, Role.Dialog, Role.AlertMessage):
        found.append(f"{type(top).__name__} is a window but reads as {top_role.name}")
    for node in walk(top):
        widget = node.widget
        labelled = any(label.strip() for label in node.labels)
        if node.role in INTERACTIVE and not node.name.strip() and not labelled:
            found.append(f"unnamed {node.role.name}: {node.path}")
        # Qt names a combo box on Linux by its current text, whatever its accessible name: only a
        # label (its buddy) says what it is.
        if node.role == Role.ComboBox and not labelled:
            found.append(f"combo box read only as its value {node.value!r}: {node.path}")
        if isinstance(widget, QLabel) and widget.accessibleName() and plain(widget.text()):
            shown = plain(widget.text())
            if plain(widget.accessibleName()) != shown:
                found.append(f"label reads {widget.accessibleName()!r} but shows {shown!r}: {node.path}")
    for area in top.findChildren(QAbstractScrollArea):
        if isinstance(area, (QAbstractItemView, QTextEdit, QPlainTextEdit)) or not area.isVisibleTo(top):
            continue
        if area.focusPolicy() & PySide6.QtCore.Qt.FocusPolicy.TabFocus:
            found.append(f"scroll area {area.objectName() or type(area).__name__} is a Tab stop of its own")
    return found


def secrets_in_tree(top: QWidget, secret: str) -> list[str]:
    return [node.path for node in walk(top) if any(secret in t for t in (node.name, node.value, node.description))]


@dataclass
class EventRecorder:
    """Records (event type, texts the event carries or its object reads) while installed."""

    # (type, the text it carries, its object's name/value/description, from a password field?)
    events: list[tuple[QAccessible.Event, list[str], list[str], bool]] = field(default_factory=list)
    announcements: list[str] = field(default_factory=list)
    _callback: Any = None
    _was_active: bool = False

    def __enter__(self) -> EventRecorder:
        lib = ctypes.CDLL(str(Path(PySide6.__file__).parent / "Qt" / "lib" / "libQt6Gui.so.6"))
        self._install = getattr(lib, _SYMBOL)
        self._callback = _HANDLER(self._on_event)
        self._install(self._callback)
        self._was_active = QAccessible.isActive()
        QAccessible.setActive(True)  # Qt sends events only while assistive technology listens
        return self

    def __exit__(self, *_exc: object) -> None:
        self._install(None)
        QAccessible.setActive(self._was_active)

    def _on_event(self, address: int) -> None:
        # shiboken keeps one wrapper per address: read the type, drop it, wrap as the right class
        base = shiboken6.wrapInstance(address, QAccessibleEvent)
        kind = base.type()
        shiboken6.invalidate(base)
        texts: list[str] = []
        event: QAccessibleEvent
        if kind == QAccessible.Event.TextInserted:
            event = shiboken6.wrapInstance(address, QAccessibleTextInsertEvent)
            texts.append(event.textInserted())
        elif kind == QAccessible.Event.TextRemoved:
            event = shiboken6.wrapInstance(address, QAccessibleTextRemoveEvent)
            texts.append(event.textRemoved())
        elif kind == QAccessible.Event.TextUpdated:
            event = shiboken6.wrapInstance(address, QAccessibleTextUpdateEvent)
            texts += [event.textInserted(), event.textRemoved()]
        elif kind == QAccessible.Event.ValueChanged:
            event = shiboken6.wrapInstance(address, QAccessibleValueChangeEvent)
            texts.append(str(event.value()))
        elif kind == QAccessible.Event.Announcement:
            event = shiboken6.wrapInstance(address, QAccessibleAnnouncementEvent)
            texts.append(event.message())
            self.announcements.append(event.message())
        else:
            event = shiboken6.wrapInstance(address, QAccessibleEvent)
        iface = event.accessibleInterface()
        password, reads = False, []
        if iface is not None and iface.isValid():
            reads = list(_texts(iface))
            password = bool(iface.state().passwordEdit)
        shiboken6.invalidate(event)
        self.events.append((kind, texts, reads, password))

    def leaks(self, secret: str) -> list[tuple[str, list[str]]]:
        """Events that carry ``secret`` or make its object read it, or, from a password field,
        carry any one of its characters (typed one by one, each goes out alone)."""
        return [(kind.name, texts + reads) for kind, texts, reads, password in self.events
                if any(secret in t for t in texts + reads)
                or (password and any(ch in t for t in texts + reads[1:2] for ch in secret))]
