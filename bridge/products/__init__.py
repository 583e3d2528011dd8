"""Products: the synchronous read ``GET /v1/products/{id}`` (writes go through jobs, see :mod:`bridge.jobs`)."""
