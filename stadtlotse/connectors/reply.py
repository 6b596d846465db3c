"""The e-mail connector's shared pieces: the reply address with its secret code, and the status keywords.

Both directions need them: mail_out writes the address and the keyword help into the department's
mail, mail_in checks the code and reads the keyword of the answer.
"""

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

from stadtlotse.tickets.models import Ticket

S = Ticket.Status

DEFAULT_KEYWORDS = {
    "ANGENOMMEN": S.ACCEPTED, "IN BEARBEITUNG": S.IN_PROGRESS, "ERLEDIGT": S.DONE, "ABGELEHNT": S.REJECTED,
}
REPLY_CODE_CHARS = 24  # hex digits, 96 bits: not guessable, short enough for every mail client
REPLY_CODE_SALT = "stadtlotse.connectors.reply-address"


def keywords() -> list[tuple[str, Ticket.Status]]:
    """Keyword → status, longest first (so "IN BEARBEITUNG" is tried before a shorter one it starts with)."""
    configured = settings.STADTLOTSE["CONNECTOR_MAIL_KEYWORDS"].strip()
    mapping = dict(DEFAULT_KEYWORDS)
    if configured:
        mapping = {}
        for pair in configured.split(","):
            word, _sep, code = pair.partition("=")
            if word.strip() and code.strip() in S.values:
                mapping[" ".join(word.split()).upper()] = S(code.strip())
    return sorted(mapping.items(), key=lambda item: -len(item[0]))


def reply_code(ticket: Ticket, *, secret: str | None = None) -> str:
    """The ticket's secret for its reply address: an HMAC of ticket and department with SECRET_KEY.

    It changes when the ticket goes to another department, so the previous department's old
    address no longer works.
    """
    value = f"{ticket.public_id}:{ticket.department_id or '-'}"
    mac = salted_hmac(REPLY_CODE_SALT, value, secret=secret, algorithm="sha256")
    return mac.hexdigest()[:REPLY_CODE_CHARS]


def code_matches(ticket: Ticket, code: str | None) -> bool:
    """Constant-time check of the code, also against SECRET_KEY_FALLBACKS while a key is rotated."""
    if not code or len(code) != REPLY_CODE_CHARS:
        return False
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return any(constant_time_compare(reply_code(ticket, secret=secret), code) for secret in secrets)


def reply_address(ticket: Ticket) -> str:
    """antwort+SL-2026-0042.<code>@domain: finds its ticket, and only those who got our mail know the code."""
    local, _, domain = settings.STADTLOTSE["CONNECTOR_REPLY_ADDRESS"].rpartition("@")
    return f"{local}+{ticket.public_id}.{reply_code(ticket)}@{domain}"
