"""The clinical protocol, loaded from ``microneedle_desk/resources/protocol.json`` and validated.

A broken protocol file must stop the app with a message naming the file and the problem,
so every check here raises :class:`ProtocolError` with a sentence an admin can act on.
"""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from microneedle_desk import i18n
from microneedle_desk.core.course_plan import PlanError, parse_course_plan
from microneedle_desk.core.protocol_model import (
    AFTERCARE_GROUPS,
    BOUND_KEYS,
    HARD_LIMITS,
    STEP_IDS,
    AftercarePoint,
    Bound,
    Choice,
    Contraindication,
    Indication,
    PhotoView,
    Protocol,
    Scale,
    Step,
    Strength,
    Zone,
)
from microneedle_desk.core.protocol_texts import english_texts, read_translation, translation_files
from microneedle_desk.core.record_types import JsonObject

if TYPE_CHECKING:
    from microneedle_desk.core.course_plan import CoursePlan

PROTOCOL_SCHEMA = "microneedle-desk/protocol"
PROTOCOL_VERSION = 1

__all__ = [
    "AFTERCARE_GROUPS",
    "BOUND_KEYS",
    "HARD_LIMITS",
    "PROTOCOL_SCHEMA",
    "PROTOCOL_VERSION",
    "STEP_IDS",
    "AftercarePoint",
    "Bound",
    "Choice",
    "Contraindication",
    "Indication",
    "PhotoView",
    "Protocol",
    "ProtocolError",
    "Scale",
    "Step",
    "Strength",
    "Zone",
    "load_protocol",
    "load_translations",
    "parse_protocol",
]


class ProtocolError(Exception):
    def __init__(self, path: Path | str, problem: str) -> None:
        super().__init__(f"The protocol file {path} cannot be used: {problem}")
        self.path = str(path)
        self.problem = problem


