"""The e-mail connector, inbound: a department's reply to a forwarded ticket becomes a status change or a note.

One message in (from the MTA pipe `receive_mail` or the IMAP poller `poll_imap`), one decision out:
- ignored (logged): too large (message or header block, judged before parsing), an auto-reply or
  out-of-office, a delivery report, our own mail;
- refused (logged): not authenticated by the city's MTA (when `CONNECTOR_MAIL_AUTHSERV_ID` is set),
  no reply address with the ticket's secret code, unknown ticket, sender not the ticket's
  department, a change the workflow refuses. A bounce with the reason (never the mail's subject or
  text) goes back only to a sender that knew the code or is a known department address, and only
  within the bounce rate limits: forged mail must not make us send mail to strangers (backscatter);
- applied: a status keyword at the start (ANGENOMMEN, IN BEARBEITUNG, ERLEDIGT, ABGELEHNT) changes
  the status with the rest of the reply as the public note; a reply without one becomes an
  internal note for the desk. The same message twice (same Message-ID) changes nothing.
"""

import email
import email.policy
import hashlib
import logging
import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser

from django.conf import settings
from django.utils.translation import gettext as _

from stadtlotse.accounts.models import Membership
from stadtlotse.catalog.models import Department
from stadtlotse.core import ratelimit
from stadtlotse.tickets import ids
from stadtlotse.tickets.models import Ticket

from . import status
from .mail_out import send_bounce
from .reply import code_matches, keywords, reply_code  # noqa: F401 - reply_code: part of this module's API

logger = logging.getLogger(__name__)
S = Ticket.Status

TICKET_ID = ids.IN_TEXT
# The plus part of a reply address: the ticket id and its secret code (antwort+SL-2026-0042.3f9c…@).
REPLY_MAILBOX = re.compile(rf"({ids.SHAPE})(?:\.([0-9A-Fa-f]{{1,64}}))?")
HEADER_END = re.compile(rb"\r?\n\r?\n")
AUTO_SUBJECT = re.compile(
    r"^\s*(abwesenheitsnotiz|automatische antwort|auto(matic)?[ -]?reply|autoreply|out of (the )?office|"
    r"undeliverable|unzustellbar|delivery status notification|mail delivery failed)", re.IGNORECASE)
# Where the quoted original starts in a reply written by common clients (German and English).
QUOTE_START = re.compile(
    r"^\s*(-{2,}\s*(original(nachricht| message)|ursprüngliche nachricht)\s*-{2,}|_{10,}|"
    r"(von|from|gesendet|sent):\s.+|am .+ schrieb .+:|on .+ wrote:|.+ schrieb am .+:)\s*$", re.IGNORECASE)
# A closing formula starts the signature: staff names stay out of the public note.
SIGNATURE_START = re.compile(
    r"^\s*(mit freundlichen grüßen|freundliche grüße|viele grüße|beste grüße|herzliche grüße|mfg|gruß|grüße|"
    r"kind regards|best regards|regards|best)\b", re.IGNORECASE)


@dataclass
class Result:
    outcome: str  # applied, duplicate, ignored, bounced
    reason: str = ""
    ticket: Ticket | None = None


