"""Fixtures: see tests/workflows/worker_fixtures.py (a real worker, the store simulator, job helpers)."""

from tests.workflows.worker_fixtures import *  # noqa: F403
