"""Feed documents saved or sent gzip-compressed: known by their first bytes, whatever their name or headers say.

A server that compresses twice, or an archive that kept the body as it came over the
wire (Content-Encoding: gzip), leaves gzip bytes where a feed should be.
"""

from __future__ import annotations

import zlib

__all__ = ["GZIP_MAGIC", "MAX_DOCUMENT_BYTES", "gunzipped"]

GZIP_MAGIC = b"\x1f\x8b"
# No feed document is this large uncompressed; past it compressed bytes are a bomb, not a feed.
MAX_DOCUMENT_BYTES = 256 * 1024 * 1024


def gunzipped(body: bytes) -> tuple[bytes, str | None]:
    """The bytes gzip data holds (every member), and what is wrong when it was cut off.

    Cut-off data gives what could be decompressed, for the parser to keep what it can.
    Raises ValueError when the bytes are not gzip data, or hold more than a feed document can be.
    """
    pieces: list[bytes] = []
    size = 0
    rest = body
    while rest:
        decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        try:
            piece = decompressor.decompress(rest, MAX_DOCUMENT_BYTES + 1 - size)
        except zlib.error as error:
            if pieces:
                break  # trailing garbage after a whole member, which gzip itself ignores
            raise ValueError(f"not readable gzip data: {error}") from error
        pieces.append(piece)
        size += len(piece)
        if size > MAX_DOCUMENT_BYTES or decompressor.unconsumed_tail:
            raise ValueError(f"more than {MAX_DOCUMENT_BYTES:,} bytes uncompressed, more than a feed document can be")
        if not decompressor.eof:
            return b"".join(pieces), "the gzip data was cut off"
        rest = decompressor.unused_data.lstrip(b"\x00")
    return b"".join(pieces), None
