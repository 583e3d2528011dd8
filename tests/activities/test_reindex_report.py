"""``describe_reindex`` tells what PrestaShop actually did to its search index (contract §6, skip_reindex).

Run in Temporal's ActivityEnvironment with a fresh gateway per case, against the simulator over real HTTP (the
gateway caches store configuration for minutes, so each case gets its own gateway after changing the setting).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from temporalio.testing import ActivityEnvironment

from activities.products import ProductActivities
from bridge.settings import Settings
from bridge.store_simulator import SimulatorAdmin
from bridge.worker import open_worker_resources
from workflows.activity_contracts import ReindexInput, ReindexResult


@pytest.fixture
async def product_activities(worker_settings: Settings, sim: SimulatorAdmin) -> AsyncIterator[ProductActivities]:
    async with open_worker_resources(worker_settings) as resources:
        yield ProductActivities(resources)


async def _describe(activities: ProductActivities, requested_skip: bool, written: bool) -> ReindexResult:
    return await ActivityEnvironment().run(activities.describe_reindex, ReindexInput(requested_skip, written))


@pytest.mark.parametrize("indexation", [True, False])
async def test_reindex_report_follows_the_store_setting(
    sim: SimulatorAdmin, worker_settings: Settings, indexation: bool
) -> None:
    sim.settings(search_indexation=indexation)
    async with open_worker_resources(worker_settings) as resources:
        report = await _describe(ProductActivities(resources), requested_skip=True, written=True)
    assert report.requested_skip is True
    assert report.reindexed is indexation
    assert ("no way to skip" in report.note) is indexation


async def test_no_product_write_means_no_reindex(product_activities: ProductActivities) -> None:
    report = await _describe(product_activities, requested_skip=False, written=False)
    assert report.reindexed is False and "stock" in report.note


async def test_unreadable_setting_is_reported_as_unknown(
    sim: SimulatorAdmin, worker_settings: Settings
) -> None:
    sim.add_key("K" * 32, permissions={"languages": ["GET"]})  # a key that may not read configurations
    async with open_worker_resources(worker_settings.replace(prestashop_key="K" * 32)) as resources:
        report = await _describe(ProductActivities(resources), requested_skip=True, written=True)
    assert report.reindexed is None and "unknown" in report.note
