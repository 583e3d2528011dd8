"""The one place where errors become HTTP answers: RFC 9457 ``application/problem+json``.

Every error the API can produce — the bridge's own :class:`~bridge.errors.BridgeError` hierarchy, Litestar's
routing errors (404/405), request-parsing errors, and anything unexpected (500) — is rendered here, with
``type``, ``title``, ``status``, ``detail``, ``instance``, ``code`` and ``request_id``. No stack trace ever
leaves the server: unexpected exceptions are logged with their traceback and answered with a generic 500.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, NotFoundException, ValidationException
from litestar.exceptions import MethodNotAllowedException as LitestarMethodNotAllowed
from sqlalchemy.exc import DBAPIError

from bridge.errors import BridgeError, MethodNotAllowed, NotFound, ServiceUnavailable, ValidationFailed

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://prestashop-bridge.dev/problems/"

log = logging.getLogger("bridge.api")


def request_id_of(request: Request[Any, Any, Any]) -> str | None:
    """The caller's ``X-Request-ID`` if it was sent (the gate validates its form)."""
    return request.headers.get("x-request-id")


def problem_response(error: BridgeError, request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + error.code,
        "title": error.title,
        "status": error.status,
        "detail": error.detail,
        "instance": request.url.path,
        "code": error.code,
        "request_id": request_id_of(request),
    }
    if error.errors is not None:
        body["errors"] = error.errors
    body.update(error.extra)
    resources = getattr(request.app.state, "resources", None)  # absent only before the lifespan opened them
    if resources is not None:
        resources.metrics.problems.labels(str(error.status), error.code).inc()
    return Response(content=body, status_code=error.status, media_type=PROBLEM_MEDIA_TYPE, headers=error.headers)


def _bridge_error_handler(request: Request[Any, Any, Any], exc: BridgeError) -> Response[dict[str, Any]]:
    return problem_response(exc, request)


def _http_exception_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    if isinstance(exc, NotFoundException):
        error: BridgeError = NotFound("no such resource")
    elif isinstance(exc, LitestarMethodNotAllowed):
        error = MethodNotAllowed(f"{request.method} is not allowed on this resource",
                                 headers=dict(exc.headers or {}))
    elif isinstance(exc, ValidationException):
        error = ValidationFailed("the request is not valid", errors=[{"pointer": "", "detail": str(exc.detail)}])
    else:
        error = BridgeError(str(exc.detail), code="http_error", headers=dict(exc.headers or {}))
        error.status = exc.status_code  # instance attribute: keep Litestar's status for errors we do not model
        error.title = HTTPStatus(exc.status_code).phrase
    return problem_response(error, request)


DATABASE_RETRY_AFTER_SECONDS = 5


def _database_error_handler(request: Request[Any, Any, Any], exc: DBAPIError) -> Response[dict[str, Any]]:
    """MySQL unreachable (or the connection dropped mid-request): 503, not a 500. Other database errors are bugs."""
    if not (exc.connection_invalidated or isinstance(exc.orig, OSError) or _is_connection_error(exc)):
        return _unexpected_error_handler(request, exc)
    log.warning("database unavailable", extra={"path": request.url.path, "error": exc.__class__.__name__})
    return problem_response(
        ServiceUnavailable("the bridge's database is unreachable; retry shortly", code="database_unavailable",
                           headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)}),
        request,
    )


def _is_connection_error(exc: DBAPIError) -> bool:
    # PyMySQL: 2003 can't connect, 2006 server has gone away, 2013 lost connection during query.
    args = getattr(exc.orig, "args", ())
    return bool(args) and args[0] in (2003, 2006, 2013)


def _unexpected_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    log.exception("unexpected error", extra={"request_id": request_id_of(request), "path": request.url.path})
    return problem_response(BridgeError("an unexpected error occurred; it has been logged"), request)


EXCEPTION_HANDLERS = {
    BridgeError: _bridge_error_handler,
    DBAPIError: _database_error_handler,
    HTTPException: _http_exception_handler,
    Exception: _unexpected_error_handler,
}
