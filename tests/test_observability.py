"""Log context: activities know their job id (worker interceptor), JSON lines carry both ids."""

from __future__ import annotations

import io
import json
import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from bridge.observability import JobLogContextInterceptor, configure_logging, job_id_var, request_id_var


@dataclass
class ProbeInput:
    job_id: str


@activity.defn(name="observability_probe")
async def job_id_seen_by_activity(data: ProbeInput) -> str | None:
    return job_id_var.get()


@workflow.defn(name="ObservabilityProbe")
class ProbeWorkflow:
    @workflow.run
    async def run(self, job_id: str) -> str | None:
        return await workflow.execute_activity(
            "observability_probe", ProbeInput(job_id), start_to_close_timeout=timedelta(seconds=10)
        )


async def test_activities_run_with_the_job_id_of_their_input(temporal_address: str) -> None:
    client = await Client.connect(temporal_address)
    queue = f"observability-{uuid.uuid4()}"
    job_id = str(uuid.uuid4())
    async with Worker(client, task_queue=queue, workflows=[ProbeWorkflow], activities=[job_id_seen_by_activity],
                      interceptors=[JobLogContextInterceptor()], workflow_runner=UnsandboxedWorkflowRunner()):
        seen = await client.execute_workflow(ProbeWorkflow.run, job_id, id=f"probe-{job_id}", task_queue=queue)
    assert seen == job_id
    assert job_id_var.get() is None  # reset after the activity


def test_json_log_lines_carry_request_and_job_ids() -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure_logging("INFO")
        stream = io.StringIO()
        root.handlers[0].setStream(stream)  # type: ignore[attr-defined]
        request_token, job_token = request_id_var.set("req-1"), job_id_var.set("job-1")
        try:
            logging.getLogger("bridge.test").info("hello %s", "world")
        finally:
            request_id_var.reset(request_token)
            job_id_var.reset(job_token)
        line = json.loads(stream.getvalue().strip().splitlines()[-1])
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
    assert line["message"] == "hello world"
    assert (line["request_id"], line["job_id"], line["level"], line["logger"]) == ("req-1", "job-1", "INFO", "bridge.test")
