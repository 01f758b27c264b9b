"""Which network addresses Jasette may reach on a user's behalf (server-side request forgery guard).

Owners type addresses (API addresses, feeds, IMAP/SMTP servers, the alert webhook): without a
guard they could make the server read its own loopback, the private network or a cloud's
metadata service. Every outbound connection to such an address goes through here: the name is
resolved once, every address is checked, and the connection is made to the checked address, so a
DNS answer that changes between check and connect (rebinding) cannot slip through. Only public
unicast addresses pass, unless the administrator allows hosts or networks in JASETTE_ALLOWED_HOSTS.
Lives in inbox/ because both the alert webhook (inbox) and the collectors use it.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp.abc import ResolveResult

ENV = "JASETTE_ALLOWED_HOSTS"
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
# What users read: one sentence for every refused address, so the answer says nothing of the network.
NOT_ALLOWED = "address not allowed"


class AddressNotAllowed(OSError):
    """The address is private, local or reserved, and the administrator did not allow it."""

    def __init__(self, host: str) -> None:
        super().__init__(f"{host}: {NOT_ALLOWED}")
        self.host = host


def _unwrap(ip: Address) -> Address:
    # An IPv6 address that carries an IPv4 one (mapped, NAT64, 6to4) is judged by the IPv4 inside.
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip in _NAT64:
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if ip.sixtofour is not None:
            return ip.sixtofour
    return ip


def is_public(ip: Address) -> bool:
    """True for a globally routable unicast address (not loopback, private, link-local, CGNAT, ...)."""
    ip = _unwrap(ip)
    if ip.is_multicast or ip.is_reserved or ip.is_unspecified or not ip.is_global:
        return False
    return not (isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local)


@dataclass(frozen=True)
class Policy:
    """The administrator's exceptions: host names or IPs (with an optional port), and networks."""

    hosts: frozenset[tuple[str, int | None]] = frozenset()
    networks: tuple[Network, ...] = ()

    @classmethod
    def parse(cls, text: str) -> Policy:
        """Read "host[:port], [v6]:port, 10.0.0.0/8, ..."; ValueError names the bad entry."""
        hosts: set[tuple[str, int | None]] = set()
        networks: list[Network] = []
        for entry in (part.strip() for part in (text or "").split(",")):
            if not entry:
                continue
            if "/" in entry:
                try:
                    networks.append(ipaddress.ip_network(entry, strict=False))
                except ValueError:
                    raise ValueError(f"{entry!r} is not a network (e.g. 10.0.0.0/8)") from None
                continue
            hosts.add(_host_port(entry))
        return cls(frozenset(hosts), tuple(networks))

    @classmethod
    def from_env(cls, env: Any = None) -> Policy:
        """The policy of JASETTE_ALLOWED_HOSTS in `env` (the process's environment by default)."""
        return cls.parse((os.environ if env is None else env).get(ENV, ""))

    def with_hosts(self, entries: Iterable[str]) -> Policy:
        """This policy with more allowed entries (the demo adds its emulators this way)."""
        extra = Policy.parse(",".join(entries))
        return Policy(self.hosts | extra.hosts, self.networks + extra.networks)

    def lists(self, host: str, port: int | None) -> bool:
        """True when the administrator named this host (or its literal IP) in the list itself."""
        name = host.strip("[]").rstrip(".").lower()
        if (name, None) in self.hosts or (name, port) in self.hosts:
            return True
        try:
            ip = ipaddress.ip_address(name)
        except ValueError:
            return False
        return any(ip in net for net in self.networks)

    def allows(self, host: str, ip: Address, port: int | None) -> bool:
        """True when `host` (as written in the address) may be reached at `ip`:`port`."""
        if is_public(ip):
            return True
        name = host.strip("[]").rstrip(".").lower()
        for candidate in {name, str(ip), str(_unwrap(ip))}:
            if (candidate, None) in self.hosts or (candidate, port) in self.hosts:
                return True
        return any(ip in net or _unwrap(ip) in net for net in self.networks)


def _host_port(entry: str) -> tuple[str, int | None]:
    host, port = entry, None
    if entry.startswith("["):
        host, _, rest = entry[1:].partition("]")
        port = _port(entry, rest[1:]) if rest.startswith(":") else None
    elif entry.count(":") == 1:
        host, _, raw = entry.partition(":")
        port = _port(entry, raw)
    host = host.rstrip(".").lower()
    if not host or any(c.isspace() for c in host):
        raise ValueError(f"{entry!r} is not a host name, host:port or network")
    return host, port


def _port(entry: str, raw: str) -> int:
    if not raw.isascii() or not raw.isdigit() or not 0 < int(raw) < 65536:
        raise ValueError(f"{entry!r} has no valid port")
    return int(raw)


def check(policy: Policy, host: str, port: int | None, addresses: Iterable[str]) -> list[str]:
    """The addresses `host` may be reached at; AddressNotAllowed when none (or one refused)."""
    allowed = []
    for raw in addresses:
        ip = ipaddress.ip_address(raw.split("%", 1)[0])
        if not policy.allows(host, ip, port):
            # One bad answer refuses the name: a name that also points inside is not trusted.
            raise AddressNotAllowed(host)
        allowed.append(raw)
    if not allowed:
        raise AddressNotAllowed(host)
    return allowed


def connect(host: str, port: int, policy: Policy, timeout: float | None) -> socket.socket:
    """A blocking TCP connection to a checked address of `host` (for IMAP and SMTP)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = check(policy, host, port, [str(info[4][0]) for info in infos])
    error: OSError | None = None
    for info in infos:
        if str(info[4][0]) not in addresses:
            continue
        sock = socket.socket(info[0], info[1], info[2])
        sock.settimeout(timeout)
        try:
            sock.connect(info[4])
            return sock
        except OSError as exc:
            sock.close()
            error = exc
    raise error or AddressNotAllowed(host)


class GuardedConnector(aiohttp.TCPConnector):
    """A connector that connects only to addresses the policy allows, after resolving (and on redirects)."""

    def __init__(self, policy: Policy, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.policy = policy

    async def _resolve_host(self, host: str, port: int, traces: Any = None) -> list[ResolveResult]:
        # aiohttp connects to exactly the addresses returned here, literal IPs included.
        results = await super()._resolve_host(host, port, traces=traces)
        allowed = set(check(self.policy, host, port, [r["host"] for r in results]))
        return [r for r in results if r["host"] in allowed]


def client_session(policy: Policy, **kwargs: Any) -> aiohttp.ClientSession:
    """An aiohttp session whose every connection (redirects included) obeys `policy`."""
    return aiohttp.ClientSession(connector=GuardedConnector(policy), **kwargs)


def policy_of(session: aiohttp.ClientSession) -> Policy:
    """The policy of a guarded session; for any other, the environment's."""
    connector = session.connector
    return connector.policy if isinstance(connector, GuardedConnector) else Policy.from_env()


def refused(exc: BaseException) -> bool:
    """True when `exc` (or what caused it) is the guard refusing an address."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, AddressNotAllowed):
            return True
        seen = seen.__cause__ or getattr(seen, "os_error", None)
        if seen is exc:
            break
    return False
