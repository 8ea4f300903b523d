from __future__ import annotations

import pytest

from blogarchive.urls import BadURLError, canonical_url, check_start_url, is_loopback


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTPS://WWW.Example.com:443/post-one/", "https://www.example.com/post-one"),
        ("https://example.com/post?utm_source=news&utm_medium=email", "https://example.com/post"),
        ("https://example.com/post?fbclid=abc#comments", "https://example.com/post"),
        ("http://127.0.0.1:8000/blog?page=2", "http://127.0.0.1:8000/blog?page=2"),
        ("https://example.com/", "https://example.com/"),
        ("https://example.com/posts/a-post/index.html", "https://example.com/posts/a-post"),
        ("https://example.com/blog/?page=2&utm_source=x", "https://example.com/blog?page=2"),
        ("https://example.com/index.html", "https://example.com/"),
        ("https://example.com/p?mc_cid=1&mc_eid=2&gclid=3&ref=x&id=7", "https://example.com/p?id=7"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected
    assert canonical_url(expected) == expected  # idempotent


@pytest.mark.parametrize("url", ["", "blog", "ftp://example.com/", "https://", "http://example.com:99999x/"])
def test_bad_start_urls_are_refused(url: str) -> None:
    with pytest.raises(BadURLError):
        check_start_url(url)


def test_loopback_detection() -> None:
    assert is_loopback("http://127.0.0.1:8000/blog")
    assert is_loopback("http://localhost/blog")
    assert not is_loopback("https://www.example.com/blog")


def test_followable_refuses_links_no_request_can_be_made_of() -> None:
    from blogarchive.urls import followable

    assert followable("https://blog.example/a-post") and followable("http://127.0.0.1:8000/x")
    for bad in ("http://127.0.0.1:99999/x", "http://[::1/y", "http://exa mple.test/x", "http://host:abc/",
                "mailto:someone@example.com", "javascript:void(0)", "http:///nohost"):  # fmt: skip
        assert not followable(bad), bad


def test_every_non_global_address_is_internal() -> None:
    from blogarchive.safety import is_internal

    internal = ["127.0.0.1", "10.0.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "100.100.100.200", "::1",
                "fc00::1", "fe80::1", "::ffff:10.0.0.1", "::ffff:127.0.0.1", "192.0.2.1", "localhost"]  # fmt: skip
    assert [h for h in internal if not is_internal(h)] == []
    assert [h for h in ("8.8.8.8", "2001:4860:4860::8888", "::ffff:8.8.8.8") if is_internal(h)] == []


def test_a_name_resolving_to_an_internal_address_is_refused_at_connect_time(monkeypatch) -> None:
    """DNS rebinding: the check before the request resolves a name once, the download resolves
    it again; the resolver the download uses refuses an internal answer for a public crawl."""
    from scrapy.settings import Settings
    from twisted.internet.defer import succeed
    from twisted.internet.error import DNSLookupError

    from blogarchive import safety
    from blogarchive import settings as project_settings

    assert Settings(vars(project_settings))["TWISTED_DNS_RESOLVER"] == "blogarchive.safety.GuardedResolver"
    monkeypatch.setattr(safety, "_internal_allowed", False)
    for name, address in (("rebind.example", "127.0.0.1"), ("meta.example", "100.100.100.200"),
                          ("lan.example", "192.168.1.5"), ("v6.example", "::ffff:10.0.0.1")):  # fmt: skip
        assert safety.refused_address(name, address), (name, address)
    assert not safety.refused_address("blog.example", "93.184.216.34")
    assert not safety.refused_address("127.0.0.1", "127.0.0.1")  # a literal: the middleware's call

    answers: list[object] = []
    resolver = safety.GuardedResolver.__new__(safety.GuardedResolver)
    rebinding = lambda self, name, timeout=(): succeed("10.1.2.3")  # noqa: E731
    monkeypatch.setattr(safety.CachingThreadedResolver, "getHostByName", rebinding)
    resolver.getHostByName("rebind.example").addCallbacks(answers.append, answers.append)
    (failure,) = answers
    assert failure.check(DNSLookupError) and "internal address" in str(failure.value)
    # a crawl started on this machine or a private network may resolve names into it
    monkeypatch.setattr(safety, "_internal_allowed", True)
    assert not safety.refused_address("mirror.lan", "192.168.1.5")
