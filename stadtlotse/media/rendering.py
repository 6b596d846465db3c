"""The versions of a photo the public may see: upright, resized, faces and plates blurred, pixels only.

`render(content)` is pure computation on an original's bytes; `process(attachment)` renders and
stores the result on the attachment. The photo job (`tasks.process_photo`) and the moderation
screen (through the tickets hook `render_photo`) call `process`. Re-encoded as JPEG from the pixels
alone, without any metadata (EXIF with GPS position and camera serial, XMP, ICC, IPTC, JPEG
comments, PNG text chunks): `tests/test_photo_metadata.py` reads them back byte by byte.
"""

import io
import warnings
from collections.abc import Sequence

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageOps

from stadtlotse.tickets.models import Attachment

from . import redaction
from .files import delete_files
from .redaction import Box

JPEG_QUALITY = 85


def _flattened(image: Image.Image) -> Image.Image:
    """RGB pixels; transparent areas become white, not black."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image if image.mode == "RGB" else image.convert("RGB")


def _jpeg(image: Image.Image) -> bytes:
    """The image's pixels as JPEG, and nothing else: no EXIF, XMP, ICC, IPTC or comment."""
    # Pillow's writer copies some metadata from image.info (a JPEG's COM, a PNG's "comment" text)
    # unless told otherwise; a new image built from the pixels alone has no info to copy.
    pixels = Image.frombytes(image.mode, image.size, image.tobytes())
    out = io.BytesIO()
    pixels.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


def upright(content: bytes) -> Image.Image:
    """The picture of a stored original, turned as the camera meant it, as RGB."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        image: Image.Image = Image.open(io.BytesIO(content))
        # Phones store "rotate me" in EXIF; apply it, since the EXIF is dropped.
        image = ImageOps.exif_transpose(image)
        return _flattened(image)


def render(content: bytes, *, redactions: Sequence[Box] = (),
           detections: list[Box] | None = None) -> tuple[bytes, bytes, list[Box]]:
    """(public JPEG, thumbnail JPEG, detections) for an original's bytes. Pure computation, no database.

    Boxes are in pixels of the upright original. `detections=None` runs the face and plate detector;
    a list reuses earlier results (a redaction only adds rectangles, it need not detect again).
    """
    limits = settings.STADTLOTSE
    image = upright(content)
    full_width = image.width
    # Detection and blurring work on the public size: fast, and what the public sees is what counts.
    image.thumbnail((limits["PHOTO_PUBLIC_SIZE"], limits["PHOTO_PUBLIC_SIZE"]), Image.Resampling.LANCZOS)
    factor = image.width / full_width
    if detections is None:
        detections = redaction.scaled(redaction.find_faces_and_plates(image), 1 / factor)
    redaction.blur(image, redaction.scaled([*detections, *redactions], factor))
    thumbnail = image.copy()
    thumbnail.thumbnail((limits["PHOTO_THUMBNAIL_SIZE"], limits["PHOTO_THUMBNAIL_SIZE"]), Image.Resampling.LANCZOS)
    return _jpeg(image), _jpeg(thumbnail), detections


def process(attachment: Attachment) -> Attachment:
    """Make (or remake) the public version and thumbnail of an attachment. Returns the attachment.

    Rendering runs outside any transaction; the result is written under the attachment's row lock.
    If the staff changed the rectangles meanwhile, it renders again, so no redaction is ever lost.
    """
    with attachment.original.open("rb") as file:
        content = file.read()
    detections = attachment.detections if attachment.processed_at else None
    redactions = list(attachment.redactions)
    while True:
        public, thumbnail, detections = render(content, redactions=redactions, detections=detections)
        new_files = Attachment(ticket_id=attachment.ticket_id, content_type="image/jpeg")
        new_files.public_version.save("public.jpg", ContentFile(public), save=False)
        new_files.thumbnail.save("thumbnail.jpg", ContentFile(thumbnail), save=False)
        with transaction.atomic():
            current = Attachment.objects.select_for_update().get(pk=attachment.pk)
            if current.redactions != redactions:
                stale = True
            else:
                stale = False
                old = [current.public_version.name, current.thumbnail.name]
                current.public_version.name = new_files.public_version.name
                current.thumbnail.name = new_files.thumbnail.name
                current.detections = detections
                current.processed_at = timezone.now()
                current.save(update_fields=["public_version", "thumbnail", "detections", "processed_at"])
        if stale:
            delete_files([new_files])
            redactions = list(current.redactions)
            continue
        for name in old:
            if name:
                default_storage.delete(name)
        return current
