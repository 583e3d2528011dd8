"""``GET /v1/capabilities``: the machine-readable manifest of the six capabilities.

An agent reads this once to learn what it may call, with which scope, whether the answer is synchronous,
how idempotency works, and the JSON Schema of every write payload. The payload schemas are generated from
the same msgspec structs that validate requests, so the manifest cannot drift from the code.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, get
from litestar.di import Provide

from bridge.auth import InjectedClient, provide_client

CONTRACT_VERSION = "1"


def build_manifest() -> dict[str, Any]:
    from bridge.jobs.schemas import ImportProductsPayload, UpdateOrderStatusPayload, UpdateProductPayload

    def schema(struct: type) -> dict[str, Any]:
        """A self-contained JSON Schema: the struct itself at the top, the structs it uses under ``$defs``."""
        (reference,), components = msgspec.json.schema_components([struct], ref_template="#/$defs/{name}")
        top = components.pop(reference["$ref"].rsplit("/", 1)[-1])
        return {**top, "$defs": components} if components else top

    read = {"sync": True, "scope": "bridge:read", "success": 200}
    write = {
        "sync": False,
        "scope": "bridge:write",
        "success": 202,
        "idempotency": "X-Request-ID per client for 24 h; a replay with the same payload answers with the same job",
        "poll": "GET /v1/jobs/{jobId} until status is succeeded, failed or partially_succeeded",
    }
    capabilities = [
        {"name": "get_product", "method": "GET", "path": "/v1/products/{id}", **read,
         "params": {"id": {"type": "integer", "minimum": 1}}},
        {"name": "get_order", "method": "GET", "path": "/v1/orders/{id}", **read,
         "params": {"id": {"type": "integer", "minimum": 1}}},
        {"name": "get_job_status", "method": "GET", "path": "/v1/jobs/{jobId}", **read,
         "params": {"jobId": {"type": "string", "format": "uuid"}},
         "note": "answered from MySQL only; another client's job is 404"},
        {"name": "update_product", "method": "POST", "path": "/v1/jobs/products/update", **write,
         "payload": schema(UpdateProductPayload)},
        {"name": "import_products", "method": "POST", "path": "/v1/jobs/products/import", **write,
         "idempotency": write["idempotency"] + "; batch_id is also unique per client",
         "constraints": {"max_items": 50, "max_payload_bytes": 10 * 1024 * 1024},
         "payload": schema(ImportProductsPayload)},
        {"name": "update_order_status", "method": "POST", "path": "/v1/jobs/orders/status", **write,
         "payload": schema(UpdateOrderStatusPayload)},
    ]
    return {
        "contract_version": CONTRACT_VERSION,
        "authentication": {
            "token_url": "/oauth/token",
            "grant_type": "client_credentials",
            "jwt_algorithm": "RS256",
            "jwks_url": "/.well-known/jwks.json",
            "required_headers": ["Authorization", "X-Request-ID", "X-Timestamp", "X-Signature", "Accept"],
            "write_headers": ["Content-Type"],
            "string_to_sign": "METHOD\\nURI\\nTIMESTAMP\\nREQUEST_ID\\nBODY_SHA256",
        },
        "transport": {"gzip_recommended_above_bytes": 1024, "gzip_required_above_bytes": 32768,
                      "max_body_bytes": 10 * 1024 * 1024},
        "job_statuses": ["accepted", "running", "succeeded", "failed", "partially_succeeded"],
        "success_status": "succeeded",
        "capabilities": capabilities,
    }


class CapabilitiesController(Controller):
    path = "/v1/capabilities"
    tags = ["capabilities"]
    dependencies = {"client": Provide(provide_client, sync_to_thread=False)}

    @get(summary="Manifest of the six capabilities", sync_to_thread=False)
    def capabilities(self, client: InjectedClient) -> dict[str, Any]:
        return build_manifest()
