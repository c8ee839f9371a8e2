#!/usr/bin/env python3
"""Set up what is missing, then launch the app or run every check.

    python3 tools/bootstrap.py run  [APP ARGS...]     # the app (``microneedle-desk``)
    python3 tools/bootstrap.py test [PYTEST ARGS...]  # ruff check ., mypy, lint-imports, pytest

Other commands: ``setup`` (install only), ``lint`` (ruff, mypy and lint-imports only), ``pytest``
(pytest only), ``bench`` (``bench/run.py``).

Needs only Python 3.11+ and this repository. It:

1. on Debian/Ubuntu, checks with ``dpkg-query`` for the system libraries Qt needs (and,
   for the checks, poppler-utils, Xvfb, desktop-file-utils, appstream, strace, age, postgresql); as root it
   installs the missing ones with ``apt-get``, otherwise it prints the exact ``sudo``
   command and stops;
2. creates ``.venv`` in the repository if it is missing or broken;
3. runs ``pip install -e .[test]`` into it, only when ``pyproject.toml`` (or the Python)
   changed since the last successful install; a stamp in ``.venv`` records that.

Standard library only: it runs before anything is installed.
Set ``MICRONEEDLE_DESK_SKIP_SYSTEM_PACKAGES=1`` to skip step 1. pytest is stopped after
``MICRONEEDLE_DESK_PYTEST_TIMEOUT`` seconds (default 1800, 0 for none), printing where it hung.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import venv
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

MIN_PYTHON = (3, 11)
ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
STAMP = VENV / ".bootstrap-stamp.json"
# Outside .venv, which a set-up may delete and recreate while holding the lock.
_ROOT_ID = hashlib.sha256(os.fsencode(ROOT)).hexdigest()[:16]
LOCK = Path(tempfile.gettempdir()) / f"microneedle-desk-bootstrap-{_ROOT_ID}.lock"
SKIP_SYSTEM_ENV = "MICRONEEDLE_DESK_SKIP_SYSTEM_PACKAGES"
TIMEOUT_ENV = "MICRONEEDLE_DESK_PYTEST_TIMEOUT"
DEFAULT_PYTEST_TIMEOUT = 30 * 60.0  # a hung test (say, a modal dialog offscreen) fails CI in time to say where
PREFIX = "bootstrap:"

# Debian 12 names. What PySide6 (QtCore/QtGui/QtWidgets, the offscreen, xcb and wayland
# platform plugins) loads, and a real font so that text and PDFs render.
QT_PACKAGES: tuple[str, ...] = (
    "libglib2.0-0", "libgl1", "libegl1", "libx11-6", "libdbus-1-3", "libfontconfig1",
    "libfreetype6", "libxkbcommon0", "libxkbcommon-x11-0", "libxcb-cursor0", "libxcb-icccm4",
    "libxcb-image0", "libxcb-keysyms1", "libxcb-randr0", "libxcb-render-util0", "libxcb-shape0",
    "libxcb-xinerama0", "libxcb-xkb1", "libwayland-cursor0", "libwayland-egl1",
    "libcups2",  # the CUPS print plugin: without it Qt lists no printer, only PDF
    "fontconfig", "fonts-dejavu-core",
)
# What the checks use on top: PDF to text/PNG, a virtual X server, desktop-entry and
# AppStream validators.
TEST_ONLY_PACKAGES: tuple[str, ...] = (
    "poppler-utils", "xvfb", "xauth", "desktop-file-utils", "appstream",
    "strace",  # kills a child at its Nth file operation: restore must survive any of them
    "age",  # an admin's tool: the encrypted backups must open with it, not only with the app
    # the clinic server's tests start a throwaway cluster of their own (initdb, pg_ctl)
    "postgresql",
)
RUN_PACKAGES = QT_PACKAGES
TEST_PACKAGES = QT_PACKAGES + TEST_ONLY_PACKAGES

# The app's own options that take a value (see microneedle_desk/cli.py).
APP_VALUE_OPTIONS = frozenset({"--data-dir", "--screenshot"})


class BootstrapError(Exception):
    """A problem the user must fix; the message says how. Carries the exit code."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def say(message: str) -> None:
    print(f"{PREFIX} {message}", file=sys.stderr, flush=True)


def show_command(cmd: Sequence[str | os.PathLike[str]]) -> str:
    return shlex.join(os.fspath(part) for part in cmd)


