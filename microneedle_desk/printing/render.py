"""Lay a PrintDoc out on pages with Qt: the one rendering path for PDF, printer and preview.

``QTextDocument.print_`` would not repeat a header, so pages are drawn here: on each page
the header, then the page's slice of the body (``drawContents`` with a clip rectangle on
a translated painter), then the footer with "Page X of Y", and a DRAFT mark if unsigned.
The text is laid out on the target device itself, so the PDF holds real, embedded-font
text at the printer's resolution.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QMarginsF, QPointF, QRectF, QSizeF, Qt, QUrl
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QGuiApplication,
    QImage,
    QPagedPaintDevice,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
    QTextDocument,
)

from microneedle_desk import APP_NAME, ORG_NAME
from microneedle_desk.i18n import tr
from microneedle_desk.printing.content import PrintDoc
from microneedle_desk.printing.sheet import LOGO_URL, body_html, footer_html, header_html, image_url
from microneedle_desk.store.folder import refuse_unsafe_output

PAPERS = {"a4": QPageSize.PageSizeId.A4, "letter": QPageSize.PageSizeId.Letter}
MARGIN_MM = 14.0
GAP_MM = 3.5
LOGO_HEIGHT_PX = 52  # CSS pixels (1/96 in); the image itself keeps its own resolution
BASE_PT, LARGE_PT = 9.0, 14.0


class RenderError(Exception):
    pass


def ensure_app() -> QGuiApplication:
    """A QGuiApplication for fonts and painting; windowless on Linux when none exists yet."""
    app = QGuiApplication.instance()
    if isinstance(app, QGuiApplication):
        return app
    if sys.platform.startswith("linux"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QGuiApplication(sys.argv[:1])
    if not app.organizationName():
        app.setOrganizationName(ORG_NAME)
        app.setApplicationName(APP_NAME)
    return app


def page_layout(paper: str) -> QPageLayout:
    if paper not in PAPERS:
        raise RenderError(tr("Unknown paper size “{paper}”: use a4 or letter.").format(paper=paper))
    return QPageLayout(QPageSize(PAPERS[paper]), QPageLayout.Orientation.Portrait,
                       QMarginsF(MARGIN_MM, MARGIN_MM, MARGIN_MM, MARGIN_MM), QPageLayout.Unit.Millimeter)


def _base_font(large: bool) -> QFont:
    font = QFont(QGuiApplication.font())
    font.setFamilies(["DejaVu Sans", "Segoe UI", "Helvetica Neue", "Arial", "Liberation Sans", font.family()])
    font.setPointSizeF(LARGE_PT if large else BASE_PT)
    return font


def _text_doc(html: str, device: QPagedPaintDevice, width: float, font: QFont,
              logo: QImage | None = None, images: dict[str, QImage] | None = None) -> QTextDocument:
    doc = QTextDocument()
    doc.documentLayout().setPaintDevice(device)
    doc.setDefaultFont(font)
    doc.setDocumentMargin(0)
    if logo is not None:
        doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(LOGO_URL), logo)
    for url, image in (images or {}).items():
        doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(url), image)
    doc.setHtml(html)
    doc.setTextWidth(width)
    return doc


def _logo(path: str) -> QImage | None:
    if not path or not Path(path).is_file():
        return None
    image = QImage(path)
    return None if image.isNull() else image


def _section_images(doc: PrintDoc) -> dict[str, QImage]:
    """The sections' images by their HTML name; a file that cannot be read prints as a grey box."""
    out: dict[str, QImage] = {}
    for section in doc.sections:
        for path, _caption in section.images:
            image = QImage(path)
            if image.isNull():
                image = QImage(160, 120, QImage.Format.Format_RGB32)
                image.fill(QColor(200, 200, 200))
            out[image_url(path)] = image
    return out


def _draft_mark(painter: QPainter, text: str, width: float, height: float) -> None:
    painter.save()
    font = QFont(_base_font(False))
    font.setBold(True)
    font.setPointSizeF(60)
    metrics = QFontMetricsF(font, painter.device())
    target = 0.75 * (width * width + height * height) ** 0.5
    font.setPointSizeF(60 * target / max(1.0, metrics.horizontalAdvance(text)))
    painter.setFont(font)
    painter.setPen(QColor(176, 0, 32, 60))
    painter.translate(width / 2, height / 2)
    painter.rotate(-54.0 if height > width else -30.0)
    box = QRectF(-width, -height / 4, 2 * width, height / 2)
    painter.drawText(box, int(Qt.AlignmentFlag.AlignCenter), text)
    painter.restore()


