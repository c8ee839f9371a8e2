"""Importing a photo into the data folder: the stored copy, its thumbnail, and checking them.

The original file is only read. The stored copy is made from its pixels: turned upright as
the camera's orientation tag says, flattened onto white when it has transparency, at most
:data:`LONG_SIDE` pixels on its long side, JPEG at :data:`QUALITY`, with the colour profile
kept and nothing else of the original's metadata (no EXIF: no GPS position, camera serial
or owner name; no XMP, no comments). The capture time the camera wrote moves into the
record instead. Copies are named by a new UUID in ``photos/`` (0700), each file 0600.
"""

from __future__ import annotations

import hashlib
import io
import os
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from microneedle_desk import paths
from microneedle_desk.core.photos import SUFFIX, THUMB_SUFFIX
from microneedle_desk.core.record_types import PhotoRecord
from microneedle_desk.core.records import new_id
from microneedle_desk.core.validation import ValidationError
from microneedle_desk.i18n import tr
from microneedle_desk.store.storage import ensure_private_dir, write_atomic

LONG_SIDE = 3000
QUALITY = 90
THUMB_SIDE = 320
MAX_PIXELS = 60_000_000  # a phone's 50-megapixel sensor still fits; a decompression bomb does not
MAX_BYTES = 80 * 1024 * 1024
FORMATS = ("JPEG", "PNG", "TIFF", "WEBP")
_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif")

# EXIF tags: DateTimeOriginal, its UTC offset, and the plain DateTime of the main image
_EXIF_IFD, _ORIGINAL, _OFFSET_ORIGINAL, _DATETIME = 0x8769, 0x9003, 0x9011, 0x0132
_ORIENTATION = 0x0112


def _turns() -> dict[int, Any]:
    from PIL import Image  # noqa: PLC0415 (optional dependency, loaded when used)

    t = Image.Transpose
    return {2: t.FLIP_LEFT_RIGHT, 3: t.ROTATE_180, 4: t.FLIP_TOP_BOTTOM, 5: t.TRANSPOSE, 6: t.ROTATE_270,
            7: t.TRANSVERSE, 8: t.ROTATE_90}  # the EXIF orientation -> the turn that makes it upright


@dataclass(frozen=True)
class PreparedPhoto:
    """A photo read, checked and converted, not yet written anywhere."""

    photo_id: str
    data: bytes
    thumb: bytes
    sha256: str
    source_sha256: str
    width: int
    height: int
    captured: str | None
    original_name: str
    notes: tuple[str, ...]  # what was done that a person should know (flattened, made smaller)

    def record(self, view: str, phase: str) -> PhotoRecord:
        return {"photo_id": self.photo_id, "view": view, "phase": phase, "file": self.photo_id + SUFFIX,
                "sha256": self.sha256, "source_sha256": self.source_sha256, "width": self.width,
                "height": self.height, "captured": self.captured, "original_name": self.original_name}


def _refuse(message: str) -> ValidationError:
    return ValidationError("file", message)


