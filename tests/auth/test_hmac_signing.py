"""The pure signing functions, the seed example of the contract, and ``examples.http`` / ``bridge sign``."""

from __future__ import annotations

import hashlib
import hmac
import re
from pathlib import Path

from click.testing import CliRunner

from bridge.auth.signing import (
    EMPTY_BODY_SHA256,
    body_sha256,
    canonical_string,
    sign,
    signature_matches,
    within_window,
)
from bridge.cli.sign import sign as sign_command

SEED = {
    "method": "POST",
    "uri": "/v1/jobs/products/update",
    "timestamp": 1710950400,
    "request_id": "f47ac10b-58cc-4372-a567-0e02b2c3d479",
    "body_sha256": "37abd647733fbd18a3f11fb5a082fe59c62719d9fe833aec96b28ccea36b70ba",
}
SEED_CANONICAL = (
    b"POST\n/v1/jobs/products/update\n1710950400\nf47ac10b-58cc-4372-a567-0e02b2c3d479\n"
    b"37abd647733fbd18a3f11fb5a082fe59c62719d9fe833aec96b28ccea36b70ba"
)
SEED_SIGNATURE = "448e251d1c71078b07a10baf4094fd2686bcebef97761c4729a921f71798554c"
DEMO_SECRET = "demo-hmac-secret-change-me"
EXAMPLES_HTTP = Path(__file__).resolve().parents[2] / "examples.http"


def test_seed_canonical_string_byte_for_byte() -> None:
    assert canonical_string(**SEED).encode("utf-8") == SEED_CANONICAL


def test_sign_is_lowercase_hex_hmac_sha256_of_the_canonical_string() -> None:
    expected = hmac.new(DEMO_SECRET.encode(), SEED_CANONICAL, hashlib.sha256).hexdigest()
    assert sign(DEMO_SECRET, SEED_CANONICAL.decode()) == expected
    assert sign(DEMO_SECRET.encode(), SEED_CANONICAL.decode()) == expected
    assert re.fullmatch(r"[0-9a-f]{64}", expected)
    # The seed's signature was made with a secret nobody published: the demo secret does not reproduce it.
    assert expected != SEED_SIGNATURE


def test_method_is_upper_cased_and_everything_else_verbatim() -> None:
    canonical = canonical_string("get", "/v1/products/1?b=2&a=%2F", "17", "ID", EMPTY_BODY_SHA256)
    assert canonical == f"GET\n/v1/products/1?b=2&a=%2F\n17\nID\n{EMPTY_BODY_SHA256}"


def test_body_hash_of_a_get_is_the_hash_of_nothing() -> None:
    assert body_sha256(b"") == EMPTY_BODY_SHA256 == hashlib.sha256(b"").hexdigest()


def test_either_of_two_secrets_verifies_during_rotation() -> None:
    canonical = canonical_string(**SEED)
    old, new = b"old-secret", b"new-secret"
    assert signature_matches([new, old], canonical, sign(old, canonical))
    assert signature_matches([new, old], canonical, sign(new, canonical))
    assert signature_matches([new, old], canonical, sign(new, canonical).upper())
    assert not signature_matches([new], canonical, sign(old, canonical))
    assert not signature_matches([new, old], canonical, "0" * 64)
    assert not signature_matches([new, old], canonical, "not hex at all ÿ")


def test_timestamp_window_with_an_injected_clock() -> None:
    now = 1_800_000_000.0
    for skew in (0, 29, -29, 30, -30):
        assert within_window(int(now) + skew, now, 30), skew
    for skew in (31, -31, 3600, -3600):
        assert not within_window(int(now) + skew, now, 30), skew


# --- examples.http ---------------------------------------------------------------------------------------------

def _seed_block() -> dict[str, str | list[str]]:
    text = EXAMPLES_HTTP.read_text(encoding="utf-8")
    block = text[text.index("# seed-method:"):]
    fields: dict[str, str | list[str]] = {}
    canonical_lines: list[str] = []
    for line in block.splitlines():
        if line.startswith("# canonical> "):
            canonical_lines.append(line[len("# canonical> "):])
        elif m := re.match(r"^# (seed-[a-z0-9-]+|demo-[a-z-]+): (\S+)$", line):
            fields[m.group(1)] = m.group(2)
        elif m := re.match(r"^(X-[A-Za-z-]+): (\S+)$", line):
            fields[m.group(1).lower()] = m.group(2)
        elif m := re.match(r"^(POST|GET) \{\{baseUrl\}\}(\S+)$", line):
            fields["request-method"], fields["request-uri"] = m.group(1), m.group(2)
    fields["canonical"] = canonical_lines
    return fields


