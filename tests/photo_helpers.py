"""Test photos made with Pillow: EXIF with GPS, serial, owner and orientation; a colour profile."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

from PIL import Image, ImageCms

GPS_IFD, EXIF_IFD = 0x8825, 0x8769
SERIAL, OWNER, ARTIST, MAKE = "SN-4711-CAM", "Jane Owner", "Jane Artist", "CamCo"


def srgb_profile() -> bytes:
    return bytes(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())


def camera_jpeg(path: Path, size: tuple[int, int] = (400, 200), orientation: int = 6,
                colour: tuple[int, int, int] = (200, 60, 40), taken: str = "2026:11:01 10:20:30") -> Path:
    """A JPEG as a camera writes it: orientation tag, capture time, GPS position, body serial,
    owner and artist, and an sRGB profile. The left half is ``colour``, the right half white."""
    image = Image.new("RGB", size, (255, 255, 255))
    image.paste(colour, (0, 0, size[0] // 2, size[1]))
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x013B] = ARTIST
    exif[0x010F] = MAKE
    exif.get_ifd(EXIF_IFD)[0x9003] = taken
    exif.get_ifd(EXIF_IFD)[0x9011] = "+01:00"
    exif.get_ifd(EXIF_IFD)[0xA431] = SERIAL
    exif.get_ifd(EXIF_IFD)[0xA430] = OWNER
    exif.get_ifd(GPS_IFD)[1] = "N"
    exif.get_ifd(GPS_IFD)[2] = (48.0, 8.0, 30.0)
    exif.get_ifd(GPS_IFD)[3] = "E"
    exif.get_ifd(GPS_IFD)[4] = (11.0, 34.0, 12.0)
    image.save(path, "JPEG", quality=95, exif=exif, icc_profile=srgb_profile())
    return path


def png_with_alpha(path: Path) -> Path:
    image = Image.new("RGBA", (300, 300), (0, 0, 0, 0))
    image.paste((0, 0, 255, 255), (0, 0, 150, 300))
    image.save(path, "PNG")
    return path


def huge_png(path: Path, width: int = 12_500, height: int = 8_000) -> Path:
    """A PNG whose header says width x height (100 megapixels): a decompression bomb's shape,
    written by hand so the test needs no 100-megapixel image in memory."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit grey
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
                     + chunk(b"IDAT", zlib.compress(b"\x00" * (width + 1))) + chunk(b"IEND", b""))
    return path
