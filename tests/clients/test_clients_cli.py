"""``bridge clients``, ``bridge keys`` and their output contracts (secrets printed once, ``--json``)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from cryptography.fernet import Fernet

from bridge.auth.signing_keys import SigningKeyRing
from bridge.cli.clients import clients
from bridge.cli.keys import keys
from bridge.settings import Settings


def run(group, args: list[str], settings: Settings):
    result = CliRunner().invoke(group, args, obj=settings, catch_exceptions=False)
    return result


def test_clients_lifecycle_through_the_cli(bridge_settings: Settings) -> None:
    created = run(clients, ["create", "--name", "cli agent", "--scopes", "bridge:read", "--reads-per-minute", "9",
                            "--network", "10.0.0.0/8", "--network", "127.0.0.1", "--json"], bridge_settings)
    assert created.exit_code == 0, created.output
    data = json.loads(created.output)
    assert set(data) == {"client_id", "client_secret", "hmac_secret"}
    client_id = data["client_id"]

    listed = run(clients, ["list"], bridge_settings)
    line = next(l for l in listed.output.splitlines() if l.startswith(client_id))
    assert "active" in line and "scopes=bridge:read" in line and "reads/min=9" in line
    assert "networks=10.0.0.0/8,127.0.0.1/32" in line
    assert data["client_secret"] not in listed.output and data["hmac_secret"] not in listed.output

    rotated = run(clients, ["rotate-secret", client_id, "--json"], bridge_settings)
    assert rotated.exit_code == 0 and json.loads(rotated.output)["hmac_secret"].startswith("hs_")
    as_json = [json.loads(l) for l in run(clients, ["list", "--json"], bridge_settings).output.splitlines()]
    assert next(r for r in as_json if r["client_id"] == client_id)["rotating_hmac_secret"] is True
    assert run(clients, ["rotate-secret", client_id, "--finish"], bridge_settings).exit_code == 0
    new_secret = run(clients, ["rotate-secret", client_id, "--which", "client", "--json"], bridge_settings)
    assert json.loads(new_secret.output)["client_secret"].startswith("cs_")

    assert run(clients, ["disable", client_id], bridge_settings).exit_code == 0
    assert "DISABLED" in next(l for l in run(clients, ["list"], bridge_settings).output.splitlines()
                              if l.startswith(client_id))
    assert run(clients, ["enable", client_id], bridge_settings).exit_code == 0


def test_human_output_prints_each_secret_once(bridge_settings: Settings) -> None:
    result = run(clients, ["create", "--name", "human"], bridge_settings)
    assert result.exit_code == 0
    lines = [l for l in result.output.splitlines() if ":" in l]
    assert [l.split(":")[0] for l in lines[:3]] == ["client_id", "client_secret", "hmac_secret"]


def test_cli_errors_are_messages_not_tracebacks(bridge_settings: Settings) -> None:
    unknown = run(clients, ["disable", "cl_nobody"], bridge_settings)
    assert unknown.exit_code == 1 and "no client cl_nobody" in unknown.output
    bad_scope = run(clients, ["create", "--name", "x", "--scopes", "root"], bridge_settings)
    assert bad_scope.exit_code == 1 and "unknown scope" in bad_scope.output
    no_key = run(clients, ["list"], bridge_settings.replace(secrets_encryption_key=""))
    assert no_key.exit_code == 1 and "BRIDGE_SECRETS_ENCRYPTION_KEY" in no_key.output
    assert "Traceback" not in unknown.output + bad_scope.output + no_key.output


def test_keys_generate_list_and_encryption_key(tmp_path: Path, bridge_settings: Settings) -> None:
    settings = bridge_settings.replace(signing_keys_dir=str(tmp_path / "keys"))
    first = run(keys, ["generate", "--bits", "2048"], settings)
    assert first.exit_code == 0, first.output
    kid = first.output.splitlines()[0]
    assert (tmp_path / "keys" / f"{kid}.pem").exists() and kid.startswith("key-")
    assert SigningKeyRing.load(directory=str(tmp_path / "keys")).signing_key.kid == kid
    listed = run(keys, ["list"], settings)
    assert listed.output.strip() == f"{kid}  signs and verifies"
    empty = run(keys, ["list"], settings.replace(signing_keys_dir=str(tmp_path / "none")))
    assert empty.exit_code == 1 and "bridge keys generate" in empty.output
    key = run(keys, ["generate-encryption-key"], settings).output.strip()
    Fernet(key.encode())  # a valid Fernet key
