"""Session photos: the stored copy (upright, no EXIF, profile kept, bounded size), each kind of bad
input refused with a message and nothing stored changing, and the record's rules."""

from __future__ import annotations

import hashlib
import io
import os
import stat
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image

from microneedle_desk.clinic import Clinic
from microneedle_desk.core.accounts import PermissionDenied
from microneedle_desk.core.clock import FakeClock
from microneedle_desk.core.session import SessionConfig, replay
from microneedle_desk.core.validation import ValidationError
from microneedle_desk.store import photos as photo_store
from microneedle_desk.store.store import Store
from tests.helpers import TEST_PIN, _quick_hash, make_demo_patient, run_complete_session, shipped_protocol
from tests.photo_helpers import ARTIST, OWNER, SERIAL, camera_jpeg, huge_png, png_with_alpha


def open_clinic(root: Path, clock: FakeClock) -> Clinic:
    return Clinic(Store(root, shipped_protocol(), clock), shipped_protocol(), clock)


def started(tmp_path: Path, consent: str = "clinical") -> Clinic:
    clock = FakeClock()
    clinic = open_clinic(tmp_path / "data", clock)
    who = clinic.store.add_patient(make_demo_patient(clinic.protocol, clock, device=clinic.store.device))
    clinic.start_session(who, "00000000-0000-4000-8000-000000000001", SessionConfig())
    if consent:
        clinic.photos.record_consent(consent)
    return clinic


def stored_files(clinic: Clinic) -> list[str]:
    folder = clinic.store.root / "photos"
    return sorted(os.listdir(folder)) if folder.is_dir() else []


# -- the stored copy ---------------------------------------------------------------------
def test_the_stored_copy_is_upright_without_gps_serial_or_owner_and_keeps_the_colour_profile(tmp_path: Path) -> None:
    source = camera_jpeg(tmp_path / "IMG_0001.jpg", size=(400, 200), orientation=6)
    before = source.read_bytes()
    prepared = photo_store.prepare(source)
    copy = Image.open(io.BytesIO(prepared.data))
    assert copy.size == (200, 400)  # orientation 6: turned a quarter clockwise
    assert copy.getpixel((100, 20))[0] > 200 and copy.getpixel((100, 20))[1] < 120  # colour now on top
    assert dict(copy.getexif()) == {}
    for secret in (SERIAL, OWNER, ARTIST, "CamCo"):
        assert secret.encode() not in prepared.data
    assert b"Exif" not in prepared.data and b"GPS" not in prepared.data
    with Image.open(source) as original:
        assert copy.info.get("icc_profile") == original.info.get("icc_profile")
    assert prepared.captured == "2026-11-01T10:20:30+01:00"
    assert prepared.source_sha256 == hashlib.sha256(before).hexdigest()
    assert prepared.sha256 == hashlib.sha256(prepared.data).hexdigest()
    assert max(Image.open(io.BytesIO(prepared.thumb)).size) <= photo_store.THUMB_SIDE


def test_a_large_photo_is_kept_at_3000_pixels_on_its_long_side(tmp_path: Path) -> None:
    source = tmp_path / "big.jpg"
    Image.new("RGB", (4000, 3000), (90, 90, 90)).save(source, quality=80)
    prepared = photo_store.prepare(source)
    assert (prepared.width, prepared.height) == (3000, 2250)
    assert any("smaller" in note for note in prepared.notes)


def test_attaching_writes_a_private_copy_named_by_uuid_and_leaves_the_original_alone(tmp_path: Path) -> None:
    clinic = started(tmp_path)
    source = camera_jpeg(tmp_path / "IMG_0002.jpg")
    before, mtime = source.read_bytes(), source.stat().st_mtime_ns
    attached = clinic.photos.add("frontal", source)
    record = attached.record
    folder = clinic.store.root / "photos"
    assert stored_files(clinic) == sorted([record["photo_id"] + ".jpg", record["photo_id"] + ".thumb.jpg"])
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for name in stored_files(clinic):
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600
    assert source.read_bytes() == before and source.stat().st_mtime_ns == mtime
    event = clinic.session.state.events[-1] if clinic.session else {}
    assert event["type"] == "photo_added" and event["data"]["photo"]["sha256"] == hashlib.sha256(
        (folder / record["file"]).read_bytes()).hexdigest()
    assert record["phase"] == "before" and record["captured"] == "2026-11-01T10:20:30+01:00"
    saved = clinic.store.session_doc(record_session(clinic))
    assert saved is not None and replay(saved["events"], clinic.protocol).photos == [record]


def record_session(clinic: Clinic) -> str:
    assert clinic.session is not None
    return clinic.session.id


def test_a_png_with_transparency_is_flattened_onto_white_and_says_so(tmp_path: Path) -> None:
    clinic = started(tmp_path)
    attached = clinic.photos.add("vertex", png_with_alpha(tmp_path / "cutout.png"))
    with Image.open(clinic.photos.file(attached.record)) as copy:
        assert copy.mode == "RGB" and copy.getpixel((250, 150)) == (255, 255, 255)
    assert any("white" in note for note in attached.notes)


# -- bad input: a message, and nothing stored changes ---------------------------------------
def refused(clinic: Clinic, view: str, source: Path, match: str) -> None:
    events_before = len(clinic.session.state.events) if clinic.session else 0
    files_before = stored_files(clinic)
    with pytest.raises(ValidationError, match=match):
        clinic.photos.add(view, source)
    assert stored_files(clinic) == files_before
    assert clinic.session is not None and len(clinic.session.state.events) == events_before
    saved = clinic.store.session_doc(clinic.session.id)
    assert saved is not None and len(saved["events"]) == events_before


