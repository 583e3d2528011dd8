"""Jobs: the durable record of every accepted write, its idempotency keys, dispatch and projection."""
