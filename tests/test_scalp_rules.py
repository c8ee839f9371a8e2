"""Scalp content in the core: sex-limited screening, several endpoints, antibiotic or none,
minoxidil and PRP details, the home derma roller, and amendments of every clinical field."""

from __future__ import annotations

import copy
import json
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from helpers import (
    PRACTITIONER,
    amend_with_pin,
    apply_anesthetic,
    clear_screening,
    do_needling,
    make_demo_patient,
    make_event,
    pin_sink,
    prepare_device,
    shipped_protocol,
    start_session,
    wait_dwell,
)

from microneedle_desk.core import script
from microneedle_desk.core.amendments import (
    amendable_fields,
    amended_state,
    display_value,
    validate_amendment_doc,
)
from microneedle_desk.core.clock import FakeClock
from microneedle_desk.core.fold import apply_event, replay
from microneedle_desk.core.fold_common import EventError
from microneedle_desk.core.protocol import ProtocolError, parse_protocol
from microneedle_desk.core.session import Session
from microneedle_desk.core.validation import ValidationError
from microneedle_desk.printing import jobs
from microneedle_desk.printing.content import ClinicInfo
from microneedle_desk.printing.handout import handout
from microneedle_desk.printing.render import write_pdf
from microneedle_desk.store.check import check_store
from microneedle_desk.store.store import Store

P = shipped_protocol()
RAW = json.loads(Path("microneedle_desk/resources/protocol.json").read_text(encoding="utf-8"), parse_float=Decimal)
CLINIC = ClinicInfo("Demo Hair Clinic", "12 Example Street", "+44 20 7946 0000")


def refused_unchanged(s: Session, action: Any, match: str) -> None:
    before = copy.deepcopy(s.state)
    with pytest.raises(ValidationError, match=match):
        action()
    assert s.state.events == before.events


def needled(sex: str = "male") -> tuple[Session, FakeClock]:
    clock = FakeClock()
    s = start_session(P, clock, make_demo_patient(P, clock, sex=sex))
    clear_screening(s)
    apply_anesthetic(s)
    prepare_device(s, clock)
    wait_dwell(s, clock)
    do_needling(s, clock)
    return s, clock


def with_raw(change: Any) -> dict[str, Any]:
    raw = copy.deepcopy(RAW)
    change(raw)
    return raw


# -- protocol ------------------------------------------------------------------------------
@pytest.mark.parametrize(("change", "words"), [
    (lambda r: r["contraindications"][7].update(applies_to_sex=["woman"]), "unknown sexes: woman"),
    (lambda r: r["contraindications"][7].update(applies_to_sex=[]), "at least one sex"),
    (lambda r: r["aftercare"][0].update(group="later"), "must be one of first_days"),
    (lambda r: r["aftercare"][0].pop("group"), 'non-empty text "group"'),
    (lambda r: r["bounds"]["home_roller_mm"].update(max=Decimal("1.0")), "at most the shortest clinic needle"),
    (lambda r: r["bounds"].pop("home_roller_mm"), '"home_roller_mm" is missing'),
    (lambda r: r["minoxidil_strengths"][0].update(forms=["cream"]), "must name one or more of"),
    (lambda r: r.update(home_roller=[]), '"home_roller" must not be empty'),
    (lambda r: r.pop("minoxidil_forms"), '"minoxidil_forms" is missing'),
])
def test_a_protocol_with_bad_scalp_content_is_refused_with_a_message(change: Any, words: str) -> None:
    with pytest.raises(ProtocolError, match=words):
        parse_protocol(with_raw(change))


def test_the_shipped_aftercare_is_for_the_scalp() -> None:
    texts = " ".join(a.text for a in P.aftercare).lower()
    for phrase in ("do not wash your hair", "24 hours", "swimming", "sweat", "hair dye", "styling products",
                   "hat", "direct sun"):
        assert phrase in texts, phrase
    roller = " ".join(a.text for a in P.home_roller).lower()
    for phrase in ("70 % isopropyl alcohol", "before and after each use", "wash and dry your scalp",
                   "never share", "pressing hard", "soak in", "infection and scarring"):
        assert phrase in roller, phrase
    assert P.contraindication("pregnant_or_breastfeeding").applies_to_sex == ("female", "other")


