"""A small synchronous client of the simulator's ``/__simulator__`` endpoints, for tests (this project's and
other engineers')."""

from __future__ import annotations

from typing import Any

import httpx


class SimulatorAdmin:
    """Drives a running simulator from a test: faults, inspection, and changes behind the bridge's back."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url.rstrip("/")
        self._client = httpx.Client(timeout=10.0)

    def _call(self, method: str, path: str, payload: dict[str, Any] | None = None) -> Any:
        response = self._client.request(method, f"{self.admin_url}{path}", json=payload)
        response.raise_for_status()
        return response.json()

    def reset(self) -> None:
        """Back to the seeded demo store (data, counters, faults, keys, settings)."""
        self._call("POST", "/reset")

    def set_faults(self, **faults: Any) -> dict[str, Any]:
        """latency_ms, error_rate, error_status, timeout_rate, hang_ms, unreachable, fail_next, timeout_next,
        methods."""
        return self._call("POST", "/faults", faults)

    def clear_faults(self) -> dict[str, Any]:
        return self._call("DELETE", "/faults")

    def inspect(self) -> dict[str, Any]:
        return self._call("GET", "/inspect")

    def clear_inspection(self) -> dict[str, Any]:
        return self._call("DELETE", "/inspect")

    def settings(self, **changes: Any) -> dict[str, Any]:
        """webservice_enabled, search_indexation, order_out_of_stock, shop_domain."""
        return self._call("POST", "/settings", changes)

    def add_key(self, key: str, *, permissions: dict[str, list[str]] | None = None, active: bool = True) -> None:
        self._call("POST", "/keys", {"key": key, "permissions": permissions, "active": active})

    def delete_product(self, product_id: int) -> None:
        self._call("DELETE", f"/products/{product_id}")

    def set_stock(self, product_id: int, quantity: int | None = None, *, out_of_stock: int | None = None) -> dict[str, Any]:
        payload: dict[str, Any] = {}
        if quantity is not None:
            payload["quantity"] = quantity
        if out_of_stock is not None:
            payload["out_of_stock"] = out_of_stock
        return self._call("POST", f"/stock/{product_id}", payload)

    def set_language_active(self, language_id: int, active: bool) -> None:
        self._call("POST", f"/languages/{language_id}", {"active": active})

    def get_object(self, resource: str, object_id: int) -> dict[str, Any]:
        return self._call("GET", f"/objects/{resource}/{object_id}")

    def patch_object(self, resource: str, object_id: int, **fields: Any) -> dict[str, Any]:
        return self._call("PATCH", f"/objects/{resource}/{object_id}", fields)

    def delete_object(self, resource: str, object_id: int) -> None:
        self._call("DELETE", f"/objects/{resource}/{object_id}")

    def close(self) -> None:
        self._client.close()


REAL_STORE_SKIP_REASON = (
    "no real store configured: set PRESTASHOP_URL and PRESTASHOP_KEY (a webservice key with every permission) to "
    "run this contract test against a real PrestaShop 9 (see docs/prestashop.md and docker/prestashop/)"
)


def real_store_from_env() -> tuple[str, str] | None:
    """(base URL, key) of a real store from PRESTASHOP_URL / PRESTASHOP_KEY, or None when they are not set."""
    import os

    url = os.environ.get("PRESTASHOP_URL", "").strip()
    key = os.environ.get("PRESTASHOP_KEY", "").strip()
    return (url.rstrip("/"), key) if url and key else None
