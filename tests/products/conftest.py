"""Fixtures: see tests/jobs/pipeline_fixtures.py (the real API, signed clients, Temporal client, store admin)."""

from tests.jobs.pipeline_fixtures import *  # noqa: F403
