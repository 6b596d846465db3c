"""Real image files for tests, made with Pillow, and a temporary MEDIA_ROOT."""

import io
import shutil
import tempfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from PIL import Image

GPS_IFD = 0x8825
MAKE = 0x010F
CAMERA = "StadtlotseTestCam 3000"


def image_bytes(fmt="JPEG", size=(1200, 900), colour=(200, 80, 40), mode="RGB", gps=True):
    """An image file's bytes; JPEGs carry EXIF with a camera name and a GPS position unless gps=False."""
    image = Image.new(mode, size, colour)
    out = io.BytesIO()
    if fmt == "JPEG" and gps:
        exif = Image.Exif()
        exif[MAKE] = CAMERA
        exif[GPS_IFD] = {1: "N", 2: (52.0, 29.0, 12.0), 3: "E", 4: (13.0, 25.0, 29.0)}
        image.save(out, fmt, exif=exif)
    else:
        image.save(out, fmt)
    return out.getvalue()


def upload(name="sofa.jpg", content=None, content_type="image/jpeg", **kwargs):
    return SimpleUploadedFile(name, content if content is not None else image_bytes(**kwargs), content_type)


class TemporaryMediaMixin:
    """Uploaded files go to a directory of this test class, removed afterwards."""

    @classmethod
    def setUpClass(cls):
        cls._media_dir = tempfile.mkdtemp(prefix="stadtlotse-media-")
        cls._media_override = override_settings(MEDIA_ROOT=cls._media_dir)
        cls._media_override.enable()
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls._media_override.disable()
        shutil.rmtree(cls._media_dir, ignore_errors=True)

    def stored_files(self):
        import os

        return sorted(
            os.path.relpath(os.path.join(root, name), self._media_dir)
            for root, _dirs, names in os.walk(self._media_dir) for name in names
        )
