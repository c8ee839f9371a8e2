"""``microneedle-desk photo add|list``: attach a standard scalp photo to a session, or list them.

``photo add [--data-dir DIR] --session SESSION_ID --view VIEW FILE`` stores a copy of FILE
(metadata stripped, upright, at most 3000 px) as the session's photo of VIEW: exit 0 stored,
1 refused with a message (unknown view, unreadable image, a signed session without
``--amend --reason TEXT``...). The photo is recorded through the clinic's commands like one
taken in the app: once the data folder has accounts, the PIN of the person recording it is
asked on the terminal (the session's practitioner, or ``--by NAME``); a signed session
takes it as an amendment with the reason given.

``photo list [--data-dir DIR] --session SESSION_ID`` prints view, stored file name, SHA-256
and capture time, one photo a line (tab-separated; "-" when the camera wrote no time).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from microneedle_desk import paths
from microneedle_desk.clinic import Cancelled, Clinic
from microneedle_desk.commands.restore import hold_lock
from microneedle_desk.core.accounts import PermissionDenied
from microneedle_desk.core.clock import SystemClock
from microneedle_desk.core.photos import check_view
from microneedle_desk.core.protocol import ProtocolError, load_protocol
from microneedle_desk.core.validation import ValidationError
from microneedle_desk.i18n import tr
from microneedle_desk.store.store import StoreError

if TYPE_CHECKING:
    from microneedle_desk.clinic import Clinic
    from microneedle_desk.core.accounts import Account
    from microneedle_desk.core.protocol import Protocol


def add_parser(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="photo_action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help=tr("store a photo for one view of a session"))
    listing = actions.add_parser("list", help=tr("list a session's photos"))
    for sub in (add, listing):
        sub.add_argument("--data-dir", metavar="DIR", default=argparse.SUPPRESS,
                         help=tr("data folder (overrides the one given before the command)"))
        sub.add_argument("--session", metavar="SESSION_ID", required=True, help=tr("the session's id"))
    add.add_argument("--view", metavar="VIEW", required=True,
                     help=tr("the view: frontal, mid_scalp, vertex, temporal_left, temporal_right or occipital"))
    add.add_argument("--amend", action="store_true", help=tr("add to a signed session, as an amendment"))
    add.add_argument("--reason", metavar="TEXT", default="", help=tr("why a signed session is amended"))
    add.add_argument("--by", metavar="NAME", default="",
                     help=tr("who records it (an account's name; default: the session's practitioner)"))
    add.add_argument("file", metavar="FILE", help=tr("the photo (JPEG, PNG, TIFF or WebP)"))


def _say(message: str) -> int:
    print(f"microneedle-desk photo: {message}", file=sys.stderr)
    return 1


def run(args: argparse.Namespace) -> int:
    try:
        protocol = load_protocol(paths.protocol_file())
    except ProtocolError as exc:
        return _say(str(exc))
    if args.photo_action == "list":
        return _list(args, protocol)
    with hold_lock(paths.data_dir()) as problem:
        if problem:
            return _say(problem)
        return _add(args, protocol)


def _open(protocol: Protocol, read_only: bool) -> Clinic:
    return Clinic.open(paths.data_dir(), protocol, SystemClock(), read_only=read_only)


def _list(args: argparse.Namespace, protocol: Protocol) -> int:
    try:
        clinic = _open(protocol, read_only=True)
        photos = clinic.photos.photos(args.session)
    except (ValidationError, StoreError, OSError) as exc:
        return _say(getattr(exc, "message", None) or str(exc))
    for photo in photos:
        print("\t".join((photo["view"], photo["file"], photo["sha256"], photo["captured"] or "-")))
    return 0


def _add(args: argparse.Namespace, protocol: Protocol) -> int:
    try:
        clinic = _open(protocol, read_only=False)
        check_view(args.view, clinic.protocol)
        state = clinic.photos.state(args.session)
        source = Path(args.file).expanduser()
        if state.status == "abandoned":
            return _say(tr("That session was abandoned: it takes no photos."))
        if state.status == "signed" and not (args.amend and args.reason.strip()):
            return _say(tr("That session is signed: a photo is added to it only as an amendment, with "
                           "--amend --reason TEXT saying why."))
        if state.status == "in_progress" and args.amend:
            return _say(tr("That session is still in progress: add the photo without --amend."))
        person = _who(clinic, args.by or (state.signed_by if state.status == "signed" else state.practitioner_id))
        pin = None
        if person is not None:
            pin = getpass.getpass(tr("PIN of {name}: ").format(name=person.name))
            clinic.sign_in(person.id, pin)
        if state.status == "signed":
            attached = clinic.photos.amend_add(args.session, args.view, source, args.reason, by=state.signed_by,
                                               pin=pin)
        else:
            doc = clinic.store.session_doc(args.session)
            clinic.resume_session(doc["events"] if doc else [])
            attached = clinic.photos.add(args.view, source)
            clinic.close_session()
    except (ValidationError, PermissionDenied, StoreError, OSError) as exc:
        return _say(getattr(exc, "message", None) or str(exc))
    except (Cancelled, EOFError, KeyboardInterrupt):
        return _say(tr("No PIN given: nothing was stored."))
    record = attached.record
    print(tr("Stored the {view} photo as {file} (SHA-256 {sha}).").format(
        view=record["view"], file=record["file"], sha=record["sha256"]))
    for note in attached.notes:
        print(tr("Note: {note}.").format(note=note))
    return 0


def _who(clinic: Clinic, wanted: str) -> Account | None:
    """The account that records the photo (None while the folder has no accounts): an id or a name."""
    if not clinic.enforcing:
        return None
    for account in clinic.accounts.accounts(include_retired=False):
        if wanted in (account.id, account.name):
            return account
    raise PermissionDenied(tr("There is no active account “{name}”: give --by with an account's name.").format(
        name=wanted))
