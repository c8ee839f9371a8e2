"""The app as ``microneedle-desk`` opens it, for tests that use it as a person does.

``app``: the real main window built and shown the way :func:`microneedle_desk.app.run_app`
does (parts attached after the first frame), on a new temporary data folder and a fake
clock, with the real refresh timer; nobody is signed in and the first start has not run.
``clinic``: the same after the first start was done by keys (clinic name, first account
:data:`driver.NAME` with PIN :data:`driver.PIN`), signed in, on the patient page.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from e2e import driver
from microneedle_desk.core.clock import FakeClock


@pytest.fixture
def app(qtbot: Any, data_dir: Path, fake_clock: FakeClock) -> Iterator[Any]:
    window, lock = driver.open_app(qtbot, fake_clock)
    yield window
    window.ctx.controller.close()
    lock.release()


@pytest.fixture
def clinic(qtbot: Any, app: Any) -> Any:
    from microneedle_desk.app import greet

    driver.answer_next_dialog(qtbot, driver.first_start())
    assert greet(app), "the first start was completed"
    assert app.security.current is not None and app.security.current.name == driver.NAME
    return app