# -- screening limited by sex --------------------------------------------------------------
def test_a_male_patient_is_not_asked_about_pregnancy_and_it_is_recorded_as_not_applicable() -> None:
    clock = FakeClock()
    s = start_session(P, clock, make_demo_patient(P, clock, sex="male"))
    assert s.state.events[0]["data"]["not_applicable"] == ["pregnant_or_breastfeeding"]
    assert "pregnant_or_breastfeeding" not in s.state.unanswered(P)
    refused_unchanged(s, lambda: s.answer("pregnant_or_breastfeeding", False), "not asked of this patient")
    clear_screening(s)
    assert s.state.screening_cleared(P)
    assert "pregnant_or_breastfeeding" not in s.state.answers  # not a "no"


@pytest.mark.parametrize("sex", ["female", "other"])
def test_a_female_or_unstated_patient_is_asked_about_pregnancy(sex: str) -> None:
    clock = FakeClock()
    s = start_session(P, clock, make_demo_patient(P, clock, sex=sex))
    assert s.state.not_applicable == ()
    assert "pregnant_or_breastfeeding" in s.state.unanswered(P)


def test_a_start_event_cannot_leave_out_a_question_asked_of_everyone() -> None:
    clock = FakeClock()
    s = start_session(P, clock, make_demo_patient(P, clock, sex="male"))
    event = copy.deepcopy(s.state.events[0])
    event["data"]["not_applicable"] = ["blood_thinners"]
    with pytest.raises(EventError, match="cannot be left out"):
        replay([event], P)


# -- endpoint --------------------------------------------------------------------------------
def test_pinpoint_bleeding_and_redness_are_recorded_together() -> None:
    s, _ = needled()
    s.set_endpoint(["redness", "pinpoint_bleeding"])
    assert s.state.endpoints == ("pinpoint_bleeding", "redness")
    refused_unchanged(s, lambda: s.set_endpoint(["neither", "redness"]), "cannot be ticked together")
    refused_unchanged(s, lambda: s.set_endpoint([]), "Tick at least one endpoint")
    refused_unchanged(s, lambda: s.set_endpoint(["lava"]), "Endpoint must be one of")


def test_an_old_record_with_one_endpoint_reads_as_a_one_item_list() -> None:
    s, _ = needled()
    legacy = make_event(s, "endpoint_set", {"kind": "redness", "note": ""})
    apply_event(s.state, legacy, P)
    assert s.state.endpoints == ("redness",)


# -- clean-up ---------------------------------------------------------------------------------
def test_clean_up_may_record_that_no_antibiotic_cream_was_used() -> None:
    s, _ = needled()
    assert "Clean-up: antibiotic cream (the product, or none used)" in s.state.missing(P)
    s.no_antibiotic()
    assert (s.state.antibiotic_used, s.state.antibiotic_product) == (False, "")
    assert not any("antibiotic" in m for m in s.state.missing(P))
    bad = make_event(s, "antibiotic_applied", {"used": False, "product": "Fucidin"})
    refused_unchanged(s, lambda: apply_event(s.state, bad, P), "leave the product empty")
    refused_unchanged(s, lambda: s.apply_antibiotic("  "), "antibiotic cream product")
    s.apply_antibiotic("Fucidin")
    assert (s.state.antibiotic_used, s.state.antibiotic_product) == (True, "Fucidin")


