"""``microneedle-desk photo add|list``, ``check`` on photos, and backups that carry them."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Any

import pytest

from microneedle_desk import cli
from microneedle_desk.core.clock import FakeClock
from microneedle_desk.store.backup import backups, take_backup
from microneedle_desk.store.restore import restore
from tests.helpers import TEST_PIN, run_complete_session, shipped_protocol
from tests.photo_helpers import SERIAL, camera_jpeg
from tests.test_photos import with_account


def two_sessions(tmp_path: Path) -> tuple[str, str]:
    """In ``tmp_path / "data"``: a signed session and one in progress (photo consent given)."""
    clinic = with_account(tmp_path)
    assert clinic.session is not None
    signed = clinic.session.id
    run_complete_session(clinic.session, clinic.clock, sign=False)
    clinic.sign()
    clinic.close_session()
    patient = clinic.store.patients()[0]
    practitioner = clinic.current.id if clinic.current else ""
    from microneedle_desk.core.session import SessionConfig

    clinic.start_session(patient, practitioner, SessionConfig(), pin=TEST_PIN)
    clinic.photos.record_consent("clinical")
    assert clinic.session is not None
    open_id = clinic.session.id
    clinic.close_session()
    clinic.store.close()
    return signed, open_id


@pytest.fixture
def pin_typed(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> list[str]:
    """Each PIN prompt answered with the test account's PIN; the data folder also given by the
    environment, as a command without --data-dir finds it."""
    monkeypatch.setenv("MICRONEEDLE_DESK_DATA_DIR", str(data_dir))
    prompts: list[str] = []

    def typed(prompt: str = "") -> str:
        prompts.append(prompt)
        return TEST_PIN

    monkeypatch.setattr(getpass, "getpass", typed)
    return prompts


def photo(*args: str) -> int:
    return cli.main(["photo", *args])


def test_photo_add_stores_the_view_and_list_prints_view_file_sha_and_capture_time(
        tmp_path: Path, data_dir: Path, pin_typed: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    _, open_id = two_sessions(tmp_path)
    source = camera_jpeg(tmp_path / "IMG_1.jpg")
    assert photo("add", "--data-dir", str(data_dir), "--session", open_id, "--view", "frontal", str(source)) == 0
    assert pin_typed == ["PIN of Dr Test: "]
    assert "Stored the frontal photo" in capsys.readouterr().out
    assert photo("list", "--data-dir", str(data_dir), "--session", open_id) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if "\t" in line]
    assert len(lines) == 1
    view, name, sha, captured = lines[0].split("\t")
    assert (view, captured) == ("frontal", "2026-11-01T10:20:30+01:00")
    import hashlib

    stored = data_dir / "photos" / name
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == sha
    assert SERIAL.encode() not in stored.read_bytes()
    from microneedle_desk.store.access_log import read_access_log
    from microneedle_desk.store.store import Store

    log_store = Store(data_dir, shipped_protocol(), FakeClock(), read_only=True)
    assert [e["action"] for e in read_access_log(log_store)].count("photo") == 2, "each use is in the access log"
    log_store.close()


@pytest.mark.parametrize(("view", "content", "message"), [
    ("nose", None, "There is no photo view “nose”"),
    ("vertex", b"just text\n", "not a photo this app reads"),
])
def test_photo_add_refuses_an_unknown_view_or_an_unreadable_image_with_exit_1(
        tmp_path: Path, data_dir: Path, pin_typed: list[str], capsys: pytest.CaptureFixture[str],
        view: str, content: bytes | None, message: str) -> None:
    _, open_id = two_sessions(tmp_path)
    source = camera_jpeg(tmp_path / "IMG_1.jpg")
    if content is not None:
        source.write_bytes(content)
    assert photo("add", "--session", open_id, "--view", view, str(source)) == 1
    assert message in capsys.readouterr().err
    assert not (data_dir / "photos").exists() or list((data_dir / "photos").iterdir()) == []


def test_a_signed_session_needs_amend_and_a_reason_then_takes_the_photo_as_an_amendment(
        tmp_path: Path, data_dir: Path, pin_typed: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    signed, _ = two_sessions(tmp_path)
    source = camera_jpeg(tmp_path / "IMG_2.jpg")
    assert photo("add", "--session", signed, "--view", "vertex", str(source)) == 1
    assert "--amend --reason" in capsys.readouterr().err
    assert photo("add", "--session", signed, "--view", "vertex", "--amend", str(source)) == 1
    assert photo("add", "--session", signed, "--view", "vertex", "--amend", "--reason",
                 "Taken at the session, attached late", str(source)) == 0
    capsys.readouterr()
    assert photo("list", "--session", signed) == 0
    assert capsys.readouterr().out.startswith("vertex\t")
    assert cli.main(["check", "--data-dir", str(data_dir)]) == 0


def test_check_finds_a_photo_changed_or_missing_on_disk(
        tmp_path: Path, data_dir: Path, pin_typed: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    signed, open_id = two_sessions(tmp_path)
    assert photo("add", "--session", open_id, "--view", "frontal", str(camera_jpeg(tmp_path / "a.jpg"))) == 0
    assert photo("add", "--session", signed, "--view", "vertex", "--amend", "--reason", "Attached late",
                 str(camera_jpeg(tmp_path / "b.jpg", colour=(10, 200, 10)))) == 0
    assert cli.main(["check", "--data-dir", str(data_dir)]) == 0
    capsys.readouterr()
    stored = sorted(p for p in (data_dir / "photos").glob("*.jpg") if not p.name.endswith(".thumb.jpg"))
    assert len(stored) == 2
    changed = bytearray(stored[0].read_bytes())
    changed[-10] ^= 0xFF
    stored[0].write_bytes(bytes(changed))
    assert cli.main(["check", "--data-dir", str(data_dir)]) == 1
    assert f"the photo file {stored[0].name} has changed" in capsys.readouterr().out
    stored[0].unlink()
    assert cli.main(["check", "--data-dir", str(data_dir)]) == 1
    assert f"the photo file {stored[0].name} is missing" in capsys.readouterr().out


def test_a_backup_holds_the_photos_and_restore_puts_them_back(
        tmp_path: Path, data_dir: Path, pin_typed: list[str]) -> None:
    _, open_id = two_sessions(tmp_path)
    assert photo("add", "--session", open_id, "--view", "frontal", str(camera_jpeg(tmp_path / "a.jpg"))) == 0
    files = {p.name: p.read_bytes() for p in (data_dir / "photos").iterdir()}
    assert len(files) == 2
    take_backup(data_dir, FakeClock().now(), keep=5)
    for path in (data_dir / "photos").iterdir():
        path.unlink()
    restore(data_dir, backups(data_dir)[0], shipped_protocol(), FakeClock().now())
    assert {p.name: p.read_bytes() for p in (data_dir / "photos").iterdir()} == files
    assert cli.main(["check", "--data-dir", str(data_dir)]) == 0


def test_the_export_references_each_photo_and_the_deidentified_export_leaves_them_out(
        tmp_path: Path, data_dir: Path, pin_typed: list[str]) -> None:
    import json

    signed, _ = two_sessions(tmp_path)
    assert photo("add", "--session", signed, "--view", "vertex", "--amend", "--reason", "Attached late",
                 str(camera_jpeg(tmp_path / "b.jpg"))) == 0
    stored = next(p.name for p in (data_dir / "photos").iterdir() if not p.name.endswith(".thumb.jpg"))
    out = tmp_path / "out.json"
    assert cli.main(["export", "--format", "json", "-o", str(out)]) == 0
    session = json.loads(out.read_text())["sessions"][0]
    assert session["photos"] == [f"vertex:{stored}:{session['photos'][0].split(':')[2]}"]
    assert cli.main(["export", "--format", "csv", "-o", str(out)]) == 0
    assert f"vertex:{stored}:" in out.read_text()
    for fmt in ("csv", "json"):
        assert cli.main(["export", "--format", fmt, "--deidentify", "-o", str(out)]) == 0
        assert "photos" not in out.read_text() and stored not in out.read_text()


def test_the_sheet_says_the_photo_consent_and_shows_the_days_photos_and_the_course_report_pairs_them(
        qapp: Any, tmp_path: Path, data_dir: Path, pin_typed: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    import subprocess

    from microneedle_desk.core.clock import SystemClock
    from microneedle_desk.printing import jobs
    from microneedle_desk.printing.content import ClinicInfo
    from microneedle_desk.store.store import Store

    signed, _ = two_sessions(tmp_path)
    assert photo("add", "--session", signed, "--view", "vertex", "--amend", "--reason", "Attached late",
                 str(camera_jpeg(tmp_path / "b.jpg"))) == 0
    store = Store(data_dir, shipped_protocol(), SystemClock(), read_only=True)
    try:
        sheet = jobs.sheet_for(store, signed, ClinicInfo(), "test", FakeClock().now())
        patient = store.patients()[0].id
    finally:
        store.close()
    photos = next(s for s in sheet.sections if s.title == "Photos")
    assert "Consent to photos: for the clinical record only." in photos.paragraphs
    assert "Vertex (crown): taken" in photos.bullets and "Frontal hairline: not taken" in photos.bullets
    assert [caption for _, caption in photos.images] == ["Vertex (crown)"]
    assert photos.images[0][0].endswith(".thumb.jpg") and Path(photos.images[0][0]).is_file()

    pdf = tmp_path / "course.pdf"
    assert cli.main(["sheet", "--course", patient, "-o", str(pdf)]) == 0
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for words in ("Course report", "Vertex (crown)", "Only one session has this view so far", "Grade trend",
                  "Sessions", "Frontal hairline: no photo in any signed session"):
        assert words in text, words
    images = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert len(images.strip().splitlines()) >= 3, "the vertex photo is drawn in the report"
    assert cli.main(["sheet", "--course", "00000000-0000-4000-8000-00000000dead", "-o", str(pdf)]) == 1
    assert "no patient with id" in capsys.readouterr().err
