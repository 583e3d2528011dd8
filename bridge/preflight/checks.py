"""The seed's six pre-deployment checks, run against a live deployment over HTTP (CONTRACT.md §9).

:func:`run_preflight` runs them in order and returns a :class:`PreflightReport`; each check is a coroutine
method of :class:`Preflight` that returns a :class:`CheckResult` (PASS, FAIL or PARTIAL with the reason).
Checks 4–6 share one job: check 4 writes the product's *current* HT price back (a no-op effect), check 5
polls that job to a terminal state and replays it, check 6 inspects how it ran.

Nothing here needs the bridge's database, Redis or Temporal: only the API's URL and one client's credentials.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from bridge.preflight.client import PROBLEM_JSON, PreflightClient, describe, new_request_id, problem_code
from bridge.preflight.examples import ExamplesFileError, read_seed_block, verify_seed_block

PASS, FAIL, PARTIAL = "PASS", "FAIL", "PARTIAL"
TERMINAL = frozenset({"succeeded", "failed", "partially_succeeded"})
UPDATE, IMPORT, ORDER_STATUS = "/v1/jobs/products/update", "/v1/jobs/products/import", "/v1/jobs/orders/status"
PROBE_ID = 2_147_483_646
"""An id no store has: the invalid payloads of check 3 name it, so even a server whose schema validation were
broken would stop them at the business pre-check (422) instead of touching a real product or order."""

CHECK_NAMES = {
    1: "JWT issuance and validation with RS256 only",
    2: "the exact HMAC example in examples.http",
    3: "schema validation for all request bodies",
    4: "Redis-backed idempotency replay",
    5: "MySQL-backed job polling after Redis restart",
    6: "idempotent handlers under at-least-once delivery",
}

RedisRestart = Callable[[], Awaitable[None]]


@dataclass
class PreflightConfig:
    api_url: str
    client_id: str
    client_secret: str
    hmac_secret: str
    product_id: int
    examples_file: Path = Path("examples.http")
    redis_restart: RedisRestart | None = None
    """Restarts the deployment's Redis (the CLI wraps ``--redis-restart-command``); None: check 5 is PARTIAL."""
    redis_restart_description: str = ""
    job_timeout: float = 60.0
    http_timeout: float = 15.0
    checks: Sequence[int] = (1, 2, 3, 4, 5, 6)
    transport: httpx.AsyncBaseTransport | None = None
    """For tests: an httpx transport standing in for the network."""


@dataclass
class CheckResult:
    number: int
    name: str
    status: str
    reason: str
    verified: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0


@dataclass
class PreflightReport:
    api_url: str
    checks: list[CheckResult]
    rate_limited_seconds: float = 0.0
    """Time spent waiting out 429s (a client's write budget is shared with anything else it does)."""

    @property
    def failed(self) -> bool:
        return any(check.status == FAIL for check in self.checks)

    @property
    def status(self) -> str:
        statuses = {check.status for check in self.checks}
        return FAIL if FAIL in statuses else PARTIAL if PARTIAL in statuses else PASS

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0

    def as_dict(self) -> dict[str, Any]:
        return {"api_url": self.api_url, "status": self.status, "exit_code": self.exit_code,
                "rate_limited_seconds": self.rate_limited_seconds, "checks": [asdict(check) for check in self.checks]}

    def lines(self) -> list[str]:
        out = [f"[{c.status}] {c.number}. {c.name}: {c.reason}" for c in self.checks]
        counts = {s: sum(c.status == s for c in self.checks) for s in (PASS, PARTIAL, FAIL)}
        waited = f", {self.rate_limited_seconds:.0f} s waiting out rate limits" if self.rate_limited_seconds else ""
        out.append(f"preflight {self.status}: {counts[PASS]} passed, {counts[PARTIAL]} partial, "
                   f"{counts[FAIL]} failed ({self.api_url}{waited})")
        return out


class CheckFailed(Exception):
    """Raised inside a check: the check FAILS with this message."""


