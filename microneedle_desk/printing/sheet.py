"""A :class:`~microneedle_desk.printing.content.PrintDoc` as HTML for QTextDocument.

Plain string building (no Qt): the header, the body and the footer are three separate
HTML fragments because the renderer draws the header and footer on every page itself.
Only the subset of HTML/CSS that QTextDocument understands is used.
"""

from __future__ import annotations

from html import escape

from microneedle_desk import i18n
from microneedle_desk.i18n import tr
from microneedle_desk.printing.content import Field, PrintDoc, Section

BOX = "☐"
INK = "#000000"
MUTED = "#4a4a4a"
ACCENT = "#1f3a5f"
DRAFT_RED = "#b00020"
LOGO_URL = "logo"  # resource name the renderer registers the logo image under
IMAGE_WIDTH_PX = 150  # CSS pixels: a photo thumbnail on a sheet or report


def _e(text: str) -> str:
    return escape(text).replace("\n", "<br>")


def _line_cell(width: str = "") -> str:
    w = f' width="{width}"' if width else ""
    return f'<td{w} style="border-bottom: 1px solid {INK};">&nbsp;</td>'


def _box(width_px: int = 60) -> str:
    return (f'<table border="1" cellspacing="0" cellpadding="3" style="border-collapse: collapse; '
            f'border-color: {INK};"><tr><td width="{width_px}">&nbsp;</td></tr></table>')


def _ticks(options: tuple[str, ...]) -> str:
    # a no-break space keeps each box with its word; the gap between options may wrap
    return " &nbsp; ".join(f"{BOX}&nbsp;{_e(o).replace(' ', '&nbsp;') if len(o) < 30 else _e(o)}"
                           for o in options)


# -- header and footer -------------------------------------------------------------------
def header_html(doc: PrintDoc, logo_size: tuple[int, int] | None = None) -> str:
    """The page header; ``logo_size`` (width, height in CSS px) when a logo image is registered."""
    c = doc.clinic
    size = 16 if doc.large else 13
    clinic = f'<span style="font-size: {size}pt; font-weight: bold;">{_e(c.name)}</span>' if c.name else ""
    if c.address:
        clinic += f'<br><span style="color: {MUTED};">{_e(c.address)}</span>'
    if c.phone and doc.kind != "handout":
        clinic += f'<br><span style="color: {MUTED};">Tel. {_e(c.phone)}</span>'
    title = f'<span style="font-size: {size + 1}pt; font-weight: bold; color: {ACCENT};">{_e(doc.title)}</span>'
    if doc.draft:
        title += f'<br><span style="font-size: {size}pt; font-weight: bold; color: {DRAFT_RED};">{_e(doc.draft)}</span>'
    logo = ""
    if logo_size is not None:
        w, h = logo_size
        logo = (f'<td width="{w + 10}" valign="top"><img src="{LOGO_URL}" width="{w}" height="{h}"></td>')
    out = [f'<table width="100%" cellspacing="0" cellpadding="0"><tr>{logo}'
           f'<td valign="top">{clinic}</td><td align="right" valign="top">{title}</td></tr></table>']
    if doc.patient:
        cells = []
        for label, value in doc.patient:
            shown = (f'<b>{_e(value)}</b>' if value
                     else '<table width="100%" cellspacing="0" cellpadding="0"><tr>'
                          + _line_cell() + "</tr></table>")
            cells.append(f'<td valign="top" style="padding-right: 10px;"><span style="font-size: 7.5pt; '
                         f'color: {MUTED};">{_e(label)}</span><br>{shown}</td>')
        out.append('<table width="100%" cellspacing="0" cellpadding="0" style="margin-top: 6px;"><tr>'
                   + "".join(cells) + "</tr></table>")
    return "".join(out)


def footer_html(doc: PrintDoc, page: int, pages: int) -> str:
    f = doc.footer
    with i18n.language(doc.language):
        page_text = tr("Page {page} of {pages}").format(page=page, pages=pages)
    right = [_e(t) for t in (f.printed, f"Record {f.record}" if f.record else "") if t]
    right.append(f"<b>{page_text}</b>")
    if doc.kind in ("handout", "course"):  # nothing to sign: a note, or nothing
        left = f'<span style="font-size: 13pt; font-weight: bold;">{_e(f.note)}</span>'
    elif not f.signature:  # a list or a summary: nobody signs it
        left = ""
    else:
        who = f"<b>{_e(f.practitioner)}</b>" if f.practitioner else "_" * 26
        signed = (_e(f.signed_at) if f.signed_at
                  else "<b>not signed</b>" if doc.kind == "sheet" else "_" * 16)
        # the fingerprint of the record's own signature, just above the line for the hand-written one
        mark = _e(tr("E-signature {mark}").format(mark=f.signature_mark)) if f.signature_mark else ""
        left = (f"Practitioner: {who} &nbsp;&nbsp; Signed: {signed}<br>{mark}<br>"
                f"Signature: {'_' * 40}")
    left_w = "74%" if doc.kind == "handout" else "62%"
    return (f'<table width="100%" cellspacing="0" cellpadding="0"><tr><td width="{left_w}" valign="bottom">{left}</td>'
            f'<td align="right" valign="bottom" style="color: {MUTED};">{"<br>".join(right)}</td></tr></table>')


