"""The step pages as the main window holds them: which class each step has, a stack that asks
for the room of the page shown, the step list, and the pages built on first need."""

from __future__ import annotations

import importlib
from collections.abc import Iterator

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QListWidget, QStackedWidget, QWidget

from microneedle_desk.ui.context import UiContext
from microneedle_desk.ui.pages.base import StepPage

# The step pages in protocol order, as (module under ui.pages, class). Each module is
# imported when its page is first built, so start-up imports only the patient page's.
PAGE_CLASSES: tuple[tuple[str, str], ...] = (
    ("patient", "PatientPage"), ("screening", "ScreeningPage"), ("preparation", "AnestheticPage"),
    ("preparation", "DevicePage"), ("preparation", "AntisepticPage"), ("needling", "NeedlingPage"),
    ("closing", "EndpointPage"), ("closing", "CleanupPage"), ("adjunct", "AdjunctPage"),
    ("closing", "SideEffectsPage"), ("aftercare", "AftercarePage"), ("signoff", "SignoffPage"),
)


def page_class(index: int) -> type[StepPage]:
    module, name = PAGE_CLASSES[index]
    cls = getattr(importlib.import_module(f"microneedle_desk.ui.pages.{module}"), name)
    assert isinstance(cls, type) and issubclass(cls, StepPage)
    return cls


class CurrentPageStack(QStackedWidget):
    """The step pages, asking for the room the page shown needs (a stack asks for its largest
    page's): a short step is not given the height of the tallest one, which would push its
    actions out of view and bring a scroll bar."""

    def __init__(self) -> None:
        super().__init__()
        self.currentChanged.connect(lambda _index: self.updateGeometry())

    def sizeHint(self) -> QSize:
        page = self.currentWidget()
        return page.sizeHint() if page is not None else super().sizeHint()

    def minimumSizeHint(self) -> QSize:
        page = self.currentWidget()
        return page.minimumSizeHint() if page is not None else super().minimumSizeHint()


class StepList(QListWidget):
    """The step list. Space in it moves nowhere: a list's type-to-find would take Space as
    the start of a step's name (the names are indented to line up with the ticked ones)."""

    def keyboardSearch(self, search: str) -> None:
        if search.strip():
            super().keyboardSearch(search)


class LazyPages:
    """The step pages, each built the first time it is needed (start-up builds only the first).

    A placeholder holds each page's place in the stack until then, so indexes never move.
    """

    def __init__(self, ctx: UiContext, stack: QStackedWidget) -> None:
        self.ctx, self.stack = ctx, stack
        self._pages: list[StepPage | None] = [None] * len(PAGE_CLASSES)
        self._placeholders = [QWidget() for _ in PAGE_CLASSES]
        for placeholder in self._placeholders:
            stack.addWidget(placeholder)

    def __len__(self) -> int:
        return len(self._pages)

    def __getitem__(self, index: int) -> StepPage:
        page = self._pages[index]
        if page is None:
            page = self._pages[index] = page_class(index)(self.ctx)
            page.settle_tab_order()
            current = self.stack.currentIndex()
            self.stack.insertWidget(index, page)
            self.stack.removeWidget(self._placeholders[index])
            self._placeholders[index].deleteLater()
            self.stack.setCurrentIndex(current)
            session = self.ctx.controller.session
            page.refresh(session.state if session else None)
        return page

    def built(self, index: int) -> StepPage | None:
        return self._pages[index]

    def built_pages(self) -> list[StepPage]:
        return [page for page in self._pages if page is not None]

    def forget_steps(self) -> None:
        """Drop every built step page after the patient page: each is built anew, from the session
        open then, on its next visit, so nothing typed or shown for one session reaches the next."""
        current = self.stack.currentIndex()
        for index in range(1, len(self._pages)):
            page = self._pages[index]
            if page is None:
                continue
            placeholder = QWidget()
            self._placeholders[index] = placeholder
            self.stack.insertWidget(index, placeholder)
            self.stack.removeWidget(page)
            self._pages[index] = None
            page.hide()
            page.deleteLater()
        self.stack.setCurrentIndex(current)

    def __iter__(self) -> Iterator[StepPage]:
        return (self[i] for i in range(len(self)))
