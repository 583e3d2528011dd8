"""Body decoding rules as pure functions: the gzip bomb is stopped at the ceiling with bounded memory."""

from __future__ import annotations

import gzip
import tracemalloc
import zlib

import pytest

from bridge.auth.transport import check_json_content_type, decode_body, inflate_gzip
from bridge.errors import BadRequest, PayloadTooLarge, UnsupportedMediaType

MIB = 1024 * 1024


def _bomb(inflated_size: int) -> bytes:
    """A gzip stream of ``inflated_size`` zero bytes, built incrementally (the test never holds it inflated)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(MIB)
    parts = [compressor.compress(block) for _ in range(inflated_size // MIB)]
    parts.append(compressor.flush())
    return b"".join(parts)


def test_a_256_mib_gzip_bomb_costs_about_the_ceiling() -> None:
    bomb = _bomb(256 * MIB)  # ~250 KiB on the wire, 256 MiB inflated
    assert len(bomb) < MIB
    tracemalloc.start()
    try:
        with pytest.raises(PayloadTooLarge):
            inflate_gzip(bomb, 10 * MIB)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # The output is bounded by the ceiling (+1 byte), plus zlib's copy of the unread compressed input.
    assert peak < 10 * MIB + 2 * len(bomb) + MIB, peak


def test_inflate_exactly_at_and_just_over_the_ceiling() -> None:
    limit = 64 * 1024
    assert inflate_gzip(gzip.compress(b"a" * limit), limit) == b"a" * limit
    with pytest.raises(PayloadTooLarge):
        inflate_gzip(gzip.compress(b"a" * (limit + 1)), limit)
    with pytest.raises(PayloadTooLarge):  # the ceiling counts every member of a multi-member stream
        inflate_gzip(gzip.compress(b"a" * limit) + gzip.compress(b"b"), limit)


def test_malformed_gzip() -> None:
    for body in (b"", b"\x1f\x8b", b"plain text", gzip.compress(b"hello")[:-4] + b"XXXX"):
        with pytest.raises(BadRequest):
            inflate_gzip(body, MIB)


def test_decode_body_rules() -> None:
    assert decode_body(b"x" * 32768, "", max_bytes=MIB, gzip_required_above=32768) == b"x" * 32768
    with pytest.raises(UnsupportedMediaType) as info:
        decode_body(b"x" * 32769, "identity", max_bytes=MIB, gzip_required_above=32768)
    assert info.value.code == "gzip_required" and info.value.headers == {"Accept-Encoding": "gzip"}
    assert decode_body(gzip.compress(b"x" * 40000), " GZIP ", max_bytes=MIB, gzip_required_above=32768) == \
        b"x" * 40000
    with pytest.raises(UnsupportedMediaType) as info:
        decode_body(b"{}", "compress", max_bytes=MIB, gzip_required_above=32768)
    assert info.value.code == "unsupported_content_encoding"


def test_json_content_type() -> None:
    check_json_content_type("application/json")
    check_json_content_type("Application/JSON; charset=utf-8")
    for bad in ("", "text/json", "application/json-patch+json", "multipart/form-data"):
        with pytest.raises(UnsupportedMediaType):
            check_json_content_type(bad)
