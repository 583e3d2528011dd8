"""What every activity class holds: built once per worker process by :mod:`bridge.worker`, passed in explicitly."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bridge.jobs.ledger import EffectLedger
from bridge.jobs.repository import JobRepository
from bridge.orders.states import OrderStateCache
from bridge.prestashop import PrestaShopGateway
from bridge.settings import Settings
from workflows.activity_contracts import StoreRetryTiming

AfterStoreWrite = Callable[[str, str], None]
"""Test-only fault hook, called as ``hook(job_id, effect_key)`` right after a store write succeeded and before
the ledger marks the effect applied. A test makes it raise to force Temporal to re-run an activity whose effect
already happened — the case the effect ledger exists for. Production passes None."""


@dataclass
class ActivityResources:
    settings: Settings
    jobs: JobRepository
    ledger: EffectLedger
    gateway: PrestaShopGateway
    order_states: OrderStateCache
    after_store_write: AfterStoreWrite | None = None
    store_retry: StoreRetryTiming = StoreRetryTiming()
    """How store activities retry transient failures; handed to each job workflow with its job."""

    def store_write_done(self, job_id: str, effect_key: str) -> None:
        if self.after_store_write is not None:
            self.after_store_write(job_id, effect_key)
