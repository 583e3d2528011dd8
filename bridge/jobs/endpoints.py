"""HTTP routes of the write pipeline: the three write jobs and job polling (contract sections 2, 5 and 6).

Thin controllers: the security gate has authenticated the caller (``client``) and decoded the body before any
handler runs; the handlers hand the body to :class:`bridge.jobs.acceptance.AcceptService` and render what it
answers. Errors are raised as :mod:`bridge.errors` and rendered by :mod:`bridge.api.problems`.
"""

from __future__ import annotations

import uuid
from typing import Any

import anyio.to_thread
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, SkipValidation

from bridge.api.resources import ApiResources
from bridge.auth import AuthenticatedClient, provide_client
from bridge.errors import BadRequest, NotFound
from bridge.jobs.acceptance import WriteAnswer
from bridge.jobs.resource import load_job_resource
from workflows.contracts import KIND_IMPORT_PRODUCTS, KIND_UPDATE_ORDER_STATUS, KIND_UPDATE_PRODUCT

# Injected objects are not data to validate: SkipValidation keeps Litestar from inspecting their types.
Resources = NamedDependency[SkipValidation[ApiResources]]
Caller = NamedDependency[SkipValidation[AuthenticatedClient]]


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


def _render(answer: WriteAnswer) -> Response[dict[str, Any]]:
    return Response(content=answer.body, status_code=answer.status_code, headers=answer.headers)


class JobsController(Controller):
    path = "/v1/jobs"
    tags = ["jobs"]
    dependencies = {"client": Provide(provide_client, sync_to_thread=False)}

    @get("/{job_id:str}", summary="get_job_status", description="The job resource, read from MySQL only.")
    async def get_job(self, job_id: FromPath[str], client: Caller, resources: Resources) -> dict[str, Any]:
        wanted = parse_job_id(job_id)
        job = await anyio.to_thread.run_sync(resources.jobs.get_for_client, wanted, client.client_id)
        if job is None:  # another client's job is indistinguishable from a missing one (never 403)
            raise NotFound(f"no job {wanted}", code="job_not_found")
        return await load_job_resource(resources.jobs, job)

    async def _accept(
        self, kind: str, request: Request[Any, Any, Any], client: Caller, resources: Resources
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

    @post("/products/update", summary="update_product", status_code=202,
          description="Accept a product update (HT price, stock delta, SEO) as a job. 202 means accepted only.")
    async def update_product(
        self, request: Request[Any, Any, Any], client: Caller, resources: Resources
    ) -> Response[dict[str, Any]]:
        return await self._accept(KIND_UPDATE_PRODUCT, request, client, resources)

    @post("/products/import", summary="import_products", status_code=202,
          description="Accept a batch of up to 50 products (keyed by batch_id) as one job.")
    async def import_products(
        self, request: Request[Any, Any, Any], client: Caller, resources: Resources
    ) -> Response[dict[str, Any]]:
        return await self._accept(KIND_IMPORT_PRODUCTS, request, client, resources)

    @post("/orders/status", summary="update_order_status", status_code=202,
          description="Accept an order status change (and optional tracking number) as a job.")
    async def update_order_status(
        self, request: Request[Any, Any, Any], client: Caller, resources: Resources
    ) -> Response[dict[str, Any]]:
        return await self._accept(KIND_UPDATE_ORDER_STATUS, request, client, resources)
