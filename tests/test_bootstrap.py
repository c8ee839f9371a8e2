"""tools/bootstrap.py: the decisions it makes before it touches apt, venv or pip."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BOOTSTRAP_PATH = Path(__file__).resolve().parent.parent / "tools" / "bootstrap.py"


def load_bootstrap() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bootstrap_under_test", BOOTSTRAP_PATH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def bootstrap() -> ModuleType:
    return load_bootstrap()


def test_dpkg_status_counts_installed_and_provided_names_only(bootstrap: ModuleType) -> None:
    output = "\n".join(
        [
            "ii |libgl1|",
            "rc |libegl1|",  # removed, config files left: not installed
            "ii |libglib2.0-0t64|libglib2.0-0 (= 2.80.0-6ubuntu3)",
            "ii |python3|python3-profiler:any, python3-supported-min (= 3.11)",
            "un |xvfb|",
        ]
    )
    present = bootstrap.parse_dpkg_status(output)
    assert {"libgl1", "libglib2.0-0t64", "libglib2.0-0", "python3-profiler", "python3-supported-min"} <= present
    assert "libegl1" not in present
    assert "xvfb" not in present


def test_run_packages_are_a_subset_of_test_packages_without_test_tools(bootstrap: ModuleType) -> None:
    assert set(bootstrap.RUN_PACKAGES) <= set(bootstrap.TEST_PACKAGES)
    for tool in ("poppler-utils", "xvfb", "desktop-file-utils"):
        assert tool in bootstrap.TEST_PACKAGES
        assert tool not in bootstrap.RUN_PACKAGES
    assert "fonts-dejavu-core" in bootstrap.RUN_PACKAGES


def test_without_root_missing_packages_stop_with_the_sudo_command(
    bootstrap: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(bootstrap.SKIP_SYSTEM_ENV, raising=False)
    monkeypatch.setattr(bootstrap, "is_debian_like", lambda: True)
    monkeypatch.setattr(bootstrap, "needs_venv_package", lambda: None)
    monkeypatch.setattr(bootstrap, "missing_packages", lambda wanted: ["libgl1", "xvfb"])
    monkeypatch.setattr(bootstrap.os, "geteuid", lambda: 1000, raising=False)

    def no_apt(*args: object, **kwargs: object) -> int:
        raise AssertionError("apt-get must not run without root")

    monkeypatch.setattr(bootstrap, "call", no_apt)
    with pytest.raises(bootstrap.BootstrapError) as caught:
        bootstrap.ensure_system_packages(["libgl1", "xvfb", "libegl1"])
    assert caught.value.code != 0
    assert "sudo apt-get update && sudo apt-get install -y --no-install-recommends libgl1 xvfb" in str(caught.value)


def test_as_root_apt_updates_before_installing_only_the_missing(
    bootstrap: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(bootstrap.SKIP_SYSTEM_ENV, raising=False)
    monkeypatch.setattr(bootstrap, "is_debian_like", lambda: True)
    monkeypatch.setattr(bootstrap, "needs_venv_package", lambda: None)
    missing = iter([["xvfb"], []])
    monkeypatch.setattr(bootstrap, "missing_packages", lambda wanted: next(missing))
    monkeypatch.setattr(bootstrap.os, "geteuid", lambda: 0, raising=False)
    calls: list[tuple[list[str], dict[str, str] | None]] = []

    def record(cmd: list[str], env: dict[str, str] | None = None) -> int:
        calls.append((list(cmd), env))
        return 0

    monkeypatch.setattr(bootstrap, "call", record)
    bootstrap.ensure_system_packages(["libgl1", "xvfb"])
    assert [cmd for cmd, _ in calls] == [
        ["apt-get", "update", "-q"],
        ["apt-get", "install", "-y", "-q", "-o", "Dpkg::Use-Pty=0", "--no-install-recommends", "xvfb"],
    ]
    assert all(env is not None and env["DEBIAN_FRONTEND"] == "noninteractive" for _, env in calls)


def test_nothing_missing_calls_no_apt(bootstrap: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(bootstrap.SKIP_SYSTEM_ENV, raising=False)
    monkeypatch.setattr(bootstrap, "is_debian_like", lambda: True)
    monkeypatch.setattr(bootstrap, "needs_venv_package", lambda: None)
    monkeypatch.setattr(bootstrap, "missing_packages", lambda wanted: [])

    def no_apt(*args: object, **kwargs: object) -> int:
        raise AssertionError("nothing to install")

    monkeypatch.setattr(bootstrap, "call", no_apt)
    bootstrap.ensure_system_packages(bootstrap.TEST_PACKAGES)


@pytest.mark.parametrize(
    ("args", "opens"),
    [
        ([], True),
        (["--data-dir", "/tmp/x"], True),
        (["--data-dir=/tmp/x"], True),
        (["--screenshot", "shot.png"], True),
        (["--help"], False),
        (["--version"], False),
        (["export", "--out", "x.pdf"], False),
        (["--data-dir", "/tmp/x", "backup"], False),
    ],
)
def test_only_the_window_needs_a_display(bootstrap: ModuleType, args: list[str], opens: bool) -> None:
    assert bootstrap.opens_window(args) is opens


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the display check is for Linux")
def test_run_without_display_explains_and_installs_nothing(
    bootstrap: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)

    def no_setup(*args: object, **kwargs: object) -> None:
        raise AssertionError("must stop before installing anything")

    monkeypatch.setattr(bootstrap, "setup", no_setup)
    with pytest.raises(bootstrap.BootstrapError) as caught:
        bootstrap.cmd_run([])
    assert caught.value.code != 0
    assert "DISPLAY" in str(caught.value)
    assert "xvfb-run" in str(caught.value)
    assert bootstrap.display_problem({"WAYLAND_DISPLAY": "wayland-0"}) is None
    assert bootstrap.display_problem({"DISPLAY": ":0"}) is None


def test_install_is_skipped_only_for_the_same_pyproject_and_enough_extras(bootstrap: ModuleType) -> None:
    wanted_run = {"pyproject_sha256": "abc", "root": "/repo", "python": [3, 11], "extras": []}
    wanted_test = {**wanted_run, "extras": ["test"]}
    stamp = {**wanted_run, "extras": ["test"]}
    assert bootstrap.install_is_current(stamp, wanted_run)
    assert bootstrap.install_is_current(stamp, wanted_test)
    assert not bootstrap.install_is_current({**stamp, "extras": []}, wanted_test)
    assert not bootstrap.install_is_current({**stamp, "pyproject_sha256": "changed"}, wanted_test)
    assert not bootstrap.install_is_current({**stamp, "python": [3, 12]}, wanted_test)
    assert not bootstrap.install_is_current(None, wanted_test)


def test_pytest_collecting_nothing_fails_the_test_command(
    bootstrap: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bootstrap, "setup", lambda *args, **kwargs: None)
    monkeypatch.setattr(bootstrap, "run_lint", list)
    monkeypatch.setattr(bootstrap, "call", lambda cmd, env=None, timeout=None: 5)
    assert bootstrap.cmd_test([]) != 0


def test_unknown_command_prints_usage_and_fails(bootstrap: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    assert bootstrap.main(["frobnicate"]) == 2
    assert "tools/bootstrap.py run" in capsys.readouterr().err


def test_a_hung_command_is_stopped_after_the_timeout(bootstrap: ModuleType) -> None:
    code = bootstrap.call([sys.executable, "-c", "import time; time.sleep(60)"], timeout=1)
    assert code == 124


def test_pytest_timeout_comes_from_the_environment(bootstrap: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(bootstrap.TIMEOUT_ENV, raising=False)
    assert bootstrap.pytest_timeout() == bootstrap.DEFAULT_PYTEST_TIMEOUT
    monkeypatch.setenv(bootstrap.TIMEOUT_ENV, "90")
    assert bootstrap.pytest_timeout() == 90
    monkeypatch.setenv(bootstrap.TIMEOUT_ENV, "0")
    assert bootstrap.pytest_timeout() is None
    monkeypatch.setenv(bootstrap.TIMEOUT_ENV, "soon")
    with pytest.raises(bootstrap.BootstrapError):
        bootstrap.pytest_timeout()


def test_lint_runs_the_import_contracts_and_fails_when_they_break(
    bootstrap: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran: list[str] = []

    def call(cmd: list[object], env: object = None, timeout: object = None) -> int:
        ran.append(" ".join(str(part) for part in cmd))
        return 1 if "lint-imports" in ran[-1] else 0

    monkeypatch.setattr(bootstrap, "call", call)
    assert bootstrap.run_lint() == ["lint-imports"]
    assert any("ruff" in line for line in ran)
    assert any("mypy" in line for line in ran)