# -- adjunct -----------------------------------------------------------------------------------
def test_minoxidil_needs_a_product_a_form_and_a_strength_that_fits_it() -> None:
    s, _ = needled()
    refused_unchanged(s, lambda: s.set_adjunct("minoxidil"), "minoxidil product name must not be empty")
    refused_unchanged(s, lambda: s.set_adjunct("minoxidil", product="Regaine", strength="5pct"),
                      "Choose the minoxidil form: Solution, Foam, Oral")
    refused_unchanged(s, lambda: s.set_adjunct("minoxidil", product="Loniten", strength="5pct", form="oral"),
                      "strength for the oral .* form: 0.25 mg, 0.5 mg, 1 mg, 2.5 mg, 5 mg")
    refused_unchanged(s, lambda: s.set_adjunct("minoxidil", product="Regaine", strength="5mg", form="foam"),
                      "for the foam form: 2 %, 5 %")
    s.set_adjunct("minoxidil", product="Regaine", strength="2pct", form="solution")
    assert (s.state.minoxidil_product, s.state.minoxidil_strength, s.state.minoxidil_form) == (
        "Regaine", "2pct", "solution")
    assert s.state.minoxidil_resume_at() is not None
    s.set_adjunct("minoxidil", product="Loniten", strength="2.5mg", form="oral")
    assert s.state.minoxidil_resume_at() is None  # tablets are not put on the scalp


def test_prp_needs_its_volume_and_kit_lot() -> None:
    s, _ = needled()
    refused_unchanged(s, lambda: s.set_adjunct("prp", "4"), "PRP kit lot number must not be empty")
    refused_unchanged(s, lambda: s.set_adjunct("prp", "40", kit_lot="K-1"), "0.5–20 mL")
    s.set_adjunct("prp", "4", kit_lot="K-1")
    assert (s.state.prp_ml, s.state.prp_kit_lot) == (Decimal(4), "K-1")


def test_an_old_record_with_minoxidil_without_details_still_replays_and_stays_signed() -> None:
    s, clock = needled()
    started = s.state.events[0]
    started["data"].pop("content")  # the first record form
    state = replay(s.state.events, P)
    legacy = Session(P, clock, s.device, state)
    apply_event(legacy.state, make_event(legacy, "adjunct_set", {"kind": "minoxidil"}), P)
    assert legacy.state.adjunct == "minoxidil" and legacy.state.content == 1
    # closed out as the first record form was: no home-roller question existed
    legacy.set_endpoint("pinpoint_bleeding")
    legacy.confirm_blood_washed()
    legacy.apply_antibiotic("Fucidin")
    legacy.declare_none_observed()
    legacy.confirm_aftercare()
    legacy.set_next_session(legacy.state.suggested_next_session())
    assert legacy.state.missing(P) == []  # the home-roller question did not exist then
    legacy.sign()
    assert replay(legacy.state.events, P).status == "signed"


# -- home derma roller ---------------------------------------------------------------------------
def test_the_home_roller_is_asked_before_signing_and_its_length_is_held_to_the_home_range() -> None:
    s, _ = needled()
    assert "Aftercare: whether the patient uses a derma roller at home" in s.state.missing(P)
    refused_unchanged(s, lambda: s.set_home_roller(True), "Allowed: 0.2–0.5 mm in steps of 0.05 mm")
    refused_unchanged(s, lambda: s.set_home_roller(True, "1.0"), "must be 0.2–0.5 mm")
    refused_unchanged(s, lambda: s.set_home_roller(True, "0.33"), "not on a step")
    s.set_home_roller(True, "0.25")
    assert (s.state.home_roller, str(s.state.home_roller_mm)) == (True, "0.25")
    s.set_home_roller(False)
    assert (s.state.home_roller, s.state.home_roller_mm) == (False, None)
    assert not any("derma roller" in m for m in s.state.missing(P))


# -- amendments -------------------------------------------------------------------------------------
@pytest.fixture
def signed(tmp_path: Path) -> tuple[Store, str]:
    clock = FakeClock()
    store = Store(tmp_path / "data", P, clock)
    s = start_session(P, clock, sink=pin_sink(store), device=store.device)
    script.run_complete_session(s, clock.advance)
    return store, s.id


