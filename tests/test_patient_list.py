"""The patient list on the first page: filter as you type, sorted by name, with a few hundred demo patients."""

from __future__ import annotations

import random

from PySide6.QtCore import Qt

from tests.helpers import make_demo_patient

FIRST = ["Alex", "Bea", "Chris", "Dana", "émile", "Éva", "Zoë", "ada", "Ola", "Sam"]
LAST = ["Demo", "Test-Demo", "Sample", "Example", "Démo"]


def shown(page) -> list[tuple[str, str, str, str]]:
    model = page.model
    return [tuple(model.index(r, c).data() for c in range(4)) for r in range(model.rowCount())]


def fill(window, fake_clock, count: int = 300) -> list:
    rng = random.Random(7)
    store = window.ctx.store
    patients = [make_demo_patient(window.ctx.protocol, fake_clock, device=store.device,
                                  name=f"{rng.choice(FIRST)} {rng.choice(LAST)} {n:03d}",
                                  clinic_id=f"DM-{n:04d}",
                                  dob=f"{rng.randint(1940, 2005)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}")
                for n in range(count)]
    rng.shuffle(patients)
    store.import_patients(patients)
    window.patient_page.reload()
    return patients


def type_key(qtbot, page, key: str) -> None:
    if key.isascii():
        qtbot.keyClicks(page.search, key)
    else:  # QTest types ASCII only: an accented letter goes in as an input method would put it
        page.search.insert(key)


def type_search(qtbot, page, text: str) -> None:
    page.search.clear()
    for key in text:
        type_key(qtbot, page, key)


def test_patient_list_is_sorted_by_name_in_qt_string_order_with_every_column(qtbot, window, fake_clock):
    patients = fill(window, fake_clock)
    rows = shown(window.patient_page)
    assert len(rows) == len(patients)
    # case-sensitive, by UTF-16 code units: "Zoë" before "ada", "Éva" after "Sam"
    assert [r[0] for r in rows] == sorted((p.name for p in patients), key=lambda n: n.encode("utf-16-be"))
    one = next(p for p in patients if p.name == rows[0][0])
    assert rows[0] == (one.name, one.clinic_id, one.dob.isoformat(),
                       window.ctx.protocol.indication(one.indication).label)


def test_typing_filters_the_list_by_name_clinic_id_or_birth_date_at_each_keystroke(qtbot, window, fake_clock):
    patients = fill(window, fake_clock)
    page = window.patient_page

    def expected(text: str) -> list[str]:
        words = text.casefold().split()
        hits = [p for p in patients
                if all(w in f"{p.name} {p.clinic_id} {p.dob.isoformat()}".casefold() for w in words)]
        return sorted((p.name for p in hits), key=lambda n: n.encode("utf-16-be"))

    page.search.clear()
    typed = ""
    for key in "éva":  # narrows with every letter, case-blind but accent-exact as typed
        typed += key
        type_key(qtbot, page, key)
        assert [r[0] for r in shown(page)] == expected(typed), typed
    assert 0 < page.model.rowCount() < len(patients)
    for text in ("dm-012", "DM-0123", "1975-", "1975-0", "demo 1960", "zoë sample", "nobody here"):
        type_search(qtbot, page, text)
        assert [r[0] for r in shown(page)] == expected(text), text
    type_search(qtbot, page, "DM-0042")
    assert [r[1] for r in shown(page)] == ["DM-0042"]
    page.search.clear()
    assert page.model.rowCount() == len(patients)


def test_the_chosen_patient_stays_selected_while_the_filter_keeps_them(qtbot, window, fake_clock):
    fill(window, fake_clock)
    page = window.patient_page
    type_search(qtbot, page, "dm-01")
    page.table.setFocus()
    page.table.selectRow(3)
    chosen = page.selected
    assert chosen is not None and chosen.clinic_id.startswith("DM-01")
    qtbot.keyClicks(page.search, "0")  # still matches or not: the selection follows the patient
    rows = page.table.selectionModel().selectedRows()
    if chosen.clinic_id.startswith("DM-010"):
        assert [page.model.index(r.row(), 1).data() for r in rows] == [chosen.clinic_id]
    else:
        assert rows == []
    type_search(qtbot, page, chosen.clinic_id)
    qtbot.keyClick(page.table, Qt.Key.Key_Home)
    assert page.selected is not None and page.selected.id == chosen.id
    assert page.chosen.text().startswith(f"Chosen: {chosen.name}")


def test_the_patient_list_takes_the_pages_free_height_at_1366_by_768(qtbot, window, fake_clock):
    fill(window, fake_clock, count=60)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    page = window.patient_page
    table_bottom = page.table.mapTo(page, page.table.rect().bottomLeft()).y()
    practitioner_top = page.practitioner.mapTo(page, page.practitioner.rect().topLeft()).y()
    assert page.table.height() > page.height() // 2, (page.table.height(), page.height())
    assert practitioner_top - table_bottom < 40, "no empty band between the list and the row below it"
    rows_seen = page.table.rowAt(page.table.viewport().height() - 1)
    assert rows_seen >= 12, rows_seen
