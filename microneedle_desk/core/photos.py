"""Standard scalp photos in a session's record: consent, the photo taken per view, a view skipped.

A photo is kept as a copy in the data folder (the store's business); the session's record
holds what identifies it: the copy's file name (its UUID), the SHA-256 of the copy (so a
changed or missing copy is found) and of the file it came from (so the same file is not
attached twice), its size, and the capture time the camera wrote, if any.

The event handlers here are folded by the session's reducer like any other event, so a
record written around the app meets the same rules: a photo needs the patient's consent to
photos, a known view and a file name that is its UUID.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, cast

from microneedle_desk.core.event_types import SessionEvent
from microneedle_desk.core.fold_common import Data, Handler
from microneedle_desk.core.record_types import PhotoRecord
from microneedle_desk.core.records import is_uuid
from microneedle_desk.core.session_state import Anchor, SessionState
from microneedle_desk.core.validation import ValidationError, require_text
from microneedle_desk.i18n import tr

if TYPE_CHECKING:
    from microneedle_desk.core.protocol import Protocol

PHOTO_CONSENTS = ("declined", "clinical", "teaching")
"""The patient's consent to photos: none; for the clinical record only; also for teaching."""
PHASES = ("before", "after")  # before needling starts, or after
PHOTO_PREFIX = "photo:"
"""A photo added to a signed session is an amendment of the field ``photo:<view id>``."""
SUFFIX, THUMB_SUFFIX = ".jpg", ".thumb.jpg"
_SHA = re.compile(r"[0-9a-f]{64}")
PHOTO_KEYS = ("photo_id", "view", "phase", "file", "sha256", "source_sha256", "width", "height", "captured",
              "original_name")


def consent_label(value: str) -> str:
    return {"declined": tr("declined"), "clinical": tr("for the clinical record only"),
            "teaching": tr("for the clinical record and for teaching")}.get(value, tr("not asked"))


def views_text(protocol: Protocol) -> str:
    return ", ".join(protocol.ids("photo_views"))


def check_view(view: object, protocol: Protocol) -> str:
    """``view`` as a known view id; ValidationError listing the views otherwise."""
    if not isinstance(view, str) or view not in protocol.ids("photo_views"):
        raise ValidationError("view", tr("There is no photo view “{view}”. The views are: {views}.").format(
            view=view, views=views_text(protocol)))
    return view


def check_consent(value: object) -> str:
    if value not in PHOTO_CONSENTS:
        raise ValidationError("photo_consent", tr("Consent to photos is one of: declined, for the clinical record "
                                                  "only, or also for teaching."))
    return str(value)


def check_photo(photo: object, protocol: Protocol) -> PhotoRecord:
    """A photo's record as the app writes it; ValidationError naming what is wrong."""
    if not isinstance(photo, dict):
        raise ValidationError("photo", tr("A photo record must be an object."))
    for key in PHOTO_KEYS:
        if key not in photo:
            raise ValidationError(key, tr("The photo record lacks “{key}”.").format(key=key))
    if not is_uuid(photo["photo_id"]):
        raise ValidationError("photo_id", tr("A photo id must be a UUID."))
    check_view(photo["view"], protocol)
    if photo["phase"] not in PHASES:
        raise ValidationError("phase", tr("A photo is taken before or after needling."))
    if photo["file"] != photo["photo_id"] + SUFFIX:
        raise ValidationError("file", tr("A photo's stored file is named by its id."))
    for key in ("sha256", "source_sha256"):
        if not isinstance(photo[key], str) or not _SHA.fullmatch(photo[key]):
            raise ValidationError(key, tr("A photo's {key} must be a SHA-256 in hex.").format(key=key))
    for key in ("width", "height"):
        if isinstance(photo[key], bool) or not isinstance(photo[key], int) or not 1 <= photo[key] <= 3000:
            raise ValidationError(key, tr("A stored photo is 1–3000 pixels each way."))
    if photo["captured"] is not None and not isinstance(photo["captured"], str):
        raise ValidationError("captured", tr("A photo's capture time is text or nothing."))
    require_text(photo["original_name"], "original_name", tr("The photo's original file name"), 255)
    return cast(PhotoRecord, dict(photo))


def photos_in_force(state: SessionState, phase: str = "before") -> dict[str, PhotoRecord]:
    """View id -> the latest photo of that view (a retake replaces the earlier one in force;
    the earlier one stays on record)."""
    return {photo["view"]: photo for photo in state.photos if photo["phase"] == phase}


def missing_views(state: SessionState, protocol: Protocol) -> list[str]:
    """The views with no photo before needling and no reason for skipping."""
    taken = photos_in_force(state)
    return [v for v in protocol.ids("photo_views") if v not in taken and v not in state.photo_skips]


