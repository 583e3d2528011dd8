"""Temporal access for the API process (the worker builds its own client in :mod:`bridge.worker`)."""

from bridge.temporal.client import TemporalConnector, TemporalUnavailable

__all__ = ["TemporalConnector", "TemporalUnavailable"]
