"""The child process of test_crash_keeps_draft.py (not collected by itself: run by path).

It starts the app as ``microneedle-desk`` does on the parent's data folder, does the first
start, registers a patient and starts a session by keys, then types half the anesthetic
product and stops typing. Once the draft is in the store it writes the marker file and keeps
the event loop running, the field still focused, until the parent kills the process.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from e2e import driver
from microneedle_desk import paths

DATA_ENV = "MICRONEEDLE_E2E_CRASH_DATA"
MARKER_ENV = "MICRONEEDLE_E2E_CRASH_MARKER"
HALF_TYPED = "Lidocaine 5% cr"
ANESTHETIC_STEP = 2


@pytest.fixture
def data_dir() -> Iterator[Path]:
    """The parent's data folder, which the restarted app opens after the kill."""
    root = Path(os.environ[DATA_ENV])
    paths.set_data_dir(root)
    try:
        yield root
    finally:
        paths.set_data_dir(None)


def test_type_half_a_field_then_wait_to_be_killed(qtbot: Any, clinic: Any) -> None:
    window = clinic
    driver.register_patient(qtbot, window)
    driver.start_session(qtbot, window)
    driver.focus_window(qtbot, window)
    item = window.steps.item(ANESTHETIC_STEP)
    qtbot.mouseClick(window.steps.viewport(), Qt.MouseButton.LeftButton,
                     pos=window.steps.visualItemRect(item).center())
    product = window.current_page().product
    qtbot.mouseClick(product, Qt.MouseButton.LeftButton)
    assert product.hasFocus()
    qtbot.keyClicks(product, HALF_TYPED, delay=40)
    session_id = window.ctx.controller.session.id

    def draft_stored() -> bool:
        state = window.ctx.store.session_state(session_id)
        return state is not None and state.drafts.get("anesthetic_product") == HALF_TYPED

    qtbot.waitUntil(draft_stored, timeout=5000)
    assert product.hasFocus() and product.text() == HALF_TYPED
    Path(os.environ[MARKER_ENV]).write_text("draft saved\n")
    qtbot.wait(60_000)  # the parent kills the process long before this ends
    pytest.fail("the parent did not kill this process")
