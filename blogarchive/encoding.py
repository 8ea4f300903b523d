"""Decode a page's bytes, whatever its declared charset claims.

Valid UTF-8 is taken as UTF-8 even when the page declares otherwise (a legacy
charset almost never produces valid UTF-8 from non-ASCII text); otherwise the
declared charset (header, then <meta>) is used, with WHATWG's labels (latin-1
means windows-1252); a page that declares nothing, or UTF-8 it is not, is read
as windows-1252, the web's most common legacy encoding.
"""

from __future__ import annotations

from w3lib.encoding import (
    html_body_declared_encoding,
    http_content_type_encoding,
    read_bom,
    resolve_encoding,
)

FALLBACK = "cp1252"


def decode_page(body: bytes, content_type: str | bytes | None = None) -> str:
    """The page's text: BOM, then valid UTF-8, then the declared charset, then windows-1252."""
    bom_encoding, bom = read_bom(body)
    if bom_encoding and bom:
        return body[len(bom) :].decode(bom_encoding, errors="replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if isinstance(content_type, bytes):
        content_type = content_type.decode("latin-1")
    declared = http_content_type_encoding(content_type) or html_body_declared_encoding(body)
    encoding = resolve_encoding(declared) if declared else None
    if encoding and encoding not in ("utf-8", "utf8"):
        try:
            return body.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            pass
    return body.decode(FALLBACK, errors="replace")
