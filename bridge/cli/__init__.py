"""The ``bridge`` command: one entry point for running, migrating and operating the bridge.

The group and the settings hand-off live in :mod:`bridge.cli.root`; each command group lives in its own module
and is registered here. Settings are read once, when the command runs, and passed down to every command.
"""

from __future__ import annotations

from bridge.cli.clients import clients
from bridge.cli.jobs import jobs
from bridge.cli.keys import keys
from bridge.cli.preflight import preflight
from bridge.cli.root import cli, settings_of
from bridge.cli.run import api, dev, worker
from bridge.cli.sign import sign

for command in (api, worker, dev, clients, keys, sign, jobs, preflight):
    cli.add_command(command)


def main() -> None:
    cli()


__all__ = ["cli", "main", "settings_of"]
