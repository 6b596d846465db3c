"""Photos of reports: proof that an upload is a real image, and the versions the public may see.

Used by `intake.submit(photos=[...])` for every channel (web form, Open311 `media` parts). The flow:

1. `check_photos(files)` reads each upload (a Django UploadedFile or any binary file object),
   lets Pillow decode it completely and returns `Photo`s. Each problem is one ValidationError
   message under the key "photos"; nothing is stored.
2. `store_photos(ticket, photos)` writes the original (staff only), inside the ticket's transaction,
   and queues the `process_photo` job in that same transaction.
3. The job calls `process(attachment)`: the photo turned upright and resized, faces and number
   plates found and blurred (see `redaction`), together with the rectangles the staff drew, and
   re-encoded as JPEG from the pixels alone, without any metadata (EXIF with GPS position and
   camera serial, XMP, ICC, IPTC, JPEG comments, PNG text chunks): the public version and the
   thumbnail. `tests/test_photo_metadata.py` reads them back byte by byte.
   Until then the photo has no public version and is shown nowhere public.

Intake stays fast: detection takes up to a second per photo and must not hold the database's
write lock nor keep the resident waiting.
"""

import hashlib
import io
import logging
import os
from contextlib import contextmanager
import uuid
import warnings
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

register_heif_opener()
logger = logging.getLogger(__name__)

from stadtlotse.core import ratelimit, slots
from stadtlotse.tickets.models import Attachment

from . import redaction

FORMATS = {
    "JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp"),
    # iPhones save HEIC by default; pillow-heif teaches Pillow to read it.
    "HEIF": ("image/heic", "heic"),
}
JPEG_QUALITY = 85
MAX_NAME_CHARS = 60


@dataclass
class Photo:
    """An upload that decoded as an image of an accepted format, within the limits."""

    content: bytes
    format: str
    width: int
    height: int
    name: str = ""
    # Set when the photo waits in the stash (see `stash`).
    token: str = ""
    stash_path: str = ""

    @property
    def content_type(self):
        return FORMATS[self.format][0]

    @property
    def extension(self):
        return FORMATS[self.format][1]


def display_name(upload, number):
    """The upload's file name for messages: no path, not too long; "photo 2" when there is none."""
    name = os.path.basename(str(getattr(upload, "name", "") or "").replace("\\", "/")).strip()
    name = "".join(ch for ch in name if ch.isprintable())
    if not name:
        return _("photo %(number)d") % {"number": number}
    return name if len(name) <= MAX_NAME_CHARS else name[: MAX_NAME_CHARS - 1] + "…"


def _megabytes(n):
    return f"{n / (1024 * 1024):.1f}".rstrip("0").rstrip(".")


def max_pixels(*, staff=False):
    """Pixels a photo may have: fewer for anonymous senders (web form, Open311) than for staff."""
    limits = settings.STADTLOTSE
    if staff:
        return limits["MAX_PHOTO_PIXELS"]
    return min(limits["MAX_PUBLIC_PHOTO_PIXELS"], limits["MAX_PHOTO_PIXELS"])


@contextmanager
def decode_slot(name):
    """One of the machine's few decoding slots (core.slots); a ValidationError when none frees up in time."""
    limits = settings.STADTLOTSE
    try:
        with slots.slot("decode", slots=limits["DECODE_SLOTS"], wait=limits["DECODE_WAIT_SECONDS"]):
            yield
    except slots.Busy:
        raise ValidationError(
            _("“%(name)s” could not be checked now because many photos are being received. Please send the "
              "report again in a minute.") % {"name": name}
        ) from None


