"""Public versions and thumbnails carry pixels only: every metadata channel of every accepted format is dropped.

The produced files are read back byte by byte (JPEG segments), not only through Pillow, which hides
what it does not parse.
"""

import io

import pillow_heif
from PIL import Image

from stadtlotse.testing.cases import StadtlotseTestCase, report, run_jobs
from stadtlotse.media import rendering

from .images import (
    CAMERA, SECRET_COMMENT, SECRETS, TemporaryMediaMixin, jpeg_segments, photo_with_metadata, png_chunks,
    riff_chunks, upload,
)

# SOI is not a segment; APP0 (JFIF), quantisation and Huffman tables, frame, restart interval, scan.
PIXEL_SEGMENTS = {0xE0, 0xDB, 0xC4, 0xC0, 0xC1, 0xC2, 0xDD, 0xDA}
NAMES = {"JPEG": "IMG_0001.jpg", "PNG": "screenshot.png", "WEBP": "photo.webp", "HEIF": "IMG_0002.HEIC"}
TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "HEIF": "image/heic"}


class MetadataFreePublicPhotoTests(TemporaryMediaMixin, StadtlotseTestCase):
    def assertPixelsOnly(self, data, what):
        segments, inside_scan, trailing = jpeg_segments(data)
        markers = [marker for marker, _payload in segments]
        self.assertLessEqual(set(markers), PIXEL_SEGMENTS, f"{what}: segments {[hex(m) for m in markers]}")
        self.assertEqual([p[:5] for m, p in segments if m == 0xE0], [b"JFIF\x00"], what)
        self.assertLessEqual(inside_scan, set(range(0xD0, 0xD8)), what)  # restart markers at most
        self.assertEqual(trailing, b"", what)
        for secret in SECRETS:
            self.assertNotIn(secret, data, what)
        self.assertLessEqual(set(Image.open(io.BytesIO(data)).info), {"jfif", "jfif_version", "jfif_unit",
                                                                       "jfif_density", "dpi"}, what)

    def test_the_test_photos_carry_every_channel(self):
        segments, _inside, _trailing = jpeg_segments(photo_with_metadata("JPEG"))
        payloads = {(m, p[:13]) for m, p in segments}
        self.assertIn((0xFE, SECRET_COMMENT[:13]), payloads)                 # COM
        self.assertTrue(any(m == 0xE1 and p.startswith(b"Exif\x00\x00") for m, p in segments))             # EXIF
        self.assertTrue(any(m == 0xE1 and p.startswith(b"http://ns.adobe.com/xap") for m, p in segments))  # XMP
        self.assertTrue(any(m == 0xE2 and p.startswith(b"ICC_PROFILE") for m, p in segments))              # ICC
        self.assertTrue(any(m == 0xED and p.startswith(b"Photoshop 3.0") for m, p in segments))            # IPTC
        exif = Image.open(io.BytesIO(photo_with_metadata("JPEG"))).getexif()
        self.assertEqual((exif[0x010F], exif.get_ifd(0x8825)[1]), (CAMERA, "N"))                           # GPS
        self.assertLessEqual({"tEXt", "zTXt", "iTXt", "eXIf", "iCCP"}, set(png_chunks(photo_with_metadata("PNG"))))
        self.assertLessEqual({"EXIF", "XMP ", "ICCP"}, set(riff_chunks(photo_with_metadata("WEBP"))))
        heif = pillow_heif.open_heif(io.BytesIO(photo_with_metadata("HEIF")))
        self.assertIn(CAMERA.encode(), heif.info["exif"])

    def test_public_version_and_thumbnail_of_every_format_carry_no_metadata(self):
        for fmt in NAMES:
            with self.subTest(fmt=fmt):
                ticket = report(photos=[upload(NAMES[fmt], photo_with_metadata(fmt), TYPES[fmt])])
                run_jobs()
                photo = ticket.attachments.get()
                self.assertIn(CAMERA.encode() if fmt != "PNG" else b"eXIf", photo.original.read())  # staff keep it
                self.assertPixelsOnly(photo.public_version.read(), f"{fmt} public version")
                self.assertPixelsOnly(photo.thumbnail.read(), f"{fmt} thumbnail")

    def test_a_redrawn_version_after_manual_redaction_carries_no_metadata_either(self):
        public, thumbnail, _detections = rendering.render(
            photo_with_metadata("JPEG"), redactions=[{"kind": "manual", "x": 10, "y": 10, "w": 100, "h": 80}],
            detections=[],
        )
        self.assertPixelsOnly(public, "public version")
        self.assertPixelsOnly(thumbnail, "thumbnail")
