"""Fixed-window rate limits kept in Django's cache, so they hold across processes and machines.

With the database cache (the default) every worker on the machine shares the counters; with
Redis (`REDIS_URL`) every machine does. `hit()` counts one request of a source and says whether it
is still within its limit and, if not, how long until the window ends.
"""

import ipaddress
import time
from dataclasses import dataclass
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

# What is counted: an address, a key's id, a mailbox.
Source = str | int
S = TypeVar("S", bound=Source)


@dataclass(frozen=True)
class Rate:
    """`limit` requests per `seconds`; parsed from strings like "60/60" or "300/3600"."""

    limit: int
    seconds: int

    @classmethod
    def parse(cls, text: object) -> "Rate":
        limit, _slash, seconds = str(text).partition("/")
        rate = cls(int(limit), int(seconds or 60))
        if rate.limit < 1 or rate.seconds < 1:
            raise ValueError(f"Not a rate (requests/seconds): {text!r}")
        return rate


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0


def grouped(source: S) -> S | str:
    """An IPv6 address as its /64 network, anything else unchanged.

    One household or one virtual server gets a whole /64 and can pick any address in it, so counting
    single IPv6 addresses would give each of them billions of fresh limits.
    """
    try:
        address = ipaddress.ip_address(str(source))
    except ValueError:
        return source
    if address.version == 4:
        return str(address)
    if address.ipv4_mapped is not None:  # ::ffff:192.0.2.7 is the IPv4 client 192.0.2.7
        return str(address.ipv4_mapped)
    return str(ipaddress.ip_network(f"{address}/64", strict=False))


def mailbox(email: str | None) -> str:
    """The mailbox an address reaches, for counting: "Rita+1@Example.org" → "rita@example.org".

    Most providers deliver local+anything to local, so a limit per address as typed would be a
    limit per tag. Only for counting: mails still go to the address as typed.
    """
    local, at, domain = (email or "").strip().lower().rpartition("@")
    if not at:
        return domain
    return f"{local.partition('+')[0] or local}@{domain}"


def _window(scope: str, source: Source, rate: Rate, now: float | None) -> tuple[float, int, str]:
    now = time.time() if now is None else now
    window = int(now // rate.seconds)
    return now, window, f"rl:{scope}:{grouped(source)}:{rate.seconds}:{window}"


def _verdict(count: int, rate: Rate, now: float, window: int) -> Verdict:
    if count <= rate.limit:
        return Verdict(True)
    return Verdict(False, retry_after=max(1, int((window + 1) * rate.seconds - now + 0.999)))


def peek(scope: str, source: Source, rate: Rate, *, now: float | None = None) -> Verdict:
    """Whether one more request of `source` would be allowed, without counting it.

    For limits on failures (logins): check with peek() before trying, count with hit() only when
    the attempt failed.
    """
    if not settings.RATELIMIT_ENABLE:
        return Verdict(True)
    now, window, key = _window(scope, source, rate, now)
    return _verdict((cache.get(key) or 0) + 1, rate, now, window)


def hit(scope: str, source: Source, rate: Rate, *, amount: int = 1, now: float | None = None) -> Verdict:
    """Count one request of `source` (an IP, a key id) in `scope`; refuse beyond `rate`.

    `amount` counts something other than requests, such as the bytes a source stored.
    """
    if not settings.RATELIMIT_ENABLE:
        return Verdict(True)
    now, window, key = _window(scope, source, rate, now)
    # add() is atomic on every backend; incr() is atomic on Redis and near enough on the database cache.
    count: int
    if cache.add(key, amount, timeout=rate.seconds + 1):
        count = amount
    else:
        try:
            count = cache.incr(key, amount)
        except ValueError:  # expired between add() and incr()
            cache.add(key, amount, timeout=rate.seconds + 1)
            count = amount
    return _verdict(count, rate, now, window)


def client_ip(request: HttpRequest) -> str:
    """The client's address; the last untrusted hop of X-Forwarded-For when behind trusted proxies."""
    address: str = request.META.get("REMOTE_ADDR", "")
    proxies: int = settings.TRUSTED_PROXY_COUNT
    forwarded: str = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        # Each trusted proxy appended the address it saw; the one before them is the client.
        if len(hops) >= proxies:
            return hops[-proxies]
    return address