def require(condition: object, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _same_decimal(a: object, b: object) -> bool:
    try:
        return a is not None and b is not None and Decimal(str(a)) == Decimal(str(b))
    except InvalidOperation:
        return False


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unsigned_token(header: dict[str, Any], claims: dict[str, Any]) -> str:
    return (f"{_b64url(json.dumps(header, separators=(',', ':')).encode())}."
            f"{_b64url(json.dumps(claims, separators=(',', ':')).encode())}")


def forge_none(claims: dict[str, Any], kid: str) -> str:
    """``alg: none`` with an empty signature."""
    return _unsigned_token({"alg": "none", "typ": "JWT", "kid": kid}, claims) + "."


def forge_hs256(claims: dict[str, Any], kid: str, key: bytes) -> str:
    """HS256 keyed with ``key`` (the public key's PEM: the RS256/HS256 confusion attack). Built by hand, since
    PyJWT refuses to use a PEM public key as an HMAC secret."""
    signing_input = _unsigned_token({"alg": "HS256", "typ": "JWT", "kid": kid}, claims)
    digest = hmac.new(key, signing_input.encode("ascii"), hashlib.sha256).digest()
    return f"{signing_input}.{_b64url(digest)}"


def forge_rs256(claims: dict[str, Any], kid: str) -> str:
    """RS256 under a freshly generated key the server has never seen, with the given ``kid``."""
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(claims, stranger, algorithm="RS256", headers={"kid": kid})


@dataclass
class _Job:
    job_id: str
    request_id: str
    payload: dict[str, Any]
    price_ht: Any
    answers: list[tuple[str, int, str | None]] = field(default_factory=list)
    """(what, status code, job id in the answer) for every replay sent with the job's request id."""
    resource: dict[str, Any] | None = None
    completed_replay_status: int | None = None


class Preflight:
    def __init__(self, config: PreflightConfig, client: PreflightClient) -> None:
        self.config = config
        self.client = client
        self._product: dict[str, Any] | None = None
        self.job: _Job | None = None
        self.extra_jobs: list[str] = []

    # --- shared helpers -------------------------------------------------------------------------------------------
    async def token(self) -> str:
        if self.client.access_token is None:
            response = await self.client.request_token()
            require(response.status_code == 200,
                    f"POST /oauth/token answered {describe(response)}: check --client-id / --client-secret")
        assert self.client.access_token is not None
        return self.client.access_token

    async def product(self) -> dict[str, Any]:
        if self._product is None:
            await self.token()
            pid = self.config.product_id
            response = await self.client.signed("GET", f"/v1/products/{pid}")
            require(response.status_code == 200, f"GET /v1/products/{pid} answered {describe(response)}")
            body = _json(response)
            require(isinstance(body, dict) and body.get("price_ht") not in (None, ""),
                    f"GET /v1/products/{pid} has no price_ht")
            self._product = body
        return self._product

    async def get_job(self, job_id: str) -> httpx.Response:
        return await self.client.signed("GET", f"/v1/jobs/{job_id}")

    async def poll_until_terminal(self, job_id: str) -> dict[str, Any]:
        deadline = time.monotonic() + self.config.job_timeout
        last = "no answer"
        while True:
            response = await self.get_job(job_id)
            body = _json(response)
            if response.status_code == 200 and isinstance(body, dict):
                last = str(body.get("status"))
                if last in TERMINAL:
                    return body
            else:
                last = describe(response)
            if time.monotonic() > deadline:
                raise CheckFailed(f"job {job_id} not terminal after {self.config.job_timeout:.0f} s (last: {last}); "
                                  f"is a worker running?")
            await asyncio.sleep(0.5)

    def _no_op_payload(self, price: Any) -> dict[str, Any]:
        return {"product_id": self.config.product_id, "updates": {"price_ht": price}}

    # --- 1 ---------------------------------------------------------------------------------------------------------
    async def check_jwt(self) -> CheckResult:
        verified: list[str] = []
        response = await self.client.request_token()
        require(response.status_code == 200,
                f"POST /oauth/token answered {describe(response)}: check --client-id / --client-secret")
        body = _json(response) or {}
        require(str(body.get("token_type", "")).lower() == "bearer", f"token_type is {body.get('token_type')!r}")
        token = body["access_token"]
        header = jwt.get_unverified_header(token)
        require(header.get("alg") == "RS256", f"the issued token's alg is {header.get('alg')!r}, not RS256")
        kid = header.get("kid")
        require(isinstance(kid, str) and kid, "the issued token has no kid")
        verified.append(f"POST /oauth/token → 200 Bearer, header alg RS256, kid {kid}")

        jwks_response = await self.client.get_plain("/.well-known/jwks.json")
        require(jwks_response.status_code == 200, f"GET /.well-known/jwks.json answered {describe(jwks_response)}")
        keys = (_json(jwks_response) or {}).get("keys")
        require(isinstance(keys, list) and keys, "the JWKS has no keys")
        for jwk in keys:
            require(jwk.get("kty") == "RSA" and jwk.get("alg", "RS256") == "RS256" and jwk.get("kid"),
                    f"the JWKS publishes a key that is not an RS256 key with a kid: {jwk.get('kid')!r}")
            require("d" not in jwk, f"the JWKS publishes private key material (kid {jwk.get('kid')})")
        jwk = next((k for k in keys if k.get("kid") == kid), None)
        require(jwk is not None, f"kid {kid} is not in the JWKS (kids: {[k.get('kid') for k in keys]})")
        public_key = RSAAlgorithm.from_jwk(json.dumps(jwk))
        try:
            claims = jwt.decode(token, public_key, algorithms=["RS256"], leeway=30,  # type: ignore[arg-type]
                                options={"verify_aud": False, "require": ["iss", "aud", "sub", "iat", "exp"]})
        except jwt.PyJWTError as exc:
            raise CheckFailed(f"the issued token does not verify against the JWKS key {kid}: {exc}") from None
        require(claims.get("sub") == self.config.client_id,
                f"the token's sub is {claims.get('sub')!r}, not the client id")
        scopes = set(str(claims.get("scope", "")).split())
        require({"bridge:read", "bridge:write"} <= scopes,
                f"the token's scope is {claims.get('scope')!r}: preflight needs bridge:read and bridge:write")
        verified.append(f"signature verifies against JWKS key {kid} with algorithms=['RS256'] "
                        f"({len(keys)} key(s) published, all RSA); iss/aud/sub/iat/exp present")

        genuine = await self.client.signed("GET", "/v1/capabilities", token=token)
        require(genuine.status_code != 401, f"a signed read with the genuine token answered {describe(genuine)}")
        verified.append(f"signed read with the genuine token → {describe(genuine)}")

        now = int(time.time())
        forged_claims = {**claims, "iat": now, "nbf": now, "exp": now + 300, "jti": secrets.token_hex(16)}
        spki_pem = public_key.public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
        pkcs1_pem = public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1)
        forgeries = {
            "alg none": forge_none(forged_claims, kid),
            "HS256 keyed with the public key (SPKI PEM)": forge_hs256(forged_claims, kid, spki_pem),
            "HS256 keyed with the public key (PKCS#1 PEM)": forge_hs256(forged_claims, kid, pkcs1_pem),
            "RS256 with an unknown kid": forge_rs256(forged_claims, f"preflight-unknown-{secrets.token_hex(4)}"),
            "RS256 by another key under the real kid": forge_rs256(forged_claims, kid),
        }
        answers: dict[str, str] = {}
        for label, forged in forgeries.items():
            answer = await self.client.signed("GET", "/v1/capabilities", token=forged)
            answers[label] = describe(answer)
        accepted = [f"{label} → {answer}" for label, answer in answers.items() if not answer.startswith("401")]
        require(not accepted, "forged tokens were not refused with 401: " + "; ".join(accepted))
        verified.append("forged tokens refused 401 on a signed read: " + ", ".join(answers))
        return self._result(1, PASS, f"RS256 token (kid {kid}) verifies against the JWKS; "
                                     f"{len(forgeries)} forged tokens (alg none, HS256 keyed with the public key, "
                                     f"unknown kid, wrong key) refused 401", verified,
                            {"kid": kid, "jwks_kids": [k.get("kid") for k in keys], "forged": answers})

    # --- 2 ---------------------------------------------------------------------------------------------------------
    async def check_hmac_example(self) -> CheckResult:
        verified: list[str] = []
        problems: list[str] = []
        path = self.config.examples_file
        try:
            block = read_seed_block(path)
            file_problems = verify_seed_block(block)
        except ExamplesFileError as exc:
            file_problems = [str(exc)]
        if file_problems:
            problems.extend(f"{path}: {p}" for p in file_problems)
        else:
            verified.append(f"{path}: seed inputs, canonical string (byte for byte) and demo signature "
                            f"{block.fields['demo-signature'][:8]}… under the documented demo secret match; "
                            f"the seed's 448e251d… is stated and reproducible only with its unpublished secret")

        live: dict[str, str] = {}
        try:
            await self.token()
            target = f"/v1/products/{self.config.product_id}"
            rid, ts = new_request_id(), int(time.time())
            good = self.client.signature_for("GET", self.client.prefix + target, b"", rid, ts)
            flipped = good[:-1] + ("0" if good[-1] != "0" else "1")
            bad = await self.client.signed("GET", target, request_id=rid, timestamp=ts, signature=flipped)
            live["flipped signature"] = describe(bad)
            ok = await self.client.signed("GET", target, request_id=rid, timestamp=ts, signature=good)
            live["correct signature"] = describe(ok)
            if ok.status_code == 200:
                verified.append(f"GET {target} correctly signed → 200")
            else:
                problems.append(f"GET {target} correctly signed under --hmac-secret answered {describe(ok)}"
                                + (" (is --hmac-secret the client's HMAC secret?)"
                                   if problem_code(ok) == "invalid_signature" else ""))
            if bad.status_code == 403 and problem_code(bad) == "invalid_signature":
                verified.append("the same read with one hex digit of X-Signature flipped → 403 invalid_signature")
            else:
                problems.append(f"the read with one flipped signature digit answered {describe(bad)}, "
                                f"expected 403 invalid_signature")
        except CheckFailed as exc:
            problems.append(str(exc))
        except httpx.HTTPError as exc:
            problems.append(f"HTTP error talking to {self.config.api_url}: {type(exc).__name__}: {exc}")
        if problems:
            return self._result(2, FAIL, "; ".join(problems), verified, {"live": live})
        return self._result(2, PASS, "examples.http carries the seed example byte for byte with a correct demo "
                                     "signature; live: signed read 200, one flipped digit 403 invalid_signature",
                            verified, {"live": live})

    # --- 3 ---------------------------------------------------------------------------------------------------------
    def _invalid_bodies(self) -> list[tuple[str, str, Any, str | None, str | None]]:
        """(label, path, body, expected code or None, a pointer the errors must name or None)."""
        batch = f"preflight-probe-{secrets.token_hex(4)}"

        def item(i: int) -> dict[str, Any]:
            return {"reference": f"PREFLIGHT-PROBE-{i}", "name": "preflight probe (never created)",
                    "price_ht": "0", "quantity": 0, "active": False}

        return [
            ("update_product: unknown field", UPDATE,
             {"product_id": PROBE_ID, "updates": {"price_ht": "0"}, "preflight_unknown": True}, None,
             "/preflight_unknown"),
            ("update_product: missing product_id", UPDATE, {"updates": {"price_ht": "0"}}, None, "/product_id"),
            ("update_product: product_id of the wrong type", UPDATE,
             {"product_id": "preflight", "updates": {"price_ht": "0"}}, None, "/product_id"),
            ("update_product: TTC price", UPDATE, {"product_id": PROBE_ID, "updates": {"price_ttc": "0"}},
             "ttc_price_forbidden", "/updates/price_ttc"),
            ("import_products: unknown field", IMPORT,
             {"batch_id": batch, "items": [item(1)], "preflight_unknown": True}, None, "/preflight_unknown"),
            ("import_products: missing items", IMPORT, {"batch_id": batch}, None, "/items"),
            ("import_products: items of the wrong type", IMPORT, {"batch_id": batch, "items": "preflight"}, None,
             "/items"),
            ("import_products: 51 items", IMPORT, {"batch_id": batch, "items": [item(i) for i in range(51)]},
             None, "/items"),
            ("update_order_status: unknown field", ORDER_STATUS,
             {"order_id": PROBE_ID, "new_status": "processing", "notify_customer": False, "preflight_unknown": 1},
             None, "/preflight_unknown"),
            ("update_order_status: missing new_status", ORDER_STATUS, {"order_id": PROBE_ID}, None, "/new_status"),
            ("update_order_status: notify_customer of the wrong type", ORDER_STATUS,
             {"order_id": PROBE_ID, "new_status": "processing", "notify_customer": "yes"}, None,
             "/notify_customer"),
        ]

    async def check_schemas(self) -> CheckResult:
        await self.token()
        problems: list[str] = []
        answers: dict[str, str] = {}
        first_rid: str | None = None
        for label, path, body, code, pointer in self._invalid_bodies():
            rid = new_request_id()
            first_rid = first_rid or rid
            response = await self.client.signed("POST", path, json=body, request_id=rid)
            answers[label] = describe(response)
            problem = _json(response)
            if response.status_code != 400:
                problems.append(f"{label} → {describe(response)}, expected 400"
                                + (f" (job {problem.get('job_id')} was created!)"
                                   if isinstance(problem, dict) and problem.get("job_id") else ""))
                continue
            if not response.headers.get("content-type", "").startswith(PROBLEM_JSON):
                problems.append(f"{label}: the 400 is not {PROBLEM_JSON}")
                continue
            errors = problem.get("errors") if isinstance(problem, dict) else None
            if not isinstance(problem.get("code"), str) or not isinstance(errors, list) or not errors:
                problems.append(f"{label}: the 400 lacks a code or a non-empty errors list")
                continue
            if code is not None and problem["code"] != code:
                problems.append(f"{label}: code {problem['code']!r}, expected {code!r}")
            pointers = [e.get("pointer") for e in errors if isinstance(e, dict)]
            if pointer is not None and pointer not in pointers:
                problems.append(f"{label}: errors name {pointers}, not {pointer}")
            if "job_id" in problem or "location" in response.headers:
                problems.append(f"{label}: the 400 carries a job id or a Location")

        # The request id of a refused body was not consumed: a valid body under it is accepted as a new job.
        replay = "not tried"
        if first_rid is not None:
            product = await self.product()
            accepted = await self.client.signed("POST", UPDATE, json=self._no_op_payload(product["price_ht"]),
                                                request_id=first_rid)
            replay = describe(accepted)
            body = _json(accepted)
            if accepted.status_code == 202 and isinstance(body, dict) and body.get("job_id"):
                self.extra_jobs.append(body["job_id"])
                replay = f"202 new job {body['job_id']}"
            else:
                problems.append(f"a valid no-op body under the request id of a refused one answered "
                                f"{describe(accepted)}, expected 202 (a 400 must not bind the request id)")
        details = {"answers": answers, "replay_after_400": replay}
        if problems:
            return self._result(3, FAIL, "; ".join(problems), [], details)
        return self._result(3, PASS, f"{len(answers)} invalid bodies over the three writes (unknown field, missing "
                                     f"field, wrong type, TTC price, 51 items) → 400 problem+json with code and "
                                     f"errors, no job; the refused request id was then accepted as new",
                            [f"{label} → {answer}" for label, answer in answers.items()]
                            + [f"valid no-op body under a refused request id → {replay}"], details)

    # --- 4 ---------------------------------------------------------------------------------------------------------
    async def check_idempotency(self) -> CheckResult:
        product = await self.product()
        price = product["price_ht"]
        payload = self._no_op_payload(price)
        rid = new_request_id()
        verified = [f"GET /v1/products/{self.config.product_id} → price_ht {price}"]
        first = await self.client.signed("POST", UPDATE, json=payload, request_id=rid)
        body = _json(first)
        require(first.status_code == 202 and isinstance(body, dict) and body.get("job_id"),
                f"update_product writing the current price back answered {describe(first)}, expected 202")
        job_id = body["job_id"]
        require(body.get("status") == "accepted", f"the 202 body says status {body.get('status')!r}, not accepted")
        require(first.headers.get("location", "").endswith(f"/v1/jobs/{job_id}"),
                f"the 202 Location is {first.headers.get('location')!r}")
        self.job = job = _Job(job_id, rid, payload, price)
        verified.append(f"POST {UPDATE} (price_ht {price} written back) → 202 job {job_id}")

        problems: list[str] = []
        reordered = {"updates": {"price_ht": price}, "product_id": self.config.product_id}
        for what, raw in (("same bytes", None), ("same payload, other key order and whitespace",
                                                 json.dumps(reordered, indent=2).encode())):
            answer = await (self.client.signed("POST", UPDATE, json=payload, request_id=rid) if raw is None
                            else self.client.signed("POST", UPDATE, body=raw, request_id=rid))
            replay_body = _json(answer)
            replay_job = replay_body.get("job_id") if isinstance(replay_body, dict) else None
            job.answers.append((what, answer.status_code, replay_job))
            if answer.status_code in (200, 202) and replay_job == job_id:
                verified.append(f"replay ({what}) → {answer.status_code} same job")
            else:
                problems.append(f"replay ({what}) answered {describe(answer)} with job {replay_job}, "
                                f"expected 202/200 with job {job_id}")

        other = {**payload, "options": {"skip_reindex": True}}  # another intention, harmless if wrongly accepted
        reused = await self.client.signed("POST", UPDATE, json=other, request_id=rid)
        reused_body = _json(reused)
        job.answers.append(("other payload", reused.status_code,
                            reused_body.get("job_id") if isinstance(reused_body, dict) else None))
        if reused.status_code == 409 and problem_code(reused) == "idempotency_key_reused":
            verified.append("same request id, other payload → 409 idempotency_key_reused")
        else:
            problems.append(f"same request id with another payload answered {describe(reused)}, "
                            f"expected 409 idempotency_key_reused")
        if problems:
            return self._result(4, FAIL, "; ".join(problems), verified, {"job_id": job_id, "request_id": rid})
        return self._result(4, PASS, f"no-op update accepted as job {job_id}; replays (identical and reordered) "
                                     f"→ same job; other payload → 409 idempotency_key_reused", verified,
                            {"job_id": job_id, "request_id": rid,
                             "replays": [{"what": w, "status": s, "job_id": j} for w, s, j in job.answers]})

    # --- 5 ---------------------------------------------------------------------------------------------------------
    async def _replay_completed(self, job: _Job) -> tuple[int, str | None]:
        answer = await self.client.signed("POST", UPDATE, json=job.payload, request_id=job.request_id)
        body = _json(answer)
        replay_job = (body.get("job_id") or (body.get("job") or {}).get("job_id")) if isinstance(body, dict) else None
        job.answers.append(("replay after completion", answer.status_code, replay_job))
        return answer.status_code, replay_job

    async def check_polling(self) -> CheckResult:
        job = self.job
        require(job is not None, "no job to inspect: check 4 did not create one (see its reason)")
        assert job is not None
        verified: list[str] = []
        resource = await self.poll_until_terminal(job.job_id)
        job.resource = resource
        status = resource["status"]
        require(resource.get("job_id") == job.job_id, "GET /v1/jobs/{id} answered another job id")
        verified.append(f"GET /v1/jobs/{job.job_id} polled to terminal status {status!r} (answered from MySQL)")

        ready = await self.client.get_plain("/readyz")
        dependencies = (_json(ready) or {}).get("dependencies") or {}
        require(isinstance(dependencies, dict) and "mysql" in dependencies and "redis" in dependencies,
                f"/readyz ({ready.status_code}) does not report mysql and redis separately: {sorted(dependencies)}")
        dep_status = {name: (dep or {}).get("status") for name, dep in dependencies.items()}
        require(dep_status["mysql"] == "up", f"/readyz reports mysql {dep_status['mysql']!r}")
        verified.append(f"/readyz → {ready.status_code}, " + ", ".join(f"{k}={v}" for k, v in dep_status.items()))

        expected = 200 if status in ("succeeded", "partially_succeeded") else 409
        before = await self._replay_completed(job)
        job.completed_replay_status = before[0]
        require(before == (expected, job.job_id),
                f"replaying the completed job answered {before[0]} with job {before[1]}, expected {expected} "
                f"with job {job.job_id}")
        verified.append(f"replay of the completed job → {expected} with the job resource")
        details = {"job_id": job.job_id, "status": status, "readyz": dep_status}

        if self.config.redis_restart is None:
            return self._result(5, PARTIAL, f"job polled to {status!r} from MySQL, /readyz reports mysql and redis "
                                            f"separately, completed replay → {expected} same job; Redis was not "
                                            f"restarted (no --redis-restart-command): tests/jobs/"
                                            f"test_write_resilience.py (replays answered from MySQL after a Redis "
                                            f"restart) covers the rest", verified, details)

        await self.config.redis_restart()
        verified.append(f"Redis restarted ({self.config.redis_restart_description or 'restart hook'})")
        deadline = time.monotonic() + self.config.job_timeout
        while True:  # reads answer while Redis is down; a write may get 503 redis_unavailable until it is back
            polled = await self.get_job(job.job_id)
            after = await self._replay_completed(job) if polled.status_code == 200 else (polled.status_code, None)
            if after[0] != 503 or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.5)
        require(polled.status_code == 200 and (_json(polled) or {}).get("status") == status,
                f"after the Redis restart GET /v1/jobs/{job.job_id} answered {describe(polled)}")
        require(after == before, f"after the Redis restart the replay answered {after[0]} with job {after[1]}, "
                                 f"before it {before[0]} with job {before[1]}")
        verified.append(f"after the restart: polling → 200 {status!r}, replay → {after[0]} same job")
        return self._result(5, PASS, f"job polled to {status!r} from MySQL; after restarting Redis polling and the "
                                     f"replay gave the same answers ({after[0]}, same job)", verified, details)

    # --- 6 ---------------------------------------------------------------------------------------------------------
    async def check_effects_once(self) -> CheckResult:
        job = self.job
        require(job is not None, "no job to inspect: check 4 did not create one (see its reason)")
        assert job is not None
        resource = job.resource or await self.poll_until_terminal(job.job_id)
        job.resource = resource
        verified: list[str] = []
        require(resource.get("status") == "succeeded",
                f"the no-op job {job.job_id} ended {resource.get('status')!r}: {resource.get('error')}")
        attempts = resource.get("attempts")
        require(isinstance(attempts, int) and attempts >= 1, f"the job reports attempts {attempts!r}")
        require(resource.get("finished_at") and str(resource.get("request_id") or "").lower() == job.request_id.lower(),
                "the job has no finished_at or another request id")
        verified.append(f"job {job.job_id} succeeded once (attempts {attempts}, finished {resource['finished_at']})")
        replayed = [(w, s, j) for w, s, j in job.answers if w != "other payload"]
        strays = {j for _, _, j in replayed if j != job.job_id}
        require(not strays, f"replays answered other job ids: {sorted(map(str, strays))}")
        verified.append(f"{len(replayed)} replays of its request id all answered job {job.job_id}: no second job")
        result = resource.get("result") if isinstance(resource.get("result"), dict) else {}
        price = result.get("price") if isinstance(result.get("price"), dict) else None
        if price is not None:  # the job reports what it changed: old and new must both be the price read
            require(_same_decimal(price.get("old"), job.price_ht) and _same_decimal(price.get("new"), job.price_ht),
                    f"the no-op job reports price {price}, but the price read before it was {job.price_ht}")
            verified.append(f"the job result reports price old {price.get('old')} → new {price.get('new')}")
        product = await self.client.signed("GET", f"/v1/products/{self.config.product_id}")
        price_after = (_json(product) or {}).get("price_ht")
        require(product.status_code == 200 and _same_decimal(price_after, job.price_ht),
                f"the product's price_ht is {price_after!r} after the no-op job, was {job.price_ht!r} "
                f"(another writer changed it, or the job was not a no-op)")
        verified.append(f"product {self.config.product_id} still has price_ht {price_after}")
        return self._result(6, PARTIAL, f"job {job.job_id} succeeded once (attempts {attempts}), {len(replayed)} "
                                        f"replays created no second job; at-least-once redelivery cannot be forced "
                                        f"against a live deployment: tests/faults/ (test_effects_once.py, "
                                        f"test_worker_killed.py) prove effects apply once",
                            verified, {"job_id": job.job_id, "attempts": attempts, "result": result})

    # --- running ---------------------------------------------------------------------------------------------------
    def _result(self, number: int, status: str, reason: str, verified: list[str],
                details: dict[str, Any] | None = None) -> CheckResult:
        return CheckResult(number, CHECK_NAMES[number], status, reason, verified, details or {})

    async def run(self, number: int) -> CheckResult:
        method = {1: self.check_jwt, 2: self.check_hmac_example, 3: self.check_schemas,
                  4: self.check_idempotency, 5: self.check_polling, 6: self.check_effects_once}[number]
        started = time.monotonic()
        try:
            result = await method()
        except CheckFailed as exc:
            result = self._result(number, FAIL, str(exc), [])
        except httpx.HTTPError as exc:
            result = self._result(number, FAIL, f"HTTP error talking to {self.config.api_url}: "
                                                f"{type(exc).__name__}: {exc}", [])
        except Exception as exc:  # one broken check must not hide the others
            result = self._result(number, FAIL, f"unexpected {type(exc).__name__}: {exc}", [])
        result.seconds = round(time.monotonic() - started, 3)
        return result


async def run_preflight(config: PreflightConfig) -> PreflightReport:
    """Run the selected checks, in order, against ``config.api_url``; never raises for a failing check."""
    client = PreflightClient(config.api_url, config.client_id, config.client_secret, config.hmac_secret,
                             timeout=config.http_timeout, transport=config.transport)
    try:
        preflight = Preflight(config, client)
        selected = set(config.checks)
        if selected & {5, 6}:
            selected.add(4)  # checks 5 and 6 inspect the job check 4 creates
        results = [await preflight.run(number) for number in sorted(selected)]
    finally:
        await client.aclose()
    return PreflightReport(config.api_url, results, client.rate_limited_seconds)
