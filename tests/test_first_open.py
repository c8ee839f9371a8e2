"""A store with records shows its window before the start-up check, which runs after the first
frame, with or without a check cache (none after a restore, on a new laptop); its result still
reaches the person, the cache it builds makes the next start a warm one, and a problem it found
makes the next start check before its window (where a backup can be restored)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from helpers import build_demo_store
from PySide6.QtWidgets import QApplication, QMessageBox

from microneedle_desk import paths
from microneedle_desk.app import build_window
from microneedle_desk.app.opening import BadStoreError
from microneedle_desk.core.clock import FakeClock
from microneedle_desk.store.first_check import unchecked_files
from microneedle_desk.ui.first_check import FirstCheck


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = build_demo_store(tmp_path_factory.mktemp("first-open") / "data", sessions=300, seed=5)
    assert unchecked_files(root) > 40, "the store has more history than a day's work"
    return root


def open_cold(qtbot: Any, template: Path, data_dir: Path, fake_clock: FakeClock) -> tuple[Any, Any, FirstCheck]:
    shutil.rmtree(data_dir, ignore_errors=True)
    shutil.copytree(template, data_dir)
    paths.check_cache_file(data_dir).unlink(missing_ok=True)
    window, lock = build_window(fake_clock, interactive=False, parts_after_first_frame=True)
    qtbot.addWidget(window)
    [check] = window.findChildren(FirstCheck)
    assert check.worker is None, "nothing of the check runs before the first frame"
    window.show()
    window.wait_for_parts()
    qtbot.waitUntil(lambda: check.worker is not None, timeout=5000)  # the check starts once the window is up
    return window, lock, check


def test_a_store_opened_without_a_check_cache_is_checked_after_the_first_frame_and_the_cache_kept(
        qtbot: Any, template: Path, data_dir: Path, fake_clock: FakeClock) -> None:
    window, lock, check = open_cold(qtbot, template, data_dir, fake_clock)
    try:
        assert check.label.parentWidget() is window.statusBar() and not check.label.isHidden(), \
            "the status bar says the records are being checked"
        qtbot.waitUntil(lambda: check.problems is not None and not check.poll.isActive(), timeout=60000)
        assert check.problems == []
        assert "Records checked" in window.statusBar().currentMessage()
        assert unchecked_files(data_dir) == 0, "the next start is a warm one"
        assert not list(paths.backups_dir(data_dir).glob(".check-*")), "the snapshot is gone"
    finally:
        window.close()
        lock.release()
    again, lock = build_window(fake_clock, interactive=False, parts_after_first_frame=True)
    qtbot.addWidget(again)
    try:
        [warm] = again.findChildren(FirstCheck)
        assert not warm.first and "first opening" not in warm.label.text()
        assert warm.worker is None, "with the cache too, nothing of the check runs before the first frame"
        again.show()
        again.wait_for_parts()
        qtbot.waitUntil(lambda: warm.worker is not None, timeout=5000)
        qtbot.waitUntil(lambda: warm.problems is not None and not warm.poll.isActive(), timeout=60000)
        assert warm.problems == []
        assert "Records checked" in again.statusBar().currentMessage()
    finally:
        again.close()
        lock.release()


def test_a_problem_the_later_check_finds_reaches_the_person_naming_the_file(
        qtbot: Any, template: Path, data_dir: Path, fake_clock: FakeClock) -> None:
    shutil.rmtree(data_dir, ignore_errors=True)
    shutil.copytree(template, data_dir)
    day = sorted(paths.sessions_dir(data_dir).glob("*.json"))[3]
    data = json.loads(day.read_text())
    record = next(iter(data["sessions"].values()))
    record["events"][0]["at"] = "2020-01-01T09:00:00.000+01:00"  # history rewritten by hand
    day.write_text(json.dumps(data))
    template_copy = data_dir.parent / "damaged-template"
    shutil.copytree(data_dir, template_copy)
    window, lock, check = open_cold(qtbot, template_copy, data_dir, fake_clock)
    try:
        qtbot.waitUntil(lambda: check.problems is not None and not check.poll.isActive(), timeout=60000)
        assert check.problems
        boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
        assert boxes and day.name in boxes[0].text(), "the window names the damaged file"
        assert not boxes[0].isModal(), "it opens beside the work, not over it"
        assert not paths.check_cache_file(data_dir).exists(), "a store with a problem gets no cache"
        boxes[0].close()
    finally:
        window.close()
        lock.release()
    with pytest.raises(BadStoreError) as refused:  # no backup to offer here: the start is refused
        build_window(fake_clock, interactive=False, parts_after_first_frame=True)
    assert day.name in str(refused.value), "the next start checks before its window and names the file"
