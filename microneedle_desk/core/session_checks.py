"""The checks of entered values that the reducer and amendments share: one rule for a value,
whether it is first recorded or later corrected.
"""

from __future__ import annotations

from decimal import Decimal

from microneedle_desk.core.fold_common import EventError
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.core.validation import (
    check_in_bound,
    parse_bounded,
    parse_decimal,
    require_choice,
    require_text,
)
from microneedle_desk.i18n import tr


def number_or_text(raw: object) -> int | float | str:
    """Pass numbers through, keep text as text: the reducer's parsers give the message."""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return raw
    return str(raw).strip()


# -- rules shared by the reducer and amendments ---------------------------------------------
def check_not_applicable(raw: object, sex: str, p: Protocol) -> tuple[str, ...]:
    """Screening items the start event records as not asked: only items the protocol limits
    to other sexes than the patient's."""
    if not isinstance(raw, list):
        raise EventError("not_applicable", tr("The items not asked must be a list."))
    out: list[str] = []
    for item in raw:
        require_choice(item, p.ids("contraindications"), "not_applicable", "Screening item")
        if p.contraindication(item).asked_of(sex):
            raise EventError("not_applicable", tr("“{question}” is asked of every patient of this sex: it "
                                                  "cannot be left out.").format(
                                                      question=p.label("contraindications", item)))
        out.append(str(item))
    return tuple(dict.fromkeys(out))


def check_endpoints(raw: object, p: Protocol) -> tuple[str, ...]:
    """One or more endpoints; "neither" stands alone."""
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, (list, tuple)) or not raw:
        raise EventError("endpoint", tr("Tick at least one endpoint: {allowed}.").format(
            allowed=", ".join(c.label for c in p.endpoints)))
    kinds = tuple(dict.fromkeys(require_choice(k, p.ids("endpoints"), "endpoint", "Endpoint") for k in raw))
    if "neither" in kinds and len(kinds) > 1:
        raise EventError("endpoint", tr("“Neither” cannot be ticked together with bleeding or redness: "
                                        "untick one of them."))
    return tuple(k for k in p.ids("endpoints") if k in kinds)  # protocol order, whatever the clicks


def check_endpoint_note(raw: object, kinds: tuple[str, ...]) -> str:
    note = str(raw if raw is not None else "").strip()
    if len(note) > 2000:
        raise EventError("note", tr("The endpoint note is limited to 2000 characters."))
    if "neither" in kinds and not note:
        raise EventError("note", tr("When neither bleeding nor redness appeared, add a note saying what was "
                                    "seen."))
    return note


def check_antibiotic(raw: object, used: bool) -> str:
    if not used:
        if str(raw or "").strip():
            raise EventError("product", tr("No antibiotic cream was used: leave the product empty, "
                                           "or untick “None used” to name it."))
        return ""
    return require_text(raw, "product", tr("The antibiotic cream product (or tick “None used”)"), 200)


def check_prp_ml(raw: object, p: Protocol) -> Decimal:
    return parse_bounded(raw, p.bounds["prp_ml"], "prp_ml", "PRP volume", "mL")


def check_kit_lot(raw: object) -> str:
    return require_text(raw, "kit_lot", tr("The PRP kit lot number"), 64)


def check_minoxidil_product(raw: object) -> str:
    return require_text(raw, "product", tr("The minoxidil product name"), 200)


def check_minoxidil_form(raw: object, p: Protocol) -> str:
    if raw not in p.ids("minoxidil_forms"):
        raise EventError("form", tr("Choose the minoxidil form: {allowed}.").format(
            allowed=", ".join(c.label for c in p.minoxidil_forms)))
    return str(raw)


def check_minoxidil_strength(raw: object, form: str, p: Protocol) -> str:
    fitting = [s for s in p.minoxidil_strengths if not form or form in s.forms]
    form_label = p.label("minoxidil_forms", form).lower() if form else ""
    if raw not in [s.id for s in fitting]:
        allowed = ", ".join(s.label for s in fitting)
        message = (tr("Choose the minoxidil strength for the {form} form: {allowed}.") if form
                   else tr("Choose the minoxidil strength: {allowed}."))
        raise EventError("strength", message.format(form=form_label, allowed=allowed))
    return str(raw)


def check_minoxidil(product: object, strength: object, form: object,
                    p: Protocol) -> tuple[str, str, str]:
    """Product, strength and form of the minoxidil given; the strength must fit the form."""
    name = check_minoxidil_product(product)
    form_id = check_minoxidil_form(form, p)
    return name, check_minoxidil_strength(strength, form_id, p), form_id


def check_home_roller_mm(raw: object, p: Protocol) -> Decimal:
    return parse_bounded(raw, p.bounds["home_roller_mm"], "home_roller_mm",
                         tr("The home roller's needle length"), "mm")


def check_needle_mm(value: object, protocol: Protocol) -> Decimal:
    """The store's check for a needle length written anywhere (amendments included)."""
    return check_in_bound(parse_decimal(value, "needle", "Needle length", "mm"),
                          protocol.bounds["needle_length_mm"], "needle", "Needle length", "mm")
