"""Who may report: the block list of sources and the rate limits per IP and e-mail address.

    abuse.check_not_blocked(ip="192.0.2.7", email="x@spam.example")   # raises SourceBlocked
    verdict = abuse.hit_report_rate(ip="192.0.2.7", email="rita@example.org")

`intake.submit(source=...)` checks the block list itself, so no channel can skip it. Rates are
counted by the callers that know the client (web form, Open311) through `hit_report_rate`, before
they call `submit`; a refused report stores nothing.
"""

import hashlib
import ipaddress
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from stadtlotse.core import ratelimit

from .models import BlockedSource


@dataclass(frozen=True)
class Source:
    """Where a report comes from, as far as the channel knows: the client's IP, the Open311 key."""

    ip: str = ""
    api_key: object = None  # accounts.ApiKey


class SourceBlocked(ValidationError):
    """The sender is on the block list. The message is neutral: it does not say which entry matched."""

    def __init__(self):
        self.text = (_("Reports from this sender cannot be accepted. If you think this is a mistake, please write "
                       "to the coordination desk: %(email)s") % {"email": settings.STADTLOTSE["DESK_EMAIL"]})
        super().__init__({NON_FIELD_ERRORS: [ValidationError(self.text, code="blocked")]})


def _domains(email):
    """"a@mail.example.org" → ["mail.example.org", "example.org"]: a blocked domain covers its subdomains."""
    domain = email.rpartition("@")[2].lower().strip(".")
    parts = domain.split(".")
    return [".".join(parts[i:]) for i in range(len(parts) - 1)] if domain else []


def blocked_by(*, ip="", email="", api_key=None, now=None):
    """The active block-list entry that matches the source, or None. One query."""
    email = (email or "").strip().lower()
    match = Q(kind=BlockedSource.Kind.IP_RANGE) if ip else Q(pk__in=[])
    if email:
        match |= Q(kind=BlockedSource.Kind.EMAIL, value=email)
        match |= Q(kind=BlockedSource.Kind.DOMAIN, value__in=_domains(email))
    if api_key is not None:
        match |= Q(kind=BlockedSource.Kind.API_KEY, api_key=api_key)
    address = None
    if ip:
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            address = None
    # IP ranges are compared here, not in SQL: both databases, and the list is short.
    for entry in BlockedSource.objects.active(now).filter(match).order_by("pk"):
        if entry.kind != BlockedSource.Kind.IP_RANGE:
            return entry
        try:
            if address is not None and address in ipaddress.ip_network(entry.value):
                return entry
        except ValueError:
            continue
    return None


def check_not_blocked(*, ip="", email="", api_key=None):
    if blocked_by(ip=ip, email=email, api_key=api_key) is not None:
        raise SourceBlocked()


def rates(text):
    """ "5/600,20/86400" → [Rate(5, 600), Rate(20, 86400)]."""
    return [ratelimit.Rate.parse(part.strip()) for part in str(text).split(",") if part.strip()]


def email_digest(email):
    """A short hash of the mailbox, so the cache holds no address."""
    return hashlib.sha256(ratelimit.mailbox(email).encode()).hexdigest()[:32]


def _report_sources(ip, email):
    limits = settings.STADTLOTSE
    sources = []
    if ip:
        sources.append(("report-ip", ip, limits["REPORT_RATE_PER_IP"]))
    if email:
        sources.append(("report-email", email_digest(email), limits["REPORT_RATE_PER_EMAIL"]))
    return sources


def _worst(verdicts):
    refused = [verdict for verdict in verdicts if not verdict.allowed]
    if refused:
        return max(refused, key=lambda verdict: verdict.retry_after)
    return ratelimit.Verdict(True)


def hit_report_rate(*, ip="", email=""):
    """Count one report of this IP and e-mail address in every configured window.

    Returns the verdict: allowed, or refused with the longest wait. IPv6 addresses are counted by
    their /64, e-mail addresses by their mailbox (`ratelimit.mailbox`), hashed.
    """
    return _worst([ratelimit.hit(scope, source, rate)
                   for scope, source, text in _report_sources(ip, email) for rate in rates(text)])


def peek_report_rate(*, ip="", email=""):
    """Whether one more report of this IP and address would be allowed, without counting it.

    Callers check this before they open any photo: a refused request must cost no decoding.
    """
    return _worst([ratelimit.peek(scope, source, rate)
                   for scope, source, text in _report_sources(ip, email) for rate in rates(text)])


def block(kind, value="", *, reason, by, api_key=None, expires_at=None):
    """Put a source on the block list. Raises ValidationError for a value that is not of its kind."""
    entry = BlockedSource(kind=kind, value=value, api_key=api_key, reason=(reason or "").strip(), created_by=by,
                          expires_at=expires_at)
    entry.full_clean()
    entry.save()
    return entry


def unblock(entry):
    entry.delete()
