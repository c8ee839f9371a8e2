"""An import-linter contract type for a submodule of an outside package.

import-linter sees an outside package (PySide6) only whole: a ``forbidden`` contract can
forbid ``PySide6`` but not ``PySide6.QtWidgets`` alone. The layers differ exactly there:
the store and printing may use QtCore/QtGui (atomic saves, PDF painting), while widgets
belong to the screens. This contract reads the import lines themselves and refuses a
module outside ``allowed_importers`` that names the submodule.

Used from ``pyproject.toml`` (``[tool.importlinter] contract_types``); ``lint-imports``
runs from the repository folder, which it puts on ``sys.path``.
"""

from __future__ import annotations

import re
from typing import Any

from grimp import ImportGraph
from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck
from importlinter.domain.helpers import module_expressions_to_modules


def names_submodule(line: str, package: str, submodule: str) -> bool:
    """Whether an import line brings in ``package.submodule`` (``import P.S``, ``from P.S import x``
    or ``from P import S``)."""
    dotted = re.escape(f"{package}.{submodule}")
    if re.search(rf"\b{dotted}\b", line):
        return True
    match = re.match(rf"\s*from\s+{re.escape(package)}\s+import\s+\(?(.*)", line)
    return bool(match) and submodule in re.findall(r"\w+", match.group(1))


class ExternalSubmoduleContract(Contract):
    """Only ``allowed_importers`` (as packages) import ``protected`` (``package.submodule``) directly.

    Indirect imports are another contract's business: forbid the allowed importers themselves
    to the modules that must stay clear of them.
    """

    type_name = "external_submodule"

    protected = fields.StringField()
    allowed_importers = fields.ListField(subfield=fields.ModuleExpressionField())

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        package, _, submodule = str(self.protected).partition(".")  # type: ignore[attr-defined]
        allowed = {m.name for m in module_expressions_to_modules(
            graph, self.allowed_importers, as_packages=True)}  # type: ignore[attr-defined]
        for module in list(allowed):
            allowed |= graph.find_descendants(module)
        bad: list[dict[str, Any]] = []
        for importer in sorted(graph.find_modules_that_directly_import(package)):
            if importer in allowed:
                continue
            for detail in graph.get_import_details(importer=importer, imported=package):
                if names_submodule(str(detail["line_contents"]), package, submodule):
                    bad.append({"importer": importer, "line_number": detail["line_number"],
                                "line_contents": detail["line_contents"]})
        return ContractCheck(kept=not bad, metadata={"bad": bad})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for item in check.metadata["bad"]:
            output.print_error(f"- {item['importer']} (l.{item['line_number']}): {item['line_contents']}",
                               bold=False)
            output.new_line()
