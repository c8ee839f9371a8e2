"""Bad paths, permissions and special files get one sentence and the documented exit code,
never a traceback; ``check`` writes nothing; files written never replace a device, a pipe
or a link; the launcher and the app stop cleanly on SIGTERM."""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from microneedle_desk import cli, paths
from microneedle_desk.core.clock import FakeClock
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.store import backup
from microneedle_desk.store.store import Store

ROOT = Path(__file__).resolve().parent.parent
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
OTHER_UID = 65534  # "nobody": as root, a permission is tested as another user (root passes every mode)
posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX permissions, pipes and signals")


def _store(root: Path, protocol: Protocol) -> Path:
    Store(root, protocol, FakeClock()).close()
    return root


def _one_sentence(err: str) -> str:
    """The refusal: one line, no traceback."""
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    return lines[0]


# -- --data-dir that cannot be a data folder ------------------------------------------------
def test_data_dir_that_is_a_file_is_named_as_a_file_with_each_command_s_code(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a_file = tmp_path / "notes.txt"
    a_file.write_text("not a folder")
    for command, code in ((["check"], 2), (["export", "--format", "csv", "-o", str(tmp_path / "x.csv")], 1),
                          (["backup"], 2), (["demo-data", "--sessions", "2"], 2)):
        assert cli.main(["--data-dir", str(a_file), *command]) == code, command
        line = _one_sentence(capsys.readouterr().err)
        assert "is a file, not a folder" in line
    assert a_file.read_text() == "not a folder"


def test_data_dir_inside_a_file_is_refused_before_anything_is_made(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a_file = tmp_path / "notes.txt"
    a_file.write_text("x")
    assert cli.main(["--data-dir", str(a_file / "data"), "demo-data", "--sessions", "2"]) == 2
    line = _one_sentence(capsys.readouterr().err)
    assert f"{a_file} is a file, not a folder" in line
    assert cli.main(["--data-dir", str(a_file / "data"), "sheet", "--blank", "-o", str(tmp_path / "b.pdf")]) == 1
    assert "is a file, not a folder" in _one_sentence(capsys.readouterr().err)
    assert not (tmp_path / "b.pdf").exists()


def test_data_dir_with_a_300_character_name_is_a_usage_mistake(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    long_name = tmp_path / ("x" * 300)
    for command in (["check"], ["demo-data", "--sessions", "2"], ["sheet", "--blank", "-o", str(tmp_path / "b.pdf")]):
        assert cli.main(["--data-dir", str(long_name), *command]) == 2, command
        assert "255 per name" in _one_sentence(capsys.readouterr().err)


@posix_only
def test_data_dir_with_a_non_utf8_name_is_refused_and_nothing_is_made(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    raw = os.fsencode(tmp_path) + b"/data-\xff\xfe"
    name = os.fsdecode(raw)
    assert cli.main(["--data-dir", name, "demo-data", "--sessions", "2"]) == 2
    assert "not valid UTF-8" in _one_sentence(capsys.readouterr().err)
    assert cli.main(["--data-dir", name, "check"]) == 2
    assert "not valid UTF-8" in _one_sentence(capsys.readouterr().err)
    assert not os.path.exists(raw)


def test_empty_data_dir_is_refused_and_the_usual_folder_is_left_alone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    usual = tmp_path / "usual"
    monkeypatch.setenv(paths.DATA_DIR_ENV, str(usual))
    assert cli.main(["--data-dir", "", "demo-data", "--sessions", "2"]) == 2
    assert "empty name" in _one_sentence(capsys.readouterr().err)
    assert cli.main(["check", "--data-dir="]) == 2
    assert "empty name" in _one_sentence(capsys.readouterr().err)
    assert cli.main(["--data-dir", ""]) == 2  # the app too
    assert "empty name" in _one_sentence(capsys.readouterr().err)
    assert not usual.exists()


# -- another user's folder, a read-only one, a zip that cannot be read ----------------------
@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A folder that another user can walk into (pytest's own is its owner's only)."""
    folder = Path(tempfile.mkdtemp(prefix="microneedle-desk-words-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        for path in (folder, *folder.rglob("*")):
            if not path.is_symlink():
                path.chmod(0o700 if path.is_dir() else 0o600)
        shutil.rmtree(folder, ignore_errors=True)


def _as_other_user(args: list[str], shared: Path, code: str | None = None) -> subprocess.CompletedProcess[str]:
    """``microneedle-desk ARGS`` (or ``python -c CODE ARGS``) as a user the folder's modes apply
    to: "nobody" when the tests run as root, else this user."""
    runtime = shared / "runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen", "HOME": str(shared),
           "XDG_RUNTIME_DIR": str(runtime)}
    extra: dict[str, int] = {}
    if IS_ROOT:
        os.chown(runtime, OTHER_UID, OTHER_UID)
        extra = {"user": OTHER_UID, "group": OTHER_UID, "extra_groups": []}
    command = [sys.executable, "-c", code, *args] if code else [sys.executable, "-m", "microneedle_desk", *args]
    return subprocess.run(command, check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
                          **extra)  # type: ignore[call-overload]


def _give_away(path: Path) -> None:
    """Make ``path`` (and all below) the other user's, as they would have made it."""
    if IS_ROOT:
        for item in (path, *path.rglob("*")):
            os.chown(item, OTHER_UID, OTHER_UID)


@posix_only
def test_check_of_another_user_s_folder_says_it_cannot_be_read_and_exits_2(
        shared_tmp: Path, protocol: Protocol) -> None:
    root = _store(shared_tmp / "data", protocol)  # this user's, 0700
    if not IS_ROOT:
        root.chmod(0)
    result = _as_other_user(["--data-dir", str(root), "check"], shared_tmp)
    assert result.returncode == 2, result.stderr
    line = _one_sentence(result.stderr)
    assert "cannot be read by user" in line and "PermissionError" not in line


def _read_only_store(shared_tmp: Path, protocol: Protocol) -> Path:
    root = _store(shared_tmp / "data", protocol)
    if IS_ROOT:  # root's folder, readable by others: read-only for "nobody"
        for item in (root, *root.rglob("*")):
            item.chmod(0o755 if item.is_dir() else 0o644)
    else:
        root.chmod(0o555)
    return root


@posix_only
def test_a_read_only_data_folder_is_called_read_only_not_open_in_another_copy(
        shared_tmp: Path, protocol: Protocol) -> None:
    root = _read_only_store(shared_tmp, protocol)
    mode = root.stat().st_mode
    before = sorted(p.name for p in root.iterdir())
    result = _as_other_user(["--data-dir", str(root), "backup"], shared_tmp)
    assert result.returncode == 1, result.stderr
    line = _one_sentence(result.stderr)
    assert "is read-only for user" in line and "another copy" not in line
    assert root.stat().st_mode == mode, "a read-only folder's mode is never changed to make it writable"
    assert sorted(p.name for p in root.iterdir()) == before
    # what the app asks when it opens such a folder
    code = textwrap.dedent("""
        import sys
        from PySide6.QtWidgets import QApplication, QMessageBox
        app = QApplication([])
        def answer(parent, title, text):
            print(title)
            print(text)
            return QMessageBox.StandardButton.No
        QMessageBox.question = answer
        from microneedle_desk import paths
        paths.set_data_dir(sys.argv[1])
        from microneedle_desk.app import build_window
        try:
            build_window()
        except SystemExit as exc:
            print("exit", exc.code)
    """)
    app = _as_other_user([str(root)], shared_tmp, code=code)
    assert "Traceback" not in app.stderr, app.stderr
    assert "Data folder is read-only" in app.stdout and "is read-only for user" in app.stdout
    assert "another copy" not in app.stdout and "exit 1" in app.stdout


@posix_only
def test_a_backup_zip_the_user_cannot_read_is_named_with_exit_2(shared_tmp: Path, protocol: Protocol) -> None:
    root = _store(shared_tmp / "data", protocol)
    assert cli.main(["--data-dir", str(root), "backup"]) == 0
    [zip_file] = backup.backups(root)
    secret = shared_tmp / zip_file.name
    shutil.copy(zip_file, secret)
    secret.chmod(0o600 if IS_ROOT else 0)  # root's own zip: "nobody" cannot read it
    _give_away(root)
    result = _as_other_user(["--data-dir", str(root), "restore", str(secret)], shared_tmp)
    assert result.returncode == 2, result.stderr
    line = _one_sentence(result.stderr)
    assert f"{secret} cannot be read by user" in line


def test_a_backups_entry_that_is_a_file_is_named_and_left_as_it_is(
        tmp_path: Path, protocol: Protocol, capsys: pytest.CaptureFixture[str]) -> None:
    root = _store(tmp_path / "data", protocol)
    paths.backups_dir(root).write_text("someone's notes")
    assert cli.main(["--data-dir", str(root), "backup"]) == 2, "2: the backup cannot be written"
    line = _one_sentence(capsys.readouterr().err)
    assert "backups is a file" in line and "move or rename" in line
    assert paths.backups_dir(root).read_text() == "someone's notes"


# -- check only looks ---------------------------------------------------------------------
def _everything(root: Path) -> dict[str, tuple[bytes, int, int]]:
    return {p.relative_to(root).as_posix(): (p.read_bytes() if p.is_file() else b"", p.stat().st_mtime_ns,
                                             p.stat().st_mode) for p in root.rglob("*")}


def test_check_changes_nothing_on_disk_not_even_an_access_record(
        tmp_path: Path, protocol: Protocol, capsys: pytest.CaptureFixture[str]) -> None:
    root = _store(tmp_path / "data", protocol)
    assert cli.main(["--data-dir", str(root), "backup"]) == 0  # an access log to leave alone
    before = _everything(root)
    root_mtime = root.stat().st_mtime_ns
    assert cli.main(["--data-dir", str(root), "check"]) == 0
    assert "All well" in capsys.readouterr().out
    assert _everything(root) == before
    assert root.stat().st_mtime_ns == root_mtime


# -- files written never replace a device, a pipe or a link ---------------------------------
@pytest.fixture
def fifo_and_link(tmp_path: Path) -> tuple[Path, Path, Path]:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    target = tmp_path / "elsewhere.txt"
    target.write_text("kept")
    link = tmp_path / "link"
    link.symlink_to(target)
    return fifo, link, target


@posix_only
def test_export_never_replaces_a_pipe_or_a_link(tmp_path: Path, protocol: Protocol,
                                                fifo_and_link: tuple[Path, Path, Path],
                                                capsys: pytest.CaptureFixture[str]) -> None:
    fifo, link, target = fifo_and_link
    root = _store(tmp_path / "data", protocol)
    for out, kind in ((fifo, "a named pipe"), (link, "a symbolic link")):
        assert cli.main(["--data-dir", str(root), "export", "--format", "csv", "-o", str(out)]) == 1
        assert f"{out} is {kind}" in _one_sentence(capsys.readouterr().err)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert link.is_symlink() and target.read_text() == "kept"


@posix_only
def test_the_export_file_writer_refuses_a_pipe_for_every_caller(fifo_and_link: tuple[Path, Path, Path]) -> None:
    from microneedle_desk.review.export import write_private

    fifo, link, _target = fifo_and_link
    for out in (fifo, link):
        with pytest.raises(OSError, match="would be replaced by a plain file"):
            write_private(out, "a,b\n")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and link.is_symlink()


def _sheet(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, "-m", "microneedle_desk", *args], check=False, cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60, **kwargs)  # type: ignore[call-overload]


@posix_only
def test_sheet_never_writes_into_a_pipe_or_through_a_link(tmp_path: Path, protocol: Protocol,
                                                         fifo_and_link: tuple[Path, Path, Path]) -> None:
    fifo, link, target = fifo_and_link
    root = _store(tmp_path / "data", protocol)
    for out, kind in ((fifo, "a named pipe"), (link, "a symbolic link")):
        result = _sheet(["--data-dir", str(root), "sheet", "--blank", "-o", str(out)])
        assert result.returncode == 1, result.stderr
        assert f"{out} is {kind}" in _one_sentence(result.stderr)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert link.is_symlink() and target.read_text() == "kept"


@posix_only
def test_sheet_reports_a_write_that_failed_and_leaves_no_part_file(tmp_path: Path, protocol: Protocol) -> None:
    import resource

    root = _store(tmp_path / "data", protocol)
    out = tmp_path / "out" / "blank.pdf"
    out.parent.mkdir()

    def small_disk() -> None:  # every file this process writes stops at 3,000 bytes, as on a full disk
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (3000, 3000))

    result = _sheet(["--data-dir", str(root), "sheet", "--blank", "-o", str(out)], preexec_fn=small_disk)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Wrote" not in result.stdout
    assert "could not be written completely" in result.stderr and "Traceback" not in result.stderr
    assert list(out.parent.iterdir()) == []


@posix_only
def test_pdfs_are_written_readable_by_their_owner_only(tmp_path: Path, protocol: Protocol) -> None:
    root = _store(tmp_path / "data", protocol)
    earlier = tmp_path / "earlier.pdf"
    earlier.write_bytes(b"an older print")
    earlier.chmod(0o644)
    result = _sheet(["--data-dir", str(root), "sheet", "--blank", "-o", str(earlier)])
    assert result.returncode == 0, result.stderr
    assert earlier.read_bytes().startswith(b"%PDF") and stat.S_IMODE(earlier.stat().st_mode) == 0o600
    # the app's own "Save as PDF" goes through the same writer, whatever the umask
    from microneedle_desk.printing import blank
    from microneedle_desk.printing.content import ClinicInfo
    from microneedle_desk.printing.render import ensure_app, write_pdf

    ensure_app()
    doc = blank.blank_sheet(protocol, ClinicInfo(), "test", FakeClock().now())
    old = os.umask(0o022)
    try:
        assert write_pdf([doc], tmp_path / "new.pdf") >= 1
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.pdf").stat().st_mode) == 0o600


# -- a store from a newer app ---------------------------------------------------------------
def test_schema_too_new_message_never_names_the_running_version(
        tmp_path: Path, protocol: Protocol, capsys: pytest.CaptureFixture[str]) -> None:
    from microneedle_desk import __version__
    from microneedle_desk.core.records import SCHEMA_VERSION
    from microneedle_desk.store.store import NewerSchemaError

    root = _store(tmp_path / "data", protocol)
    meta_path = paths.meta_file(root)
    meta = json.loads(meta_path.read_text())
    [record] = meta["meta"].values()
    record["schema"] = SCHEMA_VERSION + 1  # the store was upgraded by a newer app; app_version still ours
    meta_path.write_text(json.dumps(meta))
    assert cli.main(["--data-dir", str(root), "check"]) == 1
    out = capsys.readouterr().out
    assert f"Install microneedle-desk {__version__} or later" not in out
    assert f"newer than {__version__}" in out and f"reads schema {SCHEMA_VERSION + 1}" in out
    with pytest.raises(NewerSchemaError, match=f"newer than {__version__}"):
        Store(root, protocol, FakeClock(), read_only=True)
    record["app_version"] = "9.4.0"  # a newer app says who wrote it: that version is named
    meta_path.write_text(json.dumps(meta))
    assert cli.main(["--data-dir", str(root), "check"]) == 1
    assert "Install microneedle-desk 9.4.0 or later" in capsys.readouterr().out


# -- SIGTERM: the launcher becomes the app; the app saves and lets go of the lock -----------
@posix_only
def test_the_launcher_becomes_the_app_so_sigterm_reaches_it(tmp_path: Path) -> None:
    app = tmp_path / "fake-app"
    app.write_text(f"#!{sys.executable}\nimport os, sys, time\n"
                   "print(os.getpid(), flush=True)\ntime.sleep(60)\n")
    app.chmod(0o755)
    code = ("import sys; sys.path.insert(0, 'tools'); import bootstrap;"
            "bootstrap.setup = lambda *a, **k: None;"
            f"bootstrap.venv_script = lambda name: {str(app)!r};"
            "sys.exit(bootstrap.main(['run']))")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    launcher = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True)
    try:
        assert launcher.stdout is not None
        app_pid = int(launcher.stdout.readline())
        assert app_pid == launcher.pid, "the app runs in the launcher's own process"
        launcher.send_signal(signal.SIGTERM)
        assert launcher.wait(timeout=10) == -signal.SIGTERM
    finally:
        if launcher.poll() is None:
            launcher.kill()
            launcher.wait()
        if launcher.stdout is not None:
            launcher.stdout.close()


@posix_only
def test_the_app_on_sigterm_closes_and_releases_its_lock(tmp_path: Path) -> None:
    root = tmp_path / "data"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    app = subprocess.Popen([sys.executable, "-m", "microneedle_desk", "--data-dir", str(root)], cwd=ROOT, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not paths.lock_file(root).exists() or not paths.settings_file(root).exists():
            assert app.poll() is None and time.monotonic() < deadline, "the app did not start"
            time.sleep(0.05)
        time.sleep(1.0)  # the window and the first-start screen are up, Qt's loop is waiting
        app.send_signal(signal.SIGTERM)
        code = app.wait(timeout=20)
        assert code in (0, 1), f"ended by the signal ({code}), not by closing"
        assert not paths.lock_file(root).exists(), "the lock is released"
        assert app.stderr is not None and "Traceback" not in app.stderr.read()
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
        if app.stderr is not None:
            app.stderr.close()
