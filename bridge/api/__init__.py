"""The Litestar HTTP API: app factory, problem+json mapping, health, capabilities, metrics."""
