"""The layers' contract (pyproject.toml ``[tool.importlinter]``) holds, and its widget rule reads imports right."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tools/ is not installed: the contract type lives there
from tools.import_contracts import names_submodule  # noqa: E402

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")  # installed with the test extras


def test_every_layer_contract_is_kept() -> None:
    result = subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(("line", "names"), [
    ("from PySide6.QtWidgets import QApplication", True),
    ("from PySide6.QtWidgets import (", True),
    ("import PySide6.QtWidgets", True),
    ("from PySide6 import QtCore, QtWidgets", True),
    ("from PySide6 import (QtGui, QtWidgets)", True),
    ("from PySide6.QtCore import QSaveFile", False),
    ("from PySide6.QtGui import QPainter", False),
    ("from PySide6 import QtCore", False),
    ("from PySide6.QtWidgetsExtra import x", False),
])
def test_the_widget_rule_sees_every_way_of_naming_qt_widgets(line: str, names: bool) -> None:
    assert names_submodule(line, "PySide6", "QtWidgets") is names
