"""Property-based tests: canonical URLs, date normalisation, extraction on arbitrary HTML."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blogarchive.dates import parse_timestamp
from blogarchive.extract import parse_post
from blogarchive.urls import canonical_url

_segment = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="/?#"), max_size=12)
_hosts = st.from_regex(r"[a-z][a-z0-9-]{0,20}(\.[a-z]{2,6}){1,2}", fullmatch=True)
_params = st.dictionaries(
    st.sampled_from(["utm_source", "utm_medium", "fbclid", "gclid", "ref", "page", "id", "q", "mc_cid"]),
    st.text(alphabet="abcXYZ019-_", max_size=6),
    max_size=4,
)


@st.composite
def urls(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(["http", "https", "HTTP", "Https"]))
    host = draw(_hosts)
    port = draw(st.sampled_from(["", ":80", ":443", ":8080"]))
    path = "/".join(draw(st.lists(_segment, max_size=4)))
    query = "&".join(f"{k}={v}" for k, v in draw(_params).items())
    fragment = draw(st.sampled_from(["", "#top", "#comments"]))
    host = host.upper() if draw(st.booleans()) else host
    return f"{scheme}://{host}{port}/{path}{'?' + query if query else ''}{fragment}"


@given(urls())
@settings(max_examples=300)
def test_canonical_url_is_idempotent_and_keeps_the_host(url: str) -> None:
    canon = canonical_url(url)
    assert canonical_url(canon) == canon
    assert urlsplit(canon).hostname == urlsplit(url).hostname
    assert "#" not in canon and "utm_" not in canon and "fbclid" not in canon


_RELATIVE = ("today", "now", "ago", "yesterday", "tomorrow", "hour", "minute", "second", "day", "week", "month",
             "year", "last", "next", "this")  # fmt: skip


@given(st.text(max_size=60))
# no deadline: dateparser's first parse loads its language data (~0.1 s)
@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_date_normalisation_never_raises_and_never_invents_today(text: str) -> None:
    fetched = datetime(2030, 6, 15, 12, tzinfo=UTC)
    value = parse_timestamp(text, fetched=fetched)  # must not raise, whatever the text
    relative = any(word in text.lower() for word in _RELATIVE)
    if not relative:
        assert value is None or not value.startswith("2030-06-15") or "2030" in text  # never the fetch day
        if not any(c.isdigit() for c in text):
            assert value is None  # no number, no relative word: no date at all


_tags = st.sampled_from(
    ["div", "p", "span", "article", "section", "ul", "li", "table", "td", "h1", "h2", "a", "script"]
)


@st.composite
def html_soup(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 40))):
        tag = draw(_tags)
        kind = draw(st.integers(0, 3))
        text = draw(st.text(max_size=30))
        parts.append([f"<{tag}>", f"</{tag}>", text, f"<{tag} class='{text[:5]}'>{text}"][kind])
    return "".join(parts)


@given(st.one_of(html_soup(), st.text(max_size=300), st.binary(max_size=300)))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_extraction_never_crashes_on_arbitrary_input(html: str | bytes) -> None:
    article = parse_post(html, "https://blog.example/post")
    assert article is None or isinstance(article.body_text, str)
