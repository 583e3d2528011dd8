"""The client registry on the session's real MySQL: hashing, encryption at rest, rotation, authentication."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher
from cryptography.fernet import Fernet
from sqlalchemy import select

from bridge.clients import ClientRegistry, SecretCipher, SecretCipherError
from bridge.db.engine import create_db_engine
from bridge.db.schema import clients
from bridge.errors import BadRequest, NotFound
from bridge.settings import Settings


@pytest.fixture(scope="module")
def engine(bridge_settings: Settings) -> Iterator:
    engine = create_db_engine(bridge_settings.mysql_url, pool_size=2)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def cipher(bridge_settings: Settings) -> SecretCipher:
    return SecretCipher(bridge_settings.secrets_encryption_key)


@pytest.fixture(scope="module")
def registry(engine, cipher: SecretCipher) -> ClientRegistry:
    return ClientRegistry(engine, cipher, hasher=PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1))


def stored_row(engine, client_id: str):
    with engine.connect() as conn:
        return conn.execute(select(clients).where(clients.c.client_id == client_id)).one()


def test_secrets_are_never_stored_in_clear(registry: ClientRegistry, engine, cipher: SecretCipher) -> None:
    created = registry.create(name="  shop agent  ", scopes=["bridge:read"], reads_per_minute=7,
                              allowed_networks=["10.1.2.3", "192.168.0.0/16"])
    assert created.client_id.startswith("cl_") and created.client_secret.startswith("cs_")
    assert created.hmac_secret.startswith("hs_")
    row = stored_row(engine, created.client_id)
    assert row.name == "shop agent" and row.scopes == "bridge:read"
    assert row.secret_hash.startswith("$argon2id$") and created.client_secret not in row.secret_hash
    assert created.hmac_secret not in row.hmac_secret_enc
    assert cipher.decrypt(row.hmac_secret_enc) == created.hmac_secret
    assert row.allowed_networks == ["10.1.2.3/32", "192.168.0.0/16"]
    record = registry.get(created.client_id)
    assert record is not None and record.hmac_secrets == (created.hmac_secret.encode(),)
    assert record.reads_per_minute == 7 and record.writes_per_minute is None
    assert record.allows_address("192.168.40.2") and record.allows_address("10.1.2.3")
    assert record.allows_address("::ffff:10.1.2.3")  # IPv4-mapped IPv6
    assert not record.allows_address("10.1.2.4") and not record.allows_address(None)
    assert not record.allows_address("not an ip")


def test_authenticate(registry: ClientRegistry) -> None:
    created = registry.create(name="auth")
    assert registry.authenticate(created.client_id, created.client_secret) is not None
    assert registry.authenticate(created.client_id, created.client_secret + "x") is None
    assert registry.authenticate("cl_unknown", created.client_secret) is None
    assert registry.authenticate("", "") is None
    registry.disable(created.client_id)
    assert registry.authenticate(created.client_id, created.client_secret) is None
    registry.set_active(created.client_id, True)
    assert registry.authenticate(created.client_id, created.client_secret) is not None


def test_hmac_rotation_keeps_at_most_two_secrets(registry: ClientRegistry) -> None:
    created = registry.create(name="rotation")
    first = created.hmac_secret.encode()
    second = registry.rotate_hmac_secret(created.client_id).encode()
    assert registry.get(created.client_id).hmac_secrets == (second, first)  # type: ignore[union-attr]
    third = registry.rotate_hmac_secret(created.client_id).encode()
    assert registry.get(created.client_id).hmac_secrets == (third, second)  # type: ignore[union-attr]
    registry.finish_hmac_rotation(created.client_id)
    assert registry.get(created.client_id).hmac_secrets == (third,)  # type: ignore[union-attr]
    assert [s.rotating_hmac_secret for s in registry.list_all() if s.client_id == created.client_id] == [False]


def test_client_secret_rotation_replaces_the_old_secret(registry: ClientRegistry) -> None:
    created = registry.create(name="client secret rotation")
    new = registry.rotate_client_secret(created.client_id)
    assert registry.authenticate(created.client_id, created.client_secret) is None
    assert registry.authenticate(created.client_id, new) is not None


def test_unknown_clients_and_bad_input(registry: ClientRegistry) -> None:
    for operation in (registry.disable, registry.rotate_hmac_secret, registry.rotate_client_secret,
                      registry.finish_hmac_rotation):
        with pytest.raises(NotFound):
            operation("cl_nobody")
    assert registry.get("cl_nobody") is None
    with pytest.raises(BadRequest, match="unknown scope"):
        registry.create(name="x", scopes="bridge:admin")
    with pytest.raises(BadRequest, match="at least one scope"):
        registry.create(name="x", scopes="")
    with pytest.raises(BadRequest, match="CIDR"):
        registry.create(name="x", allowed_networks=["10.0.0.0/33"])
    with pytest.raises(BadRequest, match="at least 1"):
        registry.create(name="x", writes_per_minute=0)
    with pytest.raises(BadRequest, match="name"):
        registry.create(name="  ")


def test_list_shows_no_secret_material(registry: ClientRegistry) -> None:
    created = registry.create(name="listed")
    summary = next(s for s in registry.list_all() if s.client_id == created.client_id)
    text = repr(summary)
    assert created.client_secret not in text and created.hmac_secret not in text and "argon2" not in text


def test_cipher_errors_name_no_key_and_old_keys_keep_decrypting() -> None:
    with pytest.raises(SecretCipherError, match="no secrets encryption key"):
        SecretCipher("")
    with pytest.raises(SecretCipherError, match="not a valid Fernet key") as info:
        SecretCipher("definitely-not-a-key")
    assert "definitely-not-a-key" not in str(info.value)
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    token = SecretCipher(old).encrypt("hs_secret")
    rotated = SecretCipher(f"{new},{old}")
    assert rotated.decrypt(token) == "hs_secret"
    assert SecretCipher(new).decrypt(rotated.encrypt("x")) == "x"  # the first key encrypts
    with pytest.raises(SecretCipherError, match="does not decrypt"):
        SecretCipher(new).decrypt(token)