def call(
    cmd: Sequence[str | os.PathLike[str]], env: dict[str, str] | None = None, timeout: float | None = None,
) -> int:
    """Run ``cmd`` in the repository. After ``timeout`` seconds it is stopped with SIGABRT, so
    that Python's faulthandler prints where it hung (a modal dialog, an event loop), then killed."""
    say(f"$ {show_command(cmd)}")
    with subprocess.Popen([os.fspath(part) for part in cmd], cwd=ROOT, env=env) as process:
        try:
            return process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            say(f"error: still running after {timeout:.0f} s; stopping it (set {TIMEOUT_ENV} to allow longer)")
            process.send_signal(getattr(signal, "SIGABRT", signal.SIGTERM))
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            return 124
        except KeyboardInterrupt:
            process.terminate()
            process.wait()
            raise


# -- system packages (Debian/Ubuntu) --------------------------------------------------------
def is_debian_like() -> bool:
    return sys.platform.startswith("linux") and bool(shutil.which("dpkg-query")) and bool(shutil.which("apt-get"))


def parse_dpkg_status(output: str) -> set[str]:
    """Names that are installed, or provided by an installed package (e.g. Ubuntu's t64 renames).

    ``output`` is ``dpkg-query -W -f '${db:Status-Abbrev}|${Package}|${Provides}\\n'``.
    """
    present: set[str] = set()
    for line in output.splitlines():
        status, _, rest = line.partition("|")
        name, _, provides = rest.partition("|")
        if not status.startswith("ii") or not name.strip():
            continue
        present.add(name.strip())
        for item in provides.split(","):
            provided = item.strip().split(" ", 1)[0].split(":", 1)[0]
            if provided:
                present.add(provided)
    return present