def load_protocol(path: Path) -> Protocol:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProtocolError(path, "the file does not exist.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProtocolError(path, f"it cannot be read ({exc}).") from None
    try:
        raw = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise ProtocolError(path, f"it is not valid JSON (line {exc.lineno}: {exc.msg}).") from None
    protocol = parse_protocol(raw, path)
    load_translations(path, raw)
    return protocol


def load_translations(path: Path, raw: JsonObject) -> None:
    """Check the protocol's translations beside ``path`` and hand their texts to the catalogue.

    Every language with a catalogue beside the protocol (``locale/<language>``) needs one.
    """
    english = english_texts(raw)
    files = translation_files(path)
    for language in sorted(p.name for p in (path.parent / "locale").glob("*") if p.is_dir()):
        if language not in files:
            raise ProtocolError(path, f"the app is translated into “{language}” but the protocol is not: "
                                      f"{path.stem}.{language}.json is missing.")
    for language, file in files.items():
        try:
            i18n.add_data_texts(language, read_translation(file, language, english))
        except ValueError as exc:
            raise ProtocolError(file, str(exc)) from None


def parse_protocol(raw: Any, path: Path | str = "<protocol>") -> Protocol:
    p = _Parser(path)
    root = p.obj(raw, "the top level")
    if root.get("schema") != PROTOCOL_SCHEMA:
        p.fail(f'"schema" must be "{PROTOCOL_SCHEMA}".')
    if root.get("version") != PROTOCOL_VERSION:
        p.fail(f'"version" is {root.get("version")!r}; this app reads version {PROTOCOL_VERSION}.')

    bounds_raw = p.obj(p.key(root, "bounds"), '"bounds"')
    bounds: dict[str, Bound] = {}
    for key in BOUND_KEYS:
        b = p.obj(p.key(bounds_raw, key, '"bounds"'), f'bounds "{key}"')
        lo, hi = p.num(b, "min", key), p.num(b, "max", key)
        step = p.num(b, "step", key) if "step" in b else None
        default = p.num(b, "default", key) if "default" in b else None
        if lo > hi:
            p.fail(f'bounds "{key}": min {lo} is above max {hi}.')
        if default is not None and not lo <= default <= hi:
            p.fail(f'bounds "{key}": default {default} is outside {lo}–{hi}.')
        if key in HARD_LIMITS:
            hard_lo, hard_hi = HARD_LIMITS[key]
            if lo < hard_lo or hi > hard_hi:
                p.fail(f'bounds "{key}" must stay within {hard_lo}–{hard_hi}; found {lo}–{hi}.')
        bounds[key] = Bound(lo, hi, step, default)

    scales = tuple(
        Scale(p.text(s, "id", "scales"), p.text(s, "label", "scales"),
              tuple(str(g) for g in p.lst(s.get("grades", []), "scales grades")))
        for s in p.items(root, "scales")
    )
    scale_ids = {s.id for s in scales}
    indications = []
    needle = bounds["needle_length_mm"]
    for item in p.items(root, "indications"):
        ind = Indication(
            p.text(item, "id", "indications"), p.text(item, "label", "indications"),
            tuple(str(s) for s in p.lst(p.key(item, "scales", "indications"), "indication scales")),
            p.num(item, "default_needle_mm", "indications"),
            int(p.num(item, "interval_days", "indications")),
        )
        unknown = set(ind.scales) - scale_ids
        if unknown:
            p.fail(f'indication "{ind.id}" names unknown scales: {", ".join(sorted(unknown))}.')
        if not needle.min <= ind.default_needle_mm <= needle.max:
            p.fail(f'indication "{ind.id}": default needle {ind.default_needle_mm} mm is outside '
                   f"{needle.min}–{needle.max} mm.")
        if ind.interval_days < 1:
            p.fail(f'indication "{ind.id}": interval_days must be at least 1.')
        indications.append(ind)

    sexes = p.choices(root, "sexes")
    sex_ids = {s.id for s in sexes}
    contraindications = []
    for c in p.items(root, "contraindications"):
        ci = Contraindication(p.text(c, "id", "contraindications"),
                                p.text(c, "question", "contraindications"),
                                bool(c.get("asks_last_dose", False)),
                                p.ids_list(c, "applies_to_sex", "contraindications"))
        unknown = set(ci.applies_to_sex) - sex_ids
        if unknown:
            p.fail(f'contraindication "{ci.id}": "applies_to_sex" names unknown sexes: '
                   f'{", ".join(sorted(unknown))} (known: {", ".join(sorted(sex_ids))}).')
        if "applies_to_sex" in c and not ci.applies_to_sex:
            p.fail(f'contraindication "{ci.id}": "applies_to_sex" must name at least one sex '
                   "(leave it out to ask everyone).")
        contraindications.append(ci)
    forms = p.choices(root, "minoxidil_forms")
    form_ids = {f.id for f in forms}
    strengths = []
    for s in p.items(root, "minoxidil_strengths"):
        strength = Strength(p.text(s, "id", "minoxidil_strengths"), p.text(s, "label", "minoxidil_strengths"),
                            p.ids_list(s, "forms", "minoxidil_strengths"))
        if not strength.forms or set(strength.forms) - form_ids:
            p.fail(f'minoxidil strength "{strength.id}": "forms" must name one or more of: '
                   f'{", ".join(sorted(form_ids))}.')
        strengths.append(strength)
    zones = []
    for z in p.items(root, "zones"):
        pts = p.lst(p.key(z, "map", "zones"), "zone map")
        try:
            poly = tuple((float(x), float(y)) for x, y in pts)
        except (TypeError, ValueError):
            p.fail(f'zone "{z.get("id")}": "map" must be a list of [x, y] points.')
        if len(poly) < 3 or not all(0 <= v <= 1 for pt in poly for v in pt):
            p.fail(f'zone "{z.get("id")}": "map" needs 3 or more points within 0–1.')
        zones.append(Zone(p.text(z, "id", "zones"), p.text(z, "label", "zones"), poly))
    aftercare = tuple(
        AftercarePoint(p.text(a, "id", "aftercare"), p.text(a, "text", "aftercare"),
                       p.text(a, "group", "aftercare"))
        for a in p.items(root, "aftercare")
    )
    for point in aftercare:
        if point.group not in AFTERCARE_GROUPS:
            p.fail(f'aftercare point "{point.id}": "group" must be one of {", ".join(AFTERCARE_GROUPS)}.')
    home_roller = tuple(
        AftercarePoint(p.text(a, "id", "home_roller"), p.text(a, "text", "home_roller"))
        for a in p.items(root, "home_roller")
    )
    roller = bounds["home_roller_mm"]
    if roller.min <= 0 or roller.max > needle.min:
        p.fail(f'bounds "home_roller_mm" must be above 0 and at most the shortest clinic needle '
               f"({needle.min} mm): home rollers have shorter needles; found {roller.min}–{roller.max}.")
    steps = tuple(
        Step(p.text(s, "id", "steps"), p.text(s, "title", "steps"),
             p.text(s, "instruction", "steps"))
        for s in p.items(root, "steps")
    )
    if tuple(s.id for s in steps) != STEP_IDS:
        p.fail(f'"steps" must list, in order: {", ".join(STEP_IDS)}.')

    photo_views = tuple(
        PhotoView(p.text(v, "id", "photo_views"), p.text(v, "label", "photo_views"),
                  p.text(v, "instruction", "photo_views"))
        for v in p.lst(root.get("photo_views", []), '"photo_views"')
    )
    if len({v.id for v in photo_views}) != len(photo_views):
        p.fail('"photo_views" has the same id twice.')
    protocol = Protocol(
        bounds=bounds,
        indications=tuple(indications),
        scales=scales,
        sexes=sexes,
        contraindications=tuple(contraindications),
        antiseptics=p.choices(root, "antiseptics"),
        endpoints=p.choices(root, "endpoints"),
        adjuncts=p.choices(root, "adjuncts"),
        minoxidil_forms=forms,
        minoxidil_strengths=tuple(strengths),
        pass_directions=p.choices(root, "pass_directions"),
        zones=tuple(zones),
        side_effects=p.choices(root, "side_effects"),
        severities=p.choices(root, "severities"),
        aftercare=aftercare,
        home_roller=home_roller,
        steps=steps,
        photo_views=photo_views,
    )
    for group in ("indications", "scales", "sexes", "contraindications", "antiseptics",
                  "endpoints", "adjuncts", "pass_directions", "zones", "side_effects",
                  "severities", "aftercare", "home_roller", "minoxidil_forms", "minoxidil_strengths"):
        ids = protocol.ids(group)
        if not ids:
            p.fail(f'"{group}" must not be empty.')
        if len(set(ids)) != len(ids):
            p.fail(f'"{group}" has the same id twice.')
    for required, group in (("none", "adjuncts"), ("minoxidil", "adjuncts"), ("prp", "adjuncts"),
                            ("neither", "endpoints"), ("isotretinoin", "contraindications")):
        if required not in protocol.ids(group):
            p.fail(f'"{group}" must contain the id "{required}".')
    # checked last: a plan names an adjunct, so the groups must be whole first
    plans = _course_plans(p, root, protocol.ids("adjuncts"))
    return dataclasses.replace(protocol, course_plans=plans)


def _course_plans(p: _Parser, root: JsonObject, adjuncts: tuple[str, ...]) -> tuple[CoursePlan, ...]:
    """The published plans: their needle length is the studies' own, so it is held to the source's
    hard limits; a clinic whose protocol narrows the range still sees (and may not use) a 1.5 mm plan."""
    plans = []
    for raw in p.lst(root.get("course_plans", []), '"course_plans"'):
        try:
            plans.append(parse_course_plan(raw, needle_range=HARD_LIMITS["needle_length_mm"], adjuncts=adjuncts))
        except PlanError as exc:
            p.fail(f'"course_plans": {exc.message}')
    if len({plan.id for plan in plans}) != len(plans):
        p.fail('"course_plans" has the same id twice.')
    return tuple(plans)


class _Parser:
    def __init__(self, path: Path | str) -> None:
        self.path = path

    def fail(self, problem: str) -> NoReturn:
        raise ProtocolError(self.path, problem)

    def obj(self, value: Any, where: str) -> JsonObject:
        if not isinstance(value, dict):
            self.fail(f"{where} must be a JSON object.")
        return value

    def lst(self, value: Any, where: str) -> list[Any]:
        if not isinstance(value, list):
            self.fail(f"{where} must be a JSON list.")
        return value

    def key(self, obj: JsonObject, key: str, where: str = "the top level") -> Any:
        if key not in obj:
            self.fail(f'"{key}" is missing in {where}.')
        return obj[key]

    def items(self, root: JsonObject, key: str) -> list[JsonObject]:
        return [self.obj(v, f'an entry of "{key}"') for v in self.lst(self.key(root, key), f'"{key}"')]

    def text(self, obj: JsonObject, key: str, where: str) -> str:
        value = obj.get(key)
        if not isinstance(value, str) or not value.strip():
            self.fail(f'an entry of "{where}" needs a non-empty text "{key}".')
        return str(value)

    def num(self, obj: JsonObject, key: str, where: str) -> Decimal:
        value = obj.get(key)
        if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
            self.fail(f'"{key}" of "{where}" must be a number.')
        return Decimal(value)

    def ids_list(self, obj: JsonObject, key: str, where: str) -> tuple[str, ...]:
        """An optional list of ids (empty when the key is absent)."""
        values = self.lst(obj.get(key, []), f'"{key}" of "{where}"')
        if not all(isinstance(v, str) and v.strip() for v in values):
            self.fail(f'"{key}" of "{where}" must be a list of ids (text).')
        return tuple(values)

    def choices(self, root: JsonObject, key: str) -> tuple[Choice, ...]:
        return tuple(Choice(self.text(c, "id", key), self.text(c, "label", key))
                     for c in self.items(root, key))