def test_examples_http_carries_the_seed_inputs_and_canonical_string_byte_for_byte() -> None:
    block = _seed_block()
    assert block["seed-method"] == block["request-method"] == SEED["method"]
    assert block["seed-uri"] == block["request-uri"] == SEED["uri"]
    assert block["seed-timestamp"] == block["x-timestamp"] == str(SEED["timestamp"])
    assert block["seed-request-id"] == block["x-request-id"] == SEED["request_id"]
    assert block["seed-body-sha256"] == SEED["body_sha256"]
    assert block["seed-signature"] == SEED_SIGNATURE
    canonical = "\n".join(block["canonical"])  # type: ignore[arg-type]
    assert canonical.encode("utf-8") == SEED_CANONICAL
    assert canonical_string(
        str(block["seed-method"]), str(block["seed-uri"]), str(block["seed-timestamp"]),
        str(block["seed-request-id"]), str(block["seed-body-sha256"]),
    ) == canonical


def test_examples_http_demo_signature_is_the_canonical_string_under_the_documented_demo_secret() -> None:
    block = _seed_block()
    assert block["demo-secret"] == DEMO_SECRET
    expected = sign(DEMO_SECRET, SEED_CANONICAL.decode())
    assert block["demo-signature"] == block["x-signature"] == expected


def test_every_example_request_is_signed_with_the_required_headers() -> None:
    text = EXAMPLES_HTTP.read_text(encoding="utf-8")
    requests = [chunk for chunk in text.split("\n###") if re.search(r"^(GET|POST) \{\{baseUrl\}\}/v1/", chunk, re.M)]
    targets = {re.search(r"^(GET|POST) \{\{baseUrl\}\}(/v1/\S*)", chunk, re.M).group(2)  # type: ignore[union-attr]
               for chunk in requests}
    assert {"/v1/products/1", "/v1/orders/1", "/v1/jobs/products/update", "/v1/jobs/products/import",
            "/v1/jobs/orders/status"} <= targets
    assert any(t.startswith("/v1/jobs/") and t.count("/") == 3 for t in targets)  # GET /v1/jobs/{jobId}
    for chunk in requests:
        for header in ("Authorization: Bearer", "X-Request-ID:", "X-Timestamp:", "X-Signature:", "Accept:"):
            assert header in chunk, (header, chunk[:80])
    assert "POST {{baseUrl}}/oauth/token" in text and "grant_type=client_credentials" in text


# --- bridge sign -----------------------------------------------------------------------------------------------

def test_bridge_sign_reproduces_the_seed_canonical_string_byte_for_byte() -> None:
    result = CliRunner().invoke(sign_command, [
        "--method", "POST", "--uri", SEED["uri"], "--timestamp", str(SEED["timestamp"]),
        "--request-id", SEED["request_id"], "--body-sha256", SEED["body_sha256"], "--secret", DEMO_SECRET,
    ])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "\n".join(lines[1:6]).encode() == SEED_CANONICAL
    assert lines[6] == f"signature: {sign(DEMO_SECRET, SEED_CANONICAL.decode())}"


def test_bridge_sign_json_and_body_file(tmp_path: Path) -> None:
    body = b'{"product_id": 1, "updates": {"price_ht": "19.90"}}'
    (tmp_path / "body.json").write_bytes(body)
    result = CliRunner().invoke(sign_command, [
        "--method", "post", "--uri", "/v1/jobs/products/update?x=%2F", "--timestamp", "1",
        "--request-id", SEED["request_id"], "--body-file", str(tmp_path / "body.json"), "--json",
    ], env={"BRIDGE_SIGN_SECRET": "s3cret"})
    assert result.exit_code == 0, result.output
    import json

    out = json.loads(result.output)
    expected = canonical_string("POST", "/v1/jobs/products/update?x=%2F", 1, SEED["request_id"], body_sha256(body))
    assert out == {"canonical_string": expected, "signature": sign("s3cret", expected)}


def test_bridge_sign_refuses_a_malformed_body_hash() -> None:
    result = CliRunner().invoke(sign_command, ["--uri", "/v1/x", "--body-sha256", "abc"])
    assert result.exit_code != 0 and "64 hexadecimal" in result.output