EVERY_FIELD = [
    ("grade", "IV", "grade", "IV"),
    ("screening:blood_thinners", True, "answers", {"blood_thinners": True}),
    ("isotretinoin_last_dose", "2025-01-10", "isotretinoin_last_dose", "2025-01-10"),
    ("consent_by", "Sam Guardian", "consent_by", "Sam Guardian"),
    ("anesthetic_product", "LMX4", "anesthetic_product", "LMX4"),
    ("needle_mm", "1.2", "needle_mm", "1.2"),
    ("cartridge_lot", "LOT-9", "cartridge_lot", "LOT-9"),
    ("cartridge_expiry", "2027-03-01", "cartridge_expiry", "2027-03-01"),
    ("handpiece_serial", "HP-10", "handpiece_serial", "HP-10"),
    ("antiseptic", "povidone_iodine", "antiseptic", "povidone_iodine"),
    ("zones", ["vertex", "frontal", "occipital"], "zones", {"frontal", "vertex", "occipital"}),
    ("passes", "5", "passes", 5),
    ("directions", ["transverse"], "directions", ("transverse",)),
    ("endpoint", ["pinpoint_bleeding", "redness"], "endpoints", ("pinpoint_bleeding", "redness")),
    ("endpoint_note", "Even erythema", "endpoint_note", "Even erythema"),
    ("antibiotic_product", "", "antibiotic_used", False),
    ("minoxidil", {"product": "Rogaine", "strength": "2pct", "form": "solution"}, "minoxidil_strength", "2pct"),
    ("prp_ml", "3.5", "prp_ml", "3.5"),
    ("prp_kit_lot", "KIT-3", "prp_kit_lot", "KIT-3"),
    ("home_roller", {"uses": True, "mm": "0.3"}, "home_roller_mm", "0.3"),
    ("next_session", "2026-12-20", "next_session", "2026-12-20"),
]


@pytest.mark.parametrize(("field", "value", "attr", "expected"), EVERY_FIELD, ids=[f[0] for f in EVERY_FIELD])
def test_every_clinical_field_of_a_signed_session_can_be_amended(signed: tuple[Store, str], field: str,
                                                                 value: Any, attr: str, expected: Any) -> None:
    store, sid = signed
    sealed = amend_with_pin(store, sid, field, value, "Corrected from the paper notes")
    assert (sealed["by"], sealed["reason"]) == (PRACTITIONER, "Corrected from the paper notes")
    assert sealed["old"] != sealed["new"]
    state = store.session_state(sid)
    assert state is not None
    now = getattr(amended_state(state, store.amendments(sid)), attr)
    if attr == "answers":
        assert all(now[k] == v for k, v in expected.items())
    else:
        assert (str(now) if isinstance(expected, str) else now) == expected
    assert getattr(state, attr) != now  # the signed record itself is untouched
    root = store.root
    store.close()
    assert check_store(root, P) == []
    assert field in amendable_fields(P)


@pytest.mark.parametrize(("field", "value", "words"), [
    ("endpoint", ["neither", "redness"], "cannot be ticked together"),
    ("endpoint", [], "Tick at least one endpoint"),
    ("minoxidil", {"product": "Loniten", "strength": "5pct", "form": "oral"}, "for the oral"),
    ("home_roller", {"uses": True, "mm": "1.0"}, "0.2–0.5 mm"),
    ("home_roller", {"uses": None, "mm": ""}, "Yes or No"),
    ("screening:pregnant_or_breastfeeding", True, "not asked of this patient|was not asked"),
    ("screening:blood_thinners", "maybe", "Yes or No"),
    ("passes", "0", "1–20"),
    ("zones", [], "tick at least one"),
    ("cartridge_expiry", "2026-01-01", "out of date on the session's day"),
    ("isotretinoin_last_dose", "2027-01-01", "cannot be in the future"),
    ("adjunct", "prp", "PRP volume first"),
])
def test_an_amendment_is_held_to_the_session_rules(signed: tuple[Store, str], field: str, value: Any,
                                                   words: str) -> None:
    store, sid = signed
    with pytest.raises(ValidationError, match=words):
        amend_with_pin(store, sid, field, value, "a reason")
    assert store.amendments(sid) == []


