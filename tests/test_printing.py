"""Session sheets, blank sheets and handouts: read back from real PDFs with poppler's tools."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from helpers import (
    PRACTITIONER,
    amend_with_pin,
    make_demo_patient,
    pin_sink,
    run_complete_session,
    start_session,
)
from PySide6.QtCore import QSettings

from microneedle_desk import cli, paths
from microneedle_desk.core.clock import FakeClock
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.core.session import Session
from microneedle_desk.core.session_state import SessionConfig
from microneedle_desk.core.signing import fingerprint
from microneedle_desk.printing import blank, content, handout, jobs, session_sheet
from microneedle_desk.printing.content import ClinicInfo, SheetInfo
from microneedle_desk.printing.render import write_pdf
from microneedle_desk.store.store import Store

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")

CLINIC = ClinicInfo("Demo Hair Clinic", "12 Example Street\nSampletown", "+44 20 7946 0000")
LIGATURES = {"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"}


# -- reading PDFs back -----------------------------------------------------------------
def pdf_text(path: Path, page: int | None = None) -> str:
    """The PDF's text (one page if given), ligatures undone and runs of spaces collapsed."""
    pages = ["-f", str(page), "-l", str(page)] if page else []
    out = subprocess.run(["pdftotext", "-layout", *pages, str(path), "-"], check=True,
                         capture_output=True, text=True).stdout
    for lig, plain in LIGATURES.items():
        out = out.replace(lig, plain)
    return re.sub(r"[ \t]+", " ", out)


def pdf_info(path: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return {k.strip(): v.strip() for k, v in (line.split(":", 1) for line in out.splitlines() if ":" in line)}


def pdf_fonts_embedded(path: Path) -> list[bool]:
    out = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout
    return [line.split()[-5] == "yes" for line in out.splitlines()[2:] if line.strip()]


# -- fixtures ----------------------------------------------------------------------------
@pytest.fixture
def settings_dir(tmp_path: Path) -> Iterator[Path]:
    """Keep Settings() away from the real user's configuration."""
    folder = tmp_path / "settings"
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(folder))
    yield folder


@pytest.fixture
def store(data_dir: Path, protocol: Protocol, fake_clock: FakeClock) -> Iterator[Store]:
    s = Store(data_dir, protocol, fake_clock)
    yield s
    s.close()


def stored_session(store: Store, clock: FakeClock, *, sign: bool = True, patient: Any = None,
                   config: SessionConfig | None = None) -> Session:
    session = start_session(store.protocol, clock, patient, sink=pin_sink(store, name="Dr Jo Example"),
                            device=store.device, config=config)
    run_complete_session(session, clock, sign=sign)
    return session


def sheet_pdf(store: Store, session_id: str, path: Path, paper: str = "a4") -> Path:
    doc = jobs.sheet_for(store, session_id, CLINIC, "Dr Demo", store.clock.now())
    write_pdf([doc], path, paper)
    return path


# -- the session sheet -------------------------------------------------------------------
def test_session_sheet_prints_every_field_as_real_text(qapp: Any, store: Store, fake_clock: FakeClock,
                                                       tmp_path: Path) -> None:
    session = stored_session(store, fake_clock)
    s = session.state
    path = sheet_pdf(store, session.id, tmp_path / "sheet.pdf")
    text = pdf_text(path)
    doc = store.session_doc(session.id)
    assert doc is not None
    for phrase in ("Demo Hair Clinic", "12 Example Street", "Scalp microneedling — session record",
                   "Alex Demo", "02 Jan 1980", "D-1", "25 Nov 2026", "Session 1",
                   "Male-pattern androgenetic", "Norwood–Hamilton III",
                   "Eczema or psoriasis? No", "given by Alex Demo",
                   "EMLA 5%", "Planned dwell 30 min", "Actual dwell 30 min 00 s",
                   "Needle length 1.5 mm", "LOT-1", "HP-9", "Alcohol", "Confirmed",
                   "Actual time 15 min 00 s", "Pauses none", "Frontal, Vertex", "4 — Front to back, Diagonal",
                   "Pinpoint bleeding", "Fucidin", "5 % foam", "Minoxidil resumes 26 Nov 2026, 09:45",
                   "Home derma roller Not used", "Pregnant or breastfeeding? N/A",
                   "Not asked Pregnant or breastfeeding: not applicable to a male patient",
                   "None observed.", f"Next session {s.next_session.strftime('%d %b %Y') if s.next_session else ''}",
                   "Printed by Dr Demo on 25 Nov 2026", f"Record {doc['hash'][:12]}", "Page 1 of 1",
                   f"E-signature {fingerprint(doc['events'][-1]['sig'])}"):
        assert phrase in text, phrase
    assert "DRAFT" not in text
    assert pdf_info(path)["Pages"] == "1"
    assert all(pdf_fonts_embedded(path))


