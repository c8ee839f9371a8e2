"""The clinical core must run without Qt: it is tested, and may be reused, with no GUI stack.

Two checks: importing every ``microneedle_desk.core`` module in a clean interpreter loads no
Qt module, and no core file names a Qt module (or the Qt layers of the app) in any import,
even one inside a function that the first check would not run.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import microneedle_desk.core

CORE_DIR = Path(microneedle_desk.core.__file__).resolve().parent
FORBIDDEN_ROOTS = frozenset({"PySide6", "shiboken6", "pyqtgraph"})
# Parts of the app that are built on Qt: the core may not reach them either.
FORBIDDEN_APP_MODULES = ("microneedle_desk.ui", "microneedle_desk.app")

IMPORT_ALL_CORE = textwrap.dedent(
    """
    import importlib, json, pkgutil, sys
    import microneedle_desk.core as core
    names = sorted(m.name for m in pkgutil.walk_packages(core.__path__, core.__name__ + "."))
    for name in names:
        importlib.import_module(name)
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in {roots!r})
    print(json.dumps({{"imported": names, "qt": loaded}}))
    """
).format(roots=sorted(FORBIDDEN_ROOTS))


def core_files() -> list[Path]:
    return sorted(CORE_DIR.rglob("*.py"))


def module_name(path: Path) -> str:
    relative = path.relative_to(CORE_DIR).with_suffix("")
    parts = ["microneedle_desk", "core", *relative.parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(source: str, module: str, is_package: bool = False) -> list[tuple[int, str]]:
    """(line, absolute module name) for every import in ``source``, relative ones resolved."""
    package_parts = module.split(".") if is_package else module.split(".")[:-1]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package_parts[: len(package_parts) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.append((node.lineno, target))
            # ``from microneedle_desk import ui`` names the module in the alias
            found.extend((node.lineno, f"{target}.{alias.name}") for alias in node.names)
    return found


def forbidden(name: str) -> bool:
    if name.split(".", maxsplit=1)[0] in FORBIDDEN_ROOTS:
        return True
    return any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN_APP_MODULES)


def qt_imports_in(source: str, module: str, is_package: bool = False) -> list[str]:
    return [f"line {line}: {name}" for line, name in imported_modules(source, module, is_package) if forbidden(name)]


def test_core_modules_import_without_qt() -> None:
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_ALL_CORE], capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, f"importing the core failed:\n{result.stderr}"
    report = json.loads(result.stdout.strip().splitlines()[-1])
    expected = {module_name(path) for path in core_files()} - {"microneedle_desk.core"}
    assert set(report["imported"]) >= expected, "some core modules were not imported"
    assert report["qt"] == [], f"importing microneedle_desk.core.* loaded Qt modules: {report['qt']}"


def test_core_source_names_no_qt_module() -> None:
    files = core_files()
    assert files, f"no Python files under {CORE_DIR}"
    problems = []
    for path in files:
        source = path.read_text(encoding="utf-8")
        for problem in qt_imports_in(source, module_name(path), is_package=path.name == "__init__.py"):
            problems.append(f"{path.relative_to(CORE_DIR.parent.parent)} {problem}")
    assert problems == [], "the core imports Qt (move this code to microneedle_desk/ui):\n" + "\n".join(problems)


def test_import_scan_catches_direct_lazy_and_relative_qt_imports() -> None:
    source = textwrap.dedent(
        """
        import json
        from decimal import Decimal
        import PySide6.QtCore
        from shiboken6 import isValid

        def plot():
            import pyqtgraph as pg
            from ..ui import main_window
            from microneedle_desk import app
            from . import clock
        """
    )
    found = qt_imports_in(source, "microneedle_desk.core.example")
    assert sorted(found) == [
        "line 10: microneedle_desk.app",
        "line 4: PySide6.QtCore",
        "line 5: shiboken6",
        "line 5: shiboken6.isValid",
        "line 8: pyqtgraph",
        "line 9: microneedle_desk.ui",
        "line 9: microneedle_desk.ui.main_window",
    ]