def _read(source: Path) -> bytes:
    try:
        size = source.stat().st_size
        if not source.is_file():
            raise _refuse(tr("{name} is not a file.").format(name=source.name))
        if size > MAX_BYTES:
            raise _refuse(tr("{name} is larger than {mb} MB: export a smaller copy from the camera or phone.")
                          .format(name=source.name, mb=MAX_BYTES // (1024 * 1024)))
        return source.read_bytes()
    except FileNotFoundError:
        raise _refuse(tr("There is no file {name}.").format(name=source.name)) from None
    except OSError as exc:
        raise _refuse(tr("{name} cannot be read ({why}).").format(name=source.name, why=exc.strerror)) from None


def is_heif(data: bytes) -> bool:
    """A HEIC/HEIF (or AVIF) file, as phones write: an ISO media file whose brand says so."""
    return len(data) >= 12 and data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS


def _capture_time(exif: Any) -> str | None:
    """The camera's capture time as ISO text (with its UTC offset when the camera wrote one)."""
    try:
        sub = exif.get_ifd(_EXIF_IFD)
    except (KeyError, ValueError, TypeError, OSError):
        sub = {}
    raw = sub.get(_ORIGINAL) or exif.get(_DATETIME)
    if not isinstance(raw, str):
        return None
    text = raw.strip().rstrip("\x00")
    if len(text) < 19 or text[4] != ":" or text[7] != ":":
        return None
    moment = f"{text[0:4]}-{text[5:7]}-{text[8:10]}T{text[11:19]}"
    offset = sub.get(_OFFSET_ORIGINAL)
    if isinstance(offset, str) and len(offset.strip()) == 6 and offset.strip()[0] in "+-":
        moment += offset.strip()
    try:
        datetime.fromisoformat(moment)
    except ValueError:
        return None
    return moment


def prepare(source: Path) -> PreparedPhoto:
    """Read ``source`` and make the stored copy and thumbnail in memory; ValidationError with a
    message for the person when it cannot be used (nothing is written either way)."""
    from PIL import Image, UnidentifiedImageError  # noqa: PLC0415 (optional dependency, loaded when used)

    data = _read(source)
    name = source.name
    if is_heif(data):
        raise _refuse(tr("{name} is a HEIC/HEIF photo, which this app cannot read: set the phone or camera to "
                         "save JPEG (\u201cMost compatible\u201d), or export the photo as JPEG, then add that.")
                      .format(name=name))
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            opened = Image.open(io.BytesIO(data))
            opened.load()  # header first; then the pixels (a cut-short file fails here)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _refuse(_too_large(name)) from None
        except UnidentifiedImageError:
            raise _refuse(tr("{name} is not a photo this app reads: use a JPEG, PNG, TIFF or WebP file.")
                          .format(name=name)) from None
        except (OSError, SyntaxError, ValueError):
            raise _refuse(tr("{name} is damaged or incomplete (it may have been cut short while copying): "
                             "copy it again from the camera or phone.").format(name=name)) from None
    image: Image.Image = opened
    if opened.format not in FORMATS:
        raise _refuse(tr("{name} is a {kind} file: use a JPEG, PNG, TIFF or WebP photo.")
                      .format(name=name, kind=opened.format or "?"))
    if image.width * image.height > MAX_PIXELS:
        raise _refuse(_too_large(name))
    notes: list[str] = []
    exif = image.getexif()
    captured = _capture_time(exif)
    icc = image.info.get("icc_profile")
    orientation = exif.get(_ORIENTATION)
    # made smaller first, then turned: turning a 12-megapixel picture costs more than the resize
    if max(image.size) > LONG_SIDE:
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGBA" if _has_alpha(image) else "RGB")
        image.thumbnail((LONG_SIDE, LONG_SIDE), Image.Resampling.LANCZOS, reducing_gap=3.0)
        notes.append(tr("it was made smaller (at most {px} pixels on its long side)").format(px=LONG_SIDE))
    turns = _turns()
    upright = image.transpose(turns[orientation]) if orientation in turns else image
    if _has_alpha(upright):
        rgba = upright.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        upright = flat
        notes.append(tr("its transparent parts were filled with white"))
    rgb = upright.convert("RGB")
    rgb.info.clear()  # nothing of the original's metadata rides along (XMP, comments, EXIF)
    stored = _jpeg(rgb, QUALITY, icc)
    small = rgb.copy()
    small.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.LANCZOS, reducing_gap=2.0)
    return PreparedPhoto(
        photo_id=new_id(), data=stored, thumb=_jpeg(small, 85, icc),
        sha256=hashlib.sha256(stored).hexdigest(), source_sha256=hashlib.sha256(data).hexdigest(),
        width=rgb.width, height=rgb.height, captured=captured, original_name=name[:255], notes=tuple(notes))


def _has_alpha(image: Any) -> bool:
    return bool(image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info))


def _too_large(name: str) -> str:
    return tr("{name} has more than {mp} million pixels: export a smaller copy (a photo of up to {px} pixels on "
              "its long side is kept in full).").format(name=name, mp=MAX_PIXELS // 1_000_000, px=LONG_SIDE)


def _jpeg(image: Any, quality: int, icc: bytes | None) -> bytes:
    out = io.BytesIO()
    options: dict[str, object] = {"quality": quality}
    if icc:
        options["icc_profile"] = icc
    image.save(out, "JPEG", **options)
    return out.getvalue()


def photo_path(root: Path, photo_id: str) -> Path:
    return paths.photos_dir(root) / (photo_id + SUFFIX)


def thumb_path(root: Path, photo_id: str) -> Path:
    return paths.photos_dir(root) / (photo_id + THUMB_SUFFIX)


def write(root: Path, photo: PreparedPhoto) -> None:
    """Put the copy and its thumbnail into ``photos/`` (new names: nothing there is replaced)."""
    ensure_private_dir(paths.photos_dir(root))
    target = photo_path(root, photo.photo_id)
    if target.exists():
        raise FileExistsError(target)
    write_atomic(thumb_path(root, photo.photo_id), photo.thumb)
    write_atomic(target, photo.data)


def discard(root: Path, photo: PreparedPhoto) -> None:
    """Take back what :func:`write` put down, when the record refused the photo."""
    for path in (photo_path(root, photo.photo_id), thumb_path(root, photo.photo_id)):
        path.unlink(missing_ok=True)


def photo_problem(root: Path, photo: Mapping[str, Any]) -> str:
    """"" when the stored copy is there with the SHA-256 on record; else what is wrong."""
    path = paths.photos_dir(root) / str(photo.get("file", ""))
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return tr("the photo file {name} is missing").format(name=path.name)
    except OSError as exc:
        return tr("the photo file {name} cannot be read ({why})").format(name=path.name, why=exc.strerror)
    if digest != photo.get("sha256"):
        return tr("the photo file {name} has changed since it was stored (its SHA-256 differs)").format(
            name=path.name)
    return ""


def photo_files(root: Path) -> list[str]:
    """The names in ``photos/`` that are stored copies or thumbnails (for backups)."""
    folder = paths.photos_dir(root)
    try:
        with os.scandir(folder) as entries:
            return sorted(e.name for e in entries if e.is_file() and not e.name.startswith(".")
                          and e.name.endswith(SUFFIX))
    except (FileNotFoundError, NotADirectoryError):
        return []