def test_sheet_names_the_signing_practitioner(qapp: Any, store: Store, fake_clock: FakeClock,
                                              tmp_path: Path) -> None:
    from microneedle_desk.store.accounts import AccountBook

    person = AccountBook(store).create_first_admin("Dr Jo Example", "135790")
    session = start_session(store.protocol, fake_clock, sink=AccountBook(store).pin_sink("135790"),
                            device=store.device, practitioner_id=person.id)
    run_complete_session(session, fake_clock)
    text = pdf_text(sheet_pdf(store, session.id, tmp_path / "s.pdf"))
    assert "Practitioner: Dr Jo Example" in text
    assert "Signed: 25 Nov 2026, 09:45" in text


def test_session_number_counts_only_the_patients_earlier_signed_sessions(store: Store, fake_clock: FakeClock,
                                                                        protocol: Protocol) -> None:
    patient = make_demo_patient(protocol, fake_clock)
    other = make_demo_patient(protocol, fake_clock, name="Sam Sample", clinic_id="D-2")
    first = stored_session(store, fake_clock, patient=patient)
    stored_session(store, fake_clock, patient=other)
    abandoned = start_session(protocol, fake_clock, patient, sink=pin_sink(store), device=store.device)
    abandoned.abandon("Patient felt unwell")
    fake_clock.advance(86400 * 14)
    third = stored_session(store, fake_clock, patient=patient)
    assert jobs.session_number(store, first.state) == 1
    assert jobs.session_number(store, third.state) == 2


def test_unsigned_session_prints_as_a_draft(qapp: Any, store: Store, fake_clock: FakeClock,
                                           tmp_path: Path) -> None:
    session = stored_session(store, fake_clock, sign=False)
    text = pdf_text(sheet_pdf(store, session.id, tmp_path / "draft.pdf"))
    assert "DRAFT — not signed" in text  # in the header; the diagonal mark pdftotext leaves out
    assert "Signed: not signed" in text
    assert "Record" not in text  # no hash before the record is filed


@pytest.mark.parametrize(("paper", "points", "name"), [("a4", (595.3, 841.9), "A4"), ("letter", (612, 792), "letter")])
def test_paper_size_follows_the_choice(qapp: Any, store: Store, fake_clock: FakeClock, tmp_path: Path,
                                       paper: str, points: tuple[float, float], name: str) -> None:
    session = stored_session(store, fake_clock)
    info = pdf_info(sheet_pdf(store, session.id, tmp_path / f"{paper}.pdf", paper))
    width, height, label = re.fullmatch(r"([\d.]+) x ([\d.]+) pts \((\w+)\)", info["Page size"]).groups()  # type: ignore[union-attr]
    assert abs(float(width) - points[0]) < 1 and abs(float(height) - points[1]) < 1
    assert label == name
    assert info["Pages"] == "1"


def test_long_session_flows_onto_page_two_with_the_header_repeated(qapp: Any, protocol: Protocol,
                                                                   fake_clock: FakeClock, tmp_path: Path) -> None:
    session = start_session(protocol, fake_clock)
    run_complete_session(session, fake_clock, sign=False)
    kinds = protocol.ids("side_effects")
    for i in range(24):
        session.add_side_effect(kinds[i % len(kinds)], "mild", f"Observation number {i:02d} noted at the vertex")
    session.sign()
    amendments = tuple({"field": "cartridge_lot", "old": f"LOT-{i}", "new": f"LOT-{i + 1}",
                        "reason": f"Transcription error number {i:02d}", "by": "Dr Demo",
                        "at": "2026-11-26T10:00:00+01:00"} for i in range(12))
    info = SheetInfo(2, "f" * 64, amendments, "Dr Demo", fake_clock.now())
    doc = session_sheet.session_sheet(session.state, protocol, CLINIC, info)
    path = tmp_path / "long.pdf"
    assert write_pdf([doc], path) == 2
    assert pdf_info(path)["Pages"] == "2"
    one, two = pdf_text(path, 1), pdf_text(path, 2)
    for page, number in ((one, 1), (two, 2)):
        assert "Scalp microneedling — session record" in page
        assert "Alex Demo" in page and "Session 2" in page
        assert f"Page {number} of 2" in page
        assert "Record ffffffffffff" in page
    whole = one + two
    for i in range(24):  # every row printed once: nothing lost or doubled at the break
        assert whole.count(f"Observation number {i:02d}") == 1
    for i in range(12):
        assert whole.count(f"Transcription error number {i:02d}") == 1
    assert "Amendments after signing" in two


