"""The pinned Qt binding must not leak or over-release references on plain calls."""

import sys

from PySide6.QtWidgets import QLabel


def test_void_qt_calls_leave_the_reference_count_of_none_unchanged(qtbot):
    """PySide6 6.12.0 under Python 3.11 released None once per void call and crashed the app."""
    label = QLabel("x")
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for i in range(200):
        label.setText(str(i))
    assert abs(sys.getrefcount(None) - before) < 50