def handle_message(raw: bytes) -> Result:
    """Decide about one RFC 822 message (bytes). Never raises for bad input; returns a Result."""
    limit = settings.STADTLOTSE["CONNECTOR_MAX_MAIL_BYTES"]
    if len(raw) > limit:
        return _ignore(f"message of {len(raw)} bytes exceeds the limit of {limit}")
    header_limit = settings.STADTLOTSE["CONNECTOR_MAX_MAIL_HEADER_BYTES"]
    # Judged on the bytes, before parsing: the parser needs many seconds for a header of some 100 KB.
    end = HEADER_END.search(raw, 0, header_limit + 4)
    header_bytes = end.start() if end else len(raw)
    if header_bytes > header_limit:
        return _ignore(f"header block of more than {header_limit} bytes exceeds the limit")
    message = email.message_from_bytes(raw, policy=email.policy.default)
    reason = auto_reply_reason(message)
    if reason:
        return _ignore(reason, message)
    sender = parseaddr(str(message.get("From", "")))[1].lower()
    if not sender or "@" not in sender:
        return _ignore("no sender address", message)
    if sender == settings.STADTLOTSE["CONNECTOR_REPLY_ADDRESS"].lower() or sender.startswith("mailer-daemon@"):
        return _ignore("mail from ourselves or a mail server", message)
    authserv_id = settings.STADTLOTSE["CONNECTOR_MAIL_AUTHSERV_ID"]
    if authserv_id and not authenticated(message, authserv_id, sender.rpartition("@")[2]):
        # The sender is not proven, so it is not answered either.
        return _refuse(message, sender, f"no DMARC or aligned DKIM pass from {authserv_id}", answer=False)
    public_id, code = reply_target(message)
    if public_id is None:
        return _refuse(message, sender, _("The mail was not sent to the reply address of a ticket. Please reply "
                                          "to the mail about the ticket; its reply address carries the ticket id "
                                          "and a code."))
    ticket = status.find_ticket(public_id)
    if ticket is None:
        return _refuse(message, sender, _("There is no ticket %(id)s.") % {"id": public_id.upper()})
    if not code_matches(ticket, code):
        return _refuse(message, sender, _("The reply address does not carry the valid code of ticket %(id)s. Please "
                                          "reply to the latest mail about the ticket, or ask the coordination desk to send it "
                                          "again.") % {"id": ticket.public_id},
                       ticket)
    department = ticket.department
    if department is None or not sender_allowed(department, sender):
        return _refuse(message, sender, _("Ticket %(id)s is not with a department that writes from %(sender)s.")
                       % {"id": ticket.public_id, "sender": sender}, ticket, code_known=True)
    new_status, note = parse_reply(reply_text(message))
    if new_status is None and not note:
        return _refuse(message, sender, _("The reply is empty."), ticket, code_known=True)
    key = str(message.get("Message-ID", "")).strip()[:255] or hashlib.sha256(raw).hexdigest()
    try:
        outcome = status.apply_update(ticket, source=status.EMAIL, sender=f"email: {sender}", key=key,
                                      department=department, move_name=status.move_to(new_status), note=note,
                                      public=new_status is not None)
    except status.UpdateRefused as exc:
        return _refuse(message, sender, str(exc), ticket, code_known=True)
    if outcome.duplicate:
        logger.info("mail %s for %s ignored: already processed", key, ticket.public_id)
        return Result("duplicate", "already processed", ticket)
    return Result("applied", "", ticket)


def _ignore(reason: str, message: EmailMessage | None = None) -> Result:
    logger.warning("incoming mail ignored: %s (Message-ID %s)", reason,
                   message.get("Message-ID", "-") if message is not None else "-")
    return Result("ignored", reason)


def _refuse(message: EmailMessage, sender: str, reason: str, ticket: Ticket | None = None, *,
            code_known: bool = False, answer: bool = True) -> Result:
    """Refuse the mail; answer it only where the answer cannot be backscatter, and within the limits.

    code_known: the mail came to the ticket's secret reply address, so its sender read our mail.
    Otherwise only a known department address is answered (a forged From: then reaches the city,
    not a stranger). Returns "bounced" when a bounce went out, "refused" when none did.
    """
    logger.warning("incoming mail from %s refused: %s", sender, reason)
    if not answer or not (code_known or known_sender(sender)):
        return Result("refused", reason, ticket)
    per_sender = ratelimit.Rate.parse(settings.STADTLOTSE["CONNECTOR_BOUNCE_RATE"])
    overall = ratelimit.Rate.parse(settings.STADTLOTSE["CONNECTOR_BOUNCE_TOTAL_RATE"])
    if not ratelimit.hit("mail-bounce", sender, per_sender).allowed or \
            not ratelimit.hit("mail-bounce", "all", overall).allowed:
        logger.warning("no bounce to %s: bounce rate limit reached", sender)
        return Result("refused", reason, ticket)
    try:
        send_bounce(message, sender, reason)
    except Exception as exc:  # noqa: BLE001 - a bounce that cannot go out is logged, the mail stays refused
        logger.warning("bounce to %s could not be sent: %s", sender, exc)
        return Result("refused", reason, ticket)
    return Result("bounced", reason, ticket)


def auto_reply_reason(message: EmailMessage) -> str:
    """Why this message is machine-written (and must not be answered or applied), or ''."""
    auto = str(message.get("Auto-Submitted", "")).strip().lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    for header in ("X-Autoreply", "X-Autorespond", "X-Auto-Reply", "X-Autoresponder"):
        if message.get(header) is not None:
            return f"{header} header"
    if str(message.get("Precedence", "")).strip().lower() in {"bulk", "junk", "list", "auto_reply"}:
        return f"Precedence: {message.get('Precedence')}"
    if message.get_content_type() == "multipart/report":
        return "delivery or read report"
    if AUTO_SUBJECT.match(str(message.get("Subject", ""))):
        return "automatic reply by its subject"
    if message.get("X-Stadtlotse-Ticket") is not None:
        return "one of our own mails came back"
    return ""