def test_an_endpoint_amendment_of_the_first_form_stays_readable(signed: tuple[Store, str]) -> None:
    store, sid = signed
    state = store.session_state(sid)
    assert state is not None
    old_form = {"schema": 1, "kind": "amendment", "id": "0b6f6c1e-3c1f-4d7e-9a55-6a0c2b8e4f11",
                "session_id": sid, "field": "endpoint", "old": "pinpoint_bleeding", "new": "redness",
                "reason": "typo", "by": "Dr Demo", "at": "2026-11-26T10:00:00.000+00:00", "device": "d"}
    validate_amendment_doc(old_form, state, [], P)
    assert amended_state(state, [old_form]).endpoints == ("redness",)
    assert display_value("endpoint", "redness", P) == "Redness"


# -- printing ---------------------------------------------------------------------------------------
def pdf_text(path: Path) -> str:
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                         text=True).stdout
    return " ".join(out.replace("ﬁ", "fi").replace("ﬀ", "ff").split())


def test_the_handout_prints_every_scalp_aftercare_point(qapp: Any, signed: tuple[Store, str],
                                                        tmp_path: Path) -> None:
    store, sid = signed
    doc = jobs.handout_for(store, sid, CLINIC, store.clock.now())
    for point in P.aftercare:
        assert point.text in doc.text(), point.id
    assert "derma roller" not in doc.text()  # this patient uses none
    path = tmp_path / "handout.pdf"
    assert write_pdf([doc], path) == 1
    text = pdf_text(path)
    for phrase in ("Do not wash your hair or wet your scalp for the first 24 hours", "No swimming",
                   "hair dye", "wear a loose hat outdoors"):
        assert phrase in text, phrase


def test_the_handout_adds_the_home_roller_points_for_a_patient_who_uses_one(qapp: Any, tmp_path: Path) -> None:
    clock = FakeClock()
    store = Store(tmp_path / "data", P, clock)
    s = start_session(P, clock, sink=pin_sink(store), device=store.device)
    script.run_complete_session(s, clock.advance, home_roller_mm="0.25")
    path = tmp_path / "handout.pdf"
    assert write_pdf([jobs.handout_for(store, s.id, CLINIC, clock.now())], path) == 2  # its own page
    text = pdf_text(path)
    for phrase in ("If you use a derma roller at home", "Your roller's needles: 0.25 mm",
                   "70 % isopropyl alcohol before and after each use", "Wash and dry your scalp",
                   "Never share your roller", "pressing hard can tear", "infection and scarring"):
        assert phrase in text, phrase
    assert handout(None, CLINIC, protocol=P).text().count("Never share your roller") == 1  # the blank one too


def test_the_sheet_prints_the_scalp_record_and_the_amended_values(qapp: Any, tmp_path: Path) -> None:
    clock = FakeClock()
    store = Store(tmp_path / "data", P, clock)
    s = start_session(P, clock, sink=pin_sink(store), device=store.device)
    script.run_complete_session(s, clock.advance, endpoint=["pinpoint_bleeding", "redness"], antibiotic="",
                                home_roller_mm="0.25")
    amend_with_pin(store, s.id, "needle_mm", "1.2", "Box said 1.2 mm")
    amend_with_pin(store, s.id, "minoxidil", {"product": "Rogaine", "strength": "2pct", "form": "solution"},
                   "Wrong bottle noted")
    path = tmp_path / "sheet.pdf"
    assert write_pdf([jobs.sheet_for(store, s.id, CLINIC, "Dr Demo", clock.now())], path) == 1
    text = pdf_text(path)
    for phrase in ("Pinpoint bleeding and Redness", "Antibiotic cream None used",
                   "Home derma roller Uses one at home, 0.25 mm needles; home-roller points on the handout",
                   "Pregnant or breastfeeding? N/A",
                   "not applicable to a male patient", "Needle length 1.2 mm (amended)",
                   "Minoxidil — Rogaine, 2 % solution (amended)", "Amendments after signing",
                   "Needle length (mm) 1.5 mm 1.2 mm Box said 1.2 mm",
                   "Regaine for Men", "Wrong bottle noted"):
        assert phrase in text, phrase
