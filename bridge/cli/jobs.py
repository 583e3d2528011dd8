"""``bridge jobs failed`` and ``bridge jobs retry JOB_ID``: inspect and re-drive failed work.

A job that ends ``failed`` or ``partially_succeeded`` has a ``failed_jobs`` row (error, attempts, payload).
``retry`` never re-opens the old job — its history stays as it was — it creates a *new* job with the same
payload, linked both ways (``jobs.redrive_of_job_id`` on the new one, ``failed_jobs.redriven_as_job_id`` on the
old failure), and starts its workflow. If Temporal cannot be reached the new job waits, durable in MySQL, and
the dispatcher of any running API process starts it as soon as Temporal answers.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from bridge.cli.root import settings_of
from bridge.jobs.repository import FailedJobRecord, JobRecord, JobRepository, NotRedrivable
from bridge.jobs.resource import rfc3339
from bridge.settings import Settings


@contextmanager
def open_jobs(ctx: click.Context) -> Iterator[JobRepository]:
    from bridge.db.engine import DatabaseNotMigrated, create_checked_engine

    try:
        engine = create_checked_engine(settings_of(ctx).mysql_url, pool_size=1)
    except DatabaseNotMigrated as exc:
        raise click.ClickException(str(exc)) from None
    try:
        yield JobRepository(engine)
    finally:
        engine.dispose()


def _failure_row(failure: FailedJobRecord) -> dict[str, Any]:
    return {
        "job_id": failure.job_id,
        "client_id": failure.client_id,
        "kind": failure.kind,
        "status": failure.status,
        "error_code": failure.error_code,
        "error_message": failure.error_message,
        "attempts": failure.attempts,
        "failed_at": rfc3339(failure.failed_at),
        "redriven_as_job_id": failure.redriven_as_job_id,
    }


@click.group()
def jobs() -> None:
    """List failed jobs and re-drive them."""


@jobs.command()
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True, help="Newest first.")
@click.option("--all", "include_redriven", is_flag=True, help="Include failures that were already re-driven.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line, payload included.")
@click.pass_context
def failed(ctx: click.Context, limit: int, include_redriven: bool, as_json: bool) -> None:
    """List failed and partially succeeded jobs (not yet re-driven, unless --all)."""
    with open_jobs(ctx) as repository:
        failures = repository.failed(limit=limit, include_redriven=include_redriven)
    if as_json:
        for failure in failures:
            click.echo(json.dumps(_failure_row(failure) | {"payload": failure.payload}, sort_keys=True))
        return
    if not failures:
        click.echo("no failed jobs")
        return
    for failure in failures:
        line = (f"{failure.job_id}  {failure.kind:<20} {failure.status:<20} attempts={failure.attempts}  "
                f"failed_at={rfc3339(failure.failed_at)}  client={failure.client_id}  "
                f"error={failure.error_code or '-'}: {failure.error_message or ''}")
        if failure.redriven_as_job_id:
            line += f"  redriven_as={failure.redriven_as_job_id}"
        click.echo(line)


@jobs.command()
@click.argument("job_id")
@click.pass_context
def retry(ctx: click.Context, job_id: str) -> None:
    """Re-drive one failed job as a new job (same payload), linked to the old one, and start it."""
    settings = settings_of(ctx)
    with open_jobs(ctx) as repository:
        try:
            new_job = repository.redrive(job_id.strip().lower())
        except NotRedrivable as exc:
            raise click.ClickException(str(exc)) from None
        started = asyncio.run(_start(settings, repository, new_job))
    click.echo(f"job {job_id} re-driven as job {new_job.job_id}")
    if started:
        click.echo(f"workflow {new_job.workflow_id} started")
    else:
        click.echo("Temporal is unreachable: the job is recorded and an API process's dispatcher will start it")


async def _start(settings: Settings, repository: JobRepository, job: JobRecord) -> bool:
    from bridge.jobs.dispatcher import JobDispatcher
    from bridge.temporal import TemporalConnector

    dispatcher = JobDispatcher(
        TemporalConnector(settings.temporal_address, settings.temporal_namespace),
        repository,
        task_queue=settings.temporal_task_queue,
    )
    return await dispatcher.try_start(job)
