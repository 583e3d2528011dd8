"""Start the whole stack for a benchmark run, exactly as ``make run`` does, in a throw-away data folder."""

from __future__ import annotations

import json
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from bridge.clients import ClientRegistry, CreatedClient, SecretCipher
from bridge.db.engine import create_db_engine
from bridge.devstack.stack import DevStack
from bridge.settings import Settings


@dataclass
class BenchStack:
    stack: DevStack
    settings: Settings
    client: CreatedClient
    data_dir: Path

    @property
    def api_url(self) -> str:
        return self.stack.state.api_url

    @property
    def store_url(self) -> str:
        return self.stack.state.store_url

    @property
    def store_admin_url(self) -> str:
        return self.stack.state.store_admin_url

    def pid(self, name: str) -> int:
        state = json.loads((self.data_dir / "dev-stack.json").read_text())
        return int(state["pids"][name])

    def stop(self) -> None:
        self.stack.stop()


def start_stack(base: Settings) -> BenchStack:
    """The dev stack on its own database, Temporal and store; a client whose rate limits are lifted."""
    data_dir = Path(tempfile.mkdtemp(prefix="bridge-bench-"))
    database = f"bridge_bench_{uuid.uuid4().hex[:8]}"
    server_url = base.mysql_url.rsplit("/", 1)[0]
    settings = base.replace(
        data_dir=str(data_dir),
        mysql_url=f"{server_url}/{database}",
        api_port=0,
        temporal_address="127.0.0.1:0",
        temporal_task_queue="bench",
        signing_keys_dir=str(data_dir / "keys"),
        log_level="WARNING",
    )
    stack = DevStack(settings, echo=lambda line: print(f"  {line}"))
    try:
        settings = stack.start()
        engine = create_db_engine(settings.mysql_url, pool_size=1)
        try:
            registry = ClientRegistry(engine, SecretCipher(settings.secrets_encryption_key))
            client = registry.create(name="bench", reads_per_minute=10**9, writes_per_minute=10**9)
        finally:
            engine.dispose()
    except BaseException:
        stack.stop()
        raise
    return BenchStack(stack=stack, settings=settings, client=client, data_dir=data_dir)
