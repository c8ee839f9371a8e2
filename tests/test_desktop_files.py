"""The .desktop file and the AppStream metainfo pass the freedesktop validators (Debian:
desktop-file-utils, appstream); the icon they name exists and renders."""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APP_ID = "io.github.microneedle_desk"
DESKTOP = ROOT / "packaging" / f"{APP_ID}.desktop"
METAINFO = ROOT / "packaging" / f"{APP_ID}.metainfo.xml"


def _tool(name: str, package: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (apt install {package})")
    return path


def test_desktop_file_passes_desktop_file_validate() -> None:
    tool = _tool("desktop-file-validate", "desktop-file-utils")
    result = subprocess.run([tool, str(DESKTOP)], capture_output=True, text=True, check=False)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_metainfo_passes_appstreamcli_validate() -> None:
    tool = _tool("appstreamcli", "appstream")
    result = subprocess.run([tool, "validate", "--no-net", "--pedantic", str(METAINFO)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_metainfo_has_screenshots_and_release_notes_for_this_version() -> None:
    from microneedle_desk import __version__

    tree = ET.parse(METAINFO)
    assert tree.findall("./screenshots/screenshot/image")
    releases = tree.findall("./releases/release")
    assert releases[0].get("version") == __version__, "the newest release note is for this version"
    assert releases[0].find("description") is not None
    assert tree.findtext("./launchable") == DESKTOP.name


def test_the_icon_the_desktop_file_names_renders_from_the_svg(tmp_path: Path) -> None:
    icon = next(line.split("=", 1)[1] for line in DESKTOP.read_text().splitlines() if line.startswith("Icon="))
    assert icon == APP_ID
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "icons.py"), "--out", str(tmp_path)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    for size in (16, 32, 48, 128, 256, 512):
        assert (tmp_path / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png").stat().st_size > 100
