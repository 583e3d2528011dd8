"""The local stack: private service processes for development and tests, and the ``bridge dev`` orchestration.

* :mod:`bridge.devstack.processes` — :class:`ManagedProcess` (own process group, terminate-then-kill).
* :mod:`bridge.devstack.services` — :class:`PrivateMariaDB`, :class:`PrivateRedis`, :class:`TemporalDevServer`.
* :mod:`bridge.devstack.binaries` — where ``mariadbd``, ``redis-server`` and ``temporal`` are found.

Nothing here is used by the API or the worker in production.
"""

from bridge.devstack.processes import DevStackError, ManagedProcess, MissingDependency, ServiceStartFailed, free_port
from bridge.devstack.services import PrivateMariaDB, PrivateRedis, TemporalDevServer

__all__ = [
    "DevStackError",
    "ManagedProcess",
    "MissingDependency",
    "PrivateMariaDB",
    "PrivateRedis",
    "ServiceStartFailed",
    "TemporalDevServer",
    "free_port",
]
