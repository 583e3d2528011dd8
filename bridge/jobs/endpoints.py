"""HTTP routes of the write pipeline: the three write jobs and job polling (contract sections 2, 5 and 6).

Thin controllers: the security gate has authenticated the caller (``client``) and decoded the body before any
handler runs; the handlers hand the body to :class:`bridge.jobs.acceptance.AcceptService` and render what it
answers. Errors are raised as :mod:`bridge.errors` and rendered by :mod:`bridge.api.problems`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import ResponseHeader
from litestar.di import Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Operation
from litestar.params import FromPath

from bridge.api.resources import InjectedResources
from bridge.auth import InjectedClient, provide_client
from bridge.errors import BadRequest, NotFound
from bridge.jobs.acceptance import WriteAnswer
from bridge.jobs.resource import load_job_resource
from bridge.jobs.schemas import PAYLOAD_TYPES
from workflows.contracts import KIND_IMPORT_PRODUCTS, KIND_UPDATE_ORDER_STATUS, KIND_UPDATE_PRODUCT


def parse_job_id(raw: str) -> str:
    """A job id is a UUID; anything else is a 400 (not a 404: the client sent a malformed id)."""
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        raise BadRequest(
            "jobId must be a UUID such as 0b3f8f5e-6d0c-4b1e-9a43-0c5f6f3f9e21",
            code="invalid_job_id",
            errors=[{"pointer": "/jobId", "detail": "not a UUID"}],
        ) from None


def _inline_refs(schema: Any, definitions: dict[str, Any]) -> Any:
    """Replace msgspec's ``#/$defs/X`` references by the definitions themselves (the payloads are not recursive),
    so the schema is self-contained wherever it is placed in the OpenAPI document; decimals accept numbers."""
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inline_refs(definitions[ref.removeprefix("#/$defs/")], definitions)
        inlined = {key: _inline_refs(value, definitions) for key, value in schema.items() if key != "$defs"}
        if inlined.get("format") == "decimal":  # msgspec documents Decimal as a string; numbers are welcome too
            inlined["type"] = ["string", "number"]
        return inlined
    if isinstance(schema, list):
        return [_inline_refs(value, definitions) for value in schema]
    return schema


def write_operation(kind: str) -> type[Operation]:
    """An OpenAPI operation that documents the write's JSON body with the payload struct's schema.

    Why: the handlers read the raw body themselves (the contract's TTC check and per-field ``errors`` must run
    before any generic parsing), so Litestar cannot infer the request body; this adds it from the same msgspec
    struct that validates it.
    """
    raw = msgspec.json.schema(PAYLOAD_TYPES[kind])
    body_schema = _inline_refs(raw, raw.get("$defs", {}))

    @dataclass
    class WriteOperation(Operation):
        def to_schema(self) -> dict[str, Any]:
            result = super().to_schema()
            result["requestBody"] = {"required": True, "content": {"application/json": {"schema": body_schema}}}
            return result

    return WriteOperation


_PROBLEM = "application/problem+json"
WRITE_RESPONSES = {
    200: ResponseSpec(dict[str, Any], description="Completed idempotent replay: the job resource.", generate_examples=False),
    400: ResponseSpec(dict[str, Any], description="Invalid payload (``errors``: one JSON pointer per field), "
                      "including ``ttc_price_forbidden``.", media_type=_PROBLEM, generate_examples=False),
    409: ResponseSpec(dict[str, Any], description="``idempotency_key_reused``, ``request_in_progress``, "
                      "``job_failed_replay`` (with ``job``) or ``batch_id_conflict``.", media_type=_PROBLEM,
                      generate_examples=False),
    422: ResponseSpec(dict[str, Any], description="Business pre-check refused (e.g. ``product_not_found``, "
                      "``insufficient_stock``, ``invalid_transition``).", media_type=_PROBLEM, generate_examples=False),
    503: ResponseSpec(dict[str, Any], description="The store (``store_unavailable``) or Redis is unavailable; "
                      "see ``Retry-After``.", media_type=_PROBLEM, generate_examples=False),
}
ACCEPTED_HEADERS = [
    ResponseHeader(name="Location", documentation_only=True, description="The job to poll: /v1/jobs/{job_id}"),
    ResponseHeader(name="Retry-After", documentation_only=True, description="Polling hint in seconds"),
]


def _render(answer: WriteAnswer) -> Response[dict[str, Any]]:
    return Response(content=answer.body, status_code=answer.status_code, headers=answer.headers)


class JobsController(Controller):
    path = "/v1/jobs"
    tags = ["jobs"]
    dependencies = {"client": Provide(provide_client, sync_to_thread=False)}

    @get("/{job_id:str}", summary="get_job_status", description="The job resource, read from MySQL only.")
    async def get_job(self, job_id: FromPath[str], client: InjectedClient, resources: InjectedResources) -> dict[str, Any]:
        wanted = parse_job_id(job_id)
        job = await anyio.to_thread.run_sync(resources.jobs.get_for_client, wanted, client.client_id)
        if job is None:  # another client's job is indistinguishable from a missing one (never 403)
            raise NotFound(f"no job {wanted}", code="job_not_found")
        return await load_job_resource(resources.jobs, job)

    async def _accept(
        self, kind: str, request: Request[Any, Any, Any], client: InjectedClient, resources: InjectedResources
    ) -> Response[dict[str, Any]]:
        answer = await resources.accept.accept(
            client_id=client.client_id,
            request_id=client.request_id,
            kind=kind,
            method=request.method,
            path=request.url.path,
            body=await request.body(),
        )
        return _render(answer)

    @post("/products/update", operation_class=write_operation(KIND_UPDATE_PRODUCT), responses=WRITE_RESPONSES,
          response_headers=ACCEPTED_HEADERS, summary="update_product", status_code=202,
          description="Accept a product update (HT price, stock delta, SEO) as a job. 202 means accepted only.")
    async def update_product(
        self, request: Request[Any, Any, Any], client: InjectedClient, resources: InjectedResources
    ) -> Response[dict[str, Any]]:
        return await self._accept(KIND_UPDATE_PRODUCT, request, client, resources)

    @post("/products/import", operation_class=write_operation(KIND_IMPORT_PRODUCTS), responses=WRITE_RESPONSES,
          response_headers=ACCEPTED_HEADERS, summary="import_products", status_code=202,
          description="Accept a batch of up to 50 products (keyed by batch_id) as one job.")
    async def import_products(
        self, request: Request[Any, Any, Any], client: InjectedClient, resources: InjectedResources
    ) -> Response[dict[str, Any]]:
        return await self._accept(KIND_IMPORT_PRODUCTS, request, client, resources)

    @post("/orders/status", operation_class=write_operation(KIND_UPDATE_ORDER_STATUS), responses=WRITE_RESPONSES,
          response_headers=ACCEPTED_HEADERS, summary="update_order_status", status_code=202,
          description="Accept an order status change (and optional tracking number) as a job.")
    async def update_order_status(
        self, request: Request[Any, Any, Any], client: InjectedClient, resources: InjectedResources
    ) -> Response[dict[str, Any]]:
        return await self._accept(KIND_UPDATE_ORDER_STATUS, request, client, resources)
