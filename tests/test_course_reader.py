"""A patient's course is read from ``courses.json`` through the spans of their own events
(store/course_spans.py): the same answers as parsing the whole file, nothing of the file kept
after reading or writing, a file changed on disk read anew, and a damaged file refused as before."""

from __future__ import annotations

import gc
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import build_demo_store, open_copy

from microneedle_desk import paths
from microneedle_desk.core import course_events as ce
from microneedle_desk.core.clock import FakeClock
from microneedle_desk.core.course_events import fold_courses, make_course_event
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.store.courses import CourseFile
from microneedle_desk.store.storage import BadFileError
from microneedle_desk.store.store import Store


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo_store(tmp_path_factory.mktemp("demo") / "data", 300, seed=7)


@pytest.fixture
def store(data_dir: Path, protocol: Protocol, demo_store: Path) -> Iterator[Store]:
    s = open_copy(demo_store, data_dir, protocol)
    yield s
    s.close()


def _whole_file_by_patient(root: Path) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for ev in json.loads(paths.courses_file(root).read_bytes())["events"].values():
        out.setdefault(ev["patient_id"], []).append(ev)
    return out


def _course_events_alive(but_of: str = "") -> int:
    """Course event dicts alive, other than ``but_of``'s (a course keeps its own events)."""
    gc.collect()
    return sum(1 for o in gc.get_objects()
               if isinstance(o, dict) and o.get("kind") == "course_event" and o.get("patient_id") != but_of)


def test_each_patients_course_reads_the_same_as_folding_the_whole_file(store: Store) -> None:
    expected = _whole_file_by_patient(store.root)
    assert len(expected) > 20
    book = CourseFile(store)
    for pid, events in expected.items():
        assert book.events_of(pid) == events
        assert book.courses(pid) == fold_courses(events)
    assert book.events_of("no such patient") == []
    assert book.by_patient() == expected


def test_reading_a_course_keeps_no_course_event_of_the_file(store: Store) -> None:
    book = CourseFile(store)
    pid = next(iter(_whole_file_by_patient(store.root)))
    before = _course_events_alive(pid)
    courses = book.courses(pid)
    book.presets()
    assert courses
    assert _course_events_alive(pid) == before


def test_a_course_event_written_is_read_back_and_the_file_is_not_kept_after_the_write(store: Store) -> None:
    book, other = CourseFile(store), CourseFile(store)
    pid = next(iter(_whole_file_by_patient(store.root)))
    count = len(other.events_of(pid))
    course = fold_courses(other.events_of(pid))[-1]
    before = _course_events_alive(pid)
    book.append(make_course_event(ce.PAUSED, patient_id=pid, course_id=course.id, by="Dr Test", device="dev",
                                  now=FakeClock().now(), reason="Travelling"))
    assert _course_events_alive(pid) == before
    # the other reader's spans were made from the file before the write: it reads the new file
    assert len(other.events_of(pid)) == count + 1
    assert other.events_of(pid)[-1]["type"] == ce.PAUSED


def test_a_course_file_laid_out_by_another_writer_reads_the_same(store: Store) -> None:
    expected = _whole_file_by_patient(store.root)
    path = paths.courses_file(store.root)
    data = json.loads(path.read_bytes())
    data["presets"] = {"1": {"kind": "course_plan", "plan": {"id": "x"}}}
    path.write_text(json.dumps(data, indent=2, ensure_ascii=True), encoding="utf-8")  # spaced, \u escapes
    book = CourseFile(store)
    for pid, events in list(expected.items())[:30]:
        assert book.events_of(pid) == events
    assert book.presets() == [{"kind": "course_plan", "plan": {"id": "x"}}]


def test_a_damaged_course_file_is_refused_as_a_bad_file(store: Store, tmp_path: Path) -> None:
    path = paths.courses_file(store.root)
    shutil.copy(path, tmp_path / "kept.json")
    path.write_bytes(path.read_bytes()[:-40])  # cut short
    with pytest.raises(BadFileError):
        CourseFile(store).events_of("anyone")


def test_a_patient_id_beyond_ascii_finds_its_events_written_plain_or_escaped(store: Store) -> None:
    path = paths.courses_file(store.root)
    data = json.loads(path.read_bytes())
    first = next(iter(data["events"].values()))
    odd = "pätient-1"
    for event in data["events"].values():
        if event["patient_id"] == first["patient_id"]:
            event["patient_id"] = odd
    count = sum(1 for e in data["events"].values() if e["patient_id"] == odd)
    for ascii_only in (False, True):
        path.write_text(json.dumps(data, ensure_ascii=ascii_only), encoding="utf-8")
        assert len(CourseFile(store).events_of(odd)) == count > 0