# -- body --------------------------------------------------------------------------------
def _field_cells(f: Field, label_w: str, value_w: str) -> str:
    label = f'<td width="{label_w}" valign="top" style="color: {MUTED};">{_e(f.label)}</td>'
    if f.kind == "text":
        value = _e(f.value) if f.value else f'<span style="color: {MUTED};">—</span>'
        return label + f'<td width="{value_w}" valign="top">{value}</td>'
    if f.kind == "line":
        hint = f'<span style="font-size: 7pt; color: {MUTED};">{_e(f.hint)}</span>' if f.hint else "&nbsp;"
        return label + (f'<td width="{value_w}" valign="bottom" style="border-bottom: 1px solid {INK};">'
                        f'{hint}</td>')
    if f.kind == "box":
        inner = (f'<table cellspacing="0" cellpadding="0"><tr><td>{_box()}</td>'
                 f'<td valign="middle" style="padding-left: 6px;">{_e(f.hint)}</td></tr></table>')
        return label + f'<td width="{value_w}" valign="top">{inner}</td>'
    if f.kind == "yesno":
        return label + f'<td width="{value_w}" valign="top">{BOX}&nbsp;Yes &nbsp; {BOX}&nbsp;No</td>'
    # ticks
    return label + f'<td width="{value_w}" valign="top">{_ticks(f.options)}</td>'


def _widths(section: Section) -> tuple[str, str]:
    cols = max(1, section.columns)
    share = 100 // cols
    label = round(share * (0.2 if cols == 1 else section.label_share))
    return (f"{label}%", f"{share - label}%")


def _fields_table(section: Section, padding: int) -> str:
    cols = max(1, section.columns)
    label_w, value_w = _widths(section)
    rows = []
    fields = section.fields
    for start in range(0, len(fields), cols):
        chunk = fields[start:start + cols]
        cells = "".join(_field_cells(f, label_w, value_w) for f in chunk)
        cells += "<td></td><td></td>" * (cols - len(chunk))
        rows.append(f"<tr>{cells}</tr>")
    return (f'<table width="100%" cellspacing="0" cellpadding="{padding}" style="border-collapse: collapse;">'
            + "".join(rows) + "</table>")


def _data_table(section: Section) -> str:
    assert section.table is not None
    t = section.table
    head = "".join(f'<th align="left" style="background-color: #e8ecf1;">{_e(h)}</th>' for h in t.headers)
    rows = "".join("<tr>" + "".join(f'<td valign="top">{_e(c)}</td>' for c in row) + "</tr>" for row in t.rows)
    return (f'<table width="100%" border="1" cellspacing="0" cellpadding="3" style="border-collapse: collapse; '
            f'border-color: #9aa5b1;"><thead><tr>{head}</tr></thead>{rows}</table>')


def body_html(doc: PrintDoc) -> str:
    title_pt = 15 if doc.large else 10
    gap = 10 if doc.large else 6
    out: list[str] = []
    padding = 4 if doc.kind == "blank" else 2  # room for handwriting on the paper form
    for s in doc.sections:
        brk = " page-break-before: always;" if s.new_page else ""
        out.append(f'<p style="{brk}margin-top: {gap}px; margin-bottom: 2px; font-size: {title_pt}pt; '
                   f'font-weight: bold; color: {ACCENT};">{_e(s.title)}</p>')
        out.extend(f'<p style="margin-top: 0px; margin-bottom: 3px;">{_e(p)}</p>' for p in s.paragraphs)
        if s.highlight:
            out.append(f'<p style="margin-top: 2px; margin-bottom: 4px; font-size: {title_pt + 2}pt; '
                       f'font-weight: bold;">{_e(s.highlight)}</p>')
        if s.bullets:
            out.append('<ul style="margin-top: 0px; margin-bottom: 0px;">'
                       + "".join(f"<li>{_e(b)}</li>" for b in s.bullets) + "</ul>")
        if s.fields:
            out.append(_fields_table(s, padding))
        if s.table is not None:
            out.append(_data_table(s))
        if s.images:
            out.append(_images(s))
    return "".join(out)


def image_url(path: str) -> str:
    """The name a section's image goes by in the page's HTML (the renderer supplies the pixels)."""
    return "mnd-image:" + path


def _images(section: Section) -> str:
    """The section's images side by side, each with its caption below."""
    share = max(1, 100 // max(1, len(section.images)))
    cells = "".join(f'<td width="{share}%" align="center" valign="top"><img src="{_e(image_url(path))}" '
                    f'width="{section.image_px or IMAGE_WIDTH_PX}"><br>{_e(caption)}</td>'
                    for path, caption in section.images)
    return f'<table width="100%" cellspacing="4" cellpadding="0"><tr>{cells}</tr></table>'



