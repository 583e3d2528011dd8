"""Product activities: price/SEO patches, stock deltas, import items — each effect applied once.

How each effect stays exactly-once although Temporal may run an activity again after its write landed
(contract §5, "Effects happen once"):

- **Price and SEO** are absolute values in one PATCH: sending them twice leaves the product as sending them once
  did, so they are *naturally idempotent*. The ledger still records the values seen *before* the first write, so
  the job result reports the true old price even when a retry finds the new one already in place.
- **Stock delta** — the webservice only sets absolute quantities. The target (``before + delta``) is decided once
  and recorded as ``planned`` before writing. A retry re-reads the store: at the target → the earlier write
  landed, mark applied without writing; at ``before`` → it did not, write now; anything else → someone else
  changed the stock meanwhile, and the job fails with ``stock_changed_concurrently`` recording both numbers
  rather than guess (adding the delta again could double it; skipping it could lose it).

  **Race window (documented in the README, reported in every result as ``stock.race_window_note``):** PrestaShop's
  webservice has no atomic increment, so between the bridge's read of the quantity and its absolute write
  (typically milliseconds, one round trip) an order placed on the shop front changes the quantity and the
  bridge's write overwrites that change. The bridge cannot close this window over HTTP; it keeps it as short as
  one read-then-write and never widens it with retries.
- **Product creation (imports)** — before a POST the item's plan is recorded; the product is always looked up by
  reference first. A retry that finds the reference after a planned creation adopts that product (its own POST
  landed but the answer was lost) instead of POSTing again, so a batch never creates a product twice. A reference
  that existed *before* the item was planned is updated (``update_existing``) or fails the item
  (``already_exists``). Stock for an imported item is an absolute quantity (idempotent). An update by reference
  patches price, name, SEO, active, description, EAN-13 and weight; categories are assigned on creation only.
"""

from __future__ import annotations

import asyncio
import dataclasses
from decimal import Decimal
from typing import Any

import msgspec
from msgspec import UNSET
from temporalio import activity

from activities.heartbeat import heartbeating
from activities.resources import ActivityResources
from activities.store_errors import business_error, store_errors
from bridge.jobs.schemas import ImportItem, SeoFields, UpdateProductPayload, decimal_text
from bridge.prestashop import NewProduct, PrestaShopGateway
from workflows.activity_contracts import (
    APPLY_PRODUCT_FIELDS,
    APPLY_STOCK_DELTA,
    CHECK_AND_APPLY_PRODUCT_FIELDS,
    CHECK_PRODUCT_UPDATE,
    DESCRIBE_REINDEX,
    ERR_ALREADY_EXISTS,
    ERR_INSUFFICIENT_STOCK,
    ERR_PRODUCT_NOT_FOUND,
    ERR_STOCK_CHANGED_CONCURRENTLY,
    ERR_UNKNOWN_LANGUAGE,
    IMPORT_ITEM,
    ImportItemInput,
    ImportItemResult,
    ProductCheckResult,
    ProductFieldsResult,
    ProductUpdateInput,
    ReindexInput,
    ReindexResult,
    StockDeltaResult,
    reindex_report,
)

EFFECT_PRODUCT_FIELDS = "product_fields"
EFFECT_STOCK = "stock"
ACTION_CREATED = "created"
ACTION_UPDATED = "updated"

RACE_WINDOW_NOTE = (
    "PrestaShop's webservice has no atomic stock increment: the bridge read the quantity and wrote before+delta "
    "as an absolute value, so an order placed on the shop between that read and write (one round trip) would "
    "have been overwritten. A retry re-reads the store and refuses (stock_changed_concurrently) rather than guess."
)


def item_effect_key(item_index: int) -> str:
    return f"item:{item_index}"


def _not_found(product_id: int) -> tuple[str, str]:
    return ERR_PRODUCT_NOT_FOUND, f"product {product_id} does not exist in the store"


async def default_language_iso(gateway: PrestaShopGateway) -> str:
    """ISO code of the shop's default language (where a plain-string name or SEO value goes)."""
    languages = [lang for lang in await gateway.languages() if lang.active]
    # The gateway resolves PS_LANG_DEFAULT (with its fallbacks) internally and exposes no public accessor yet;
    # using it keeps one definition of "the default language" for reads and writes.
    default_id = await gateway._default_language_id(languages)
    return next(lang.iso_code for lang in languages if lang.id == default_id)


def _localized(value: str | dict[str, str], default_iso: str) -> dict[str, str]:
    return {default_iso: value} if isinstance(value, str) else dict(value)


