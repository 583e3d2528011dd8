"""``bridge preflight``: run the seed's six pre-deployment checks against a live deployment (CONTRACT.md §9).

A thin wrapper over :mod:`bridge.preflight`: reads the options (with environment fallbacks — the names
``bridge dev`` writes into ``var/demo-calls.sh``), runs the checks over HTTP, prints one line per check (or
``--json``) and exits 1 when any check FAILS (PARTIAL does not fail the run).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path

import click

from bridge.preflight import PreflightConfig, run_preflight
from bridge.preflight.checks import RedisRestart


def _restart_hook(command: str, timeout: float) -> RedisRestart:
    """``--redis-restart-command`` as the async hook check 5 calls; a non-zero exit is an error (check 5 FAILS)."""

    async def restart() -> None:
        def run() -> None:
            completed = subprocess.run(command, shell=True, capture_output=True, text=True, timeout=timeout)
            if completed.returncode != 0:
                raise RuntimeError(f"--redis-restart-command exited {completed.returncode}: "
                                   f"{(completed.stderr or completed.stdout).strip()[:300]}")

        await asyncio.to_thread(run)

    return restart


@click.command()
@click.option("--api-url", envvar="BRIDGE_URL", required=True, show_envvar=True,
              help="Base URL of the deployment, e.g. https://bridge.example.com.")
@click.option("--client-id", envvar="BRIDGE_CLIENT_ID", required=True, show_envvar=True,
              help="A client with bridge:read and bridge:write.")
@click.option("--client-secret", envvar="BRIDGE_CLIENT_SECRET", required=True, show_envvar=True,
              help="Its OAuth2 client secret (prefer the variable: it stays out of shell history).")
@click.option("--hmac-secret", envvar="BRIDGE_HMAC_SECRET", required=True, show_envvar=True,
              help="Its HMAC signing secret (prefer the variable).")
@click.option("--product-id", envvar="BRIDGE_PREFLIGHT_PRODUCT_ID", type=click.IntRange(min=1), required=True,
              show_envvar=True, help="An existing product; checks 3-6 write its current HT price back (no-op).")
@click.option("--examples-file", type=click.Path(dir_okay=False, path_type=Path), default=Path("examples.http"),
              show_default=True, help="The examples.http whose seed HMAC example check 2 verifies.")
@click.option("--redis-restart-command", envvar="BRIDGE_PREFLIGHT_REDIS_RESTART_COMMAND", default=None,
              show_envvar=True,
              help="A shell command that restarts the deployment's Redis (e.g. 'systemctl restart redis'); "
                   "without it check 5 is PARTIAL.")
@click.option("--check", "checks", type=click.IntRange(1, 6), multiple=True,
              help="Run only these checks (repeatable; 5 and 6 also run 4). Default: all six.")
@click.option("--job-timeout", type=click.FloatRange(min=1), default=60.0, show_default=True,
              help="Seconds to wait for the check job to finish (and for the API after a Redis restart).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON document.")
def preflight(api_url: str, client_id: str, client_secret: str, hmac_secret: str, product_id: int,
              examples_file: Path, redis_restart_command: str | None, checks: tuple[int, ...], job_timeout: float,
              as_json: bool) -> None:
    """Run the six pre-deployment checks of the seed against a live deployment.

    \b
    1 JWT issuance and validation with RS256 only (forged alg none / HS256 / unknown-kid tokens get 401)
    2 the exact HMAC example in examples.http, and live: signed read 200, flipped signature 403
    3 schema validation for all request bodies (400 problem+json with errors, no job)
    4 idempotency replay (same request id: same job; other payload: 409 idempotency_key_reused)
    5 job polling from MySQL (+ after a Redis restart with --redis-restart-command, else PARTIAL)
    6 idempotent handlers under at-least-once delivery (what a live run can see; PARTIAL)

    Exits 1 when any check FAILS.
    """
    config = PreflightConfig(
        api_url=api_url, client_id=client_id, client_secret=client_secret, hmac_secret=hmac_secret,
        product_id=product_id, examples_file=examples_file,
        redis_restart=_restart_hook(redis_restart_command, job_timeout) if redis_restart_command else None,
        redis_restart_description=redis_restart_command or "", job_timeout=job_timeout,
        checks=checks or (1, 2, 3, 4, 5, 6),
    )
    report = asyncio.run(run_preflight(config))
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2, default=str))
    else:
        for line in report.lines():
            click.echo(line)
    raise SystemExit(report.exit_code)
