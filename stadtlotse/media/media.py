"""Photos of reports: proof that an upload is a real image, kept for the next step, stored, served.

Used by `intake.submit(photos=[...])` for every channel (web form, Open311 `media` parts). The flow:

1. `check_photos(files)` reads each upload (a Django UploadedFile or any binary file object),
   lets Pillow decode it completely and returns `Photo`s. Each problem is one ValidationError
   message under the key "photos"; nothing is stored.
2. `store_photos(ticket, photos)` writes the original (staff only), inside the ticket's transaction,
   and queues the `process_photo` job in that same transaction.
3. The job (`tasks.process_photo`) calls `rendering.process(attachment)`: the photo turned upright
   and resized, faces and number plates found and blurred (see `redaction`), together with the
   rectangles the staff drew, and re-encoded as JPEG from the pixels alone, without any metadata:
   the public version and the thumbnail. Until then the photo has no public version and is shown
   nowhere public.

Intake stays fast: detection takes up to a second per photo and must not hold the database's
write lock nor keep the resident waiting.
"""

import hashlib
import io
import logging
import os
import uuid
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import BinaryIO

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.db.models.fields.files import FieldFile
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError
from pillow_heif import register_heif_opener

from stadtlotse.core import ratelimit, slots
from stadtlotse.tickets.models import Attachment, Ticket

from .files import delete_files, save_file
from .tasks import process_photo

register_heif_opener()
logger = logging.getLogger(__name__)

FORMATS = {
    "JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp"),
    # iPhones save HEIC by default; pillow-heif teaches Pillow to read it.
    "HEIF": ("image/heic", "heic"),
}
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
    def content_type(self) -> str:
        return FORMATS[self.format][0]

    @property
    def extension(self) -> str:
        return FORMATS[self.format][1]


# What check_photo reads: a Django UploadedFile, any binary file object, or a Photo checked before.
Upload = Photo | File[bytes] | BinaryIO


def display_name(upload: Upload, number: int) -> str:
    """The upload's file name for messages: no path, not too long; "photo 2" when there is none."""
    name = os.path.basename(str(getattr(upload, "name", "") or "").replace("\\", "/")).strip()
    name = "".join(ch for ch in name if ch.isprintable())
    if not name:
        return _("photo %(number)d") % {"number": number}
    return name if len(name) <= MAX_NAME_CHARS else name[: MAX_NAME_CHARS - 1] + "…"


def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):.1f}".rstrip("0").rstrip(".")


def max_pixels(*, staff: bool = False) -> int:
    """Pixels a photo may have: fewer for anonymous senders (web form, Open311) than for staff."""
    limit: int = settings.STADTLOTSE["MAX_PHOTO_PIXELS"]
    if staff:
        return limit
    public: int = settings.STADTLOTSE["MAX_PUBLIC_PHOTO_PIXELS"]
    return min(public, limit)


@contextmanager
def decode_slot(name: str) -> Iterator[None]:
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


def check_photo(upload: Upload, number: int = 1, *, staff: bool = False) -> Photo:
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
    if image.format is None:  # Pillow names the format of every file it opened; None would be no photo
        raise ValidationError(not_an_image)
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


def sort_photos(files: Iterable[Upload | None] | None, *, staff: bool = False) -> tuple[list[Photo], list[str]]:
    """(photos, errors): the uploads that are acceptable photos, and one message per problem."""
    uploads = [f for f in (files or []) if f is not None]
    errors = []
    maximum = settings.STADTLOTSE["MAX_PHOTOS"]
    if len(uploads) > maximum:
        errors.append(
            _("Please add at most %(max)d photos; you chose %(n)d.") % {"max": maximum, "n": len(uploads)}
        )
        uploads = uploads[:maximum]
    photos = []
    for number, upload in enumerate(uploads, start=1):
        try:
            photos.append(check_photo(upload, number, staff=staff))
        except ValidationError as exc:
            errors.extend(exc.messages)
    return photos, errors


def check_photos(files: Iterable[Upload | None] | None, *, staff: bool = False) -> list[Photo]:
    """Every upload as a Photo, in order. Raises ValidationError({"photos": [one message per problem]})."""
    photos, errors = sort_photos(files, staff=staff)
    if errors:
        raise ValidationError({"photos": errors})
    return photos


# A form sent back to the resident (questions step, an error elsewhere) cannot hand file inputs back:
# accepted photos wait in the storage under a signed token instead of being chosen again.
STASH_DIR = "pending"
# Unchanged since the module lived in intake: tokens in forms open during an upgrade stay valid.
STASH_SALT = "stadtlotse.intake.media.stash"
STASH_MAX_AGE = 24 * 3600


def stash(photo: Photo, *, source: str = "") -> str:
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


def unstash(token: str) -> Photo | None:
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


def discard_stashed(photos: Iterable[Photo]) -> None:
    """Delete the stashed copies of photos that are now stored with their ticket."""
    for photo in photos:
        if photo.stash_path:
            default_storage.delete(photo.stash_path)


def _sweep_stash(now: datetime | None = None) -> tuple[int, int]:
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


def purge_stash(now: datetime | None = None) -> int:
    """Delete kept photos older than a day (reports never sent). Returns how many were deleted."""
    return _sweep_stash(now)[0]


def serve(file: FieldFile, content_type: str, filename: str) -> FileResponse:
    """A stored photo as a response, with a type of our own choosing and a name of our own making.

    The type comes from the format Pillow detected at intake (or is our JPEG), never from the upload;
    nosniff stops a browser from guessing another, so a "photo" that is really HTML is never run.
    """
    response = FileResponse(file.open("rb"), content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@contextmanager
def deleted_on_error(attachments: list[Attachment]) -> Iterator[list[Attachment]]:
    """Delete the files of `attachments` (filled in by store_photos) if the block raises."""
    try:
        yield attachments
    except BaseException:
        delete_files(attachments)
        raise


def store_photos(ticket: Ticket, photos: Iterable[Photo], *, at: datetime | None = None,
                 stored: list[Attachment] | None = None) -> list[Attachment]:
    """Save the originals of a ticket's photos (staff only) and queue their processing. Call inside its transaction.

    Each attachment is appended to `stored` as soon as its file exists, so that a caller whose
    transaction fails can delete them (`deleted_on_error`).
    """
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
        save_file(attachment.original, f"original.{photo.extension}", photo.content)
        attachment.save()
        # In the ticket's transaction: no photo is stored without the job that makes it public.
        process_photo.enqueue(attachment.pk)
    return attachments
