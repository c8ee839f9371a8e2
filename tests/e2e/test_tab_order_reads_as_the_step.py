"""Tab goes through a step as it reads: its fields top to bottom, then the main action at its foot."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from e2e import driver


def _tab_stops(qtbot: Any, count: int) -> list[str]:
    names = []
    for _ in range(count):
        names.append(driver.focused().accessibleName())
        driver.key(qtbot, Qt.Key.Key_Tab)
    return names


def test_the_anesthetic_step_opens_on_its_product_field_and_tab_reaches_applied_now_after_the_fields(
        qtbot: Any, clinic: Any) -> None:
    app = clinic
    driver.register_patient(qtbot, app)
    driver.start_session(qtbot, app)
    driver.screen(qtbot, app)
    page = app.current_page()
    driver.focus_window(qtbot, app)
    assert driver.focused() is page.product, "the step opens on its first field, not on its action"
    assert _tab_stops(qtbot, 3) == ["Anesthetic product", "Planned dwell in minutes", "Anesthetic applied now"]


def test_the_needling_step_tabs_through_its_fields_before_the_start_and_record_buttons(
        qtbot: Any, clinic: Any, fake_clock: Any) -> None:
    from microneedle_desk.ui.step_pages import page_class

    page = page_class(5)(clinic.ctx)  # the Needling step as the window builds it
    qtbot.addWidget(page)
    page.settle_tab_order()
    stops = []
    widget = page.nextInFocusChain()
    while widget is not page:
        if page.isAncestorOf(widget) and widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
            stops.append(widget)
        widget = widget.nextInFocusChain()
    assert stops[0] is page.planned, "the first field first"
    assert stops[-2:] == [page.toggle, page.record], "the actions at the step's foot come last"
