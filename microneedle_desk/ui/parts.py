"""The parts attached to the main window's frame, each adding its menu and actions: printing,
sign-in and the idle lock, the Review menu, the treatment-room view, the heartbeat, settings,
alert notifications and the background sync with the clinic server.

The assembly hands this to the window (``MainWindow(..., attach=attach)``), so the window
imports none of its parts and each part may know the window it is attached to.
"""

from __future__ import annotations

from microneedle_desk.ui.heartbeat import Heartbeat
from microneedle_desk.ui.main_window import MainWindow
from microneedle_desk.ui.notify import AlertNotifier
from microneedle_desk.ui.print_actions import PrintActions
from microneedle_desk.ui.review_menu import ReviewMenu
from microneedle_desk.ui.room_view import RoomView
from microneedle_desk.ui.server_status import ServerStatus
from microneedle_desk.ui.settings_dialog import SettingsActions
from microneedle_desk.ui.sign_in import Security


def attach(window: MainWindow) -> None:
    """Attach every part to ``window``, in the order their menus appear."""
    window.print_actions = PrintActions(window)
    window.security = Security(window)
    window.review_menu = ReviewMenu(window)
    window.room_view = RoomView(window)
    window.heartbeat = Heartbeat(window)
    window.settings_actions = SettingsActions(window)
    window.notifier = AlertNotifier(window)
    window.server_status = ServerStatus(window)  # background sync with the clinic server, after the menus


def security(window: MainWindow) -> Security:
    """The window's sign-in part, typed (attached by :func:`attach`)."""
    part = window.security
    assert isinstance(part, Security)
    return part
