"""The application layer: the one way in for the screens and the command line (no Qt).

:class:`~microneedle_desk.clinic.clinic.Clinic` holds a data folder's store, protocol and
clock, who is signed in and the open session, and offers a typed method for each thing a
person does, with the rules about who may do it.
"""

from microneedle_desk.clinic.clinic import Cancelled, Clinic, PinPrompt
from microneedle_desk.clinic.events import (
    ClinicEvent,
    EntrySaved,
    LockChanged,
    SessionClosed,
    SessionOpened,
    SignedIn,
)

__all__ = ["Cancelled", "Clinic", "ClinicEvent", "EntrySaved", "LockChanged", "PinPrompt",
           "SessionClosed", "SessionOpened", "SignedIn"]
