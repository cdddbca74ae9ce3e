"""Exchange endpoints of platforms, as the probes understand them. No I/O."""

import enum
from dataclasses import dataclass
from urllib.parse import urlsplit


class Scheme(enum.StrEnum):
    TCP = "tcp"  # a TCP connect
    HTTP = "http"  # a TCP connect, then GET answering 2xx
    HTTPS = "https"
    GRPC = "grpc"  # a TCP connect, then grpc.health.v1 Check answering SERVING


@dataclass(frozen=True)
class Endpoint:
    scheme: Scheme
    host: str
    port: int
    url: str

    @property
    def target(self) -> str:
        """host:port, as gRPC channels want it; an IPv6 address in brackets ([::1]:50051)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


DEFAULT_PORTS = {Scheme.HTTP: 80, Scheme.HTTPS: 443}


def parse_endpoint(text: str) -> Endpoint:
    """An endpoint from `tcp://host:port`, `http(s)://host[:port]/path` or `grpc://host:port`; ValueError saying
    what is wrong otherwise."""
    parts = urlsplit(text.strip())
    try:
        scheme = Scheme(parts.scheme)
    except ValueError:
        raise ValueError(f"{text!r} does not start with tcp://, http://, https:// or grpc://") from None
    try:
        port = parts.port or DEFAULT_PORTS.get(scheme)
    except ValueError:
        raise ValueError(f"{text!r} has no valid port") from None
    if not parts.hostname:
        raise ValueError(f"{text!r} names no host")
    if port is None:
        raise ValueError(f"{text!r} needs a port ({scheme}://host:port)")
    return Endpoint(scheme, parts.hostname, port, text.strip())
