"""The course view's photo comparison: one view's photos in a row with date, needle and grade; the
first and the latest compared side by side or by a wipe, zoomed and panned together."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, Qt

from microneedle_desk import paths
from microneedle_desk.clinic import Clinic
from microneedle_desk.core.session import SessionConfig
from microneedle_desk.settings import Settings
from microneedle_desk.ui.context import UiContext
from microneedle_desk.ui.controller import SessionController
from tests.helpers import TEST_PIN, run_complete_session
from tests.photo_helpers import camera_jpeg
from tests.test_photos import with_account

COLOURS = [(220, 30, 30), (30, 200, 30), (30, 30, 220)]


def course_of_three(tmp_path: Path) -> Clinic:
    """Three signed sessions 14 days apart, each with a frontal photo of its own colour."""
    clinic = with_account(tmp_path)
    for n, colour in enumerate(COLOURS):
        if n:
            clinic.clock.advance(14 * 24 * 3600)
            assert clinic.current is not None
            clinic.start_session(clinic.store.patients()[0], clinic.current.id, SessionConfig(), pin=TEST_PIN)
            clinic.photos.record_consent("clinical")
        clinic.photos.add("frontal", camera_jpeg(tmp_path / f"f{n}.jpg", size=(400, 300), orientation=1,
                                                 colour=colour))
        assert clinic.session is not None
        run_complete_session(clinic.session, clinic.clock, sign=False)
        clinic.sign()
        clinic.close_session()
    return clinic


def centre_colour(widget: Any, x_share: float) -> tuple[int, int, int]:
    image = widget.grab().toImage()
    colour = image.pixelColor(int(image.width() * x_share), image.height() // 2)
    return colour.red(), colour.green(), colour.blue()


def test_the_row_shows_each_session_and_the_first_and_latest_are_compared_side_by_side_or_wiped(
        qtbot: Any, tmp_path: Path, data_dir: Path) -> None:
    from microneedle_desk.ui.course_view import CourseWindow

    clinic = course_of_three(tmp_path)
    store = clinic.store
    ctx = UiContext(store.protocol, store.clock, store, Settings(store.protocol, paths.settings_file(data_dir)),
                    SessionController(store.protocol, store.clock, store))
    course = CourseWindow(ctx, store.patients()[0].id)
    qtbot.addWidget(course)
    window = course.compare_photos()
    qtbot.waitExposed(window)
    assert window.row.count() == 3
    assert "1.5 mm · grade III" in window.row.item(0).text()
    assert [p.session_id for p in window.picked()] == [window.photos[0].session_id, window.photos[2].session_id]
    # the camera photo's left half is its colour, the right half white: look at each picture's left quarter
    assert centre_colour(window.pair, 0.12)[0] > 180, "the first session's (red) photo on the left"
    assert centre_colour(window.pair, 0.62)[2] > 180, "the latest session's (blue) photo on the right"

    window.row.item(1).setSelected(True)  # a third pick replaces the older of the two
    assert [p.session_id for p in window.picked()] == [window.photos[1].session_id, window.photos[2].session_id]
    assert centre_colour(window.pair, 0.12)[1] > 180, "now the green one is before"

    qtbot.mouseClick(window.wipe_mode, Qt.MouseButton.LeftButton)
    window.wipe.setValue(50)
    assert window.pair.wipe_mode and window.wipe.isEnabled()
    assert centre_colour(window.pair, 0.3)[1] > 180, "left of the wipe: before (green)"
    window.wipe.setValue(25)
    assert centre_colour(window.pair, 0.3)[2] > 180, "right of the wipe: after (blue)"
    assert centre_colour(window.pair, 0.22)[1] > 180, "still before left of it"

    zoom_before = window.pair.zoom
    qtbot.mouseClick(window.zoom_in, Qt.MouseButton.LeftButton)
    assert window.pair.zoom > zoom_before
    qtbot.mousePress(window.pair, Qt.MouseButton.LeftButton, pos=QPoint(200, 150))
    qtbot.mouseMove(window.pair, QPoint(260, 150))
    qtbot.mouseRelease(window.pair, Qt.MouseButton.LeftButton, pos=QPoint(260, 150))
    assert window.pair.offset.x() > 0, "dragging pans both pictures (one offset for the pair)"

    window.view.setCurrentIndex(window.view.findData("vertex"))
    assert window.row.count() == 0 and "No signed session" in window.note.text()
    window.close()