def _render_one(doc: PrintDoc, painter: QPainter, device: QPagedPaintDevice, first: bool) -> int:
    width, height = float(device.width()), float(device.height())
    px_per_mm = device.logicalDpiY() / 25.4
    gap = GAP_MM * px_per_mm
    font = _base_font(doc.large)
    logo = _logo(doc.clinic.logo)
    logo_size = None
    if logo is not None:
        logo_size = (round(LOGO_HEIGHT_PX * logo.width() / max(1, logo.height())), LOGO_HEIGHT_PX)
    header = _text_doc(header_html(doc, logo_size), device, width, font, logo)
    header_h = header.size().height()
    footer_h = _text_doc(footer_html(doc, 99, 99), device, width, _base_font(False)).size().height()
    body_h = height - header_h - footer_h - 2 * gap
    if body_h < height / 3:
        raise RenderError(tr("The page is too small for the header and footer."))
    body = _text_doc(body_html(doc), device, width, font, images=_section_images(doc))
    body.setPageSize(QSizeF(width, body_h))
    pages = body.pageCount()
    pen = QPen(QColor(120, 120, 120))
    pen.setWidthF(0.25 * px_per_mm)
    for page in range(pages):
        if (page or not first) and not device.newPage():
            raise RenderError(tr("The printer refused a new page."))
        header.drawContents(painter)
        painter.setPen(pen)
        painter.drawLine(QPointF(0, header_h + gap / 2), QPointF(width, header_h + gap / 2))
        painter.save()
        painter.translate(0, header_h + gap - page * body_h)
        body.drawContents(painter, QRectF(0, page * body_h, width, body_h))
        painter.restore()
        footer = _text_doc(footer_html(doc, page + 1, pages), device, width, _base_font(False))
        top = height - footer.size().height()
        painter.setPen(pen)
        painter.drawLine(QPointF(0, height - footer_h - gap / 2), QPointF(width, height - footer_h - gap / 2))
        painter.save()
        painter.translate(0, top)
        footer.drawContents(painter)
        painter.restore()
        if doc.draft:
            _draft_mark(painter, doc.draft, width, height)
    return pages


def render(docs: Sequence[PrintDoc], device: QPagedPaintDevice) -> int:
    """Paint every document onto ``device``, each starting on a new page. Returns the page count."""
    if not docs:
        raise RenderError(tr("Nothing to print."))
    painter = QPainter()
    if not painter.begin(device):
        raise RenderError(tr("The output could not be opened for writing."))
    total = 0
    try:
        for i, doc in enumerate(docs):
            total += _render_one(doc, painter, device, first=i == 0)
    finally:
        painter.end()
    return total


def write_pdf(docs: Sequence[PrintDoc], path: str | os.PathLike[str], paper: str = "a4") -> int:
    """Render ``docs`` into a PDF file at ``path``. Returns the number of pages.

    The PDF is written to a new file readable by its owner only, beside ``path``, checked to
    be complete (Qt does not report a failed write: a full disk leaves a cut-short file),
    and then renamed over ``path``: a PDF is whole or not written, and a device, a pipe or a
    link at ``path`` is refused (UnsafeOutput), never replaced.
    """

    target = Path(path)
    if not target.parent.is_dir():
        raise RenderError(tr("The folder {parent} does not exist.").format(parent=target.parent))
    refuse_unsafe_output(target)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        writer = QPdfWriter(tmp_name)
        writer.setPageLayout(page_layout(paper))
        writer.setCreator("microneedle-desk")
        writer.setTitle(docs[0].title if docs else "")
        try:
            pages = render(docs, writer)
        finally:
            del writer  # closes the file
        with open(tmp, "rb+") as written:
            written.seek(max(0, tmp.stat().st_size - 64))
            if b"%%EOF" not in written.read():
                raise RenderError(tr("The PDF could not be written completely in {folder} (is the disk "
                                     "full?); nothing was saved.").format(folder=target.parent))
            os.fsync(written.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return pages
