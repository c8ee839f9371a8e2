"""The TypedDicts that name the app's documents say what the app writes: at run time a key
written ``NotRequired[...]`` is optional in ``__optional_keys__`` (a module whose annotations are
strings would otherwise count it as required, and a check built on the keys would demand it), and
an export record or a course plan's document has the keys its type names."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import typing
from collections.abc import Callable
from pathlib import Path

import microneedle_desk
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.core.record_types import CoursePlanDoc, PhaseDoc
from microneedle_desk.review import export
from microneedle_desk.review.export_record import ExportRecord
from microneedle_desk.server.pull import Pulled
from microneedle_desk.store.store import Store


def _typeddicts() -> list[type]:
    found: list[type] = []
    for info in pkgutil.walk_packages(microneedle_desk.__path__, "microneedle_desk."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        found += [value for value in vars(module).values()
                  if typing.is_typeddict(value) and inspect.getmodule(value) is module]
    return found


def test_every_not_required_key_of_a_typeddict_is_optional_at_run_time() -> None:
    wrong = []
    shapes = _typeddicts()
    for shape in shapes:
        for key, annotation in inspect.get_annotations(shape).items():
            written = annotation if isinstance(annotation, str) else repr(annotation)
            if "NotRequired[" in written and key not in shape.__optional_keys__:
                wrong.append(f"{shape.__module__}.{shape.__qualname__}.{key}")
    assert len(shapes) > 40 and wrong == []


def test_a_pull_names_its_cursor_as_the_one_key_it_may_lack() -> None:
    assert Pulled.__optional_keys__ == {"cursor"}
    assert Pulled.__required_keys__ == {"patients", "rows", "refused", "merges", "followups", "course_events"}


def test_an_export_record_has_the_fields_its_type_names_and_de_identification_drops_the_optional_ones(
        demo_template: Callable[[int, int], Path], store_copy: Callable[[Path], Store]) -> None:
    store = store_copy(demo_template(60, 11))
    rows = store.summaries()
    plain, hidden = export.records(store, rows), export.records(store, rows, deidentify=True)
    assert plain and all(list(r) == list(ExportRecord.__annotations__) for r in plain)
    assert all(set(r) == ExportRecord.__required_keys__ for r in hidden)
    assert ExportRecord.__optional_keys__ == {"patient_name", "clinic_id", "dob", "abandon_reason", "photos"}


def test_a_course_plan_document_has_the_keys_its_type_names(protocol: Protocol) -> None:
    docs = [plan.to_doc() for plan in protocol.course_plans]
    with_maintenance = [d for d in docs if "maintenance" in d]
    assert with_maintenance and len(with_maintenance) < len(docs)
    for doc in docs:
        assert CoursePlanDoc.__required_keys__ <= doc.keys() <= CoursePlanDoc.__required_keys__ | {"maintenance"}
    assert all(m["maintenance"].keys() == PhaseDoc.__required_keys__ for m in with_maintenance)


def test_the_core_and_the_application_layer_name_their_records_instead_of_dict_of_any() -> None:
    package = Path(microneedle_desk.__file__).parent
    found = [f"{path.relative_to(package)}:{n}" for layer in ("core", "clinic")
             for path in sorted((package / layer).rglob("*.py"))
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if "dict[str, Any]" in line and not line.startswith("JsonObject = ")]
    assert found == []
