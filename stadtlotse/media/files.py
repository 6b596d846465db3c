"""The stored files of photos: written whole or not at all, and removed with rows that were rolled back.

Files are written before their rows commit (the ticket's transaction must not wait for a disk), so
whoever writes them also deletes them when the rows do not survive: intake through
`media.deleted_on_error`, the photo job through `rendering.process` for a version it threw away.
"""

from collections.abc import Iterable

from django.core.files.base import ContentFile
from django.db.models.fields.files import FieldFile

from stadtlotse.tickets.models import Attachment


def save_file(file: FieldFile, filename: str, content: bytes) -> None:
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


def delete_files(attachments: Iterable[Attachment]) -> None:
    """Remove the stored files of attachments whose rows were rolled back."""
    for attachment in attachments:
        for file in (attachment.original, attachment.public_version, attachment.thumbnail):
            if file.name:
                file.storage.delete(file.name)
