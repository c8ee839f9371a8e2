"""``microneedle-desk --self-check`` verifies an installation with no display and no real data."""

from __future__ import annotations

import subprocess
import sys

from microneedle_desk import __version__


def test_self_check_loads_the_protocol_files_a_session_renders_a_pdf_and_exits_0() -> None:
    result = subprocess.run([sys.executable, "-m", "microneedle_desk", "--self-check"],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    for step in ("protocol", "store", "session", "pdf"):
        assert f"ok   {step}:" in result.stdout
    assert "self-check passed" in result.stdout


def test_self_check_fails_with_a_message_when_the_protocol_is_missing(tmp_path) -> None:
    env = {"MICRONEEDLE_DESK_RESOURCES": str(tmp_path), "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-m", "microneedle_desk", "--self-check"],
                            capture_output=True, text=True, timeout=120, check=False, env=env)
    assert result.returncode == 1
    assert "FAIL protocol" in result.stderr


def test_version_comes_from_the_package() -> None:
    result = subprocess.run([sys.executable, "-m", "microneedle_desk", "--version"],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.stdout.strip() == f"microneedle-desk {__version__}"
