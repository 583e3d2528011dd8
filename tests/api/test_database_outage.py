"""MySQL down under a running API: polling answers 503 database_unavailable (not a 500), then recovers by itself."""

from __future__ import annotations

import uuid

import pytest

from bridge.clients import ClientRegistry, SecretCipher
from bridge.db.engine import create_db_engine, migrate
from bridge.devstack.services import PrivateMariaDB
from bridge.settings import Settings
from tests.support.api_server import ThreadedApiServer
from tests.support.signed_client import SignedClient


@pytest.mark.slow
async def test_polling_answers_503_while_mysql_is_down_and_recovers(
    private_mariadb: PrivateMariaDB, bridge_settings: Settings
) -> None:
    url = private_mariadb.url("bridge_outage")
    migrate(url)
    settings = bridge_settings.replace(mysql_url=url, dispatcher_interval_seconds=0, client_cache_seconds=60)
    engine = create_db_engine(url, pool_size=1)
    created = ClientRegistry(engine, SecretCipher(settings.secrets_encryption_key)).create(
        name="outage", reads_per_minute=1000)
    engine.dispose()
    server = ThreadedApiServer(settings).start()
    try:
        async with await SignedClient.create(server.base_url, created.client_id, created.client_secret,
                                             created.hmac_secret) as client:
            job = f"/v1/jobs/{uuid.uuid4()}"
            assert (await client.get(job)).status_code == 404  # a client's unknown job, from MySQL

            private_mariadb.stop()
            down = await client.get(job)
            assert down.status_code == 503, down.text
            assert down.headers["content-type"].startswith("application/problem+json")
            assert down.json()["code"] == "database_unavailable"
            assert down.headers["retry-after"] == "5"
            assert "Traceback" not in down.text and "pymysql" not in down.text

            private_mariadb.start()
            assert (await client.get(job)).status_code == 404  # the pool re-validates: no restart needed
    finally:
        server.stop()