def test_a_text_file_named_jpg_is_refused_as_not_a_photo(tmp_path: Path) -> None:
    clinic = started(tmp_path)
    fake = tmp_path / "notes.jpg"
    fake.write_text("not a photo at all\n")
    refused(clinic, "frontal", fake, "not a photo this app reads")


def test_a_truncated_jpeg_is_refused_as_damaged(tmp_path: Path) -> None:
    clinic = started(tmp_path)
    whole = camera_jpeg(tmp_path / "whole.jpg", size=(800, 600)).read_bytes()
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(whole[: len(whole) // 2])
    refused(clinic, "frontal", cut, "damaged or incomplete")


def test_a_100_megapixel_image_is_refused_before_its_pixels_are_read(tmp_path: Path) -> None:
    clinic = started(tmp_path)
    refused(clinic, "frontal", huge_png(tmp_path / "bomb.png"), "million pixels")


def test_the_same_photo_twice_is_refused_and_the_first_stays(tmp_path: Path) -> None:
    clinic = started(tmp_path)
    source = camera_jpeg(tmp_path / "IMG_0003.jpg")
    first = clinic.photos.add("frontal", source).record
    refused(clinic, "vertex", source, "already attached")
    assert clinic.session is not None and clinic.session.state.photos == [first]


def test_an_unknown_view_is_refused_with_the_views_there_are(tmp_path: Path) -> None:
    clinic = started(tmp_path)
    refused(clinic, "nose", camera_jpeg(tmp_path / "a.jpg"), "frontal, mid_scalp, vertex")


def test_a_heic_photo_is_refused_with_how_to_get_a_jpeg(tmp_path: Path) -> None:
    clinic = started(tmp_path)
    heic = tmp_path / "IMG_0004.HEIC"
    heic.write_bytes(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64)
    refused(clinic, "frontal", heic, "HEIC")


def test_without_photo_consent_no_photo_is_taken(tmp_path: Path) -> None:
    clinic = started(tmp_path, consent="")
    refused(clinic, "frontal", camera_jpeg(tmp_path / "a.jpg"), "consent to photos")
    clinic.photos.record_consent("declined")
    refused(clinic, "frontal", camera_jpeg(tmp_path / "a.jpg"), "consent to photos")


# -- skipping, sign-off, signed sessions ---------------------------------------------------------
def with_account(tmp_path: Path, consent: str = "clinical") -> Clinic:
    """A clinic whose practitioner has an account (a sign-off needs one) and a session started."""
    clock = FakeClock()
    clinic = open_clinic(tmp_path / "data", clock)
    book = clinic.accounts
    doctor = book._save(replace(book._new("Dr Test", "practitioner", None, must_change=False),
                                pin_hash=_quick_hash(TEST_PIN)))
    who = clinic.store.add_patient(make_demo_patient(clinic.protocol, clock, device=clinic.store.device))
    clinic.start_session(who, doctor.id, SessionConfig(), pin=TEST_PIN)
    clinic.sign_in_as(doctor)
    clinic.ask_pin = lambda account, purpose: TEST_PIN
    clinic.photos.record_consent(consent)
    return clinic


def test_a_view_is_skipped_with_a_reason_and_required_photos_block_signing_until_each_is_done(
        tmp_path: Path) -> None:
    clinic = with_account(tmp_path)
    assert clinic.session is not None
    session = clinic.session
    with pytest.raises(ValidationError, match="reason"):
        clinic.photos.skip("occipital", "  ")
    clinic.photos.skip("occipital", "Patient declined this view")
    assert session.state.photo_skips == {"occipital": "Patient declined this view"}

    class Required:
        @staticmethod
        def get(key: str) -> object:
            return key == "photos/required"

    clinic.settings = Required()  # type: ignore[assignment]
    run_complete_session(session, clinic.clock, sign=False)
    with pytest.raises(PermissionDenied, match="Frontal hairline"):
        clinic.sign()
    for view in ("frontal", "mid_scalp", "vertex", "temporal_left", "temporal_right"):
        clinic.photos.skip(view, "Not applicable today")
    clinic.sign()
    assert session.state.status == "signed"


def test_a_signed_session_takes_a_photo_only_as_an_amendment_with_reason_and_pin(tmp_path: Path) -> None:
    clinic = with_account(tmp_path, "teaching")
    assert clinic.session is not None
    session_id = clinic.session.id
    run_complete_session(clinic.session, clinic.clock, sign=False)
    clinic.sign()
    clinic.close_session()
    source = camera_jpeg(tmp_path / "late.jpg")
    with pytest.raises(PermissionDenied):
        clinic.ask_pin = None
        clinic.photos.amend_add(session_id, "vertex", source, "Taken at the session, attached late")
    assert stored_files(clinic) == []
    with pytest.raises(ValidationError, match="reason"):
        clinic.photos.amend_add(session_id, "vertex", source, " ", pin=TEST_PIN)
    attached = clinic.photos.amend_add(session_id, "vertex", source, "Taken at the session, attached late",
                                       pin=TEST_PIN)
    assert clinic.photos.in_force(session_id)["vertex"] == attached.record
    assert [a["field"] for a in clinic.store.amendments(session_id)] == ["photo:vertex"]
    with pytest.raises(ValidationError, match="already attached"):
        clinic.photos.amend_add(session_id, "frontal", source, "Again", pin=TEST_PIN)
    assert len(stored_files(clinic)) == 2