def test_store_amendments_are_listed_with_who_when_what_and_why(qapp: Any, store: Store, fake_clock: FakeClock,
                                                                tmp_path: Path) -> None:
    session = stored_session(store, fake_clock)
    fake_clock.advance(3600)
    amend_with_pin(store, session.id, "cartridge_lot", "LOT-2", "Lot misread from the box")
    text = pdf_text(sheet_pdf(store, session.id, tmp_path / "amended.pdf"))
    for phrase in ("Amendments after signing", "25 Nov 2026, 10:45", "Dr Jo Example", "Cartridge lot",
                   "LOT-1", "LOT-2", "Lot misread from the box"):
        assert phrase in text, phrase


def test_amendments_come_from_the_store_when_it_keeps_them(qapp: Any, store: Store, fake_clock: FakeClock,
                                                           tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    session = stored_session(store, fake_clock)
    entry = {"field": "needle_mm", "old": "1.5", "new": "1.2", "reason": "Wrong cartridge noted",
             "by": "Dr Demo", "at": "2026-11-26T08:30:00+01:00"}
    monkeypatch.setattr(store, "amendments", lambda sid: [entry] if sid == session.id else [], raising=False)
    text = pdf_text(sheet_pdf(store, session.id, tmp_path / "amended.pdf"))
    assert "Amendments after signing" in text
    for phrase in ("26 Nov 2026, 08:30", "Needle length (mm)", "Wrong cartridge noted"):
        assert phrase in text


def test_sheet_without_amendments_has_no_amendment_section(store: Store, fake_clock: FakeClock) -> None:
    session = stored_session(store, fake_clock)
    doc = jobs.sheet_for(store, session.id, CLINIC, "", fake_clock.now())
    assert "Amendments" not in doc.text()


def test_logo_from_settings_appears_in_the_header(qapp: Any, store: Store, fake_clock: FakeClock,
                                                  tmp_path: Path) -> None:
    from PySide6.QtGui import QColor, QImage

    logo = tmp_path / "logo.png"
    image = QImage(200, 100, QImage.Format.Format_RGB32)
    image.fill(QColor("#1f3a5f"))
    assert image.save(str(logo))
    session = stored_session(store, fake_clock)
    clinic = ClinicInfo(CLINIC.name, CLINIC.address, CLINIC.phone, str(logo))
    doc = jobs.sheet_for(store, session.id, clinic, "", fake_clock.now())
    path = tmp_path / "logo.pdf"
    write_pdf([doc], path)
    images = subprocess.run(["pdfimages", "-list", str(path)], check=True, capture_output=True, text=True).stdout
    assert len(images.strip().splitlines()) >= 3  # two heading lines, then at least one image


# -- blank sheet and handout ---------------------------------------------------------------
def test_blank_sheet_has_boxes_to_fill_in(qapp: Any, protocol: Protocol, tmp_path: Path) -> None:
    path = tmp_path / "blank.pdf"
    pages = write_pdf([blank.blank_sheet(protocol, CLINIC)], path, "letter")
    text = pdf_text(path)
    for item in protocol.contraindications:
        assert item.question.split()[0] in text
    assert text.count("☐ Yes ☐ No") == len(protocol.contraindications)
    assert "mm (0.5–1.5 mm)" in text
    for label in ("☐ New, sealed cartridge", "☐ Alcohol", "☐ Frontal", "☐ Pinpoint bleeding", "☐ None observed",
                  "☐ Minoxidil"):
        assert label in text
    assert "DRAFT" not in text
    assert pages == 2
    for page in (1, 2):
        assert "Scalp microneedling — session record (paper)" in pdf_text(path, page)
        assert f"Page {page} of 2" in pdf_text(path, page)


def test_handout_gives_the_real_minoxidil_time_and_the_warning_signs(qapp: Any, store: Store,
                                                                     fake_clock: FakeClock, tmp_path: Path) -> None:
    session = stored_session(store, fake_clock, config=SessionConfig(minoxidil_hours=48))
    resume = session.state.minoxidil_resume_at()
    assert resume is not None
    path = tmp_path / "handout.pdf"
    write_pdf([jobs.handout_for(store, session.id, CLINIC, fake_clock.now())], path)
    text = pdf_text(path)
    assert pdf_info(path)["Pages"] == "1"
    assert f"{resume.strftime('%A')} {resume.day} {resume.strftime('%B %Y')} at {resume.strftime('%H:%M')}" in text
    assert "Friday 27 November 2026 at 09:45" in text  # needling ended 09:45 on the 25th, +48 h
    for phrase in ("makeup", "direct sun", "retinol", "glycolic", "about two weeks",
                   "Wednesday 9 December 2026",  # two weeks after the session, and the next appointment
                   "Redness that spreads", "Pus", "fever", "lymph nodes", "lumps",
                   "Call +44 20 7946 0000", "Alex Demo"):
        assert phrase in text, phrase


def test_handout_without_a_session_leaves_the_dates_to_write_in(protocol: Protocol) -> None:
    doc = handout.handout(None, CLINIC, protocol=protocol)
    assert "____" in doc.text()
    assert doc.patient == [("For", ""), ("Treated on", "")]


# -- the command line ----------------------------------------------------------------------
def run_cli(*args: str) -> int:
    return cli.main(["sheet", *args])


def test_cli_writes_a_session_sheet(qapp: Any, store: Store, fake_clock: FakeClock, data_dir: Path,
                                    settings_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    session = stored_session(store, fake_clock)
    out = tmp_path / "cli.pdf"
    assert run_cli("--data-dir", str(data_dir), "--session", session.id, "-o", str(out)) == 0
    text = pdf_text(out)
    assert "Alex Demo" in text and "Session 1" in text
    assert "(A4)" in pdf_info(out)["Page size"]
    assert "Alex" not in capsys.readouterr().out  # no patient data on the console


def test_cli_paper_defaults_to_the_clinic_setting(qapp: Any, store: Store, fake_clock: FakeClock, data_dir: Path,
                                                  settings_dir: Path, protocol: Protocol, tmp_path: Path) -> None:
    from microneedle_desk.settings import Settings

    Settings(protocol, paths.settings_file(data_dir)).set("clinic/paper", "letter")
    session = stored_session(store, fake_clock)
    out = tmp_path / "letter.pdf"
    assert run_cli("--data-dir", str(data_dir), "--session", session.id, "-o", str(out)) == 0
    assert "(letter)" in pdf_info(out)["Page size"]
    out_a4 = tmp_path / "a4.pdf"
    assert run_cli("--data-dir", str(data_dir), "--session", session.id, "--paper", "a4", "-o", str(out_a4)) == 0
    assert "(A4)" in pdf_info(out_a4)["Page size"]


def test_cli_prints_all_sessions_of_a_day_in_one_pdf(qapp: Any, store: Store, fake_clock: FakeClock,
                                                     protocol: Protocol, data_dir: Path, settings_dir: Path,
                                                     tmp_path: Path) -> None:
    stored_session(store, fake_clock)
    stored_session(store, fake_clock, patient=make_demo_patient(protocol, fake_clock, name="Sam Sample",
                                                                clinic_id="D-2"))
    fake_clock.advance(86400)
    stored_session(store, fake_clock, patient=make_demo_patient(protocol, fake_clock, name="Next Day",
                                                                clinic_id="D-3"))
    out = tmp_path / "day.pdf"
    assert run_cli("--data-dir", str(data_dir), "--day", "2026-11-25", "-o", str(out)) == 0
    text = pdf_text(out)
    assert pdf_info(out)["Pages"] == "2"
    assert text.count("Page 1 of 1") == 2
    assert "Alex Demo" in text and "Sam Sample" in text and "Next Day" not in text


def test_cli_handout_and_blank(qapp: Any, store: Store, fake_clock: FakeClock, data_dir: Path,
                               settings_dir: Path, tmp_path: Path) -> None:
    session = stored_session(store, fake_clock)
    handout = tmp_path / "handout.pdf"
    assert run_cli("--data-dir", str(data_dir), "--session", session.id, "--handout", "-o", str(handout)) == 0
    assert content.HANDOUT_TITLE.split()[0] in pdf_text(handout)
    blank = tmp_path / "blank.pdf"
    assert run_cli("--data-dir", str(data_dir), "--blank", "--paper", "letter", "-o", str(blank)) == 0
    assert "☐ Yes ☐ No" in pdf_text(blank)


@pytest.mark.parametrize(("args", "code", "message"), [
    (["--session", "00000000-0000-4000-8000-00000000dead"], 1, "no session with id"),
    (["--day", "2026-13-40"], 2, "is not a date"),
    (["--day", "2026-01-01"], 1, "no session was started on 2026-01-01"),
    (["--blank", "--handout"], 2, "cannot be combined"),
    ([], 2, "say what to print"),
])
def test_cli_refuses_clearly(qapp: Any, store: Store, fake_clock: FakeClock, data_dir: Path, settings_dir: Path,
                             tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], code: int,
                             message: str) -> None:
    stored_session(store, fake_clock)
    out = tmp_path / "never.pdf"
    assert run_cli("--data-dir", str(data_dir), *args, "-o", str(out)) == code
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_cli_reports_a_missing_output_folder(qapp: Any, store: Store, fake_clock: FakeClock, data_dir: Path,
                                             settings_dir: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    session = stored_session(store, fake_clock)
    assert run_cli("--data-dir", str(data_dir), "--session", session.id, "-o",
                   str(tmp_path / "nowhere" / "x.pdf")) == 1
    assert "could not be written" in capsys.readouterr().err


# -- the app's File menu -------------------------------------------------------------------
@pytest.fixture
def window(qtbot: Any, data_dir: Path, settings_dir: Path, protocol: Protocol, fake_clock: FakeClock) -> Iterator[Any]:
    from microneedle_desk.app import build_window

    seed = Store(data_dir, protocol, fake_clock)
    stored_session(seed, fake_clock)
    seed.close()
    win, lock = build_window(fake_clock, interactive=False)
    qtbot.addWidget(win)
    win.security.set_current(win.security.book.account(PRACTITIONER))  # who signed the session prints it
    yield win
    lock.release()


def test_window_offers_preview_print_and_pdf_for_each_printout(window: Any) -> None:
    actions = window.print_actions.actions
    for what in ("sheet", "handout", "day", "blank"):
        for op in ("preview", "print", "pdf"):
            assert (what, op) in actions
    assert actions[("sheet", "print")].shortcut().toString() == "Ctrl+P"


def test_save_as_pdf_writes_the_last_session(window: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "saved"
    monkeypatch.setattr(window.print_actions, "ask_pdf_path", lambda suggested, title="": str(target))
    window.print_actions.actions[("sheet", "pdf")].trigger()
    text = pdf_text(tmp_path / "saved.pdf")
    assert "Alex Demo" in text and "Page 1 of 1" in text


def test_print_preview_paints_through_the_same_renderer(window: Any, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog

    out = tmp_path / "preview.pdf"

    def fake_exec(dialog: QPrintPreviewDialog) -> int:
        printer = dialog.printer()
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(out))
        dialog.paintRequested.emit(printer)
        return 0

    monkeypatch.setattr(QPrintPreviewDialog, "exec", fake_exec)
    monkeypatch.setattr(window.print_actions, "ask_day", lambda: window.ctx.clock.now().date())
    window.print_actions.actions[("day", "preview")].trigger()
    text = pdf_text(out)
    assert "Alex Demo" in text
    assert "(A4)" in pdf_info(out)["Page size"]


def test_day_with_no_sessions_is_reported_not_printed(window: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    warnings: list[str] = []
    monkeypatch.setattr(window.print_actions, "warn", warnings.append)
    monkeypatch.setattr(window.print_actions, "ask_day", lambda: window.ctx.clock.now().date() - timedelta(days=3))
    window.print_actions.actions[("day", "pdf")].trigger()
    assert warnings == ["No session was started on 2026-11-22."]


def _session_with(store: Store, clock: FakeClock, change: Any) -> Session:
    """A signed session during which ``change(clock)`` happens once, at the first wait."""
    from microneedle_desk.core import script

    session = start_session(store.protocol, clock, sink=pin_sink(store, name="Dr Jo Example"), device=store.device)
    done: list[bool] = []

    def advance(seconds: float) -> None:
        clock.advance(seconds)
        if not done:
            done.append(True)
            change(clock)

    script.run_complete_session(session, advance)
    return session


def test_a_clock_set_back_during_a_session_is_said_on_the_sheet(qapp: Any, store: Store, fake_clock: FakeClock,
                                                                 tmp_path: Path) -> None:
    session = _session_with(store, fake_clock, lambda clock: clock.jump_wall(-3600))
    text = pdf_text(sheet_pdf(store, session.id, tmp_path / "s.pdf"))
    # 30 min of dwell passed, then the clock went back an hour: the entries are 30 min apart backwards
    assert "clock went back by 30 min" in text, text
    assert "UTC" not in text.split("Clock")[0], "one offset: times are printed without it"


def test_a_session_across_two_utc_offsets_prints_each_time_with_its_offset(
        qapp: Any, store: Store, fake_clock: FakeClock, tmp_path: Path) -> None:
    session = _session_with(store, fake_clock, lambda clock: clock.set_utc_offset(2))
    text = pdf_text(sheet_pdf(store, session.id, tmp_path / "s.pdf"))
    assert "more than one UTC offset" in text and "+02:00" in text
    assert "(UTC+02:00)" in text and "(UTC+0" in text.replace("(UTC+02:00)", "", 1)
