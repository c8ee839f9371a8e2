"""The history table's columns and the text of its cells, made from a session's summary row."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QLocale, Qt

from microneedle_desk.core.protocol import Protocol
from microneedle_desk.i18n import N_, tr

COLUMNS: tuple[tuple[str, str], ...] = (
    ("date", N_("Date")),
    ("patient", N_("Patient")),
    ("practitioner", N_("Practitioner")),
    ("indication", N_("Indication")),
    ("needle", N_("Needle mm")),
    ("dwell", N_("Dwell")),
    ("needling", N_("Needling")),
    ("adjunct", N_("Adjunct")),
    ("side_effects", N_("Side effects")),
    ("status", N_("Status")),
)
NUMERIC = {4, 5, 6}
ROW_ROLE = int(Qt.ItemDataRole.UserRole.value) + 1  # the summary dict
ID_ROLE = int(Qt.ItemDataRole.UserRole.value) + 2   # the session id

STATUS_NAMES = {"in_progress": N_("in progress"), "signed": N_("signed"), "amended": N_("amended"),
                "abandoned": N_("abandoned")}


def minutes_text(seconds: object) -> str:
    if not isinstance(seconds, (int, float)):
        return ""
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def status_of(summary: Mapping[str, Any]) -> str:
    """The session's state in words, in the person's language (searched as shown)."""
    status = str(summary.get("status") or "")
    if status == "signed" and (summary.get("amended") or summary.get("amendments")):
        status = "amended"
    return tr(STATUS_NAMES.get(status, status.replace("_", " ")))


class Labels:
    """The protocol's display labels as dicts, looked up once per load."""

    def __init__(self, protocol: Protocol, practitioners: dict[str, str]) -> None:
        self.practitioners = practitioners  # names by account id
        self.indications = {i.id: tr(i.label) for i in protocol.indications}
        self.locale = QLocale()  # numbers as the person writes them (1,2 under German)
        self.adjuncts = {a: protocol.label("adjuncts", a) for a in protocol.ids("adjuncts")}
        self.side_effects = {k: protocol.label("side_effects", k) for k in protocol.ids("side_effects")}

    def practitioner(self, practitioner_id: object) -> str:
        return self.practitioners.get(str(practitioner_id), "(unknown)")

    def needle(self, mm: float | None) -> str:
        return self.locale.toString(mm, "f", 1) if mm is not None else ""

    def effects(self, summary: Mapping[str, Any]) -> str:
        effects = summary.get("side_effects") or []
        if effects:
            return ", ".join([self.side_effects.get(k, k) for k in effects])
        return tr("none") if summary.get("none_observed") else ""


class Row:
    """One row of a page of the table: its cells' texts and session id; its summary is read
    when asked for (a selected row, an export), not with the page."""

    __slots__ = ("_fetch", "_summary", "disp", "session_id")

    def __init__(self, disp: tuple[str, ...], session_id: str, fetch: Any) -> None:
        self.disp, self.session_id, self._fetch = disp, session_id, fetch
        self._summary: Mapping[str, Any] | None = None

    @property
    def summary(self) -> Mapping[str, Any]:
        if self._summary is None:
            self._summary = self._fetch()
        return self._summary
