"""What goes on paper, as plain data: no Qt, no HTML.

Every document shares one shape (:class:`PrintDoc`): the signed (or draft) session sheet
(:mod:`~microneedle_desk.printing.session_sheet`), the blank sheet filled in by hand when the
computer is down, the patient's aftercare handout and the lists. :mod:`microneedle_desk.printing.sheet`
turns a PrintDoc into HTML and :mod:`microneedle_desk.printing.render` lays it out on pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from microneedle_desk.core.record_types import AmendmentDoc
from microneedle_desk.i18n import N_

SHEET_TITLE = N_("Scalp microneedling — session record")
BLANK_TITLE = N_("Scalp microneedling — session record (paper)")
HANDOUT_TITLE = N_("Looking after your scalp after microneedling")
DRAFT_MARK = N_("DRAFT — not signed")
AVOID_DAYS = 14  # "about two weeks" in the clinical source


@dataclass(frozen=True)
class ClinicInfo:
    name: str = ""
    address: str = ""
    phone: str = ""
    logo: str = ""  # path of an image file; empty for none


@dataclass(frozen=True)
class Field:
    """One entry of a section.

    ``kind``: ``text`` (label and value), ``line`` (a line to write on), ``box`` (a small
    box with ``hint`` beside it), ``ticks`` (one tick box per option), ``yesno`` (a Yes box
    and a No box).
    """

    label: str
    value: str = ""
    kind: str = "text"
    hint: str = ""
    options: tuple[str, ...] = ()


@dataclass
class Table:
    headers: tuple[str, ...]
    rows: list[tuple[str, ...]] = field(default_factory=list)


@dataclass
class Section:
    title: str
    fields: list[Field] = field(default_factory=list)
    columns: int = 2
    label_share: float = 0.4      # of each column, for the labels
    paragraphs: list[str] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)
    table: Table | None = None
    highlight: str = ""           # one line in bold, larger type (a date the patient must see)
    new_page: bool = False        # start this section on a new page (the blank form's second half)
    images: list[tuple[str, str]] = field(default_factory=list)  # (image file, caption), in a row
    image_px: int = 0             # each image's width in CSS pixels (0: a thumbnail's)


@dataclass(frozen=True)
class Footer:
    practitioner: str = ""        # empty on a blank sheet: a line to write on
    signed_at: str = ""           # empty: not signed
    printed: str = ""             # "Printed by … on …"
    record: str = ""              # short hash, to match paper to the record
    signature_mark: str = ""      # fingerprint of the sign-off's signature (empty: none)
    signature: bool = True        # draw the signature line
    note: str = ""                # the handout's "Questions? Call …"


@dataclass
class PrintDoc:
    kind: str                     # sheet | blank | handout
    clinic: ClinicInfo
    title: str
    patient: list[tuple[str, str]]  # identification shown in every page header
    sections: list[Section]
    footer: Footer
    draft: str = ""               # watermark text, empty for none
    large: bool = False           # large type (the handout)
    language: str = ""            # the language it is printed in, when not the clinic's (a handout)

    def text(self) -> str:
        """Every word of the document, for tests and search."""
        parts = [self.clinic.name, self.clinic.address, self.title, self.draft]
        parts += [f"{k} {v}" for k, v in self.patient]
        for s in self.sections:
            parts += [s.title, *s.paragraphs, *s.bullets, s.highlight]
            parts += [f"{f.label} {f.value} {f.hint} {' '.join(f.options)}" for f in s.fields]
            if s.table:
                parts += [" ".join(s.table.headers)] + [" ".join(r) for r in s.table.rows]
            parts += [caption for _, caption in s.images]
        return "\n".join(p for p in parts if p)


@dataclass(frozen=True)
class SheetInfo:
    """Facts about a session that live outside its events (gathered from the store)."""

    session_number: int | None = None
    record_hash: str = ""
    amendments: tuple[AmendmentDoc, ...] = ()
    printed_by: str = ""
    printed_at: datetime | None = None
    course: str = ""              # "Session 4 of 12 (plan)" when the session belongs to a course
