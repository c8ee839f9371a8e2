"""The protocol file: the shipped one loads; a broken one stops with a message naming file and problem."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from helpers import PROTOCOL_FILE

from microneedle_desk.core.protocol import (
    STEP_IDS,
    ProtocolError,
    load_protocol,
    parse_protocol,
)

Raw = dict[str, Any]


def shipped_raw() -> Raw:
    return json.loads(PROTOCOL_FILE.read_text(encoding="utf-8"))


def write(tmp_path: Path, raw: Raw | str, name: str = "protocol.json") -> Path:
    path = tmp_path / name
    path.write_text(raw if isinstance(raw, str) else json.dumps(raw), encoding="utf-8")
    return path


def load_broken(tmp_path: Path, change: Callable[[Raw], object]) -> ProtocolError:
    raw = shipped_raw()
    change(raw)
    path = write(tmp_path, raw)
    with pytest.raises(ProtocolError) as info:
        load_protocol(path)
    assert str(path) in str(info.value), "the message must name the file"
    assert info.value.path == str(path)
    return info.value


# -- the shipped file -----------------------------------------------------------------
def test_shipped_protocol_loads_with_the_clinical_source_limits() -> None:
    protocol = load_protocol(PROTOCOL_FILE)
    needle = protocol.bounds["needle_length_mm"]
    assert (needle.min, needle.max, needle.step) == (Decimal("0.5"), Decimal("1.5"), Decimal("0.1"))
    dwell = protocol.bounds["dwell_minutes"]
    assert (dwell.min, dwell.max) == (15, 45)
    needling = protocol.bounds["needling_minutes"]
    assert (needling.min, needling.max) == (15, 20)
    assert protocol.bounds["isotretinoin_washout_months"].default == 6
    assert protocol.bounds["minoxidil_resume_hours"].default == 24
    assert tuple(s.id for s in protocol.steps) == STEP_IDS


def test_shipped_protocol_lists_every_contraindication_of_the_source() -> None:
    ids = set(load_protocol(PROTOCOL_FILE).ids("contraindications"))
    assert {"skin_infection_or_rash", "eczema_or_psoriasis", "isotretinoin", "blood_thinners",
            "hepatitis_or_hiv", "raised_lesions", "chemo_radio_steroids",
            "pregnant_or_breastfeeding", "anesthetic_allergy", "steel_allergy"} <= ids


def test_only_isotretinoin_asks_for_a_last_dose_date() -> None:
    protocol = load_protocol(PROTOCOL_FILE)
    assert [c.id for c in protocol.contraindications if c.asks_last_dose] == ["isotretinoin"]


def test_shipped_indications_default_needles_are_within_bounds() -> None:
    protocol = load_protocol(PROTOCOL_FILE)
    needle = protocol.bounds["needle_length_mm"]
    for ind in protocol.indications:
        assert needle.min <= ind.default_needle_mm <= needle.max
        assert ind.scales and all(protocol.scale(s) for s in ind.scales)


def test_a_narrower_needle_range_is_allowed(tmp_path: Path) -> None:
    raw = shipped_raw()
    raw["bounds"]["needle_length_mm"].update(min=0.6, max=1.2)
    for ind in raw["indications"]:
        ind["default_needle_mm"] = 1.0
    protocol = load_protocol(write(tmp_path, raw))
    assert protocol.bounds["needle_length_mm"].max == Decimal("1.2")


def test_protocol_label_falls_back_to_the_id_for_unknown_items() -> None:
    protocol = load_protocol(PROTOCOL_FILE)
    assert protocol.label("side_effects", "redness") == "Redness"
    assert protocol.label("contraindications", "isotretinoin").startswith("Taking isotretinoin")
    assert protocol.label("side_effects", "no-such-thing") == "no-such-thing"


# -- broken files ---------------------------------------------------------------------
def test_missing_file_is_named_in_the_error(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "protocol.json"
    with pytest.raises(ProtocolError) as info:
        load_protocol(path)
    assert str(path) in str(info.value)
    assert "does not exist" in str(info.value)


def test_file_that_is_not_json_is_refused_with_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, '{\n  "schema": "microneedle-desk/protocol",\n  oops\n}')
    with pytest.raises(ProtocolError) as info:
        load_protocol(path)
    assert str(path) in str(info.value)
    assert "not valid JSON" in str(info.value) and "line 3" in str(info.value)


def test_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "protocol.json"
    path.write_bytes(b'{"schema": "\xff\xfe"}')
    with pytest.raises(ProtocolError, match="cannot be read"):
        load_protocol(path)


def test_top_level_must_be_an_object(tmp_path: Path) -> None:
    path = write(tmp_path, "[1, 2, 3]")
    with pytest.raises(ProtocolError, match="top level must be a JSON object"):
        load_protocol(path)


@pytest.mark.parametrize("key", ["bounds", "indications", "scales", "contraindications", "steps",
                                 "zones", "aftercare", "side_effects", "adjuncts"])
def test_missing_top_level_key_is_named(tmp_path: Path, key: str) -> None:
    error = load_broken(tmp_path, lambda raw: raw.pop(key))
    assert f'"{key}" is missing' in error.problem


@pytest.mark.parametrize("key", ["needle_length_mm", "dwell_minutes", "prp_ml",
                                 "isotretinoin_washout_months", "minoxidil_resume_hours"])
def test_missing_bound_is_named(tmp_path: Path, key: str) -> None:
    error = load_broken(tmp_path, lambda raw: raw["bounds"].pop(key))
    assert f'"{key}" is missing in "bounds"' in error.problem


@pytest.mark.parametrize(("lo", "hi"), [(0.4, 1.5), (0.5, 2.0), (0.1, 2.5)])
def test_needle_bounds_widened_beyond_the_source_range_are_refused(tmp_path: Path, lo: float, hi: float) -> None:
    def widen(raw: Raw) -> None:
        raw["bounds"]["needle_length_mm"].update(min=lo, max=hi)

    error = load_broken(tmp_path, widen)
    assert "needle_length_mm" in error.problem
    assert "0.5–1.5" in error.problem


@pytest.mark.parametrize(("key", "lo", "hi"), [("dwell_minutes", 10, 45), ("dwell_minutes", 15, 60),
                                               ("needling_minutes", 10, 20), ("needling_minutes", 15, 30)])
def test_dwell_and_needling_times_cannot_be_widened(tmp_path: Path, key: str, lo: int, hi: int) -> None:
    def widen(raw: Raw) -> None:
        raw["bounds"][key].update(min=lo, max=hi, default=lo)

    error = load_broken(tmp_path, widen)
    assert key in error.problem and "must stay within" in error.problem


def test_bound_with_min_above_max_is_refused(tmp_path: Path) -> None:
    error = load_broken(tmp_path, lambda raw: raw["bounds"]["prp_ml"].update(min=5, max=1))
    assert "prp_ml" in error.problem and "above max" in error.problem


def test_bound_default_outside_its_range_is_refused(tmp_path: Path) -> None:
    error = load_broken(tmp_path, lambda raw: raw["bounds"]["dwell_minutes"].update(default=50))
    assert "dwell_minutes" in error.problem and "default 50" in error.problem


@pytest.mark.parametrize("value", ["0.5", True, None, [0.5]])
def test_bound_that_is_not_a_number_is_refused(tmp_path: Path, value: object) -> None:
    error = load_broken(tmp_path, lambda raw: raw["bounds"]["needle_length_mm"].update(min=value))
    assert '"min" of "needle_length_mm" must be a number' in error.problem


def test_indication_naming_an_unknown_scale_is_refused(tmp_path: Path) -> None:
    error = load_broken(tmp_path, lambda raw: raw["indications"][0]["scales"].append("hamilton_v2"))
    assert "unknown scales" in error.problem and "hamilton_v2" in error.problem
    assert raw_id(0) in error.problem


def raw_id(index: int) -> str:
    return str(shipped_raw()["indications"][index]["id"])


def test_indication_default_needle_outside_bounds_is_refused(tmp_path: Path) -> None:
    error = load_broken(tmp_path, lambda raw: raw["indications"][1].update(default_needle_mm=2.0))
    assert raw_id(1) in error.problem and "default needle 2.0 mm" in error.problem


def test_steps_in_the_wrong_order_are_refused(tmp_path: Path) -> None:
    def swap(raw: Raw) -> None:
        steps = raw["steps"]
        steps[4], steps[5] = steps[5], steps[4]  # needling before antiseptic

    error = load_broken(tmp_path, swap)
    assert '"steps" must list, in order' in error.problem
    assert ", ".join(STEP_IDS) in error.problem


def test_a_missing_step_is_refused(tmp_path: Path) -> None:
    error = load_broken(tmp_path, lambda raw: raw["steps"].pop(1))  # no screening step
    assert '"steps" must list, in order' in error.problem


def test_wrong_schema_or_version_is_refused(tmp_path: Path) -> None:
    assert '"schema"' in load_broken(tmp_path, lambda raw: raw.update(schema="other")).problem
    assert "version 1" in load_broken(tmp_path, lambda raw: raw.update(version=2)).problem


@pytest.mark.parametrize("group", ["contraindications", "side_effects", "zones", "adjuncts"])
def test_an_empty_group_is_refused(tmp_path: Path, group: str) -> None:
    def empty(raw: Raw) -> None:
        raw[group] = []

    error = load_broken(tmp_path, empty)
    assert group in error.problem


def test_a_duplicated_id_is_refused(tmp_path: Path) -> None:
    def dup(raw: Raw) -> None:
        raw["side_effects"].append(dict(raw["side_effects"][0]))

    error = load_broken(tmp_path, dup)
    assert '"side_effects" has the same id twice' in error.problem


@pytest.mark.parametrize(("group", "item"), [("contraindications", "isotretinoin"), ("adjuncts", "prp"),
                                             ("adjuncts", "minoxidil"), ("endpoints", "neither")])
def test_ids_the_app_relies_on_are_required(tmp_path: Path, group: str, item: str) -> None:
    def drop(raw: Raw) -> None:
        raw[group] = [entry for entry in raw[group] if entry["id"] != item]

    error = load_broken(tmp_path, drop)
    assert f'"{group}" must contain the id "{item}"' in error.problem


def test_entry_without_a_label_is_refused(tmp_path: Path) -> None:
    error = load_broken(tmp_path, lambda raw: raw["antiseptics"][0].update(label="  "))
    assert '"antiseptics"' in error.problem and '"label"' in error.problem


def test_zone_map_outside_the_unit_square_is_refused(tmp_path: Path) -> None:
    error = load_broken(tmp_path, lambda raw: raw["zones"][0].update(map=[[0, 0], [1.5, 0], [0, 1]]))
    assert "frontal" in error.problem and "within 0–1" in error.problem


def test_zone_map_with_bad_points_is_refused(tmp_path: Path) -> None:
    error = load_broken(tmp_path, lambda raw: raw["zones"][0].update(map=[[0, 0], "x", [0, 1]]))
    assert "list of [x, y] points" in error.problem


def test_parse_protocol_names_a_placeholder_when_there_is_no_file() -> None:
    raw = shipped_raw()
    del raw["bounds"]
    with pytest.raises(ProtocolError, match="<protocol>"):
        parse_protocol(raw)
