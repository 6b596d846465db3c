"""Which network addresses the server may connect to on someone's behalf (against server-side request forgery).

A URL typed by an administrator (a connector's target) or sent by an app (an Open311 `media_url`)
must not become a way into the machine or the city's network: loopback, private, link-local
(169.254.169.254, the cloud metadata service), unspecified (0.0.0.0) and multicast addresses are
refused, unless the host is on an explicit allow-list. The host is resolved once and the caller
connects to exactly the address that was checked (`connect_to`), so a second DNS answer cannot
point somewhere else (DNS rebinding).
"""

import http.client
import ipaddress
import socket
from collections.abc import Iterable

from django.utils.translation import gettext as _


class AddressRefused(Exception):
    """The host is unknown or not a public address; the message says which, for the person who set it."""


class UnknownHost(AddressRefused):
    pass


class NotPublic(AddressRefused):
    pass


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _allowed(host: str, address: str, allowed_hosts: Iterable[str]) -> bool:
    """An allow-list entry is a host name (exactly that name) or an address or network (every name that resolves into it)."""
    ip = ipaddress.ip_address(address.split("%")[0])
    for entry in allowed_hosts:
        entry = entry.strip().lower()
        if not entry:
            continue
        try:
            network = ipaddress.ip_network(entry.strip("[]"), strict=False)
        except ValueError:
            if host.lower().rstrip(".") == entry.rstrip("."):
                return True
            continue
        if ip.version == network.version and ip in network:
            return True
    return False


def resolve(host: str, port: int, *, allowed_hosts: Iterable[str] = (), check: bool = True) -> str:
    """The one address to connect to for `host`; raises UnknownHost or NotPublic.

    check=False only resolves (for a closed test network where every address is allowed).

    Every address the name resolves to must be public or allowed: otherwise a name with one public
    and one internal address would let chance (or an attacker's DNS) decide.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError) as exc:
        raise UnknownHost(_("The host %(host)s is unknown.") % {"host": host}) from exc
    addresses = sorted({str(info[4][0]) for info in infos})
    if not addresses:
        raise UnknownHost(_("The host %(host)s is unknown.") % {"host": host})
    for address in addresses if check else ():
        if not is_public(address) and not _allowed(host, address, allowed_hosts):
            raise NotPublic(_("%(host)s is not a public internet address; internal systems must be on the "
                                   "allow-list (STADTLOTSE_CONNECTOR_ALLOWED_HOSTS).") % {"host": host})
    return addresses[0]


def connection(scheme: str, host: str, port: int, address: str, *, timeout: float) -> http.client.HTTPConnection:
    """An http.client connection to `address` that speaks to `host`: TLS checks the certificate for the name."""
    connection_class = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
    conn = connection_class(host, port, timeout=timeout)

    def create_connection(_host_port: tuple[str, int], timeout: float | None = timeout,
                          source_address: tuple[str, int] | None = None) -> socket.socket:
        return socket.create_connection((address, port), timeout, source_address)

    # http.client connects through this attribute; pointing it at the checked address closes the
    # window between the check and the connect in which DNS could answer differently.
    conn._create_connection = create_connection  # type: ignore[attr-defined]  # private, undeclared in typeshed
    return conn