async def _check_languages(gateway: PrestaShopGateway, texts: dict[str, dict[str, str]]) -> None:
    active = {lang.iso_code for lang in await gateway.languages() if lang.active}
    for field, by_iso in texts.items():
        unknown = sorted(set(by_iso) - active)
        if unknown:
            raise business_error(ERR_UNKNOWN_LANGUAGE,
                                 f"{field}: the store has no active language {', '.join(unknown)}")


async def _seo_texts(gateway: PrestaShopGateway, seo: SeoFields | Any) -> dict[str, dict[str, str]]:
    if seo is UNSET or seo is None:
        return {}
    default_iso = await default_language_iso(gateway)
    texts = {
        name: _localized(value, default_iso)
        for name in ("meta_title", "meta_description", "link_rewrite")
        if (value := getattr(seo, name)) is not UNSET
    }
    await _check_languages(gateway, texts)
    return texts


class ProductActivities:
    def __init__(self, resources: ActivityResources) -> None:
        self._r = resources

    async def _note_attempt(self, job_id: str) -> None:
        attempt = activity.info().attempt
        if attempt > 1:
            await asyncio.to_thread(self._r.jobs.note_attempt, job_id, attempt)

    # --- update_product -----------------------------------------------------------------------------------
    @activity.defn(name=CHECK_PRODUCT_UPDATE)
    async def check_product_update(self, request: ProductUpdateInput) -> ProductCheckResult:
        """Refuse at once what the store's current state makes impossible, before any effect is applied."""
        payload = msgspec.convert(request.payload, UpdateProductPayload)
        product_id = payload.product_id
        async with heartbeating():
            await self._note_attempt(request.job_id)
            with store_errors(not_found=_not_found(product_id)):
                product = await self._r.gateway.get_product(product_id)
                await _seo_texts(self._r.gateway, payload.updates.seo)
            stock = product.stock
            await self._check_stock_delta(request.job_id, product_id, stock, payload.updates.stock_delta)
            return ProductCheckResult(
                product_id=product_id,
                stock_quantity=stock.quantity if stock else None,
                allows_backorders=bool(stock and stock.allows_backorders),
            )

    async def _check_stock_delta(self, job_id: str, product_id: int, stock: Any, delta: Any) -> None:
        """Refuse a delta that would take sellable stock below zero (unless back-orders are allowed)."""
        if delta is UNSET:
            return
        if stock is None:
            raise business_error(ERR_PRODUCT_NOT_FOUND, f"product {product_id} has no stock row")
        planned = await asyncio.to_thread(self._r.ledger.get_effect, job_id, EFFECT_STOCK)
        if planned is None and stock.quantity + delta < 0 and not stock.allows_backorders:
            raise business_error(
                ERR_INSUFFICIENT_STOCK,
                f"product {product_id} has {stock.quantity} in stock; a delta of {delta} would take it "
                f"below zero and the product does not allow back-orders",
                quantity=stock.quantity, delta=delta,
            )

    @activity.defn(name=APPLY_PRODUCT_FIELDS)
    async def apply_product_fields(self, request: ProductUpdateInput) -> ProductFieldsResult:
        """One PATCH with the HT price and SEO fields (absolute values: naturally idempotent)."""
        return await self._apply_product_fields(request, check=False)

    @activity.defn(name=CHECK_AND_APPLY_PRODUCT_FIELDS)
    async def check_and_apply_product_fields(self, request: ProductUpdateInput) -> ProductFieldsResult:
        """``check_product_update``, ``apply_product_fields`` and ``describe_reindex`` in one activity: one task
        round trip through Temporal instead of three, and one product read instead of two.

        The check (the product exists, a stock delta would not take sellable stock below zero) runs on the same
        product read that plans the fields, before anything is written, exactly as the separate check did; a
        retry that finds the fields already planned skips it (the check passed before they were planned)."""
        fields = await self._apply_product_fields(request, check=True)
        requested_skip = bool(request.payload.get("options", {}).get("skip_reindex", False))
        async with heartbeating():
            enabled = await self._r.gateway.search_indexation_enabled()
        return dataclasses.replace(fields, reindex=reindex_report(requested_skip, fields.product_written, enabled))

    async def _apply_product_fields(self, request: ProductUpdateInput, *, check: bool) -> ProductFieldsResult:
        payload = msgspec.convert(request.payload, UpdateProductPayload)
        product_id, updates = payload.product_id, payload.updates
        ledger, gateway = self._r.ledger, self._r.gateway
        async with heartbeating():
            await self._note_attempt(request.job_id)
            effect = await asyncio.to_thread(ledger.get_effect, request.job_id, EFFECT_PRODUCT_FIELDS)
            if effect is None:
                with store_errors(not_found=_not_found(product_id)):
                    product = await gateway.get_product(product_id)
                    seo = await _seo_texts(gateway, updates.seo)
                if check:
                    await self._check_stock_delta(request.job_id, product_id, product.stock,
                                                  updates.stock_delta)
                plan: dict[str, Any] = {"product_id": product_id}
                if updates.price_ht is not UNSET:
                    plan["price"] = {"old": decimal_text(product.price_ht), "new": decimal_text(updates.price_ht)}
                if seo:
                    plan["seo"] = seo
                    plan["seo_before"] = {name: {iso: getattr(product, name).get(iso, "") for iso in texts}
                                          for name, texts in seo.items()}
                effect = await asyncio.to_thread(ledger.plan_effect, request.job_id, EFFECT_PRODUCT_FIELDS, plan)
            data = effect.data
            if not effect.applied:
                with store_errors(not_found=_not_found(product_id)):
                    await gateway.patch_product(
                        product_id,
                        price_ht=Decimal(data["price"]["new"]) if "price" in data else None,
                        seo=data.get("seo") or None,
                    )
                self._r.store_write_done(request.job_id, EFFECT_PRODUCT_FIELDS)
                await asyncio.to_thread(ledger.mark_applied, request.job_id, EFFECT_PRODUCT_FIELDS)
            return ProductFieldsResult(price=data.get("price"), seo=data.get("seo"), product_written=True)

    @activity.defn(name=APPLY_STOCK_DELTA)
    async def apply_stock_delta(self, request: ProductUpdateInput) -> StockDeltaResult:
        """Apply ``stock_delta`` once (see the module docstring for the plan/re-check protocol)."""
        payload = msgspec.convert(request.payload, UpdateProductPayload)
        product_id = payload.product_id
        delta = payload.updates.stock_delta
        assert delta is not UNSET, "the workflow only schedules this activity with a stock_delta"
        ledger, gateway, job_id = self._r.ledger, self._r.gateway, request.job_id
        async with heartbeating():
            await self._note_attempt(job_id)
            effect = await asyncio.to_thread(ledger.get_effect, job_id, EFFECT_STOCK)
            if effect is not None and effect.applied:
                return _stock_result(effect.data)
            with store_errors(not_found=_not_found(product_id)):
                stock = await gateway.get_stock(product_id)
            retry = effect is not None
            if effect is None:
                before, target = stock.quantity, stock.quantity + delta
                if target < 0 and not stock.allows_backorders:
                    raise business_error(
                        ERR_INSUFFICIENT_STOCK,
                        f"product {product_id} has {before} in stock; a delta of {delta} would take it below zero "
                        f"and the product does not allow back-orders",
                        quantity=before, delta=delta,
                    )
                effect = await asyncio.to_thread(
                    ledger.plan_effect, job_id, EFFECT_STOCK,
                    {"stock_available_id": stock.id, "before": before, "target": target, "delta": delta},
                )
            data = effect.data
            before, target = int(data["before"]), int(data["target"])
            if retry and stock.quantity == target:
                # An earlier attempt's write landed (its completion was lost): do not add the delta again.
                await asyncio.to_thread(ledger.mark_applied, job_id, EFFECT_STOCK, {"confirmed_on_retry": True})
                return _stock_result(data)
            if stock.quantity != before:
                await asyncio.to_thread(ledger.add_effect_data, job_id, EFFECT_STOCK, {"found": stock.quantity})
                raise business_error(
                    ERR_STOCK_CHANGED_CONCURRENTLY,
                    f"the stock of product {product_id} changed while this job was applying its delta: the job "
                    f"planned {before} → {target} (delta {delta}) and, on retrying, found {stock.quantity} — "
                    f"neither number, so whether its earlier write landed cannot be told. Nothing more was "
                    f"written; check the stock and send a new delta if needed.",
                    before=before, target=target, found=stock.quantity,
                )
            with store_errors(not_found=_not_found(product_id)):
                await gateway.set_stock_quantity(int(data["stock_available_id"]), target)
            self._r.store_write_done(job_id, EFFECT_STOCK)
            await asyncio.to_thread(ledger.mark_applied, job_id, EFFECT_STOCK)
            return _stock_result(data)

    @activity.defn(name=DESCRIBE_REINDEX)
    async def describe_reindex(self, request: ReindexInput) -> ReindexResult:
        """What happened to the search index — never claim a skipped re-index that occurred (contract §6).
        The store's setting is only read when a product was written (and the gateway caches it)."""
        enabled: bool | None = None
        if request.product_written:
            async with heartbeating():
                enabled = await self._r.gateway.search_indexation_enabled()
        return reindex_report(request.requested_skip, request.product_written, enabled)

    # --- import_products ----------------------------------------------------------------------------------
    @activity.defn(name=IMPORT_ITEM)
    async def import_item(self, request: ImportItemInput) -> ImportItemResult:
        """Create or update one product of a batch, exactly once, and record the item's outcome."""
        item = msgspec.convert(request.item, ImportItem)
        ledger, gateway, job_id, index = self._r.ledger, self._r.gateway, request.job_id, request.item_index
        key = item_effect_key(index)
        async with heartbeating():
            await self._note_attempt(job_id)
            effect = await asyncio.to_thread(ledger.start_item, job_id, index, key)
            if effect is None or not effect.applied:
                with store_errors():
                    existing = await gateway.find_products_by_reference(item.reference)
                if effect is None:
                    if existing and not request.update_existing:
                        raise business_error(
                            ERR_ALREADY_EXISTS,
                            f"a product with reference {item.reference!r} already exists (id {existing[0]}); "
                            f"send options.update_existing=true to update it",
                            product_id=existing[0],
                        )
                    plan: dict[str, Any] = {"reference": item.reference}
                    if existing:
                        plan.update(action=ACTION_UPDATED, product_id=existing[0])
                    else:
                        plan.update(action=ACTION_CREATED)
                    effect = await asyncio.to_thread(ledger.plan_effect, job_id, key, plan)
                product_id = await self._apply_item(job_id, key, item, effect.data, existing)
                self._r.store_write_done(job_id, key)
                # effect applied + item succeeded, in one transaction
                effect = await asyncio.to_thread(
                    lambda: ledger.finish_item(job_id, index, key, product_id=product_id)
                )
            else:  # applied by an earlier attempt: make sure the item row says so too
                effect = await asyncio.to_thread(ledger.finish_item, job_id, index, key)
            product_id, action = int(effect.data["product_id"]), str(effect.data["action"])
            return ImportItemResult(item_index=index, reference=item.reference, product_id=product_id, action=action)

    async def _apply_item(self, job_id: str, key: str, item: ImportItem, plan: dict[str, Any],
                          existing: list[int]) -> int:
        gateway = self._r.gateway
        default_iso = await default_language_iso(gateway)
        seo = await _seo_texts(gateway, item.seo)
        name = _localized(item.name, default_iso)
        description = None if item.description is UNSET else _localized(item.description, default_iso)
        await _check_languages(gateway, {"name": name, **({"description": description} if description else {})})
        # A 404 here means the product this item targets vanished (deleted behind the bridge's back).
        target = plan.get("product_id") or (existing[0] if existing else None)
        with store_errors(not_found=(ERR_PRODUCT_NOT_FOUND, f"product {target or item.reference!r} vanished from the "
                                                            f"store while the item was being imported")):
            if plan["action"] == ACTION_CREATED:
                product_id = plan.get("product_id") or (existing[0] if existing else None)
                if product_id is None:
                    product_id = await gateway.create_product(NewProduct(
                        reference=item.reference,
                        name=name,
                        price_ht=item.price_ht,
                        active=True if item.active is UNSET else item.active,
                        description=description,
                        seo=seo or None,
                        category_ids=[2] if item.category_ids is UNSET else list(item.category_ids),
                        ean13=None if item.ean13 is UNSET else item.ean13,
                        weight=None if item.weight is UNSET else item.weight,
                    ))
                    self._r.store_write_done(job_id, f"{key}:posted")
                # Record the id at once: from here on a retry adopts this product and never POSTs again.
                await asyncio.to_thread(self._r.ledger.add_effect_data, job_id, key, {"product_id": product_id})
            else:
                product_id = int(plan["product_id"])
                # Absolute values: a repeated PATCH leaves the product as one did.
                fields: dict[str, Any] = {"name": name}
                if item.active is not UNSET:
                    fields["active"] = item.active
                if description is not None:
                    fields["description"] = description
                if item.ean13 is not UNSET:
                    fields["ean13"] = item.ean13
                if item.weight is not UNSET:
                    fields["weight"] = item.weight
                await gateway.patch_product(product_id, price_ht=item.price_ht, seo=seo or None, fields=fields)
            if item.quantity is not UNSET:
                stock = await gateway.get_stock(product_id)
                if stock.quantity != item.quantity:  # an absolute quantity: setting it again changes nothing
                    await gateway.set_stock_quantity(stock.id, item.quantity)
        return int(product_id)


def _stock_result(data: dict[str, Any]) -> StockDeltaResult:
    return StockDeltaResult(before=int(data["before"]), after=int(data["target"]), delta=int(data["delta"]),
                            race_window_note=RACE_WINDOW_NOTE)
