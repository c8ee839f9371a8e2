"""Checks every FHIR bundle a test writes: parsed and validated by fhir.resources (R4B), and
every reference resolving to an entry of the bundle."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle


def references(node: Any) -> list[str]:
    """Every ``reference`` value anywhere in ``node``."""
    if isinstance(node, dict):
        found = [str(node["reference"])] if isinstance(node.get("reference"), str) else []
        return found + [r for value in node.values() for r in references(value)]
    if isinstance(node, list):
        return [r for value in node for r in references(value)]
    return []


def checked_bundle(path: Path) -> dict[str, Any]:
    """The bundle at ``path`` as JSON, after failing the test on any validation error or any
    reference that does not resolve inside the bundle."""
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    Bundle.model_validate(doc)  # raises on any element that is not R4B
    assert doc["resourceType"] == "Bundle" and doc["type"] == "collection"
    entries = doc.get("entry", [])
    for entry in entries:
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        assert entry["fullUrl"] == f"urn:uuid:{resource['id']}"
    urls = Counter(e["fullUrl"] for e in entries)
    assert all(n == 1 for n in urls.values()), [u for u, n in urls.items() if n > 1]
    dangling = {r for e in entries for r in references(e["resource"])} - set(urls)
    assert not dangling, sorted(dangling)[:5]
    return doc


def resources(doc: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in doc.get("entry", []) if e["resource"]["resourceType"] == kind]
