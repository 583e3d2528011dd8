"""Fixtures: see tests/support/pipeline_fixtures.py (the real API, signed clients, Temporal client, store admin)."""

from tests.support.pipeline_fixtures import *  # noqa: F403
