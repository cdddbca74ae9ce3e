"""Probing a platform's exchange endpoint: a TCP connect, then the health check its scheme names, timed.

Every way a probe can fail (unresolvable host, refused connection, timeout, an unhealthy answer) comes back as an
unanswered ProbeResult saying what happened; none raises. No proxies: a probe measures the direct link.
"""

import http.client
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from services.interconnect.domain.endpoints import Endpoint, Scheme, parse_endpoint
from services.interconnect.domain.links import ProbeResult

# Waits for a grpcio future; inside a service it must not block the event loop (services.common.runtime.real_threads).
Wait = Callable[[grpc.Future], Any]
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))
_CHANNEL_OPTIONS = [("grpc.enable_http_proxy", 0)]


class Unanswered(Exception):
    """The probe got no healthy answer; the message says why."""


def probe(endpoint_text: str, timeout: float, wait: Wait) -> ProbeResult:
    started = time.monotonic()
    try:
        endpoint = parse_endpoint(endpoint_text)
        _connect(endpoint, timeout)
        _CHECKS[endpoint.scheme](endpoint, timeout, wait)
    except (Unanswered, ValueError) as failure:
        return ProbeResult.failure(str(failure))
    return ProbeResult.answer((time.monotonic() - started) * 1000)


def _connect(endpoint: Endpoint, timeout: float) -> None:
    try:
        with socket.create_connection((endpoint.host, endpoint.port), timeout=timeout):
            pass
    except socket.gaierror:
        raise Unanswered(f"cannot resolve host {endpoint.host}") from None
    except ConnectionRefusedError:
        raise Unanswered(f"connection refused by {endpoint.target}") from None
    except TimeoutError:
        raise Unanswered(f"timed out after {timeout:g} s connecting to {endpoint.target}") from None
    except OSError as error:
        raise Unanswered(f"cannot connect to {endpoint.target}: {error.strerror or error}") from None


def _tcp_only(endpoint: Endpoint, timeout: float, wait: Wait) -> None:
    """The connect was the check."""


def _http_get(endpoint: Endpoint, timeout: float, wait: Wait) -> None:
    try:
        with _DIRECT.open(endpoint.url, timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except TimeoutError:
        raise Unanswered(f"timed out after {timeout:g} s waiting for {endpoint.url}") from None
    except urllib.error.URLError as error:
        if isinstance(error.reason, TimeoutError):
            raise Unanswered(f"timed out after {timeout:g} s waiting for {endpoint.url}") from None
        raise Unanswered(f"{endpoint.url}: {error.reason}") from None
    except (OSError, http.client.HTTPException) as error:
        raise Unanswered(f"{endpoint.url}: {error or type(error).__name__}") from None
    if not 200 <= status < 300:
        raise Unanswered(f"HTTP {status} from {endpoint.url}")


def _grpc_health(endpoint: Endpoint, timeout: float, wait: Wait) -> None:
    channel = grpc.insecure_channel(endpoint.target, options=_CHANNEL_OPTIONS)
    try:
        check = health_pb2_grpc.HealthStub(channel).Check.future(health_pb2.HealthCheckRequest(), timeout=timeout)
        reply = wait(check)
    except grpc.RpcError as error:
        code = error.code()  # type: ignore[attr-defined]
        if code is grpc.StatusCode.DEADLINE_EXCEEDED:
            raise Unanswered(
                f"timed out after {timeout:g} s waiting for the gRPC health of {endpoint.target}"
            ) from None
        raise Unanswered(f"gRPC health check of {endpoint.target} failed: {code.name}") from None
    finally:
        channel.close()
    if reply.status != health_pb2.HealthCheckResponse.SERVING:
        status = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
        raise Unanswered(f"gRPC health of {endpoint.target} is {status}")


_CHECKS: dict[Scheme, Callable[[Endpoint, float, Wait], None]] = {
    Scheme.TCP: _tcp_only,
    Scheme.HTTP: _http_get,
    Scheme.HTTPS: _http_get,
    Scheme.GRPC: _grpc_health,
}