def photo_lines(state: SessionState, protocol: Protocol) -> list[str]:
    """What the sign-off summary and the sheet say of the photos: consent, then each view taken,
    skipped (with why) or not taken."""
    lines = [tr("Photo consent: {consent}").format(consent=consent_label(state.photo_consent))]
    parts = [f"{label} {fate}" for label, fate in view_fates(state, protocol)]
    if parts:
        lines.append(tr("Photos: {views}").format(views="; ".join(parts)))
    return lines


def view_fates(state: SessionState, protocol: Protocol) -> list[tuple[str, str]]:
    """(view label, "taken" / "skipped (why)" / "not taken") for each standard view, in order."""
    taken = photos_in_force(state)
    out = []
    for view in protocol.photo_views:
        if view.id in taken:
            fate = tr("taken")
        elif view.id in state.photo_skips:
            fate = tr("skipped ({why})").format(why=state.photo_skips[view.id])
        else:
            fate = tr("not taken")
        out.append((view.label, fate))
    return out


def photos_missing(state: SessionState, protocol: Protocol, required: bool) -> list[str]:
    """Sign-off's "still missing" lines for photos: only when the clinic makes them required."""
    if not required:
        return []
    return [tr("Photos: {view} not taken (attach it, or skip it with a reason)").format(
        view=protocol.label("photo_views", view)) for view in missing_views(state, protocol)]


def duplicate_of(state: SessionState, source_sha256: str, sha256: str) -> PhotoRecord | None:
    for photo in state.photos:
        if source_sha256 in (photo["source_sha256"], photo["sha256"]) or sha256 == photo["sha256"]:
            return photo
    return None


def check_new_photo(state: SessionState, photo: object, protocol: Protocol) -> PhotoRecord:
    """``photo`` checked as a new photo of this session (consent, view, not attached before)."""
    checked = check_photo(photo, protocol)
    if state.photo_consent not in ("clinical", "teaching"):
        raise ValidationError("photo_consent", tr(
            "Record the patient's consent to photos first (Screening): none is recorded for this session."))
    same = duplicate_of(state, checked["source_sha256"], checked["sha256"])
    if same is not None:
        raise ValidationError("photo", tr("This photo is already attached to this session ({view}): nothing was "
                                          "added.").format(view=protocol.label("photo_views", same["view"])))
    return checked


# -- the reducer's handlers (registered with the session's) ------------------------------
def _consent(s: SessionState, d: Data, a: Anchor, e: SessionEvent, p: Protocol) -> None:
    s.photo_consent = check_consent(d.get("value"))


def _added(s: SessionState, d: Data, a: Anchor, e: SessionEvent, p: Protocol) -> None:
    photo = check_new_photo(s, d.get("photo"), p)
    if photo["phase"] != ("after" if s.needling_marks else "before"):
        raise ValidationError("phase", tr("A photo taken now is a photo {phase} needling.").format(
            phase=tr("after") if s.needling_marks else tr("before")))
    s.photos.append(photo)
    if photo["phase"] == "before":
        s.photo_skips.pop(photo["view"], None)


def _skipped(s: SessionState, d: Data, a: Anchor, e: SessionEvent, p: Protocol) -> None:
    view = check_view(d.get("view"), p)
    reason = require_text(d.get("reason"), "reason", tr("The reason for not taking this photo"), 500)
    if view in photos_in_force(s):
        raise ValidationError("view", tr("The {view} photo is already taken.").format(
            view=p.label("photo_views", view)))
    s.photo_skips[view] = reason


HANDLERS: dict[str, Handler] = {"photo_consent": _consent, "photo_added": _added, "photo_skipped": _skipped}


# -- a photo added to a signed session (an amendment) -------------------------------------
def check_amended_photo(field: str, raw: object, state: SessionState, values: Mapping[str, object],
                        protocol: Protocol) -> PhotoRecord:
    """The new value of a ``photo:<view>`` amendment: a photo of that view, with consent, not on
    record before (in the session or an earlier amendment)."""
    view = check_view(field[len(PHOTO_PREFIX):], protocol)
    photo = check_new_photo(state, raw, protocol)
    if photo["view"] != view:
        raise ValidationError("view", tr("The photo is of another view."))
    for key, value in values.items():
        if key.startswith(PHOTO_PREFIX) and isinstance(value, dict) and value.get("source_sha256") in (
                photo["source_sha256"], photo["sha256"]):
            raise ValidationError("photo", tr("This photo is already attached to this session: nothing was added."))
    return photo


def amended_photos(state: SessionState, amendments: Sequence[Mapping[str, object]]) -> list[PhotoRecord]:
    """Every photo of a session: the ones recorded while it ran, then the ones amended in."""
    out = list(state.photos)
    for doc in amendments:
        new = doc.get("new")
        if str(doc.get("field", "")).startswith(PHOTO_PREFIX) and isinstance(new, dict):
            out.append(cast(PhotoRecord, dict(new)))
    return out
