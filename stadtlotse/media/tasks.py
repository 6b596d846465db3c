"""The photo job: a new or redacted photo gets its public version in the background, never in the request."""

import logging

from django_tasks import TaskResult, task

from stadtlotse.core import jobs
from stadtlotse.tickets.models import Attachment

from . import rendering

logger = logging.getLogger(__name__)


@task()
def process_photo(attachment_id: int, attempt: int = 1) -> str:
    """Blur faces and number plates of a new photo and make its public version and thumbnail.

    Safe to run twice (a worker killed mid-job): it only ever replaces the public files.
    """
    attachment = Attachment.objects.filter(pk=attachment_id).first()
    if attachment is None:
        return "gone"
    try:
        rendering.process(attachment)
    except Exception as exc:  # noqa: BLE001 - a full disk or a storage outage: try again later
        logger.warning("photo %s attempt %s failed: %s: %s", attachment_id, attempt, type(exc).__name__, exc)
        if jobs.may_retry(attempt):
            jobs.enqueue_retry(process_photo, attempt, attachment_id, attempt + 1)
            return "retry"
        # The photo stays without public version: never shown publicly; staff see "not processed".
        raise
    return "processed"


def queue_photo(attachment: Attachment) -> TaskResult[str]:
    """Queue the job that makes the photo's public version (in the caller's transaction)."""
    return process_photo.enqueue(attachment.pk)
