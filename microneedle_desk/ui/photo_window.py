"""The session's photos: the standard views, each attached from a file or skipped with a reason,
and last session's photo of a view shown over (or beside) this one to frame it alike.

A window of its own beside the step pages, opened from the Screening step (before needling)
and the Sign-off step (after): the steps keep their order and keys. It owns no rule: each
attach, skip or consent goes to the clinic's photo commands through the controller, and the
refresh only rewrites status labels and pictures, never a field being typed in.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

from microneedle_desk.clinic.events import EntrySaved
from microneedle_desk.core.photos import photos_in_force
from microneedle_desk.i18n import tr
from microneedle_desk.ui.colours import error_style
from microneedle_desk.ui.photo_camera_folder import CameraFolderBox
from microneedle_desk.ui.photo_files import choose_photo_file
from microneedle_desk.ui.photo_last_time import ComparisonBox
from microneedle_desk.ui.photo_views import StandardViewsBox

if TYPE_CHECKING:
    from microneedle_desk.core.session_state import SessionState
    from microneedle_desk.ui.context import UiContext


class PhotoWindow(QWidget):
    """The standard views of the open session, the camera's folder, and last time's photos."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.ctx = ctx
        self.setWindowTitle(tr("Photos of this session"))
        self.setAccessibleName(tr("Photos of this session"))
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet(error_style())
        self.error.setAccessibleName(tr("Error"))
        self.notes = QLabel()
        self.notes.setWordWrap(True)
        self.views = StandardViewsBox(ctx.protocol, self.choose_file, self.attach, self.skip)
        self.folder = CameraFolderBox(ctx, self._attach_file, self.error.setText, self._free_views)
        self.compare = ComparisonBox(ctx, ctx.protocol)
        inner = QWidget()
        lay = QVBoxLayout(inner)
        lay.addWidget(self.views)
        lay.addWidget(self.error)
        lay.addWidget(self.notes)
        lay.addWidget(self.folder)
        lay.addWidget(self.compare, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self.resize(1100, 720)
        ctx.controller.clinic_event.connect(self._heard)
        ctx.controller.error.connect(self._refused)
        self.refresh()

    def _heard(self, event: object) -> None:
        """Photos, skips and consent are entries of the session: shown again when one is saved
        (a draft is none), or when the session opens or closes."""
        if not isinstance(event, EntrySaved) or event.kind != "draft":
            self.refresh()

    # -- commands ---------------------------------------------------------------------------
    def _act(self, command: Any) -> bool:
        self.error.setText("")
        return self.ctx.controller.act(command)

    def _refused(self, field: str, message: str) -> None:
        if self.isVisible():
            self.error.setText(message)

    def choose_file(self, view: str) -> None:
        path = choose_photo_file(self, self.ctx)
        if path:
            self.views.path_fields[view].setText(path)
            self.attach(view)

    def attach(self, view: str) -> bool:
        text = self.views.path_fields[view].text().strip()
        if not text:
            self.error.setText(tr("Choose the photo's file first (or type its path)."))
            return False
        done: list[Any] = []
        ok = self._act(lambda c: done.append(c.photos.add(view, Path(text).expanduser())))
        if ok:
            self.views.path_fields[view].clear()
            notes = done[0].notes if done else ()
            self.notes.setText(tr("Attached: {notes}.").format(notes="; ".join(notes)) if notes else "")
            self.compare.pick(view)
        return ok

    def _attach_file(self, view: str, path: Path) -> bool:
        self.views.path_fields[view].setText(str(path))
        return self.attach(view)

    def skip(self, view: str) -> bool:
        reason = self.views.reason_fields[view].text()
        ok = self._act(lambda c: c.photos.skip(view, reason))
        if ok:
            self.views.reason_fields[view].clear()
        return ok

    def _free_views(self) -> list[str]:
        state = self._state()
        return [v for v in self.ctx.protocol.ids("photo_views")
                if state is None or v not in photos_in_force(state)]

    # -- showing ----------------------------------------------------------------------------
    def _state(self) -> SessionState | None:
        session = self.ctx.controller.session
        return session.state if session is not None else None

    def refresh(self) -> None:
        state = self._state()
        self.views.show_state(state)
        if state is None:
            return
        self.folder.show_folder()
        if state.photo_consent not in ("clinical", "teaching") and not self.error.text():
            self.notes.setText(tr("Record the patient's consent to photos on the Screening step first."))
        self.compare.show_comparison()


_WINDOWS: dict[int, PhotoWindow] = {}


def photo_window(ctx: UiContext, parent: QWidget | None = None) -> PhotoWindow:
    """The one photo window of this context (made on first use), shown and raised."""
    window = _WINDOWS.get(id(ctx))
    if window is None:
        window = _WINDOWS[id(ctx)] = PhotoWindow(ctx, parent)
        window.destroyed.connect(lambda *_: _WINDOWS.pop(id(ctx), None))
    if window.isVisible():
        window.raise_()  # already open behind the main window: bring it forward
    else:
        window.show()
    return window
