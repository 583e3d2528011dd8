"""Order domain logic shared by the API's pre-check and the order-status workflow.

Pure functions over the store's order states (no I/O), plus a small cache of those states:

- :mod:`bridge.orders.states` maps the bridge's stable status names to the store's own order states;
- :mod:`bridge.orders.transitions` says which status changes the bridge refuses.
"""
