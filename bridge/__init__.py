"""PrestaShop Bridge: a signed, asynchronous contract for operating a PrestaShop 9 store.

Nothing in this package connects to anything at import time; every resource is built from a
:class:`bridge.settings.Settings` object that the CLI reads once and passes down.
"""
