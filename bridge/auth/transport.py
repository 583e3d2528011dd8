"""Transport rules for request bodies (CONTRACT.md §4): size ceiling, gzip decoding, media types.

Pure functions over bytes, used by the gate after the signature and rate-limit checks (the signature covers the
bytes on the wire, so decoding happens last).
"""

from __future__ import annotations

import zlib

from bridge.errors import BadRequest, PayloadTooLarge, UnsupportedMediaType

GZIP_WBITS = 16 + zlib.MAX_WBITS  # gzip container, not raw zlib
INFLATE_STEP_BYTES = 256 * 1024


def too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"the request body exceeds {limit} bytes (the limit applies on the wire and after "
                           "decompression)")


def inflate_gzip(body: bytes, limit: int) -> bytes:
    """Decode a gzip body, refusing (413) as soon as the output would exceed ``limit`` bytes.

    ``decompressobj.decompress(..., max_length=...)`` never produces more than it is asked for, so a gzip bomb
    costs at most ``limit`` bytes of output (plus one step) and the inflation stops there. Multi-member gzip
    (concatenated members, RFC 1952 §2.2) is accepted.
    """
    pieces: list[bytes] = []
    total = 0
    remaining = body
    while True:  # one pass per gzip member
        inflater = zlib.decompressobj(GZIP_WBITS)
        data = remaining
        while True:
            # Small steps: CPython builds each step's output in blocks and joins them, so one big call would
            # briefly hold twice the ceiling. max_length is never 0 here (0 would mean "unbounded").
            try:
                piece = inflater.decompress(data, min(INFLATE_STEP_BYTES, limit + 1 - total))
            except zlib.error:
                raise BadRequest("the request body is not valid gzip", code="invalid_gzip") from None
            total += len(piece)
            if total > limit:
                raise too_large(limit)
            pieces.append(piece)
            if inflater.eof:
                break
            data = inflater.unconsumed_tail
            if not data and not piece:  # input exhausted, nothing pending, no end of stream
                raise BadRequest("the gzip request body is truncated", code="invalid_gzip")
        remaining = inflater.unused_data
        if not remaining:
            return pieces[0] if len(pieces) == 1 else b"".join(pieces)


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
