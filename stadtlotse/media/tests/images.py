"""Real image files for tests, made with Pillow, and a temporary MEDIA_ROOT."""

import io
import shutil
import struct
import tempfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from PIL import Image, ImageCms
from PIL.PngImagePlugin import PngInfo

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


# --- photos full of metadata, and readers that look at the bytes, not through Pillow -------------

# Each channel carries one of these; none may appear in a public version or thumbnail.
SECRET_COMMENT = b"Aufgenommen von Jana Weber, Wohnung 3. OG links"
SECRET_XMP = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
              b'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:creator="Jana Weber XMP"/>'
              b"</rdf:RDF></x:xmpmeta>")
SECRET_IPTC_BYLINE = b"Jana Weber IPTC"
SECRETS = (CAMERA.encode(), SECRET_COMMENT, b"Jana Weber", b"adobe:ns:meta", b"http://ns.adobe.com/xap",
           b"Photoshop 3.0", b"8BIM", b"ICC_PROFILE", b"Exif\x00\x00")


def _metadata_exif():
    exif = Image.Exif()
    exif[MAKE] = CAMERA
    exif[0x0131] = "Jana Weber software"  # Software
    exif[GPS_IFD] = {1: "N", 2: (52.0, 29.0, 12.0), 3: "E", 4: (13.0, 25.0, 29.0)}
    return exif


def _icc_profile():
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _iptc_segment():
    """An APP13 segment as Photoshop writes it: "Photoshop 3.0", an 8BIM 0x0404 block with IPTC-IIM By-line (2:80)."""
    iim = b"\x1c\x02\x50" + struct.pack(">H", len(SECRET_IPTC_BYLINE)) + SECRET_IPTC_BYLINE
    resource = b"8BIM" + struct.pack(">H", 0x0404) + b"\x00\x00" + struct.pack(">I", len(iim)) + iim
    if len(resource) % 2:
        resource += b"\x00"
    payload = b"Photoshop 3.0\x00" + resource
    return b"\xff\xed" + struct.pack(">H", len(payload) + 2) + payload


def photo_with_metadata(fmt, size=(800, 600)):
    """A photo's bytes carrying every metadata channel its format has (see the format branches)."""
    image = Image.new("RGB", size, (90, 140, 200))
    out = io.BytesIO()
    if fmt == "JPEG":
        # COM, APP1 EXIF with GPS, APP1 XMP, APP2 ICC, APP13 IPTC.
        image.save(out, "JPEG", comment=SECRET_COMMENT, exif=_metadata_exif(), xmp=SECRET_XMP,
                   icc_profile=_icc_profile(), extra=_iptc_segment())
    elif fmt == "PNG":
        text = PngInfo()
        # "comment" is the key Pillow's JPEG writer copies into a COM segment.
        text.add_text("comment", SECRET_COMMENT.decode())
        text.add_text("Author", "Jana Weber tEXt")
        text.add_text("Description", "Jana Weber zTXt", zip=True)
        text.add_itxt("XML:com.adobe.xmp", SECRET_XMP.decode(), zip=False)
        text.add_itxt("Title", "Jana Weber iTXt", lang="de", tkey="Titel")
        image.save(out, "PNG", pnginfo=text, exif=_metadata_exif(), icc_profile=_icc_profile())
    elif fmt == "WEBP":
        image.save(out, "WEBP", exif=_metadata_exif(), xmp=SECRET_XMP, icc_profile=_icc_profile())
    elif fmt == "HEIF":
        image.save(out, "HEIF", exif=_metadata_exif(), xmp=SECRET_XMP, icc_profile=_icc_profile())
    else:
        raise ValueError(fmt)
    return out.getvalue()


def jpeg_segments(data):
    """(marker, payload) of a JPEG's segments from SOI up to and including SOS, and the bytes after EOI."""
    if data[:2] != b"\xff\xd8":
        raise ValueError("not a JPEG")
    segments, at = [], 2
    while True:
        if data[at] != 0xFF:
            raise ValueError(f"no marker at {at}")
        marker = data[at + 1]
        length = struct.unpack(">H", data[at + 2:at + 4])[0]
        segments.append((marker, data[at + 4:at + 2 + length]))
        at += 2 + length
        if marker == 0xDA:  # start of scan: entropy-coded data follows up to EOI
            break
    end = data.rfind(b"\xff\xd9")
    # Markers inside the scan: only stuffed bytes (FF00), restarts (FFD0-D7) and further scans of a
    # progressive JPEG (with DHT), never an APPn or COM.
    scan = data[at:end]
    inside = {scan[i + 1] for i in range(len(scan) - 1) if scan[i] == 0xFF and scan[i + 1] not in (0x00, 0xFF)}
    return segments, inside, data[end + 2:]


def png_chunks(data):
    """The chunk types of a PNG, read from its bytes."""
    types, at = [], 8
    while at < len(data):
        length = struct.unpack(">I", data[at:at + 4])[0]
        types.append(data[at + 4:at + 8].decode("ascii"))
        at += 12 + length
    return types


def riff_chunks(data):
    """The chunk ids of a WebP (RIFF) file, read from its bytes."""
    ids, at = [], 12
    while at + 8 <= len(data):
        size = struct.unpack("<I", data[at + 4:at + 8])[0]
        ids.append(data[at:at + 4].decode("ascii"))
        at += 8 + size + (size % 2)
    return ids
