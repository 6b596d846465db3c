"""The IMAP poller: departments' replies fetched from a mailbox instead of an MTA pipe.

Each message is handled like one from `receive_mail` and then deleted; a message that could not be
processed (database error) stays for the next round. Oversized messages are judged by their
RFC822.SIZE and never downloaded.
"""

import imaplib
import logging
import re
from dataclasses import dataclass
from urllib.parse import unquote, urlparse

from django.conf import settings

from . import mail_in

logger = logging.getLogger(__name__)
SIZE = re.compile(rb"RFC822\.SIZE (\d+)")


@dataclass(frozen=True)
class Mailbox:
    host: str
    port: int
    user: str
    password: str
    folder: str
    ssl: bool

    @classmethod
    def from_url(cls, url: str) -> "Mailbox":
        """imap://user:password@host:143/INBOX or imaps://…:993/INBOX"""
        parts = urlparse(url)
        if parts.scheme not in ("imap", "imaps") or not parts.hostname:
            raise ValueError("IMAP URL must look like imaps://user:password@host/INBOX")
        return cls(host=parts.hostname, port=parts.port or (993 if parts.scheme == "imaps" else 143),
                   user=unquote(parts.username or ""), password=unquote(parts.password or ""),
                   folder=unquote(parts.path.lstrip("/")) or "INBOX", ssl=parts.scheme == "imaps")


def poll(mailbox: Mailbox | None = None) -> list[tuple[str, str]]:
    """Process every message in the mailbox once. Returns a list of (outcome, reason) per message."""
    mailbox = mailbox or Mailbox.from_url(settings.STADTLOTSE["CONNECTOR_IMAP_URL"])
    client_class = imaplib.IMAP4_SSL if mailbox.ssl else imaplib.IMAP4
    results = []
    client = client_class(mailbox.host, mailbox.port, timeout=settings.STADTLOTSE["CONNECTOR_TIMEOUT_SECONDS"])
    try:
        client.login(mailbox.user, mailbox.password)
        client.select(mailbox.folder)
        _status, data = client.uid("SEARCH", "ALL")  # no charset argument (imaplib leaves a None out anyway)
        limit = settings.STADTLOTSE["CONNECTOR_MAX_MAIL_BYTES"]
        # UIDs are ASCII digits; as text they go back to imaplib the way its signature asks.
        for uid in (data[0] or b"").decode("ascii").split():
            _status, meta = client.uid("FETCH", uid, "(RFC822.SIZE)")
            size_match = SIZE.search(meta[0] if isinstance(meta[0], bytes) else meta[0][0])
            size = int(size_match.group(1)) if size_match else 0
            if size > limit:
                logger.warning("incoming mail ignored: IMAP message %s has %s bytes, limit %s", uid, size, limit)
                results.append(("ignored", "too large"))
            else:
                _status, fetched = client.uid("FETCH", uid, "(BODY.PEEK[])")
                raw = next(item[1] for item in fetched if isinstance(item, tuple))
                try:
                    result = mail_in.handle_message(raw)
                except Exception:  # noqa: BLE001 - kept in the mailbox and tried again next round
                    logger.exception("IMAP message %s could not be processed; kept for the next round", uid)
                    continue
                results.append((result.outcome, result.reason))
            client.uid("STORE", uid, "+FLAGS", "(\\Deleted)")
        client.expunge()
    finally:
        try:
            client.logout()
        except (imaplib.IMAP4.error, OSError):
            pass
    return results
