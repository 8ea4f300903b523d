from __future__ import annotations

import pytest

from blogarchive.encoding import decode_page
from blogarchive.extract import parse_post

TEXT = (
    "<html><head><title>Caf\u00e9 notes</title></head><body><article><h1>Caf\u00e9 \u2019notes\u2019</h1>"
    "<p>A na\u00efve caf\u00e9 visit, \u201cquoted\u201d \u2014 with an entity &amp; more words to make a body.</p>"
    "<p>A second paragraph about cr\u00e8me br\u00fbl\u00e9e and other things worth writing down.</p>"
    "</article></body></html>"
)
LATIN1 = TEXT.replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"').replace("\u2014", "-")


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (TEXT.encode("utf-8"), "text/html; charset=utf-8", TEXT),
        (b"\xef\xbb\xbf" + TEXT.encode("utf-8"), None, TEXT),  # UTF-8 with BOM, nothing declared
        (TEXT.encode("utf-8"), "text/html; charset=iso-8859-1", TEXT),  # declared wrongly
        (TEXT.encode("cp1252"), "text/html; charset=windows-1252", TEXT),
        (TEXT.encode("cp1252"), "text/html; charset=utf-8", TEXT),  # declared wrongly
        (TEXT.encode("cp1252"), None, TEXT),  # nothing declared
        (LATIN1.encode("latin-1"), "text/html; charset=ISO-8859-1", LATIN1),
        (("<meta charset='windows-1252'>" + TEXT).encode("cp1252"), None, "<meta charset='windows-1252'>" + TEXT),
    ],
)
def test_pages_decode_whatever_they_declare(body: bytes, content_type: str | None, expected: str) -> None:
    assert decode_page(body, content_type) == expected


def test_entities_and_curly_quotes_survive_extraction() -> None:
    article = parse_post(decode_page(TEXT.encode("cp1252"), "text/html; charset=utf-8"), "https://b.example/cafe")
    assert article is not None
    assert "\u201cquoted\u201d \u2014 with an entity & more" in article.body_text
    assert "cr\u00e8me br\u00fbl\u00e9e" in article.body_text
    assert article.title == "Caf\u00e9 \u2019notes\u2019"
