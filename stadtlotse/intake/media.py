"""Photos of reports: proof that an upload is a real image, and the versions the public may see.

Used by `intake.submit(photos=[...])` for every channel (web form, Open311 `media` parts). The flow:

1. `check_photos(files)` reads each upload (a Django UploadedFile or any binary file object),
   lets Pillow decode it completely and returns `Photo`s. Each problem is one ValidationError
   message under the key "photos"; nothing is stored.
2. `prepare(photo)` renders the public version and the thumbnail: turned upright, re-encoded as
   JPEG without any metadata (EXIF with GPS position and camera serial, XMP, comments are dropped
   because they are never copied). It runs before the ticket's transaction: resizing a large
   photo takes a while and must not hold the database's write lock.
3. `store_photos(ticket, photos)` writes the original (staff only) and both versions, inside the
   ticket's transaction.

`make_public_version(image)` is the place where privacy processing of the picture itself plugs in
(blurring faces and number plates, issue 7); today it only returns the image unchanged.
"""

import io
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

from stadtlotse.tickets.models import Attachment

FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}
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
    public_content: bytes = b""
    thumbnail_content: bytes = b""
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


def check_photo(upload, number=1):
    """One upload as a Photo; ValidationError with one message naming the file otherwise."""
    if isinstance(upload, Photo):
        return upload
    limits = settings.STADTLOTSE
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
    not_an_image = _("“%(name)s” is not a photo in JPEG, PNG or WebP format.") % {"name": name}
    try:
        with warnings.catch_warnings():
            # Pillow only warns below twice its own pixel limit; the limit below is the one that counts.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(content), formats=list(FORMATS))
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError, SyntaxError):
        raise ValidationError(not_an_image) from None
    width, height = image.size
    if width * height > limits["MAX_PHOTO_PIXELS"]:
        raise ValidationError(
            _("“%(name)s” has too many pixels: at most %(max)d megapixels, this one has %(size)d.")
            % {"name": name, "max": limits["MAX_PHOTO_PIXELS"] // 1_000_000, "size": width * height // 1_000_000}
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image.load()
    except Exception:  # noqa: BLE001 - any decoder failure means: a damaged or disguised file
        raise ValidationError(
            _("“%(name)s” could not be read as a photo; the file may be damaged.") % {"name": name}
        ) from None
    return Photo(content=content, format=image.format, width=width, height=height, name=name)


def sort_photos(files):
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
            photos.append(check_photo(upload, number))
        except ValidationError as exc:
            errors.extend(exc.messages)
    return photos, errors


def check_photos(files):
    """Every upload as a Photo, in order. Raises ValidationError({"photos": [one message per problem]})."""
    photos, errors = sort_photos(files)
    if errors:
        raise ValidationError({"photos": errors})
    return photos


# A form sent back to the resident (questions step, an error elsewhere) cannot hand file inputs back:
# accepted photos wait in the storage under a signed token instead of being chosen again.
STASH_DIR = "pending"
STASH_SALT = "stadtlotse.intake.media.stash"
STASH_MAX_AGE = 24 * 3600


def stash(photo):
    """Keep a checked photo for the next submission of the same form; returns a signed token ("" if it cannot)."""
    if photo.token:
        return photo.token
    try:
        # Abandoned forms leave their photos behind; each new stash clears out those older than a day.
        purge_stash()
        path = default_storage.save(f"{STASH_DIR}/{uuid.uuid4().hex}.{photo.extension}", ContentFile(photo.content))
    except OSError:
        # Media storage full or read-only: the photo cannot be kept; the form's error already says so.
        return ""
    photo.stash_path = path
    photo.token = signing.dumps({"path": path, "name": photo.name}, salt=STASH_SALT, compress=True)
    return photo.token


def unstash(token):
    """The photo behind a token from `stash`, checked again; None for a bad, expired or vanished token."""
    try:
        kept = signing.loads(token, salt=STASH_SALT, max_age=STASH_MAX_AGE)
        path = kept["path"]
        if not path.startswith(f"{STASH_DIR}/") or ".." in path:
            return None
        with default_storage.open(path, "rb") as file:
            content = file.read(settings.STADTLOTSE["MAX_PHOTO_BYTES"] + 1)
    except (signing.BadSignature, KeyError, TypeError, OSError):
        return None
    upload = ContentFile(content, name=kept.get("name") or "")
    try:
        photo = check_photo(upload)
    except ValidationError:
        return None
    photo.token, photo.stash_path = token, path
    return photo


def discard_stashed(photos):
    """Delete the stashed copies of photos that are now stored with their ticket."""
    for photo in photos:
        if photo.stash_path:
            default_storage.delete(photo.stash_path)


def purge_stash(now=None):
    """Delete kept photos older than a day (reports never sent). Returns how many were deleted."""
    now = now or timezone.now()
    try:
        _dirs, names = default_storage.listdir(STASH_DIR)
    except (FileNotFoundError, NotImplementedError):
        return 0
    deleted = 0
    for name in names:
        path = f"{STASH_DIR}/{name}"
        if now - default_storage.get_modified_time(path) > timedelta(seconds=STASH_MAX_AGE):
            default_storage.delete(path)
            deleted += 1
    return deleted


def make_public_version(image):
    """The picture as the public may see it. Hook for blurring faces and number plates (issue 7)."""
    return image


def _as_jpeg(image, longest_side):
    image = image.copy()
    image.thumbnail((longest_side, longest_side), Image.Resampling.LANCZOS)
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        # Transparent areas become white, not black.
        rgba = image.convert("RGBA")
        image = Image.new("RGB", rgba.size, "white")
        image.paste(rgba, mask=rgba.getchannel("A"))
    elif image.mode != "RGB":
        image = image.convert("RGB")
    out = io.BytesIO()
    # No exif=, no icc_profile=, no comment=: the output carries pixels only.
    image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


def prepare(photo):
    """Render the public version and the thumbnail of a checked Photo (pure computation, no database)."""
    limits = settings.STADTLOTSE
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        image = Image.open(io.BytesIO(photo.content))
        # Phones store "rotate me" in EXIF; apply it, since the EXIF is dropped.
        image = ImageOps.exif_transpose(image)
    public = make_public_version(image)
    photo.public_content = _as_jpeg(public, limits["PHOTO_PUBLIC_SIZE"])
    photo.thumbnail_content = _as_jpeg(public, limits["PHOTO_THUMBNAIL_SIZE"])
    return photo


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
    """Save the photos of a ticket: original (staff only), public version, thumbnail. Call inside its transaction.

    Each attachment is appended to `stored` as soon as its files exist, so that a caller whose
    transaction fails can delete them (`delete_files`).
    """
    attachments = [] if stored is None else stored
    for photo in photos:
        if not photo.public_content:
            prepare(photo)
        attachment = Attachment(
            ticket=ticket, content_type=photo.content_type, size=len(photo.content),
            width=photo.width, height=photo.height,
        )
        if at is not None:
            attachment.created_at = at
        attachments.append(attachment)
        # Names are ours; attachment_path turns them into random paths keeping only the extension.
        _save_file(attachment.original, f"original.{photo.extension}", photo.content)
        _save_file(attachment.public_version, "public.jpg", photo.public_content)
        _save_file(attachment.thumbnail, "thumbnail.jpg", photo.thumbnail_content)
        attachment.save()
    return attachments