def check_photo(upload, number=1, *, staff=False):
    """One upload as a Photo; ValidationError with one message naming the file otherwise."""
    if isinstance(upload, Photo):
        return upload
    limits = {**settings.STADTLOTSE, "MAX_PHOTO_PIXELS": max_pixels(staff=staff)}
    name = display_name(upload, number)
    max_bytes = limits["MAX_PHOTO_BYTES"]
    size = getattr(upload, "size", None)
    if size is None or size <= max_bytes:
        if hasattr(upload, "seek"):
            upload.seek(0)
        content = upload.read(max_bytes + 1)
        size = len(content)
    if size > max_bytes:
        raise ValidationError(
            _("“%(name)s” is too large: a photo may have at most %(max)s MB, this one has %(size)s MB.")
            % {"name": name, "max": _megabytes(max_bytes), "size": _megabytes(size)}
        )
    if not content:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": name})
    not_an_image = _("“%(name)s” is not a photo in JPEG, PNG, WebP or HEIC format.") % {"name": name}
    too_many_pixels = _("“%(name)s” has too many pixels: at most %(max)d megapixels, this one has %(size)d.")
    try:
        with warnings.catch_warnings():
            # Pillow only warns below twice its own pixel limit; the limit below is the one that counts.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            # Reads only the header: the pixels are decoded below, after their number is checked.
            image = Image.open(io.BytesIO(content), formats=list(FORMATS))
    except Image.DecompressionBombError:
        # Pillow's own hard limit (far above ours): a few kilobytes claiming billions of pixels.
        raise ValidationError(
            _("“%(name)s” has too many pixels: at most %(max)d megapixels.")
            % {"name": name, "max": limits["MAX_PHOTO_PIXELS"] // 1_000_000}
        ) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise ValidationError(not_an_image) from None
    width, height = image.size
    if width * height > limits["MAX_PHOTO_PIXELS"]:
        raise ValidationError(
            too_many_pixels
            % {"name": name, "max": limits["MAX_PHOTO_PIXELS"] // 1_000_000, "size": width * height // 1_000_000}
        )
    try:
        # Decoding is the expensive part: bounded per machine, so parallel uploads cannot starve the pages.
        with decode_slot(name), warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image.load()
    except ValidationError:
        raise
    except Exception:  # noqa: BLE001 - any decoder failure means: a damaged or disguised file
        raise ValidationError(
            _("“%(name)s” could not be read as a photo; the file may be damaged.") % {"name": name}
        ) from None
    return Photo(content=content, format=image.format, width=width, height=height, name=name)


def sort_photos(files, *, staff=False):
    """(photos, errors): the uploads that are acceptable photos, and one message per problem."""
    files = [f for f in (files or []) if f is not None]
    errors = []
    maximum = settings.STADTLOTSE["MAX_PHOTOS"]
    if len(files) > maximum:
        errors.append(
            _("Please add at most %(max)d photos; you chose %(n)d.") % {"max": maximum, "n": len(files)}
        )
        files = files[:maximum]
    photos = []
    for number, upload in enumerate(files, start=1):
        try:
            photos.append(check_photo(upload, number, staff=staff))
        except ValidationError as exc:
            errors.extend(exc.messages)
    return photos, errors


def check_photos(files, *, staff=False):
    """Every upload as a Photo, in order. Raises ValidationError({"photos": [one message per problem]})."""
    photos, errors = sort_photos(files, staff=staff)
    if errors:
        raise ValidationError({"photos": errors})
    return photos


# A form sent back to the resident (questions step, an error elsewhere) cannot hand file inputs back:
# accepted photos wait in the storage under a signed token instead of being chosen again.
STASH_DIR = "pending"
STASH_SALT = "stadtlotse.intake.media.stash"
STASH_MAX_AGE = 24 * 3600


def stash(photo, *, source=""):
    """Keep a checked photo for the next submission of the same form; returns a signed token ("" if it cannot).

    Bounded, since anyone can send forms: per `source` (the client's IP) STASH_BYTES_PER_SOURCE a day,
    and STASH_MAX_BYTES in all. A photo beyond them is not kept: the resident chooses it again.
    """
    if photo.token:
        return photo.token
    limits = settings.STADTLOTSE
    size = len(photo.content)
    try:
        # Abandoned forms leave their photos behind; each new stash clears out those older than a day.
        _deleted, kept_bytes = _sweep_stash()
        if kept_bytes + size > limits["STASH_MAX_BYTES"]:
            logger.warning("photo stash full (%d bytes): photo not kept", kept_bytes)
            return ""
        if source and not ratelimit.hit("stash-bytes", source, ratelimit.Rate(limits["STASH_BYTES_PER_SOURCE"], 86400),
                                        amount=size).allowed:
            return ""
        path = default_storage.save(f"{STASH_DIR}/{uuid.uuid4().hex}.{photo.extension}", ContentFile(photo.content))
    except OSError:
        # Media storage full or read-only: the photo cannot be kept; the form's error already says so.
        return ""
    photo.stash_path = path
    # What was checked travels with the token, so taking the photo back costs no second decoding.
    photo.token = signing.dumps({
        "path": path, "name": photo.name, "format": photo.format, "width": photo.width, "height": photo.height,
        "sha256": hashlib.sha256(photo.content).hexdigest(),
    }, salt=STASH_SALT, compress=True)
    return photo.token


def unstash(token):
    """The photo behind a token from `stash`; None for a bad, expired or vanished token or a changed file."""
    try:
        kept = signing.loads(token, salt=STASH_SALT, max_age=STASH_MAX_AGE)
        path = kept["path"]
        if not path.startswith(f"{STASH_DIR}/") or ".." in path or kept["format"] not in FORMATS:
            return None
        with default_storage.open(path, "rb") as file:
            content = file.read(settings.STADTLOTSE["MAX_PHOTO_BYTES"] + 1)
        if hashlib.sha256(content).hexdigest() != kept["sha256"]:
            return None
        photo = Photo(content=content, format=kept["format"], width=int(kept["width"]), height=int(kept["height"]),
                      name=kept.get("name") or "")
    except (signing.BadSignature, KeyError, TypeError, ValueError, OSError):
        return None
    photo.token, photo.stash_path = token, path
    return photo


def discard_stashed(photos):
    """Delete the stashed copies of photos that are now stored with their ticket."""
    for photo in photos:
        if photo.stash_path:
            default_storage.delete(photo.stash_path)


def _sweep_stash(now=None):
    """Delete kept photos older than a day; (how many were deleted, bytes of those left)."""
    now = now or timezone.now()
    try:
        _dirs, names = default_storage.listdir(STASH_DIR)
    except (FileNotFoundError, NotImplementedError):
        return 0, 0
    deleted = kept_bytes = 0
    for name in names:
        path = f"{STASH_DIR}/{name}"
        try:
            if now - default_storage.get_modified_time(path) > timedelta(seconds=STASH_MAX_AGE):
                default_storage.delete(path)
                deleted += 1
            else:
                kept_bytes += default_storage.size(path)
        except FileNotFoundError:  # taken back or purged by another request meanwhile
            continue
    return deleted, kept_bytes


def purge_stash(now=None):
    """Delete kept photos older than a day (reports never sent). Returns how many were deleted."""
    return _sweep_stash(now)[0]


def _flattened(image):
    """RGB pixels; transparent areas become white, not black."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image if image.mode == "RGB" else image.convert("RGB")


def _jpeg(image):
    """The image's pixels as JPEG, and nothing else: no EXIF, XMP, ICC, IPTC or comment."""
    # Pillow's writer copies some metadata from image.info (a JPEG's COM, a PNG's "comment" text)
    # unless told otherwise; a new image built from the pixels alone has no info to copy.
    pixels = Image.frombytes(image.mode, image.size, image.tobytes())
    out = io.BytesIO()
    pixels.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


def upright(content):
    """The picture of a stored original, turned as the camera meant it, as RGB."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        image = Image.open(io.BytesIO(content))
        # Phones store "rotate me" in EXIF; apply it, since the EXIF is dropped.
        image = ImageOps.exif_transpose(image)
        return _flattened(image)


def render(content, *, redactions=(), detections=None):
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


def process(attachment):
    """Make (or remake) the public version and thumbnail of an attachment. Returns the attachment.

    Rendering runs outside any transaction; the result is written under the attachment's row lock.
    If the staff changed the rectangles meanwhile, it renders again, so no redaction is ever lost.
    """
    from django.db import transaction

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


def serve(file, content_type, filename):
    """A stored photo as a response, with a type of our own choosing and a name of our own making.

    The type comes from the format Pillow detected at intake (or is our JPEG), never from the upload;
    nosniff stops a browser from guessing another, so a "photo" that is really HTML is never run.
    """
    from django.http import FileResponse

    response = FileResponse(file.open("rb"), content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@contextmanager
def deleted_on_error(attachments):
    """Delete the files of `attachments` (filled in by store_photos) if the block raises."""
    try:
        yield attachments
    except BaseException:
        delete_files(attachments)
        raise


def delete_files(attachments):
    """Remove the stored files of attachments whose rows were rolled back."""
    for attachment in attachments:
        for file in (attachment.original, attachment.public_version, attachment.thumbnail):
            if file.name:
                file.storage.delete(file.name)


def _save_file(file, filename, content):
    """FieldFile.save(..., save=False) that also removes what a failed write left behind (disk full)."""
    name = file.field.generate_filename(file.instance, filename)
    try:
        file.name = file.storage.save(name, ContentFile(content), max_length=file.field.max_length)
    except OSError:
        try:
            file.storage.delete(name)
        except OSError:
            pass
        raise
    setattr(file.instance, file.field.attname, file.name)


def store_photos(ticket, photos, *, at=None, stored=None):
    """Save the originals of a ticket's photos (staff only) and queue their processing. Call inside its transaction.

    Each attachment is appended to `stored` as soon as its file exists, so that a caller whose
    transaction fails can delete them (`delete_files`).
    """
    from .tasks import process_photo

    attachments = [] if stored is None else stored
    for photo in photos:
        attachment = Attachment(
            ticket=ticket, content_type=photo.content_type, size=len(photo.content),
            width=photo.width, height=photo.height,
        )
        if at is not None:
            attachment.created_at = at
        attachments.append(attachment)
        # Names are ours; attachment_path turns them into random paths keeping only the extension.
        _save_file(attachment.original, f"original.{photo.extension}", photo.content)
        attachment.save()
        # In the ticket's transaction: no photo is stored without the job that makes it public.
        process_photo.enqueue(attachment.pk)
    return attachments