def reply_target(message: EmailMessage) -> tuple[str | None, str | None]:
    """(ticket id, code) from the reply address antwort+SL-2026-0042.<code>@…; (None, None) without one.

    The ticket id in the subject alone is not enough: anyone can write it, only the department
    received the address with the code.
    """
    local = settings.STADTLOTSE["CONNECTOR_REPLY_ADDRESS"].partition("@")[0].lower()
    recipients: list[str] = []
    for header in ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To"):
        recipients.extend(str(value) for value in message.get_all(header, []))
    found: tuple[str | None, str | None] = (None, None)
    for _name, address in getaddresses(recipients):
        mailbox = address.partition("@")[0]
        if mailbox.lower().startswith(local + "+"):
            match = REPLY_MAILBOX.fullmatch(mailbox[len(local) + 1:])
            if match:
                found = (match.group(1).upper(), (match.group(2) or "").lower())
                if found[1]:
                    return found
    return found


def authenticated(message: EmailMessage, authserv_id: str, sender_domain: str) -> bool:
    """Whether the city's MTA (`authserv_id`) found DMARC, or DKIM for the sender's domain, to pass.

    Only the topmost Authentication-Results header of that host counts: the MTA adds its own on top
    (and should remove any with its id that came with the mail, RFC 8601 section 5).
    """
    for header in message.get_all("Authentication-Results", []):
        text = re.sub(r"\([^()]*\)", " ", str(header))  # comments, e.g. "(p=none dis=none)"
        parts = [part.strip() for part in text.split(";")]
        words = parts[0].split()
        if not words or words[0].lower() != authserv_id:
            continue
        for part in parts[1:]:
            tokens = part.split()
            if not tokens:
                continue
            method, _sep, result = tokens[0].lower().partition("=")
            props = dict(token.lower().partition("=")[::2] for token in tokens[1:])
            if result != "pass":
                continue
            if method == "dmarc" and props.get("header.from", sender_domain) == sender_domain:
                return True
            signer = props.get("header.d", "")
            if method == "dkim" and signer and (sender_domain == signer or sender_domain.endswith("." + signer)):
                return True
        return False
    return False


def sender_allowed(department: Department, sender: str) -> bool:
    allowed = {department.email.lower()} if department.email else set()
    allowed |= {address.lower() for address in department.connector_settings.get("senders", [])}
    return sender in allowed or department.memberships.filter(user__email__iexact=sender, user__is_active=True).exists()


def known_sender(sender: str) -> bool:
    """Whether `sender` is the address of an active department, of one of its members, or a listed sender."""
    departments = Department.objects.filter(is_active=True)
    if departments.filter(email__iexact=sender).exists():
        return True
    if Membership.objects.filter(user__email__iexact=sender, user__is_active=True,
                                 department__is_active=True).exists():
        return True
    return any(sender in {a.lower() for a in (d.connector_settings or {}).get("senders", [])}
               for d in departments.filter(connector=Department.Connector.EMAIL).only("connector_settings"))


def reply_text(message: EmailMessage) -> str:
    """The new text of the reply: plain part preferred, HTML converted, quoted original and signature cut."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, UnicodeError):
        payload = part.get_payload(decode=True)  # bytes for the text part get_body() found
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    if part.get_content_type() == "text/html":
        content = html_to_text(content)
    lines = []
    for line in content.replace("\r\n", "\n").split("\n"):
        if line.startswith(">") or QUOTE_START.match(line) or SIGNATURE_START.match(line):
            break
        if line.rstrip() == "--":
            break
        lines.append(line.rstrip())
    return "\n".join(lines).strip()


def parse_reply(text: str) -> tuple[Ticket.Status | None, str]:
    """(status or None, note): a keyword at the very start of the reply sets the status."""
    for word, code in keywords():
        # However the keyword was spaced, wrapped or cased; it must be a word of its own.
        pattern = r"^\s*" + r"\s+".join(re.escape(part) for part in word.split()) + r"(?!\w)"
        match = re.match(pattern, text, re.IGNORECASE)
        if match:
            return code, text[match.end():].lstrip(" \t:-–.!\n").strip()
    return None, text.strip()


class _TextExtractor(HTMLParser):
    """HTML mail to text, leaving out quoted originals (blockquote, Gmail's and Outlook's quote blocks)."""

    BLOCK = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "table"}
    SKIP = {"style", "script", "head", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_depth = 0
        self.stack: list[str] = []
        self.stopped = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.stopped:
            return
        named = dict(attrs)
        classes = (named.get("class") or "") + " " + (named.get("id") or "")
        if tag == "blockquote" or "gmail_quote" in classes or "divRplyFwdMsg" in classes or "moz-cite-prefix" in classes:
            # Everything from the quoted original on is not part of the answer.
            self.stopped = True
            return
        if tag in self.SKIP:
            self.skip_depth += 1
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self.skip_depth:
            self.skip_depth -= 1
        if tag in self.BLOCK and not self.stopped:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.stopped and not self.skip_depth:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(line.strip() for line in text.split("\n"))).strip()
