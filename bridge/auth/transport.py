"""Transport rules for request bodies (CONTRACT.md §4): size ceiling, gzip decoding, media types.

Pure functions over bytes, used by the gate after the signature and rate-limit checks (the signature covers the
bytes on the wire, so decoding happens last).
"""

from __future__ import annotations

import zlib

from bridge.errors import BadRequest, PayloadTooLarge, UnsupportedMediaType

GZIP_WBITS = 16 + zlib.MAX_WBITS  # gzip container, not raw zlib


def too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"the request body exceeds {limit} bytes (the limit applies on the wire and after "
                           "decompression)")


def inflate_gzip(body: bytes, limit: int) -> bytes:
    """Decode a gzip body, refusing (413) as soon as the output would exceed ``limit`` bytes.

    ``decompressobj.decompress(..., max_length=...)`` never produces more than it is asked for, so a gzip bomb
    costs at most ``limit`` bytes of memory and the inflation stops there. Multi-member gzip (concatenated
    members, RFC 1952 §2.2) is accepted.
    """
    output = bytearray()
    remaining = body
    while True:
        inflater = zlib.decompressobj(GZIP_WBITS)
        try:
            output += inflater.decompress(remaining, limit + 1 - len(output))
        except zlib.error:
            raise BadRequest("the request body is not valid gzip", code="invalid_gzip") from None
        if len(output) > limit or inflater.unconsumed_tail:
            raise too_large(limit)
        if not inflater.eof:
            raise BadRequest("the gzip request body is truncated", code="invalid_gzip")
        remaining = inflater.unused_data
        if not remaining:
            return bytes(output)


def decode_body(body: bytes, content_encoding: str, *, max_bytes: int, gzip_required_above: int) -> bytes:
    """The body a handler sees, from the body on the wire and its ``Content-Encoding``."""
    coding = content_encoding.strip().lower()
    if coding in ("", "identity"):
        if len(body) > gzip_required_above:
            raise UnsupportedMediaType(
                f"request bodies above {gzip_required_above} bytes must be sent with Content-Encoding: gzip",
                code="gzip_required",
                headers={"Accept-Encoding": "gzip"},
            )
        return body
    if coding in ("gzip", "x-gzip"):
        return inflate_gzip(body, max_bytes)
    raise UnsupportedMediaType(f"unsupported Content-Encoding {content_encoding!r}: send gzip or nothing",
                               code="unsupported_content_encoding", headers={"Accept-Encoding": "gzip"})


def check_json_content_type(content_type: str) -> None:
    """Writes must be ``application/json`` (parameters such as ``charset=utf-8`` allowed)."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type != "application/json":
        raise UnsupportedMediaType("write requests must have Content-Type: application/json",
                                   code="unsupported_media_type")
