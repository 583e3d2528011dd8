"""The seed's HMAC example (CONTRACT.md §3) and the block of ``examples.http`` that must carry it.

Pure: :func:`parse_seed_block` reads the file's text, :func:`verify_seed_block` recomputes the canonical string
with :mod:`bridge.auth.signing` and returns one message per discrepancy (an empty list: the file is right).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from bridge.auth.signing import canonical_string, sign

# The seed's inputs (seed/prestashop-bridge-v1.txt, CONTRACT.md §3). The seed abbreviates the body hash and the
# signature as 37abd647…70ba and 448e251d…554c; the full values are the ones docs/security.md publishes.
SEED_METHOD = "POST"
SEED_URI = "/v1/jobs/products/update"
SEED_TIMESTAMP = "1710950400"
SEED_REQUEST_ID = "f47ac10b-58cc-4372-a567-0e02b2c3d479"
SEED_BODY_SHA256 = "37abd647733fbd18a3f11fb5a082fe59c62719d9fe833aec96b28ccea36b70ba"
SEED_SIGNATURE = "448e251d1c71078b07a10baf4094fd2686bcebef97761c4729a921f71798554c"
DEMO_SECRET = "demo-hmac-secret-change-me"
"""The project's documented demo HMAC secret (docs/security.md). Never a real client's."""

_FIELD = re.compile(r"^#\s*(seed-method|seed-uri|seed-timestamp|seed-request-id|seed-body-sha256|seed-signature|"
                    r"demo-secret|demo-signature):\s*(.*?)\s*$")
_CANONICAL = re.compile(r"^#\s*canonical>\s?(.*)$")
_REQUEST_LINE = re.compile(r"^(GET|POST|PUT|PATCH|DELETE)\s+\{\{baseUrl\}\}(\S+)")
_HEADER = re.compile(r"^(X-Request-ID|X-Timestamp|X-Signature):\s*(.*?)\s*$", re.IGNORECASE)


class ExamplesFileError(Exception):
    """The file cannot be read or has no seed block."""


@dataclass
class SeedBlock:
    fields: dict[str, str] = field(default_factory=dict)
    canonical_lines: list[str] = field(default_factory=list)
    request_method: str | None = None
    request_uri: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def canonical(self) -> str:
        return "\n".join(self.canonical_lines)


def parse_seed_block(text: str) -> SeedBlock:
    """Find the ``# seed-…:`` fields, the ``# canonical>`` lines and the request that follows them."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if _FIELD.match(line) and "seed-method" in line), None)
    if start is None:
        raise ExamplesFileError("no '# seed-method:' line: the seed's HMAC example block is missing")
    block = SeedBlock()
    index = start
    while index < len(lines):
        line = lines[index]
        index += 1
        if (match := _FIELD.match(line)) is not None:
            block.fields.setdefault(match.group(1), match.group(2))
        elif (match := _CANONICAL.match(line)) is not None:
            block.canonical_lines.append(match.group(1))
        elif (match := _REQUEST_LINE.match(line)) is not None:
            block.request_method, block.request_uri = match.group(1), match.group(2)
            break
    while index < len(lines) and lines[index].strip():  # the request's headers, up to the blank line
        if (match := _HEADER.match(lines[index])) is not None:
            block.headers[match.group(1).lower()] = match.group(2)
        index += 1
    return block


def read_seed_block(path: Path) -> SeedBlock:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ExamplesFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    return parse_seed_block(text)


def expected_canonical() -> str:
    return canonical_string(SEED_METHOD, SEED_URI, SEED_TIMESTAMP, SEED_REQUEST_ID, SEED_BODY_SHA256)


def verify_seed_block(block: SeedBlock) -> list[str]:
    """Every way ``block`` differs from the seed; an empty list when it carries the example exactly."""
    problems: list[str] = []
    seed = {"seed-method": SEED_METHOD, "seed-uri": SEED_URI, "seed-timestamp": SEED_TIMESTAMP,
            "seed-request-id": SEED_REQUEST_ID, "seed-body-sha256": SEED_BODY_SHA256,
            "seed-signature": SEED_SIGNATURE, "demo-secret": DEMO_SECRET}
    for name, expected in seed.items():
        stated = block.fields.get(name)
        if stated is None:
            problems.append(f"no '# {name}:' line")
        elif stated != expected:
            problems.append(f"{name} is {stated!r}, the seed says {expected!r}")
    canonical = expected_canonical()
    if not block.canonical_lines:
        problems.append("no '# canonical>' lines")
    elif block.canonical.encode("utf-8") != canonical.encode("utf-8"):
        problems.append(f"the canonical string stated differs from the recomputed one: {block.canonical!r} "
                        f"!= {canonical!r}")
    demo_signature = sign(DEMO_SECRET, canonical)
    stated_demo = block.fields.get("demo-signature")
    if stated_demo is None:
        problems.append("no '# demo-signature:' line")
    elif stated_demo != demo_signature:
        problems.append(f"demo-signature is {stated_demo}, the canonical string under the demo secret signs to "
                        f"{demo_signature}")
    request = {"request method": (block.request_method, SEED_METHOD),
               "request URI": (block.request_uri, SEED_URI),
               "X-Request-ID header": (block.headers.get("x-request-id"), SEED_REQUEST_ID),
               "X-Timestamp header": (block.headers.get("x-timestamp"), SEED_TIMESTAMP),
               "X-Signature header": (block.headers.get("x-signature"), demo_signature)}
    for what, (stated_value, expected) in request.items():
        if stated_value != expected:
            problems.append(f"the example request's {what} is {stated_value!r}, expected {expected!r}")
    return problems
