"""Structured JSON logs and Prometheus metrics.

Logs: one JSON object per line (python-json-logger), every record carrying the ``request_id`` and ``job_id``
of the work in progress when there is one. They come from context variables that the API gate and the
activities set, so no call site has to pass them around. Secrets are never logged: the only values logged
from a request are its method, path, status and ids.

Metrics: request metrics come from Litestar's Prometheus middleware (default registry); the bridge's own
counters live in :class:`BridgeMetrics`, one instance per process, on a registry of its own so that several
apps in one process (tests) never collide. ``GET /metrics`` serves both.
"""

from __future__ import annotations

import logging
import sys
import time
from contextvars import ContextVar

import httpx
from prometheus_client import CollectorRegistry, Counter, Histogram
from pythonjsonlogger.json import JsonFormatter
from temporalio.worker import ActivityInboundInterceptor, ExecuteActivityInput, Interceptor

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
job_id_var: ContextVar[str | None] = ContextVar("job_id", default=None)


class _ContextIdsFilter(logging.Filter):
    """Adds the current request id and job id to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = getattr(record, "request_id", None) or request_id_var.get()
        record.job_id = getattr(record, "job_id", None) or job_id_var.get()
        return True


def configure_logging(level: str = "INFO") -> None:
    """Route every logger to stderr as JSON lines. Called once by each CLI entry point."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter(
            "{asctime}{levelname}{name}{message}{request_id}{job_id}",
            style="{",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            timestamp=False,
        )
    )
    handler.addFilter(_ContextIdsFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Third-party chatter that would log URLs with query strings at INFO.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


class BridgeMetrics:
    """The bridge's own Prometheus metrics (requests are measured by Litestar's middleware)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.jobs_accepted = Counter(
            "bridge_jobs_accepted", "Write jobs accepted (202), by kind.", ["kind"], registry=self.registry
        )
        self.jobs_dispatched = Counter(
            "bridge_jobs_dispatched", "Workflow starts confirmed for job rows (at accept or by the dispatcher loop).",
            registry=self.registry,
        )
        self.store_calls = Histogram(
            "bridge_prestashop_call_seconds", "PrestaShop webservice calls made by the API, by method and outcome.",
            ["method", "outcome"], registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
        )
        self.problems = Counter(
            "bridge_problems", "problem+json answers, by status and code (gate refusals, 4xx, 5xx).",
            ["status", "code"], registry=self.registry,
        )


class MeasuredTransport(httpx.AsyncBaseTransport):
    """An httpx transport that times every PrestaShop call into :attr:`BridgeMetrics.store_calls`.

    Wrapping the transport (rather than the gateway) measures each HTTP attempt, retries included, without
    the gateway knowing about metrics.
    """

    def __init__(self, metrics: BridgeMetrics, inner: httpx.AsyncBaseTransport | None = None) -> None:
        self._metrics = metrics
        self._inner = inner or httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        started = time.perf_counter()
        outcome = "error"
        try:
            response = await self._inner.handle_async_request(request)
            outcome = f"{response.status_code // 100}xx"
            return response
        finally:
            self._metrics.store_calls.labels(request.method, outcome).observe(time.perf_counter() - started)

    async def aclose(self) -> None:
        await self._inner.aclose()


class JobLogContextInterceptor(Interceptor):
    """Temporal worker interceptor: every activity runs with ``job_id_var`` set from its input's ``job_id``,
    so each log line an activity writes names the job it works for."""

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _JobLogContextActivity(next)


class _JobLogContextActivity(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> object:
        job_id = next((value for arg in input.args if isinstance(value := getattr(arg, "job_id", None), str)), None)
        token = job_id_var.set(job_id)
        try:
            return await super().execute_activity(input)
        finally:
            job_id_var.reset(token)