def missing_packages(wanted: Sequence[str]) -> list[str]:
    result = subprocess.run(
        ["dpkg-query", "-W", "-f", "${db:Status-Abbrev}|${Package}|${Provides}\n"],
        capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        raise BootstrapError(f"dpkg-query failed ({result.returncode}): {result.stderr.strip()}")
    present = parse_dpkg_status(result.stdout)
    return [name for name in wanted if name not in present]


def needs_venv_package() -> str | None:
    """Debian's python3 has no ``venv``/``ensurepip`` without the python3.X-venv package."""
    if VENV.exists() or sys.prefix != sys.base_prefix:
        return None
    try:
        import ensurepip  # noqa: F401
    except ImportError:
        return f"python3.{sys.version_info.minor}-venv"
    return None


def sudo_hint(packages: Sequence[str]) -> str:
    return (
        "sudo apt-get update && sudo apt-get install -y --no-install-recommends "
        + " ".join(packages)
    )


def ensure_system_packages(wanted: Sequence[str]) -> None:
    if os.environ.get(SKIP_SYSTEM_ENV) == "1":
        say(f"{SKIP_SYSTEM_ENV}=1: not checking system packages")
        return
    if not is_debian_like():
        if sys.platform.startswith("linux"):
            say("not a Debian/Ubuntu system: install the equivalents of these yourself if Qt fails to load: "
                + " ".join(wanted))
        return
    wanted = list(wanted)
    venv_package = needs_venv_package()
    if venv_package:
        wanted.append(venv_package)
    missing = missing_packages(wanted)
    if not missing:
        return
    if os.geteuid() != 0:
        raise BootstrapError(
            "these Debian packages are missing: " + " ".join(missing)
            + "\nInstall them, then run this command again:\n\n    " + sudo_hint(missing) + "\n"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    say(f"installing {len(missing)} missing Debian package(s): {' '.join(missing)}")
    # On a new machine the package lists are empty: update first.
    if call(["apt-get", "update", "-q"], env=env) != 0:
        say("warning: apt-get update reported errors; trying the install anyway")
    cmd = ["apt-get", "install", "-y", "-q", "-o", "Dpkg::Use-Pty=0", "--no-install-recommends", *missing]
    if call(cmd, env=env) != 0:
        raise BootstrapError(f"apt-get install failed; the command was: {show_command(cmd)}")
    still = missing_packages(missing)
    if still:
        say(f"warning: apt-get finished, but dpkg-query still does not list: {' '.join(still)}")


# -- the virtual environment -------------------------------------------------------------
def venv_python() -> Path:
    if sys.platform == "win32":
        return VENV / "Scripts" / "python.exe"
    return VENV / "bin" / "python"


def venv_script(name: str) -> Path:
    if sys.platform == "win32":
        return VENV / "Scripts" / f"{name}.exe"
    return VENV / "bin" / name


_PROBE = "import sys, importlib.util; assert importlib.util.find_spec('pip'); print(*sys.version_info[:2])"


def venv_version() -> tuple[int, int] | None:
    """The venv's Python version, or None when the venv is missing or broken (no Python or no pip)."""
    python = venv_python()
    if not python.exists():
        return None
    try:
        result = subprocess.run(
            [os.fspath(python), "-c", _PROBE], capture_output=True, text=True, timeout=60, check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if result.returncode != 0:
        return None
    major, minor = result.stdout.split()
    return int(major), int(minor)


def ensure_venv() -> None:
    version = venv_version()
    if version is not None and version >= MIN_PYTHON:
        return
    if VENV.exists():
        reason = "broken" if version is None else f"Python {version[0]}.{version[1]} (< 3.11)"
        say(f"{VENV} is {reason}: recreating it")
        shutil.rmtree(VENV)
    say(f"creating {VENV} with {sys.executable}")
    try:
        venv.EnvBuilder(with_pip=True).create(VENV)
    except (OSError, subprocess.CalledProcessError) as exc:
        shutil.rmtree(VENV, ignore_errors=True)  # half made: no pip in it
        raise BootstrapError(
            f"could not create {VENV}: {exc}\n"
            f"On Debian/Ubuntu install python3-venv (sudo apt-get install python3.{sys.version_info.minor}-venv)"
            " and try again."
        ) from exc


def install_fingerprint(extras: Sequence[str]) -> dict[str, object]:
    pyproject = (ROOT / "pyproject.toml").read_bytes()
    return {
        "pyproject_sha256": hashlib.sha256(pyproject).hexdigest(),
        "root": os.fspath(ROOT),
        "python": list(venv_version() or ()),
        "extras": sorted(extras),
    }


def read_stamp() -> dict[str, object] | None:
    try:
        data = json.loads(STAMP.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def install_is_current(stamp: dict[str, object] | None, wanted: dict[str, object]) -> bool:
    """True when the last install used the same pyproject, path and Python, and had every extra wanted."""
    if stamp is None:
        return False
    same = all(stamp.get(key) == wanted[key] for key in ("pyproject_sha256", "root", "python"))
    had = stamp.get("extras")
    wanted_extras = wanted["extras"]
    assert isinstance(wanted_extras, list)
    return same and isinstance(had, list) and set(wanted_extras) <= set(had)


def ensure_installed(extras: Sequence[str]) -> None:
    wanted = install_fingerprint(extras)
    if install_is_current(read_stamp(), wanted) and venv_script("microneedle-desk").exists():
        return
    target = f".[{','.join(sorted(extras))}]" if extras else "."
    STAMP.unlink(missing_ok=True)
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1"}
    if call([venv_python(), "-m", "pip", "install", "-e", target], env=env) != 0:
        raise BootstrapError(f"pip install -e {target} failed (see above)")
    STAMP.write_text(json.dumps(wanted, indent=2) + "\n", encoding="utf-8")


@contextlib.contextmanager
def setup_lock() -> Iterator[None]:
    """One set-up at a time in this checkout (several people or terminals may share it)."""
    try:
        import fcntl
    except ImportError:  # Windows: no lock
        yield
        return
    with LOCK.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say("waiting for another bootstrap in this checkout to finish setting up...")
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def setup(system_packages: Sequence[str], extras: Sequence[str]) -> None:
    if sys.version_info < MIN_PYTHON:
        raise BootstrapError(f"Python 3.11 or newer is needed; this is {sys.version.split()[0]} ({sys.executable})")
    ensure_system_packages(system_packages)
    with setup_lock():
        ensure_venv()
        ensure_installed(extras)


# -- commands ---------------------------------------------------------------------------
def opens_window(args: Sequence[str]) -> bool:
    """Whether ``microneedle-desk ARGS`` opens the main window (no subcommand, no --help)."""
    skip_next = False
    for arg in args:
        if skip_next:
            skip_next = False
            continue
        if arg in {"-h", "--help", "--version"}:
            return False
        if arg in APP_VALUE_OPTIONS:
            skip_next = True
        elif not arg.startswith("-"):
            return False  # a subcommand (or a mistake that the CLI explains)
    return True


def display_problem(env: Mapping[str, str]) -> str | None:
    if not sys.platform.startswith("linux"):
        return None
    if env.get("DISPLAY") or env.get("WAYLAND_DISPLAY") or env.get("QT_QPA_PLATFORM"):
        return None
    return (
        "no display: neither DISPLAY nor WAYLAND_DISPLAY is set, so the app's window has nowhere to go\n"
        "(Qt would abort). Run this from a desktop session, or:\n"
        "    xvfb-run -a python3 tools/bootstrap.py run ...     # on a virtual X server\n"
        "    QT_QPA_PLATFORM=offscreen python3 tools/bootstrap.py run ...   # no window at all"
    )


def cmd_run(args: list[str]) -> int:
    if opens_window(args):
        problem = display_problem(os.environ)
        if problem:
            raise BootstrapError(problem, code=3)
    setup(RUN_PACKAGES, extras=())
    return launch([venv_script("microneedle-desk"), *args])


def launch(cmd: Sequence[str | os.PathLike[str]]) -> int:
    """Become ``cmd`` (POSIX ``exec``): the app then has this process's id, so a SIGTERM or
    Ctrl+C sent to the launcher reaches the app itself, and no app is left running without
    its launcher. Where exec does not replace the process (Windows), it is run as a child."""
    if os.name != "posix":
        return call(cmd)
    say(f"$ {show_command(cmd)}")
    sys.stdout.flush()
    sys.stderr.flush()
    os.chdir(ROOT)  # as call() runs commands: relative paths mean the same as before
    parts = [os.fspath(part) for part in cmd]
    os.execv(parts[0], parts)
    return 1  # not reached: execv returns only by raising


def pytest_timeout() -> float | None:
    """Seconds the whole pytest run may take (``0`` for no limit); CI stops at 90 minutes anyway."""
    value = os.environ.get(TIMEOUT_ENV, "").strip()
    try:
        seconds = float(value) if value else DEFAULT_PYTEST_TIMEOUT
    except ValueError:
        raise BootstrapError(f"{TIMEOUT_ENV} must be a number of seconds, not {value!r}", code=2) from None
    return seconds if seconds > 0 else None


def run_lint() -> list[str]:
    failed = []
    python = venv_python()
    if call([python, "-m", "ruff", "check", "."]) != 0:
        failed.append("ruff")
    if call([python, "-m", "mypy"]) != 0:
        failed.append("mypy")
    # the layers' contract in pyproject.toml ([tool.importlinter]); no cache folder left in the checkout
    if call([venv_script("lint-imports"), "--no-cache"]) != 0:
        failed.append("lint-imports")
    return failed


def run_pytest(args: list[str]) -> int:
    env = {**os.environ, "PYTHONFAULTHANDLER": "1"}
    code = call([venv_python(), "-m", "pytest", *args], env=env, timeout=pytest_timeout())
    if code == 5:
        say("pytest collected no tests (exit 5): that counts as a failure")
    return code


def cmd_test(args: list[str]) -> int:
    setup(TEST_PACKAGES, extras=("test",))
    failed = run_lint()
    if failed:
        say(f"FAILED: {', '.join(failed)}; running pytest anyway")
    else:
        say("ruff, mypy and lint-imports passed; now pytest")
    if run_pytest(args) != 0:
        failed.append("pytest")
    if failed:
        say(f"FAILED: {', '.join(failed)}")
        return 1
    return 0


def cmd_lint(args: list[str]) -> int:
    if args:
        raise BootstrapError("lint takes no arguments", code=2)
    setup(TEST_PACKAGES, extras=("test",))
    failed = run_lint()
    if failed:
        say(f"FAILED: {', '.join(failed)}")
    return 1 if failed else 0


def cmd_pytest(args: list[str]) -> int:
    setup(TEST_PACKAGES, extras=("test",))
    return run_pytest(args)


def cmd_bench(args: list[str]) -> int:
    setup(TEST_PACKAGES, extras=("test",))
    return call([venv_python(), ROOT / "bench" / "run.py", *args])


def cmd_setup(args: list[str]) -> int:
    if args:
        raise BootstrapError("setup takes no arguments", code=2)
    setup(TEST_PACKAGES, extras=("test",))
    say(f"ready: {VENV}")
    return 0


COMMANDS = {
    "run": cmd_run,
    "test": cmd_test,
    "lint": cmd_lint,
    "pytest": cmd_pytest,
    "bench": cmd_bench,
    "setup": cmd_setup,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help"} or args[0] not in COMMANDS:
        print(__doc__.strip(), file=sys.stderr)
        if args and args[0] not in {"-h", "--help"}:
            say(f"unknown command {args[0]!r}; one of: {', '.join(COMMANDS)}")
        return 0 if args and args[0] in {"-h", "--help"} else 2
    try:
        return COMMANDS[args[0]](args[1:])
    except BootstrapError as exc:
        say(f"error: {exc}")
        return exc.code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
