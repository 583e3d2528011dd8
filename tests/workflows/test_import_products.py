"""ImportProductsWorkflow end to end: per-item outcomes in job_items, partial success, update_existing."""

from __future__ import annotations

from typing import Any

from bridge.jobs.ledger import EffectLedger
from bridge.store_simulator import SimulatorAdmin
from tests.workflows.worker_fixtures import Jobs, eventually


def _item(reference: str, **extra: Any) -> dict[str, Any]:
    return {"reference": reference, "name": f"Product {reference}", "price_ht": "10.5", **extra}


def _products_by_reference(sim: SimulatorAdmin, reference: str) -> list[dict[str, Any]]:
    found = []
    for product_id in range(1, 200):
        try:
            product = sim.get_object("products", product_id)
        except Exception:
            continue
        if product.get("reference") == reference:
            found.append(product)
    return found


async def test_import_creates_every_item_with_stock_and_categories(
    jobs: Jobs, sim: SimulatorAdmin, ledger: EffectLedger
) -> None:
    payload = {"batch_id": "batch-ok", "items": [
        _item("IMP-A", quantity=12, category_ids=[3, 4], name={"en": "Alpha", "fr": "Alpha FR"},
              seo={"meta_title": "Alpha title"}),
        _item("IMP-B", active=False, ean13="3760000000001", weight="0.5", description="<p>Beta</p>"),
    ]}
    result, record = await jobs.run("import_products", payload, batch_id="batch-ok")

    assert result.status == record.status == "succeeded", record.error_message
    items = ledger.items(record.job_id)
    assert [(i.reference, i.status, i.action) for i in items] == [
        ("IMP-A", "succeeded", "created"), ("IMP-B", "succeeded", "created")]
    alpha = sim.get_object("products", items[0].product_id)
    assert alpha["reference"] == "IMP-A" and alpha["name"] == {"1": "Alpha", "2": "Alpha FR"}
    assert alpha["meta_title"]["1"] == "Alpha title"
    assert alpha["price"] == "10.500000" and alpha["active"] == "1"
    assert sorted(int(c["id"]) for c in alpha["associations"]["categories"]) == [3, 4]
    assert int(sim.get_object("stock_availables", _stock_row_id(sim, items[0].product_id))["quantity"]) == 12
    beta = sim.get_object("products", items[1].product_id)
    assert beta["active"] == "0" and beta["ean13"] == "3760000000001"
    assert record.result is not None
    assert record.result["items"] == {"total": 2, "succeeded": 2, "failed": 0}
    assert record.result["created"] == 2
    assert sim.inspect()["products_created"] == 2


def _stock_row_id(sim: SimulatorAdmin, product_id: int) -> int:
    for row_id in range(1, 400):
        try:
            row = sim.get_object("stock_availables", row_id)
        except Exception:
            continue
        if row["id_product"] == str(product_id) and row["id_product_attribute"] == "0":
            return row_id
    raise AssertionError(f"no stock row for product {product_id}")


async def test_one_invalid_item_fails_alone_and_the_job_is_partially_succeeded(
    jobs: Jobs, sim: SimulatorAdmin, ledger: EffectLedger
) -> None:
    payload = {"batch_id": "batch-partial", "items": [
        _item("OK-1"),
        _item("BAD-1", name={"de": "Nur Deutsch"}),  # the store has no German: PrestaShop-side validation
        _item("OK-2"),
    ]}
    _, record = await jobs.run("import_products", payload, batch_id="batch-partial")

    assert record.status == "partially_succeeded"
    items = ledger.items(record.job_id)
    assert [i.status for i in items] == ["succeeded", "failed", "succeeded"]
    assert items[1].error_code == "unknown_language" and "de" in (items[1].error_message or "")
    assert items[1].product_id is None
    assert record.result is not None and record.result["items"] == {"total": 3, "succeeded": 2, "failed": 1}
    assert sim.inspect()["products_created"] == 2


async def test_existing_reference_fails_alone_without_update_existing(
    jobs: Jobs, sim: SimulatorAdmin, ledger: EffectLedger
) -> None:
    payload = {"batch_id": "batch-exists", "items": [_item("demo_19", price_ht="99"), _item("NEW-1")]}
    _, record = await jobs.run("import_products", payload, batch_id="batch-exists")

    assert record.status == "partially_succeeded"
    items = ledger.items(record.job_id)
    assert items[0].status == "failed" and items[0].error_code == "already_exists"
    assert "19" in (items[0].error_message or "")
    assert sim.get_object("products", 19)["price"] == "13.900000"  # untouched
    assert items[1].status == "succeeded"


async def test_existing_reference_is_updated_with_update_existing(
    jobs: Jobs, sim: SimulatorAdmin, ledger: EffectLedger
) -> None:
    payload = {"batch_id": "batch-update", "options": {"update_existing": True},
               "items": [_item("demo_19", name="Mug renamed", price_ht="14.25", quantity=42)]}
    _, record = await jobs.run("import_products", payload, batch_id="batch-update")

    assert record.status == "succeeded", record.error_message
    [item] = ledger.items(record.job_id)
    assert (item.status, item.action, item.product_id) == ("succeeded", "updated", 19)
    product = sim.get_object("products", 19)
    assert product["price"] == "14.250000" and product["name"]["1"] == "Mug renamed"
    assert product["name"]["2"] == "Mug personnalisable"  # languages not sent keep their text
    assert int(sim.get_object("stock_availables", 19)["quantity"]) == 42
    assert sim.inspect()["products_created"] == 0
    assert len(_products_by_reference(sim, "demo_19")) == 1


async def test_all_items_failing_fails_the_job(jobs: Jobs, sim: SimulatorAdmin, ledger: EffectLedger) -> None:
    payload = {"batch_id": "batch-none", "items": [_item("demo_1"), _item("demo_2")]}
    _, record = await jobs.run("import_products", payload, batch_id="batch-none")
    assert record.status == "failed"
    assert record.error_code == "all_items_failed"
    assert {i.error_code for i in ledger.items(record.job_id)} == {"already_exists"}


async def test_fifty_items_with_store_latency_all_get_a_result_and_progress_is_visible(
    jobs: Jobs, sim: SimulatorAdmin, ledger: EffectLedger
) -> None:
    sim.set_faults(latency_ms=20)
    payload = {"batch_id": "batch-50", "items": [_item(f"BULK-{n:02d}", quantity=n) for n in range(50)]}
    job = jobs.insert("import_products", payload, batch_id="batch-50")
    handle = await jobs.start(job)

    # While the batch runs, some items already have an outcome and others do not yet.
    seen_progress = await eventually(
        lambda: (lambda s: "succeeded" in s and ({"pending", "running"} & s)) (
            {i.status for i in ledger.items(job.job_id)}),
        timeout=60, interval=0.05,
    )
    assert seen_progress
    result = await handle.result()
    assert result.status == "succeeded"
    items = ledger.items(job.job_id)
    assert len(items) == 50 and all(i.status == "succeeded" and i.product_id for i in items)
    assert len({i.product_id for i in items}) == 50
    assert sim.inspect()["products_created"] == 50
