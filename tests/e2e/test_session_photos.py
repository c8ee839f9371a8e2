"""Photos during a session, by keys and clicks: consent to photos on the Screening step, the views
attached from files (typed paths: no file dialog), one skipped with a reason, a bad file refused
on screen, and at the next session last time's photo shown under the new one to frame it alike."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QDialog

from e2e import driver
from e2e.driver import PIN, click, type_into
from tests.photo_helpers import camera_jpeg


def photos_on_screening(qtbot: Any, window: Any, consent: str = "clinical") -> Any:
    page = window.current_page()
    assert page.step_id == "screening"
    click(qtbot, page.photo_consent[consent])
    click(qtbot, page.photos_button)
    photos = page.photos_window
    qtbot.waitExposed(photos)
    return photos


def test_the_views_are_attached_from_files_and_last_times_photo_frames_the_next_session(
        qtbot: Any, clinic: Any, fake_clock: Any, tmp_path: Path) -> None:
    window = clinic
    driver.register_patient(qtbot, window)
    driver.start_session(qtbot, window)
    photos = photos_on_screening(qtbot, window)

    first = camera_jpeg(tmp_path / "IMG_0100.jpg", colour=(200, 40, 40))
    type_into(qtbot, photos.views.path_fields["frontal"], str(first))  # Enter attaches
    assert photos.error.text() == ""
    assert photos.views.status["frontal"].text() == "Taken (IMG_0100.jpg)"
    not_a_photo = tmp_path / "notes.jpg"
    not_a_photo.write_text("a note, not a photo")
    type_into(qtbot, photos.views.path_fields["vertex"], str(not_a_photo), enter=False)
    click(qtbot, photos.views.attach_buttons["vertex"])
    assert "not a photo this app reads" in photos.error.text()
    assert photos.views.status["vertex"].text() == "Not taken"
    chosen = camera_jpeg(tmp_path / "IMG_0101.jpg", colour=(90, 160, 30))
    driver.answer_next_dialog(qtbot, driver.save_file_as(str(chosen)))  # the system's file dialog
    click(qtbot, photos.views.choose_buttons["temporal_left"])
    assert photos.views.status["temporal_left"].text() == "Taken (IMG_0101.jpg)", photos.error.text()
    type_into(qtbot, photos.views.reason_fields["occipital"], "Patient declined this view", enter=False)
    click(qtbot, photos.views.skip_buttons["occipital"])
    assert photos.views.status["occipital"].text() == "Skipped: Patient declined this view"
    assert photos.compare.compare_note.text() == "Last time's photo: none for this view."
    photos.close()

    driver.walk_session(qtbot, window, fake_clock)
    summary = window.current_page().summary.text()
    assert "Photo consent: for the clinical record only" in summary
    assert "Frontal hairline taken" in summary and "Vertex (crown) not taken" in summary
    assert "Occipital skipped (Patient declined this view)" in summary
    driver.sign(qtbot, window, PIN)
    assert window.stack.currentIndex() == 0

    fake_clock.advance(14 * 24 * 3600)
    driver.start_session(qtbot, window)
    photos = photos_on_screening(qtbot, window, "teaching")
    assert photos.views.status["frontal"].text() == "Not taken", "a new session starts with no photos"
    driver.choose(qtbot, photos.compare.compare_view, "Frontal hairline")
    comparison = photos.compare.comparison
    assert comparison.before is not None and comparison.now is None, "last time's photo shows"
    assert photos.compare.compare_note.text() == ""
    second = camera_jpeg(tmp_path / "IMG_0200.jpg", colour=(40, 40, 200))
    type_into(qtbot, photos.views.path_fields["frontal"], str(second))
    assert photos.compare.comparison.before is not None and photos.compare.comparison.now is not None
    assert not photos.compare.comparison.side_by_side and photos.compare.comparison.opacity == 0.35
    photos.compare.opacity.setValue(60)
    assert photos.compare.comparison.opacity == 0.6
    click(qtbot, photos.compare.beside)
    assert photos.compare.comparison.side_by_side and not photos.compare.opacity.isEnabled()
    grab = photos.compare.comparison.grab().toImage()
    left = grab.pixelColor(grab.width() // 4, grab.height() // 2)
    right = grab.pixelColor(3 * grab.width() // 4, grab.height() // 2)
    assert left.red() > left.blue() and right.blue() > right.red(), "last time left, this time right"
    type_into(qtbot, photos.views.path_fields["vertex"], str(first))
    assert "already" not in photos.error.text(), "a photo of another session may be shown, not refused"


def test_the_newest_photos_of_the_camera_folder_are_assigned_to_views_and_attached(
        qtbot: Any, clinic: Any, tmp_path: Path) -> None:
    import os

    window = clinic
    camera = tmp_path / "camera"
    camera.mkdir()
    for n, colour in enumerate([(10, 10, 10), (200, 0, 0), (0, 200, 0), (0, 0, 200)]):
        shot = camera_jpeg(camera / f"IMG_{n:04d}.jpg", colour=colour)
        os.utime(shot, (1_000_000 + n, 1_000_000 + n))  # taken one after the other
    (camera / "notes.txt").write_text("not a photo")
    window.ctx.settings.set("photos/watch_folder", str(camera))
    driver.register_patient(qtbot, window)
    driver.start_session(qtbot, window)
    photos = photos_on_screening(qtbot, window)

    photos.folder.newest.setValue(3)
    click(qtbot, photos.folder.import_button)
    listed = [(path.name, combo.currentData()) for path, combo in photos.folder.batch]
    assert listed == [("IMG_0001.jpg", "frontal"), ("IMG_0002.jpg", "mid_scalp"), ("IMG_0003.jpg", "vertex")], \
        "the newest three, oldest first, on the views in the protocol's order"
    driver.choose(qtbot, photos.folder.batch[2][1], "Occipital")
    click(qtbot, photos.folder.attach_batch)
    assert photos.error.text() == ""
    assert photos.views.status["frontal"].text() == "Taken (IMG_0001.jpg)"
    assert photos.views.status["mid_scalp"].text() == "Taken (IMG_0002.jpg)"
    assert photos.views.status["vertex"].text() == "Not taken"
    assert photos.views.status["occipital"].text() == "Taken (IMG_0003.jpg)"
    assert photos.folder.batch == [] and photos.folder.attach_batch.isHidden()


@pytest.mark.qt_log_ignore("This plugin does not support raise")  # the offscreen platform; the window is raised
def test_a_photo_is_added_to_a_signed_session_from_its_history_as_an_amendment_with_the_pin(
        qtbot: Any, clinic: Any, fake_clock: Any, tmp_path: Path) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    window = clinic
    driver.register_patient(qtbot, window)
    driver.start_session(qtbot, window)
    photos_on_screening(qtbot, window).close()  # consent to photos, no photo taken today
    driver.walk_session(qtbot, window, fake_clock)
    driver.sign(qtbot, window, PIN)
    window.review_menu.actions["history"].trigger()
    history = next(w for w in QApplication.topLevelWidgets() if w.isVisible() and w.windowTitle() == "Session history")
    qtbot.waitUntil(lambda: history.model.rowCount() == 1)
    history.table.setFocus()
    history.table.selectRow(0)
    qtbot.keyClick(history.table, Qt.Key.Key_Return)
    dialog = next(w for w in history.findChildren(QDialog)
                  if w.isVisible() and w.windowTitle() == "Session (read-only)")
    assert dialog.photo_button.isEnabled()
    click(qtbot, dialog.photo_button)
    attach = next(w for w in dialog.findChildren(QDialog) if w.isVisible()
                  and w.windowTitle() == "Attach a photo to a signed session")
    driver.choose(qtbot, attach.view, "Vertex (crown)")
    type_into(qtbot, attach.path, str(tmp_path / "missing.jpg"), enter=False)
    type_into(qtbot, attach.reason, "Taken at the session, attached late", enter=False)
    click(qtbot, attach.save_button)
    assert "There is no file missing.jpg" in attach.error.text(), "refused before any PIN is asked"
    type_into(qtbot, attach.path, str(camera_jpeg(tmp_path / "IMG_0300.jpg")), enter=False)
    driver.answer_next_dialog(qtbot, driver.enter_pin(PIN))
    click(qtbot, attach.save_button)
    assert not attach.isVisible()
    session_id = window.ctx.store.summaries()[0]["id"]
    [amendment] = window.ctx.store.amendments(session_id)
    assert amendment["field"] == "photo:vertex" and amendment["reason"] == "Taken at the session, attached late"
    assert "Photo: Vertex (crown)" in dialog.text()
