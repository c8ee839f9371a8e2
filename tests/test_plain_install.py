"""A plain (non-editable) `pip install .` runs every subcommand from another folder: the
protocol, its translations, the catalogues and the icon travel as package data."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from microneedle_desk.cli import COMMANDS

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package installed from a copy of the source into a folder of its own."""
    base = tmp_path_factory.mktemp("plain-install")
    source = base / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "microneedle_desk", source / "microneedle_desk",
                    ignore=shutil.ignore_patterns("__pycache__"))
    site = base / "site"
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-compile", "--target", str(site),
         str(source)], capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return site


def _run(site: Path, cwd: Path, *args: str, language: str = "en") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(site), "QT_QPA_PLATFORM": "offscreen",
           "XDG_CONFIG_HOME": str(cwd / "config"), "XDG_DATA_HOME": str(cwd / "data-home"),
           "LANGUAGE": language}
    return subprocess.run([sys.executable, "-m", "microneedle_desk", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def test_the_installed_copy_is_the_one_that_runs_not_the_checkout(installed: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(installed)}
    where = subprocess.run([sys.executable, "-c", "import microneedle_desk; print(microneedle_desk.__file__)"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert Path(where).is_relative_to(installed), where
    assert (installed / "microneedle_desk" / "resources" / "protocol.json").is_file()
    assert (installed / "microneedle_desk" / "resources" / "locale" / "de" / "microneedle_desk.po").is_file()


def test_every_subcommand_answers_its_help_from_another_folder(installed: Path, tmp_path: Path) -> None:
    for command in COMMANDS:
        result = _run(installed, tmp_path, command, "--help")
        assert result.returncode == 0, (command, result.stderr)
        assert "usage" in result.stdout.lower(), command


def test_a_plain_install_fills_checks_exports_recalls_prints_and_backs_up_a_data_folder(
        installed: Path, tmp_path: Path) -> None:
    data = str(tmp_path / "records")
    assert _run(installed, tmp_path, "--self-check").returncode == 0
    steps: list[tuple[str, ...]] = [
        ("demo-data", "--sessions", "6", "--seed", "3"),
        ("check",),
        ("export", "--format", "csv", "-o", str(tmp_path / "sessions.csv")),
        ("export", "--format", "fhir", "-o", str(tmp_path / "sessions.fhir.json")),
        ("recall", "--as-of", "2026-12-01"),
        ("sheet", "--blank", "-o", str(tmp_path / "blank.pdf")),
        ("backup",),
    ]
    for step in steps:
        result = _run(installed, tmp_path, "--data-dir", data, *step)
        assert result.returncode == 0, (step, result.stdout[-2000:], result.stderr[-2000:])
    assert (tmp_path / "sessions.csv").stat().st_size > 0
    assert (tmp_path / "blank.pdf").read_bytes().startswith(b"%PDF")



def test_the_installed_catalogue_speaks_german_when_asked(installed: Path, tmp_path: Path) -> None:
    english = _run(installed, tmp_path, "check", "--help").stdout
    german = _run(installed, tmp_path, "check", "--help", language="de").stdout
    assert german != english and "Aufzeichnungen" in german, german
