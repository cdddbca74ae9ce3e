"""/healthz and /metrics on every service's HTTP port (nameko's @http, WEB_SERVER_ADDRESS)."""

import json
from typing import Any

from nameko.extensions import DependencyProvider
from nameko.web.handlers import http
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from werkzeug.wrappers import Request, Response

from services.common.runtime.database import DatabaseEngine
from services.common.runtime.heap import FrozenStartupHeap
from services.common.runtime.metrics import MetricsRegistry


class HealthChecks(DependencyProvider):
    """Checks the service's database answers; a list of what is wrong, empty when healthy."""

    database = DatabaseEngine()
    metrics = MetricsRegistry()

    def get_dependency(self, worker_ctx: Any) -> "HealthChecks":
        return self

    def problems(self) -> list[str]:
        try:
            self.database.ping()
        except Exception as error:
            return [f"database: {error}"]
        return []


class Observable:
    """Mixin for a nameko service class: /healthz (JSON, 503 when unhealthy) and /metrics (Prometheus text)."""

    observability = HealthChecks()
    heap = FrozenStartupHeap()

    @http("GET", "/healthz")
    def healthz(self, request: Request) -> Response:
        problems = self.observability.problems()
        body = {"service": self.name, "status": "unhealthy" if problems else "ok", "problems": problems}  # type: ignore[attr-defined]
        return Response(json.dumps(body), status=503 if problems else 200, mimetype="application/json")

    @http("GET", "/metrics")
    def prometheus_metrics(self, request: Request) -> Response:
        return Response(generate_latest(self.observability.metrics.registry), mimetype=CONTENT_TYPE_LATEST)
